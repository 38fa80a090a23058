//! An environment from a profile: a real laddr copy (read-only) and the new stack — one
//! already running at `[target] base_url`, or one the suite starts from `[target] image` or
//! `command` on the profile's data repo and private store, with the contract's environment
//! and the suite's own GitHub and Resend mocks.

use crate::config::Profile;
use crate::datarepo::DataRepo;
use crate::env::Environment;
use crate::identity::ClientPolicy;
use crate::legacy::LegacyDb;
use crate::stack::env::{self as names, StackEnv};
use crate::target::TargetClient;
use crate::Error;
use std::path::PathBuf;
use std::sync::Arc;

/// Members a paced run takes through the IdP, and legacy URLs it follows.
pub const DEFAULT_IDP_SAMPLE: usize = 40;
pub const DEFAULT_URL_SAMPLE: usize = 60;
/// People and projects (each) a paced run compares between laddr's JSON and the new API.
pub const DEFAULT_SHADOW_SAMPLE: usize = 30;
/// Tries per group in the timing comparison of a paced run (auth is 10 a minute).
pub const PACED_TIMING_SAMPLES: usize = 10;

fn required<'a>(v: Option<&'a str>, hint: &str) -> Result<&'a str, Error> {
    v.ok_or_else(|| Error::Config(hint.into()))
}

/// A local path from the profile, for a stack the suite starts on it.
fn local_dir(what: &str, p: Option<PathBuf>) -> Result<PathBuf, Error> {
    match p {
        Some(p) if p.exists() => Ok(p),
        Some(p) => Err(Error::Config(format!(
            "{what} {} does not exist (hint: a stack the suite starts needs local paths)",
            p.display()
        ))),
        None => Err(Error::Config(format!("no {what} for the stack to boot on"))),
    }
}

/// The contract's environment for a stack the suite starts in `run`.
fn stack_env(
    profile: &Profile,
    port: u16,
    mocks: &crate::claim::mock::Mocks,
) -> Result<StackEnv, Error> {
    let repo = local_dir(
        "data repo",
        profile.target.data_repo.clone().map(PathBuf::from),
    )?;
    let private = local_dir("private store", profile.target.private_store.clone())?;
    let key = profile.jwt_signing_key().ok_or_else(|| {
        Error::Config("a stack the suite starts needs a session key (hint: set CFP_JWT_SIGNING_KEY, or keep session.key beside the state)".into())
    })?;
    let (saml_key, saml_cert) = profile.saml_signing_pems();
    let mut env = StackEnv::new(&repo, profile.branch(), &private, &key);
    env.listen("127.0.0.1", port)
        .set(names::SLACK_TEAM_HOST, profile.slack_team_host())
        .set_opt(names::SAML_PRIVATE_KEY, saml_key)
        .set_opt(names::SAML_CERTIFICATE, saml_cert)
        .set(names::GITHUB_CLIENT_ID, mocks.github.client_id.clone())
        .set(
            names::GITHUB_CLIENT_SECRET,
            mocks.github.client_secret.clone(),
        )
        .set(names::GITHUB_OAUTH_BASE_URL, mocks.github.uri())
        .set(names::GITHUB_API_BASE_URL, mocks.github.uri())
        .set(names::RESEND_API_KEY, mocks.resend.api_key.clone())
        .set(names::RESEND_BASE_URL, mocks.resend.uri())
        .set(names::PUBLIC_URL, format!("http://127.0.0.1:{port}"));
    if let Ok(f) = std::env::var(names::FAULTS) {
        env.set(names::FAULTS, f);
    }
    Ok(env)
}

/// The stack's environment for its tools when the suite did not start the stack: the
/// storage the profile names, and the keys the environment holds.
fn tools_env(profile: &Profile) -> StackEnv {
    let repo = profile.target.data_repo.clone().unwrap_or_default();
    let private = profile.target.private_store.clone().unwrap_or_default();
    let key = profile.jwt_signing_key().unwrap_or_default();
    let mut env = StackEnv::new(
        std::path::Path::new(&repo),
        profile.branch(),
        &private,
        &key,
    );
    for name in [
        names::RESEND_API_KEY,
        names::RESEND_BASE_URL,
        names::PUBLIC_URL,
    ] {
        env.set_opt(name, std::env::var(name).ok().filter(|v| !v.is_empty()));
    }
    env
}

pub async fn environment(profile: &Profile) -> Result<Environment, Error> {
    let url = required(profile.legacy.url.as_deref(), "no legacy database for `run` (hint: set LADDR_DATABASE_URL or [legacy] url in the profile)")?;
    let repo = required(profile.target.data_repo.as_deref(), "no data repo (hint: set CUTOVER_DATA_REPO or [target] data_repo to the bare repo or its git URL)")?;
    let provider = profile.stack_provider()?;
    let legacy = LegacyDb::connect_read_only(url).await?;
    // Before any stack starts: a wrong repo or branch is the profile's mistake.
    let repo = {
        let (repo, branch) = (repo.to_string(), profile.branch().to_string());
        tokio::task::spawn_blocking(move || DataRepo::open(&repo, &branch))
            .await
            .map_err(|e| Error::Config(e.to_string()))??
    };
    let (stack, claim, stack_env) = start_stack(profile, provider.as_ref()).await?;
    let base = match &stack {
        Some(s) => s.base_url.clone(),
        None => required(profile.target.base_url.as_deref(), "no new stack to check (hint: set CUTOVER_TARGET_URL or [target] base_url, or start one with [target] image / command)")?.to_string(),
    };
    let target = TargetClient::new(&base)?;
    if stack.is_none() {
        answers_at_all(&target).await?;
    }
    let identity = serde_json::json!({
        "legacy": { "database": legacy.display, "serverVersion": legacy.server_version().await? },
        "target": { "baseUrl": base, "dataRepoBranch": repo.branch,
                    "provider": stack.as_ref().map(|s| s.provider.clone()),
                    "readySeconds": stack.as_ref().map(|s| s.ready_after.as_secs_f64()) },
    });
    let name = profile.name.clone().unwrap_or_else(|| "external".into());
    let saml = profile.saml_setup()?;
    let mut env = Environment::new(
        name,
        legacy,
        target,
        repo,
        profile.target.private_store.clone(),
        identity,
    )
    .await?;
    env.saml = saml;
    env.claim = claim;
    env.import_commit_named = profile.run.import_commit.clone();
    env.import_private_store = profile.run.import_private_store.clone();
    env.window = profile.window.setup()?;
    request_policy(&mut env, profile, &base, stack.is_some())?;
    env.stack = stack.map(Arc::new);
    env.runbook = runbook(profile, provider, stack_env.clone())?;
    env.tools = profile.tools.commands().map(|commands| {
        let env = stack_env.unwrap_or_else(|| tools_env(profile));
        Arc::new(crate::tools::ToolSetup::new(commands, env))
    });
    Ok(env)
}

/// The new stack the profile asks for, started with its own GitHub and Resend mocks; or
/// none, and the claim setup of the stack already running.
async fn start_stack(
    profile: &Profile,
    provider: Option<&crate::stack::Provider>,
) -> Result<
    (
        Option<crate::stack::RunningStack>,
        crate::claim::ClaimSetup,
        Option<StackEnv>,
    ),
    Error,
> {
    Ok(match provider {
        None => (None, profile.claim_setup().await?, None),
        Some(p) => {
            let port = crate::legacy::provider::free_port()
                .map_err(|e| Error::io("a free port for the stack", e))?;
            let callback = format!("http://127.0.0.1:{port}{}", crate::routes::GITHUB_CALLBACK);
            let claim = profile.claim_setup_with_mocks(&callback).await?;
            let mocks = claim
                .mocks
                .as_ref()
                .ok_or_else(|| Error::Config("no GitHub and Resend mocks for the stack".into()))?;
            let env = stack_env(profile, port, mocks)?;
            let network = profile.legacy.network.unwrap_or_default();
            let stack = crate::stack::start(p, &env, network, profile.ready_timeout()).await?;
            (Some(stack), claim, Some(env))
        }
    })
}

/// How requests reach the stack: from varied client addresses (a stack of the suite's own,
/// or when the profile says so), or paced to the contract's per-IP limits, with samples.
fn request_policy(
    env: &mut Environment,
    profile: &Profile,
    base: &str,
    own_stack: bool,
) -> Result<(), Error> {
    if own_stack || profile.vary_client_ip() {
        env.set_policy(ClientPolicy::varied(base));
        env.identity["requests"] = "a client address of its own per request".into();
    } else {
        // Paced: the contract's per-IP limits decide what a run can afford.
        env.set_policy(ClientPolicy::paced(profile.limits()?));
        env.saml.idp_sample = Some(profile.saml.idp_sample.unwrap_or(DEFAULT_IDP_SAMPLE));
        env.redirect_sample = Some(profile.run.url_sample.unwrap_or(DEFAULT_URL_SAMPLE));
        // Two reads per record, one of them from laddr's live site.
        env.window
            .shadow_sample
            .get_or_insert(DEFAULT_SHADOW_SAMPLE);
        env.claim.timing_samples = profile.claim.timing_samples.unwrap_or(PACED_TIMING_SAMPLES);
        let l = profile.limits()?;
        env.identity["requests"] = format!(
            "paced to {} auth, {} writes, {} reads a minute",
            l.auth, l.write, l.read
        )
        .into();
    }
    Ok(())
}

/// `host:port` of a MySQL URL, to tell two servers apart.
fn server_of(url: &str) -> Option<(String, u16)> {
    let u = reqwest::Url::parse(url).ok()?;
    Some((u.host_str()?.to_ascii_lowercase(), u.port().unwrap_or(3306)))
}

/// The runbook gates' settings; a scratch server that is the legacy server is refused.
fn runbook(
    profile: &Profile,
    provider: Option<crate::stack::Provider>,
    stack_env: Option<StackEnv>,
) -> Result<crate::runbook::RunbookSetup, Error> {
    let scratch = profile.legacy.scratch_url.clone();
    if let (Some(s), Some(l)) = (&scratch, &profile.legacy.url) {
        if server_of(s).is_some() && server_of(s) == server_of(l) {
            return Err(Error::Config("[legacy] scratch_url is the legacy server: the dump is restored only into a scratch server, never into laddr's (hint: another server, or leave it out and the suite starts one)".into()));
        }
    }
    let launcher = provider.zip(stack_env).map(|(provider, env)| {
        Arc::new(crate::runbook::launch::ProviderLaunch {
            provider,
            env,
            network: profile.legacy.network.unwrap_or_default(),
        }) as Arc<dyn crate::runbook::launch::Launch>
    });
    Ok(crate::runbook::RunbookSetup {
        launcher,
        dump: profile.legacy.dump.clone(),
        scratch_url: scratch,
        legacy_site: profile.legacy.site.clone(),
        public_snapshot: profile.snapshot.repo.clone().map(|r| {
            let branch = profile
                .snapshot
                .branch
                .clone()
                .unwrap_or_else(|| crate::config::DEFAULT_BRANCH.into());
            (r, branch)
        }),
        profile: Some(profile.clone()),
    })
}

/// A stack the suite did not start must at least answer before anything is judged: nothing
/// listening is "cannot run", never a page of failed checks. Any HTTP answer will do (the
/// health scenarios judge it); a rate limit is an answer too.
async fn answers_at_all(target: &TargetClient) -> Result<(), Error> {
    match target.get(crate::routes::HEALTH).await {
        Err(e) if !e.is_rate_limited() => Err(Error::Config(format!(
            "{e} at the start of the run: nothing to check against (hint: is the stack up, and is CUTOVER_TARGET_URL or [target] base_url right?)"
        ))),
        _ => Ok(()),
    }
}
