//! The collection: every flow once per run — the IdP-initiated launch for every asserted
//! user (concurrently), the SP-initiated flows for a sample, the permission checks and the
//! metadata — gathered into one [`SamlRun`].

use super::observation::{Flow, Observation, SamlRun};
use super::sampling::{asserted_subjects, few_per_reason, sample, with_captured};
use super::sp::SpFlows;
use super::{authn_request, b64, mint_session, now, Answer, FlowError, SamlClient, SSO};
use crate::saml::{xml, SamlSetup, Subject};
use crate::Error;
use futures::StreamExt;

/// Run every flow: the IdP-initiated launch for every asserted user, the SP-initiated flows
/// for a sample, the permission checks, and the metadata.
pub async fn collect(
    base_url: &str,
    setup: &SamlSetup,
    subjects: Vec<Subject>,
    concurrency: usize,
    policy: &crate::identity::ClientPolicy,
) -> Result<SamlRun, Error> {
    let key = setup.jwt_key.clone().ok_or_else(|| {
        Error::Config("no session signing key: the SAML flows need a session per user (hint: set CFP_JWT_SIGNING_KEY, or [target] jwt_signing_key_env)".into())
    })?;
    let trusted: Vec<Vec<u8>> = setup.trusted_cert.clone().into_iter().collect();
    if trusted.is_empty() {
        return Err(Error::Config("no certificate Slack trusts is configured (hint: [saml] certificate = \"slack-idp-cert.pem\")".into()));
    }
    let client = SamlClient::new(base_url)?.with_policy(policy.clone());
    let started = std::time::Instant::now();
    let session = |s: &Subject| {
        mint_session(
            &key,
            s.person_id.as_deref().unwrap_or_default(),
            s.account_level.as_deref().unwrap_or("user"),
            now(),
        )
    };

    let metadata = read_metadata(&client).await;

    let targets: Vec<&Subject> = match setup.idp_sample {
        Some(n) => with_captured(sample(&subjects, n), &subjects, setup),
        None => asserted_subjects(&subjects).collect(),
    };
    let sp_sample = match setup.idp_sample {
        Some(n) => setup.sp_sample.min(n.div_ceil(10).max(1)),
        None => setup.sp_sample,
    };
    let mut idp = launch_all(&client, &trusted, &targets, &session, concurrency).await;
    // Collected by doubling and kept for the run: up to half of it would be spare capacity.
    idp.shrink_to_fit();

    let acs = setup.acs();
    let sso_url = client.url(SSO).map(|u| u.to_string()).unwrap_or_default();
    let flows = SpFlows {
        client: &client,
        trusted: &trusted,
        sso_url: &sso_url,
        acs: &acs,
        team_host: &setup.team_host,
    };
    let mut sp = Vec::new();
    let mut resume = Vec::new();
    for (i, s) in sample(&subjects, sp_sample).into_iter().enumerate() {
        let token = session(s)?;
        sp.push(flows.signed_in(s, i, &token).await);
        resume.push(flows.signed_out(s, i, &token).await);
    }

    let anonymous_launch = client.launch(None, Some("general")).await;
    let foreign_acs = match targets.first() {
        Some(s) => foreign_acs(&client, &session(s)?, &sso_url).await,
        None => Err(FlowError::NoUser),
    };
    let refused = refusals(&client, &subjects, setup, &session).await;

    let sampled_from = setup
        .idp_sample
        .map(|_| asserted_subjects(&subjects).count());
    let mut run = SamlRun::new(subjects, metadata, idp, sp, resume);
    run.sampled_from = sampled_from;
    run.anonymous_launch = anonymous_launch;
    run.foreign_acs = foreign_acs;
    run.refused = refused;
    run.seconds = started.elapsed().as_secs_f64();
    Ok(run)
}

/// The IdP's metadata, read as Slack would load it.
async fn read_metadata(client: &SamlClient) -> Result<xml::Metadata, FlowError> {
    match client.metadata().await {
        Ok(a) if a.status == 200 => Ok(xml::read_metadata(&a.body)?),
        Ok(a) => Err(FlowError::Answered(a.describe())),
        Err(e) => Err(e),
    }
}

/// The IdP-initiated launch for each target, `concurrency` at once. Each answer is decoded
/// and its signature verified on the blocking pool, so verification uses every core instead
/// of the one thread that drives the scenarios.
async fn launch_all(
    client: &SamlClient,
    trusted: &[Vec<u8>],
    targets: &[&Subject],
    session: &impl Fn(&Subject) -> Result<String, Error>,
    concurrency: usize,
) -> Vec<Observation> {
    let trusted: std::sync::Arc<[Vec<u8>]> = trusted.into();
    futures::stream::iter(targets.iter().map(|s| {
        let (client, trusted, token) = (client.clone(), trusted.clone(), session(s));
        async move {
            let mut o = Observation::new(Flow::IdpInitiated, s.legacy.id);
            match token {
                Ok(t) => match client.launch(Some(&t), None).await {
                    Ok(a) => return read_off_thread(o, a, trusted).await,
                    Err(e) => o.problem = Some(e.to_string()),
                },
                Err(e) => o.problem = Some(e.to_string()),
            }
            o
        }
    }))
    .buffer_unordered(concurrency.max(1))
    .collect()
    .await
}

/// Read an answer on the blocking pool (decode, parse, verify: CPU work).
async fn read_off_thread(
    mut o: Observation,
    answer: Answer,
    trusted: std::sync::Arc<[Vec<u8>]>,
) -> Observation {
    let legacy_id = o.legacy_id;
    match tokio::task::spawn_blocking(move || {
        o.read(answer, &trusted);
        o
    })
    .await
    {
        Ok(o) => o,
        Err(e) => {
            let mut o = Observation::new(Flow::IdpInitiated, legacy_id);
            o.problem = Some(format!("reading the answer failed: {e}"));
            o
        }
    }
}

/// A signed-in AuthnRequest naming another ACS (the IdP must refuse it).
async fn foreign_acs(client: &SamlClient, token: &str, sso_url: &str) -> Result<Answer, FlowError> {
    let id = format!("_{}", uuid::Uuid::new_v4().simple());
    client
        .sso(
            Some(token),
            &b64(&authn_request(
                &id,
                sso_url,
                "https://attacker.example/sso/saml",
                now(),
            )),
            "x",
        )
        .await
}

/// Everyone with a twin whom the IdP must refuse (a paced run: a few of each reason), and
/// what the launch answered for each.
async fn refusals(
    client: &SamlClient,
    subjects: &[Subject],
    setup: &SamlSetup,
    session: &impl Fn(&Subject) -> Result<String, Error>,
) -> Vec<(String, Result<Answer, FlowError>)> {
    let mut refused = Vec::new();
    let must: Vec<&Subject> = subjects.iter().filter(|s| s.must_be_refused()).collect();
    let refusals = match setup.idp_sample {
        Some(_) => few_per_reason(&must, 3),
        None => must,
    };
    for s in refusals {
        let answer = match session(s) {
            Ok(t) => client.launch(Some(&t), None).await,
            Err(e) => Err(e.into()),
        };
        refused.push((
            format!(
                "{} — {} (laddr level {})",
                s.label(),
                s.refusal_reason(),
                s.legacy.level
            ),
            answer,
        ));
    }
    refused
}
