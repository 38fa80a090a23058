//! The SAML flows over HTTP (new-stack.md §5): a session minted with the rehearsal's JWT key,
//! the IdP-initiated launch, the SP-initiated POST with a generated AuthnRequest, and the
//! resume flow for a signed-out member. Every answer is bounded; nothing follows redirects.

use super::verify::{self, Verified};
use super::xml::{self, SamlError};
use super::{SamlSetup, Subject};
use crate::Error;
use base64::Engine;
use futures::StreamExt;
use serde::Serialize;
use std::time::Duration;

/// Bodies larger than this are cut (a SAML form is a few KiB).
const MAX_BODY: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(15);
pub const SESSION_COOKIE: &str = "cfp_session";
pub const RESUME_COOKIE: &str = "cfp_saml_resume";
pub const LAUNCH: &str = "/api/saml/slack/launch";
pub const SSO: &str = "/api/saml/slack/sso";
pub const RESUME: &str = "/api/saml/slack/sso/resume";
pub const METADATA: &str = "/api/saml/slack/metadata";

/// Sessions minted with the session key in this process: the report says when the key was
/// used, so staff know to rotate it after an acceptance run.
pub static SESSIONS_MINTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Mint a `cfp_session` JWT (HS256) for a person, as the new stack's login would.
pub fn mint_session(
    key: &[u8],
    person_id: &str,
    account_level: &str,
    now: i64,
) -> Result<String, Error> {
    SESSIONS_MINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let claims = serde_json::json!({
        "sub": person_id, "jti": uuid::Uuid::new_v4().to_string(), "accountLevel": account_level,
        "scope": "session", "iat": now, "exp": now + 15 * 60,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .map_err(|e| Error::Config(format!("minting a session: {e}")))
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The auto-submit form an IdP answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoPost {
    pub action: String,
    /// Base64 as sent. Never written to evidence (it carries the email).
    #[serde(skip)]
    pub saml_response: String,
    pub relay_state: Option<String>,
}

/// One HTTP answer, reduced to what the flows look at.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    /// Names of the cookies set (values kept apart, never reported).
    pub cookies_set: Vec<String>,
    #[serde(skip)]
    pub cookie_values: Vec<(String, String)>,
    pub error_code: Option<String>,
    pub form: Option<AutoPost>,
    #[serde(skip)]
    pub body: String,
}

impl Answer {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookie_values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `302 → /login…` (relative, or absolute on any host).
    pub fn redirects_to_login(&self) -> bool {
        matches!(self.status, 302 | 303 | 307)
            && self.location.as_deref().is_some_and(|l| {
                let path = l
                    .split_once("://")
                    .map(|(_, rest)| rest.find('/').map_or("", |i| &rest[i..]))
                    .unwrap_or(l);
                path == "/login" || path.starts_with("/login?") || path.starts_with("/login/")
            })
    }

    pub fn describe(&self) -> String {
        let mut s = format!("HTTP {}", self.status);
        if let Some(c) = &self.error_code {
            s.push_str(&format!(" {c}"));
        }
        if let Some(l) = &self.location {
            s.push_str(&format!(" → {l}"));
        }
        s
    }
}

/// Undo the predefined entities and character references in an attribute value (an unknown
/// entity leaves the value as written).
fn html_unescape(s: &str) -> String {
    quick_xml::escape::unescape(s)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| s.to_string())
}

/// Find the auto-submit form (a POST carrying `SAMLResponse`) in an HTML page.
pub fn parse_form(html: &str) -> Option<AutoPost> {
    let dom = tl::parse(html, tl::ParserOptions::default()).ok()?;
    let parser = dom.parser();
    let attr = |tag: &tl::HTMLTag, name: &str| -> Option<String> {
        tag.attributes()
            .get(name)
            .flatten()
            .map(|v| html_unescape(&v.as_utf8_str()))
    };
    let form = dom
        .query_selector("form")?
        .filter_map(|h| h.get(parser)?.as_tag().cloned())
        .next()?;
    let action = attr(&form, "action")?;
    let mut saml_response = None;
    let mut relay_state = None;
    for h in dom.query_selector("input")? {
        let Some(tag) = h.get(parser).and_then(|n| n.as_tag()) else {
            continue;
        };
        match attr(tag, "name").as_deref() {
            Some("SAMLResponse") => saml_response = attr(tag, "value"),
            Some("RelayState") => relay_state = attr(tag, "value"),
            _ => {}
        }
    }
    Some(AutoPost {
        action,
        saml_response: saml_response?,
        relay_state,
    })
}

/// An HTTP client for the SAML endpoints.
#[derive(Clone)]
pub struct SamlClient {
    base: reqwest::Url,
    http: reqwest::Client,
    policy: crate::identity::ClientPolicy,
}

impl SamlClient {
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let base = reqwest::Url::parse(base_url).map_err(|e| Error::Target {
            url: base_url.into(),
            message: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| Error::Target {
                url: base_url.into(),
                message: e.to_string(),
            })?;
        Ok(SamlClient {
            policy: crate::identity::ClientPolicy::varied(base.as_str()),
            base,
            http,
        })
    }

    /// The same client under the run's request policy.
    pub fn with_policy(mut self, policy: crate::identity::ClientPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Answer, String> {
        let (method, path) = req
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| (r.method().clone(), r.url().path().to_string()))
            .unwrap_or((reqwest::Method::GET, String::new()));
        let class = crate::identity::RequestClass::of(&method, &path);
        let make = || {
            req.try_clone()
                .expect("SAML requests have cloneable bodies")
        };
        let (mut resp, _) = crate::identity::send(&self.policy, class, make)
            .await
            .map_err(|e| match e {
                crate::identity::SendError::Failed(e) => {
                    format!("{what}: {}", crate::target::describe(&e))
                }
                limited => format!("{what}: {limited}"),
            })?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut cookie_values = Vec::new();
        for v in resp.headers().get_all("set-cookie") {
            if let Some((name, value)) = v
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|nv| nv.split_once('='))
            {
                cookie_values.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{what}: reading the body: {}", crate::target::describe(&e)))?
        {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(format!(
                    "{what}: the answer is larger than {MAX_BODY} bytes"
                ));
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let error_code = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error")?.get("code")?.as_str().map(str::to_string));
        let form = if status == 200 {
            parse_form(&body)
        } else {
            None
        };
        Ok(Answer {
            status,
            location,
            cookies_set: cookie_values.iter().map(|(n, _)| n.clone()).collect(),
            cookie_values,
            error_code,
            form,
            body,
        })
    }

    fn url(&self, path: &str) -> Result<reqwest::Url, String> {
        self.base.join(path).map_err(|e| format!("{path}: {e}"))
    }

    fn cookies(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn metadata(&self) -> Result<Answer, String> {
        self.send(self.http.get(self.url(METADATA)?), "GET metadata")
            .await
    }

    pub async fn launch(
        &self,
        session: Option<&str>,
        channel: Option<&str>,
    ) -> Result<Answer, String> {
        let mut url = self.url(LAUNCH)?;
        if let Some(c) = channel {
            url.query_pairs_mut().append_pair("channel", c);
        }
        let mut req = self.http.get(url);
        if let Some(s) = session {
            req = req.header("cookie", Self::cookies(&[(SESSION_COOKIE, s)]));
        }
        self.send(req, "GET launch").await
    }

    pub async fn sso(
        &self,
        session: Option<&str>,
        saml_request: &str,
        relay_state: &str,
    ) -> Result<Answer, String> {
        let mut req = self
            .http
            .post(self.url(SSO)?)
            .form(&[("SAMLRequest", saml_request), ("RelayState", relay_state)]);
        if let Some(s) = session {
            req = req.header("cookie", Self::cookies(&[(SESSION_COOKIE, s)]));
        }
        self.send(req, "POST sso").await
    }

    pub async fn resume(&self, session: &str, resume: Option<&str>) -> Result<Answer, String> {
        let mut pairs = vec![(SESSION_COOKIE, session)];
        if let Some(r) = resume {
            pairs.push((RESUME_COOKIE, r));
        }
        self.send(
            self.http
                .get(self.url(RESUME)?)
                .header("cookie", Self::cookies(&pairs)),
            "GET resume",
        )
        .await
    }
}

/// An AuthnRequest as Slack sends it (HTTP-POST binding: base64, not deflated).
pub fn authn_request(id: &str, idp_sso_url: &str, acs: &str, now: i64) -> String {
    let instant = iso(now);
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" ProtocolBinding="{binding}"><saml:Issuer>{slack}</saml:Issuer><samlp:NameIDPolicy Format="{persistent}" AllowCreate="true"/></samlp:AuthnRequest>"#,
        dest = esc(idp_sso_url),
        acs = esc(acs),
        binding = xml::HTTP_POST,
        slack = super::SLACK_ENTITY,
        persistent = xml::PERSISTENT,
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

pub fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// Which flow produced an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    IdpInitiated,
    SpInitiated,
    SpResume,
}

/// One assertion attempt for one user.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub flow: Flow,
    pub legacy_id: i64,
    pub at: i64,
    pub answer: Option<Answer>,
    /// Why no document could be read, when none could.
    pub problem: Option<String>,
    /// The request's ID and RelayState (SP-initiated).
    pub request_id: Option<String>,
    pub sent_relay_state: Option<String>,
    /// The document read naively (None when it could not be read).
    pub response: Option<xml::Response>,
    pub verified: Option<Result<Verified, SamlError>>,
}

impl Observation {
    fn new(flow: Flow, legacy_id: i64) -> Self {
        Observation {
            flow,
            legacy_id,
            at: now(),
            answer: None,
            problem: None,
            request_id: None,
            sent_relay_state: None,
            response: None,
            verified: None,
        }
    }

    /// The Assertion to read identity from: the signed one when the signature verified,
    /// otherwise the only one present (identity is judged apart from trust).
    pub fn identity(&self) -> Option<&xml::Assertion> {
        match &self.verified {
            Some(Ok(v)) => Some(&v.signed),
            _ => self
                .response
                .as_ref()
                .filter(|r| r.assertions.len() == 1)
                .map(|r| &r.assertions[0]),
        }
    }

    pub fn asserted(&self) -> bool {
        self.response
            .as_ref()
            .is_some_and(|r| r.status.as_deref() == Some(xml::SUCCESS) && !r.assertions.is_empty())
    }

    /// Read the form the answer carried: decode, parse, verify. Only what the checks judge is
    /// kept (the page and the encoded response are dropped: at 23,000 members they would
    /// hold most of a gigabyte).
    fn read(&mut self, mut answer: Answer, trusted: &[Vec<u8>]) {
        if let Some(form) = &answer.form {
            match xml::decode_base64(&form.saml_response) {
                // Verification reads the document once and keeps its naive reading; only when
                // it fails is the document read again for what it says.
                Ok(doc) => match verify::verify_response(&doc, trusted) {
                    Ok(mut v) => {
                        self.response = Some(std::mem::take(&mut v.response));
                        self.verified = Some(Ok(v));
                    }
                    Err(e) => match xml::read_response(&doc) {
                        Ok(r) => {
                            self.response = Some(r);
                            self.verified = Some(Err(e));
                        }
                        Err(e) => self.problem = Some(format!("SAMLResponse unreadable: {e}")),
                    },
                },
                Err(e) => self.problem = Some(format!("SAMLResponse unreadable: {e}")),
            }
        } else {
            self.problem = Some(format!("no auto-submit form ({})", answer.describe()));
        }
        answer.body = String::new();
        if let Some(f) = answer.form.as_mut() {
            f.saml_response = String::new();
        }
        self.answer = Some(answer);
    }
}

/// Everything the SAML scenarios judge, collected once per run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SamlRun {
    pub subjects: Vec<Subject>,
    pub metadata: Result<xml::Metadata, String>,
    pub idp: Vec<Observation>,
    pub sp: Vec<Observation>,
    pub resume: Vec<Observation>,
    /// Launch without a session.
    pub anonymous_launch: Result<Answer, String>,
    /// An AuthnRequest naming another ACS.
    pub foreign_acs: Result<Answer, String>,
    /// People who must be refused, and what the launch answered for each.
    pub refused: Vec<(String, Result<Answer, String>)>,
    pub seconds: f64,
    /// A paced run's sample: how many members should be asserted in all (only the sample
    /// was launched; the data repo proves the rest).
    pub sampled_from: Option<usize>,
    /// Position in `subjects` by laddr ID (each judgement looks members up once per answer).
    #[serde(skip)]
    index: std::collections::HashMap<i64, usize>,
}

impl SamlRun {
    /// Every observation of every flow.
    pub fn all(&self) -> impl Iterator<Item = &Observation> {
        self.idp.iter().chain(&self.sp).chain(&self.resume)
    }

    pub fn new(
        subjects: Vec<Subject>,
        metadata: Result<xml::Metadata, String>,
        idp: Vec<Observation>,
        sp: Vec<Observation>,
        resume: Vec<Observation>,
    ) -> Self {
        let index = subjects
            .iter()
            .enumerate()
            .map(|(i, s)| (s.legacy.id, i))
            .collect();
        SamlRun {
            subjects,
            metadata,
            idp,
            sp,
            resume,
            anonymous_launch: Err("not asked".into()),
            foreign_acs: Err("not asked".into()),
            refused: Vec::new(),
            seconds: 0.0,
            sampled_from: None,
            index,
        }
    }

    pub fn subject(&self, legacy_id: i64) -> Option<&Subject> {
        self.index.get(&legacy_id).map(|&i| &self.subjects[i])
    }
}

/// Users the new IdP should assert ([`Subject::must_be_asserted`]).
pub fn asserted_subjects(subjects: &[Subject]) -> impl Iterator<Item = &Subject> {
    subjects.iter().filter(|s| s.must_be_asserted())
}

/// The SP-initiated sample: awkward usernames first (capitals, dots, underscores), then an
/// even spread, `n` in all.
pub fn sample(subjects: &[Subject], n: usize) -> Vec<&Subject> {
    let all: Vec<&Subject> = asserted_subjects(subjects).collect();
    let awkward = |s: &&Subject| {
        s.legacy.username.as_deref().is_some_and(|u| {
            u.chars()
                .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        })
    };
    let mut out: Vec<&Subject> = all.iter().copied().filter(awkward).take(n).collect();
    let rest: Vec<&Subject> = all.iter().copied().filter(|s| !awkward(s)).collect();
    if out.len() < n && !rest.is_empty() {
        let step = (rest.len() / (n - out.len())).max(1);
        out.extend(rest.iter().step_by(step).take(n - out.len()));
    }
    out
}

/// A paced sample plus every member a captured laddr assertion names, so each capture has
/// the new IdP's assertion to be compared with.
fn with_captured<'a>(
    mut picked: Vec<&'a Subject>,
    subjects: &'a [Subject],
    setup: &SamlSetup,
) -> Vec<&'a Subject> {
    let named: std::collections::HashSet<String> = super::capture::load(setup)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| Some(c.read.ok()?.signed.name_id_value()?.to_string()))
        .collect();
    let have: std::collections::HashSet<i64> = picked.iter().map(|s| s.legacy.id).collect();
    picked.extend(asserted_subjects(subjects).filter(|s| {
        !have.contains(&s.legacy.id)
            && s.legacy
                .username
                .as_deref()
                .is_some_and(|u| named.contains(u))
    }));
    picked
}

/// At most `n` subjects per refusal reason, in order.
fn few_per_reason<'a>(subjects: &[&'a Subject], n: usize) -> Vec<&'a Subject> {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    subjects
        .iter()
        .copied()
        .filter(|s| {
            let k = seen.entry(s.refusal_reason()).or_default();
            *k += 1;
            *k <= n
        })
        .collect()
}

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

    let metadata = match client.metadata().await {
        Ok(a) if a.status == 200 => xml::read_metadata(&a.body).map_err(|e| e.to_string()),
        Ok(a) => Err(a.describe()),
        Err(e) => Err(e),
    };

    let targets: Vec<&Subject> = match setup.idp_sample {
        Some(n) => with_captured(sample(&subjects, n), &subjects, setup),
        None => asserted_subjects(&subjects).collect(),
    };
    let sp_sample = match setup.idp_sample {
        Some(n) => setup.sp_sample.min(n.div_ceil(10).max(1)),
        None => setup.sp_sample,
    };
    let idp: Vec<Observation> = futures::stream::iter(targets.iter().map(|s| {
        let (client, trusted, token) = (client.clone(), trusted.clone(), session(s));
        async move {
            let mut o = Observation::new(Flow::IdpInitiated, s.legacy.id);
            match token {
                Ok(t) => match client.launch(Some(&t), None).await {
                    Ok(a) => o.read(a, &trusted),
                    Err(e) => o.problem = Some(e),
                },
                Err(e) => o.problem = Some(e.to_string()),
            }
            o
        }
    }))
    .buffer_unordered(concurrency.max(1))
    .collect()
    .await;

    let acs = setup.acs();
    let sso_url = client.url(SSO).map(|u| u.to_string()).unwrap_or_default();
    let mut sp = Vec::new();
    let mut resume = Vec::new();
    for (i, s) in sample(&subjects, sp_sample).into_iter().enumerate() {
        let token = session(s)?;
        // Signed in: the form comes at once.
        let mut o = Observation::new(Flow::SpInitiated, s.legacy.id);
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let relay = format!("https://{}/messages/general?rs={i}&x=<&>", setup.team_host);
        o.request_id = Some(id.clone());
        o.sent_relay_state = Some(relay.clone());
        match client
            .sso(
                Some(&token),
                &b64(&authn_request(&id, &sso_url, &acs, now())),
                &relay,
            )
            .await
        {
            Ok(a) => o.read(a, &trusted),
            Err(e) => o.problem = Some(e),
        }
        sp.push(o);
        // Signed out: sent to sign in with a resume cookie, then resumed with a session.
        let mut o = Observation::new(Flow::SpResume, s.legacy.id);
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let relay = format!("resume-{i}");
        o.request_id = Some(id.clone());
        o.sent_relay_state = Some(relay.clone());
        match client
            .sso(
                None,
                &b64(&authn_request(&id, &sso_url, &acs, now())),
                &relay,
            )
            .await
        {
            Ok(first) if first.redirects_to_login() => {
                match client.resume(&token, first.cookie(RESUME_COOKIE)).await {
                    Ok(a) => o.read(a, &trusted),
                    Err(e) => o.problem = Some(e),
                }
            }
            Ok(first) => {
                o.problem = Some(format!(
                    "a signed-out member was not sent to sign in ({})",
                    first.describe()
                ));
                o.answer = Some(first);
            }
            Err(e) => o.problem = Some(e),
        }
        resume.push(o);
    }

    let anonymous_launch = client.launch(None, Some("general")).await;
    let foreign_acs = match targets.first() {
        Some(s) => {
            let token = session(s)?;
            let id = format!("_{}", uuid::Uuid::new_v4().simple());
            client
                .sso(
                    Some(&token),
                    &b64(&authn_request(
                        &id,
                        &sso_url,
                        "https://attacker.example/sso/saml",
                        now(),
                    )),
                    "x",
                )
                .await
        }
        None => Err("no user to try it with".into()),
    };

    // Everyone with a twin whom the IdP must refuse (a paced run: a few of each reason).
    let mut refused = Vec::new();
    let must: Vec<&Subject> = subjects.iter().filter(|s| s.must_be_refused()).collect();
    let refusals = match setup.idp_sample {
        Some(_) => few_per_reason(&must, 3),
        None => must,
    };
    for s in refusals {
        let answer = match session(s) {
            Ok(t) => client.launch(Some(&t), None).await,
            Err(e) => Err(e.to_string()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auto_submit_form_is_read_with_entities_undone() {
        let html = r#"<!DOCTYPE html><html><body onload="document.forms[0].submit()"><form method="post" action="https://t.slack.com/sso/saml"><input type="hidden" name="SAMLResponse" value="PHg+PC94Pg=="/><input type="hidden" name="RelayState" value="a&amp;b&#x3C;c&quot;"/></form></body></html>"#;
        let f = parse_form(html).unwrap();
        assert_eq!(f.action, "https://t.slack.com/sso/saml");
        assert_eq!(f.saml_response, "PHg+PC94Pg==");
        assert_eq!(f.relay_state.as_deref(), Some("a&b<c\""));
        assert!(parse_form("<html><body>Sign in</body></html>").is_none());
        assert!(parse_form("<form action=x><input name=RelayState value=y></form>").is_none());
    }

    #[test]
    fn login_redirects_are_recognised_relative_or_absolute() {
        let a = |status, l: &str| Answer {
            status,
            location: Some(l.into()),
            ..Default::default()
        };
        assert!(a(302, "/login?return=%2Fapi").redirects_to_login());
        assert!(a(302, "https://x.org/login").redirects_to_login());
        assert!(!a(302, "/loginx").redirects_to_login());
        assert!(!a(301, "/login").redirects_to_login());
        assert!(!a(302, "https://evil.example/elsewhere/login").redirects_to_login());
    }

    #[test]
    fn minted_sessions_are_hs256_with_the_contract_claims() {
        let t = mint_session(b"k", "p-1", "user", 1_000).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_exp = false;
        let d = jsonwebtoken::decode::<serde_json::Value>(
            &t,
            &jsonwebtoken::DecodingKey::from_secret(b"k"),
            &v,
        )
        .unwrap();
        assert_eq!(d.claims["sub"], "p-1");
        assert_eq!(d.claims["scope"], "session");
        assert_eq!(
            d.claims["exp"].as_i64().unwrap() - d.claims["iat"].as_i64().unwrap(),
            900
        );
        assert!(jsonwebtoken::decode::<serde_json::Value>(
            &t,
            &jsonwebtoken::DecodingKey::from_secret(b"other"),
            &v
        )
        .is_err());
    }
}
