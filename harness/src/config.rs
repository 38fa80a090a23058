//! Profiles: where the legacy database and the new stack are, and how to run.
//!
//! Precedence, lowest first: built-in defaults → the profile file (TOML) → environment
//! variables → command-line flags (applied by the `cutover` binary). Every field is optional
//! in the file; the accessors supply the defaults.

use crate::Error;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The official MariaDB image, used by the container provider unless told otherwise.
pub const DEFAULT_MARIADB_IMAGE: &str = "mariadb:11.4";
/// Scenarios run at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Branch of the data repo the new stack serves in production.
pub const DEFAULT_BRANCH: &str = "main";
/// The Slack team whose SAML identities must survive.
pub const DEFAULT_SLACK_TEAM_HOST: &str = "codeforphilly.slack.com";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A label for reports ("staging acceptance", "rehearsal").
    pub name: Option<String>,
    #[serde(default)]
    pub legacy: LegacyConfig,
    #[serde(default)]
    pub target: TargetConfig,
    #[serde(default)]
    pub run: RunConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub saml: SamlConfig,
    #[serde(default)]
    pub claim: ClaimConfig,
    #[serde(default)]
    pub tools: ToolsConfig,
    #[serde(default)]
    pub snapshot: SnapshotConfig,
    /// The public names, their DNS and TLS, the flip and the drill.
    #[serde(default)]
    pub window: crate::window::config::WindowConfig,
}

/// The stack's own cutover scripts, as commands the suite appends the documented flags to
/// (`--json=…`, `--fix`, `--dry-run`, `--input=…`), run with the stack's environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolsConfig {
    /// e.g. `npm run -w apps/api script:reconcile --`
    pub reconcile: Option<String>,
    /// e.g. `npm run -w apps/api script:cutover-mailout --`
    pub mailout: Option<String>,
    /// e.g. `npx tsx apps/api/scripts/import-laddr-credentials.ts`
    pub import_credentials: Option<String>,
    /// Where to run them (the stack's checkout).
    pub dir: Option<PathBuf>,
}

impl ToolsConfig {
    pub fn commands(&self) -> Option<crate::tools::ToolCommands> {
        (self.reconcile.is_some() || self.mailout.is_some() || self.import_credentials.is_some())
            .then(|| crate::tools::ToolCommands {
                reconcile: self.reconcile.clone(),
                mailout: self.mailout.clone(),
                import_credentials: self.import_credentials.clone(),
                dir: self.dir.clone(),
            })
    }
}

/// Sign-in and account-claim settings (features/account_claim.feature).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimConfig {
    /// JSON array of test accounts whose passwords the run knows:
    /// `[{personId (laddr ID), username, plaintext}]`. Env: `CUTOVER_CLAIM_PASSWORDS`.
    pub passwords: Option<PathBuf>,
    /// Where the GitHub mock listens (`127.0.0.1:8790`); the stack must be started with its
    /// GitHub OAuth and API base URLs pointed here. Env: `CUTOVER_GITHUB_MOCK`.
    pub github_mock: Option<String>,
    /// Where the Resend mock listens; the stack's Resend base URL points here.
    /// Env: `CUTOVER_RESEND_MOCK`.
    pub resend_mock: Option<String>,
    /// The stack's GitHub OAuth client id (`GITHUB_OAUTH_CLIENT_ID`); the mock demands it,
    /// and the secret from the environment's `GITHUB_OAUTH_CLIENT_SECRET`. The Resend mock
    /// demands `RESEND_API_KEY` when it is set.
    /// Env: `CUTOVER_GITHUB_CLIENT_ID`.
    pub github_client_id: Option<String>,
    /// claim-screen (default), auto-link or either.
    pub email_match: Option<String>,
    /// Tries per group in the timing comparison. Default 25.
    pub timing_samples: Option<usize>,
    /// Auth requests per minute the run's shared pacer allows itself when it paces (the
    /// stack's limit per IP). Default 10, the contract's.
    pub per_minute: Option<u32>,
}

/// Slack SAML continuity settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfig {
    /// PEM (or DER) of the IdP certificate Slack is configured with. Env: `CUTOVER_SAML_CERT`.
    pub certificate: Option<PathBuf>,
    /// PEM of laddr's signing certificate, to verify captured assertions.
    /// Env: `CUTOVER_SAML_LEGACY_CERT`.
    pub legacy_certificate: Option<PathBuf>,
    /// Directory of captured laddr SAMLResponses. Default `fixtures/saml`.
    /// Env: `CUTOVER_SAML_CAPTURES`.
    pub captures: Option<PathBuf>,
    /// The Issuer Slack expects. Default `codeforphilly.org` (laddr's).
    pub idp_entity_id: Option<String>,
    /// Members also taken through the SP-initiated flows. Default 12.
    pub sp_sample: Option<usize>,
    /// Members a paced run takes through the IdP (every member's NameID is proved from the
    /// data repo). Default 40; a run that varies its client address asserts everyone.
    pub idp_sample: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// A GitHub-linked person still holding a legacy password fails the run instead of being
    /// reported as advisory. Env: `CUTOVER_STRICT_DRAIN=1`.
    pub strict_drain: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyConfig {
    /// `mysql://user:password@host:port/database`. Env: `LADDR_DATABASE_URL`.
    pub url: Option<String>,
    /// Which providers to try, in order: `url`, `container`, `local`.
    pub providers: Option<Vec<ProviderKind>>,
    /// Image for the container provider. Env: `CUTOVER_MARIADB_IMAGE`.
    pub image: Option<String>,
    /// Container network: `bridge` (mapped port, the default) or `host`.
    /// Env: `CUTOVER_DOCKER_NETWORK`.
    pub network: Option<ContainerNetwork>,
    /// Path of the `mariadbd` binary for the local provider. Env: `MARIADBD`.
    pub mariadbd: Option<PathBuf>,
    /// The final laddr dump (plain SQL, as `mariadb-dump` writes it), proved at T-1d by
    /// restoring it. Env: `CUTOVER_LADDR_DUMP`.
    pub dump: Option<PathBuf>,
    /// A server the dump may be restored into (`mysql://admin@host/`, never the legacy
    /// server); without it a scratch server is started (container, else local).
    /// Env: `CUTOVER_SCRATCH_DATABASE_URL`.
    pub scratch_url: Option<String>,
    /// laddr's site, e.g. `https://codeforphilly.org` before the flip, for the maintenance
    /// gate at T-0. Env: `CUTOVER_LADDR_SITE`.
    pub site: Option<String>,
}

/// The public snapshot: the scrubbed copy of the data repo published at T+7d.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotConfig {
    /// A bare repository (path or git URL). Env: `CUTOVER_PUBLIC_SNAPSHOT`.
    pub repo: Option<String>,
    /// Its branch. Default `main`.
    pub branch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Url,
    Container,
    Local,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::Url,
        ProviderKind::Container,
        ProviderKind::Local,
    ];

    pub fn parse(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "url" => Ok(Self::Url),
            "container" => Ok(Self::Container),
            "local" => Ok(Self::Local),
            other => Err(Error::Config(format!(
                "unknown legacy provider {other:?} (hint: use url, container or local)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerNetwork {
    #[default]
    Bridge,
    Host,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Base URL of the new stack. Env: `CUTOVER_TARGET_URL`.
    pub base_url: Option<String>,
    /// Bare data repo: a local path or a git URL. Env: `CUTOVER_DATA_REPO`.
    pub data_repo: Option<String>,
    /// Branch to read. Env: `CUTOVER_DATA_BRANCH`.
    pub branch: Option<String>,
    /// Directory holding `profiles.jsonl` and friends. Env: `CUTOVER_PRIVATE_STORE`.
    pub private_store: Option<PathBuf>,
    /// Slack team host the IdP asserts for.
    pub slack_team_host: Option<String>,
    /// Name of the environment variable holding the JWT signing key (rehearsal only; the key
    /// itself never goes in a profile). Default `CFP_JWT_SIGNING_KEY`.
    pub jwt_signing_key_env: Option<String>,
    /// Start the new stack from this image instead of using `base_url`
    /// (e.g. `ghcr.io/codeforphilly/codeforphilly-ng:v1.4.0`). Env: `CUTOVER_TARGET_IMAGE`.
    pub image: Option<String>,
    /// Start the new stack with this command (`sh -c`), e.g. `node apps/api/dist/index.js`
    /// from a checkout, or `cutover serve`. Env: `CUTOVER_TARGET_COMMAND`.
    pub command: Option<String>,
    /// Seconds a started stack may take to answer ready. Default 120.
    /// Env: `CUTOVER_READY_TIMEOUT`.
    pub ready_timeout: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Tag expression, e.g. `@T-0 and not @slow`.
    pub tags: Option<String>,
    /// The runbook phase the run is for (`T-1d`); with `tags`, scenarios matching both.
    pub phase: Option<String>,
    /// Who signs the go/no-go, and in what role (both, or neither).
    pub signer: Option<String>,
    pub signer_role: Option<String>,
    /// Scenarios at once.
    pub concurrency: Option<usize>,
    /// Where reports go.
    pub report_dir: Option<PathBuf>,
    /// Where the feature files are.
    pub features: Option<PathBuf>,
    /// A freeze recorded earlier (`cutover freeze --out FILE`, e.g. at T-7d): the freeze
    /// scenario compares against it instead of recording its own. Env: `CUTOVER_FREEZE_FILE`.
    pub freeze_file: Option<PathBuf>,
    /// The stack's ingress trusts `X-Forwarded-For` from this runner: give every request its
    /// own client address instead of pacing the run to the contract's per-IP limits.
    /// Always so when the suite started the stack. Env: `CUTOVER_VARY_CLIENT_IP=1`.
    pub vary_client_ip: Option<bool>,
    /// Legacy URLs a paced run follows (a seeded sample, every form represented; the data
    /// repo proves every URL's target). Default 60.
    pub url_sample: Option<usize>,
    /// Let scenarios that make the stack write run (sign-ins that rehash, claims, staff
    /// review, resets, mail sent to the Resend mock). Off for `run` unless set here, and then
    /// only with `test_accounts`; on for a rehearsal. Env: `CUTOVER_ALLOW_WRITES=1`.
    pub allow_writes: Option<bool>,
    /// The laddr IDs of the test accounts write scenarios may act on, and the only members
    /// any sign-in scenario acts on. Env: `CUTOVER_TEST_ACCOUNTS=12,34`.
    pub test_accounts: Option<Vec<i64>>,
    /// The import commit the cutover was judged on; after the cutover laddr is compared with
    /// it, not with the branch's tip. Found as the latest `import: snapshot` commit when not
    /// named. Env: `CUTOVER_IMPORT_COMMIT`.
    pub import_commit: Option<String>,
    /// A copy of the private store as imported (kept at T-1d): after the cutover laddr's
    /// emails and hashes are compared with it. Env: `CUTOVER_IMPORT_PRIVATE_STORE`.
    pub import_private_store: Option<PathBuf>,
}

impl Profile {
    /// Read a profile file, then apply environment overrides.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Profile {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        let mut profile: Profile = toml::from_str(&text).map_err(|e| Error::Profile {
            path: path.to_path_buf(),
            message: format!("{e}").trim_end().to_string(),
        })?;
        profile.apply_env(|k| std::env::var(k).ok())?;
        Ok(profile)
    }

    /// The built-in defaults with environment overrides (no file).
    pub fn from_env() -> Result<Self, Error> {
        let mut p = Profile::default();
        p.apply_env(|k| std::env::var(k).ok())?;
        Ok(p)
    }

    /// Environment beats file. `get` is injectable so tests need not touch the process env.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if let Some(v) = nonempty("CUTOVER_NAMESERVER") {
            self.window.nameserver = Some(v);
        }
        if let Some(v) = nonempty("LADDR_DATABASE_URL") {
            self.legacy.url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_LEGACY_PROVIDERS") {
            self.legacy.providers = Some(
                v.split(',')
                    .map(ProviderKind::parse)
                    .collect::<Result<_, _>>()?,
            );
        }
        if let Some(v) = nonempty("CUTOVER_MARIADB_IMAGE") {
            self.legacy.image = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DOCKER_NETWORK") {
            self.legacy.network = Some(match v.as_str() {
                "host" => ContainerNetwork::Host,
                "bridge" => ContainerNetwork::Bridge,
                other => {
                    return Err(Error::Config(format!(
                        "CUTOVER_DOCKER_NETWORK={other:?} (hint: bridge or host)"
                    )))
                }
            });
        }
        if let Some(v) = nonempty("MARIADBD") {
            self.legacy.mariadbd = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_LADDR_DUMP") {
            self.legacy.dump = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SCRATCH_DATABASE_URL") {
            self.legacy.scratch_url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_LADDR_SITE") {
            self.legacy.site = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_PUBLIC_SNAPSHOT") {
            self.snapshot.repo = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_TARGET_URL") {
            self.target.base_url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DATA_REPO") {
            self.target.data_repo = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DATA_BRANCH") {
            self.target.branch = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_PRIVATE_STORE") {
            self.target.private_store = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_FREEZE_FILE") {
            self.run.freeze_file = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_VARY_CLIENT_IP") {
            self.run.vary_client_ip = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_IMPORT_COMMIT") {
            self.run.import_commit = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_IMPORT_PRIVATE_STORE") {
            self.run.import_private_store = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_ALLOW_WRITES") {
            self.run.allow_writes = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_TEST_ACCOUNTS") {
            self.run.test_accounts = Some(
                v.split(',')
                    .map(|n| n.trim().parse::<i64>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        Error::Config(format!(
                            "CUTOVER_TEST_ACCOUNTS={v:?}: laddr IDs, comma-separated"
                        ))
                    })?,
            );
        }
        if let Some(v) = nonempty("CUTOVER_STRICT_DRAIN") {
            self.policy.strict_drain = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_CERT") {
            self.saml.certificate = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_LEGACY_CERT") {
            self.saml.legacy_certificate = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_CAPTURES") {
            self.saml.captures = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_CLAIM_PASSWORDS") {
            self.claim.passwords = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_GITHUB_CLIENT_ID") {
            self.claim.github_client_id = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_GITHUB_MOCK") {
            self.claim.github_mock = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_RESEND_MOCK") {
            self.claim.resend_mock = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_TARGET_IMAGE") {
            self.target.image = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_TARGET_COMMAND") {
            self.target.command = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_READY_TIMEOUT") {
            self.target.ready_timeout = Some(v.parse().map_err(|_| {
                Error::Config(format!(
                    "CUTOVER_READY_TIMEOUT={v:?} is not a number of seconds"
                ))
            })?);
        }
        Ok(())
    }

    pub fn providers(&self) -> Vec<ProviderKind> {
        self.legacy
            .providers
            .clone()
            .unwrap_or_else(|| ProviderKind::ALL.to_vec())
    }

    pub fn mariadb_image(&self) -> &str {
        self.legacy
            .image
            .as_deref()
            .unwrap_or(DEFAULT_MARIADB_IMAGE)
    }

    pub fn branch(&self) -> &str {
        self.target.branch.as_deref().unwrap_or(DEFAULT_BRANCH)
    }

    pub fn slack_team_host(&self) -> &str {
        self.target
            .slack_team_host
            .as_deref()
            .unwrap_or(DEFAULT_SLACK_TEAM_HOST)
    }

    /// How long a started stack may take to answer ready.
    pub fn ready_timeout(&self) -> std::time::Duration {
        self.target.ready_timeout.map_or(
            crate::stack::DEFAULT_READY_TIMEOUT,
            std::time::Duration::from_secs,
        )
    }

    /// The stack the suite starts, when the profile names one (an image or a command, not
    /// both).
    pub fn stack_provider(&self) -> Result<Option<crate::stack::Provider>, Error> {
        match (&self.target.image, &self.target.command) {
            (Some(_), Some(_)) => Err(Error::Config(
                "[target] image and command are two ways to start the stack (hint: give one)"
                    .into(),
            )),
            (Some(i), None) => Ok(Some(crate::stack::Provider::Image(i.clone()))),
            (None, Some(c)) => Ok(Some(crate::stack::Provider::Command(c.clone()))),
            (None, None) => Ok(None),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.run.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }

    /// The budgets a paced run keeps to: the contract's, with `[claim] per_minute` for auth.
    pub fn limits(&self) -> Result<crate::identity::Limits, Error> {
        let base = crate::identity::Limits::from_env().map_err(Error::Config)?;
        Ok(crate::identity::Limits {
            auth: self.claim.per_minute.unwrap_or(base.auth),
            ..base
        })
    }

    /// Whether write scenarios may run: a rehearsal (the suite's own stack) unless the profile
    /// says no; a real run only when the profile says so and names test accounts.
    pub fn allow_writes(&self, rehearsal: bool) -> Result<bool, Error> {
        match (self.run.allow_writes, rehearsal) {
            (Some(false), _) => Ok(false),
            (None, true) | (Some(true), true) => Ok(true),
            (None, false) => Ok(false),
            (Some(true), false) if self.run.test_accounts.as_ref().is_some_and(|t| !t.is_empty()) => Ok(true),
            (Some(true), false) => Err(Error::Config(
                "[run] allow_writes needs [run] test_accounts: the laddr IDs of the test accounts write scenarios may act on (never members chosen from laddr)".into(),
            )),
        }
    }

    pub fn vary_client_ip(&self) -> bool {
        self.run.vary_client_ip.unwrap_or(false)
    }

    /// The state directory the data repo sits in, when it sits in one
    /// (`cutover fixture state`): its SAML material, passwords and session key are defaults.
    pub fn state_layout(&self) -> Option<crate::state_layout::StateLayout> {
        let repo = self.target.data_repo.as_deref()?;
        crate::state_layout::StateLayout::beside(Path::new(repo))
    }

    /// The new IdP's signing key and certificate (PEM) for a stack the suite starts:
    /// `SAML_PRIVATE_KEY`/`SAML_CERTIFICATE` from the environment, else beside the state.
    pub fn saml_signing_pems(&self) -> (Option<String>, Option<String>) {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let layout = self.state_layout();
        let file = |p: Option<PathBuf>| p.and_then(|p| std::fs::read_to_string(p).ok());
        (
            env("SAML_PRIVATE_KEY").or_else(|| file(layout.as_ref().map(|l| l.idp_key()))),
            env("SAML_CERTIFICATE").or_else(|| file(layout.as_ref().map(|l| l.idp_cert()))),
        )
    }

    pub fn strict_drain(&self) -> bool {
        self.policy.strict_drain.unwrap_or(false)
    }

    /// The SAML settings, with the certificates read. A certificate that cannot be read is an
    /// error naming the file.
    pub fn saml_setup(&self) -> Result<crate::saml::SamlSetup, Error> {
        let cert = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, Error> {
            let Some(p) = p else { return Ok(None) };
            let bytes =
                std::fs::read(p).map_err(|e| Error::Config(format!("{}: {e}", p.display())))?;
            crate::saml::verify::certificate_der(&bytes)
                .map(Some)
                .map_err(|e| Error::Config(format!("{}: {e}", p.display())))
        };
        let layout = self.state_layout();
        let or_beside =
            |given: &Option<PathBuf>, beside: fn(&crate::state_layout::StateLayout) -> PathBuf| {
                given
                    .clone()
                    .or_else(|| layout.as_ref().map(beside).filter(|p| p.exists()))
            };
        let certificate = or_beside(&self.saml.certificate, |l| l.idp_cert());
        let legacy_certificate = or_beside(&self.saml.legacy_certificate, |l| l.laddr_cert());
        let captures = or_beside(&self.saml.captures, |l| l.captures());
        Ok(crate::saml::SamlSetup {
            team_host: self.slack_team_host().to_string(),
            idp_entity_id: self
                .saml
                .idp_entity_id
                .clone()
                .unwrap_or_else(|| crate::saml::DEFAULT_IDP_ENTITY_ID.into()),
            trusted_cert: cert(&certificate)?,
            legacy_cert: cert(&legacy_certificate)?,
            captures: Some(captures.unwrap_or_else(|| PathBuf::from("fixtures/saml"))),
            jwt_key: self.jwt_signing_key().map(String::into_bytes),
            sp_sample: self.saml.sp_sample.unwrap_or(12),
            idp_sample: None,
        })
    }

    /// The sign-in settings, with the known passwords read and, when both addresses are
    /// given, the GitHub and Resend mocks listening on them.
    pub async fn claim_setup(&self) -> Result<crate::claim::ClaimSetup, Error> {
        let base = self
            .target
            .base_url
            .as_deref()
            .unwrap_or("http://127.0.0.1/");
        let callback = format!("{}/api/auth/github/callback", base.trim_end_matches('/'));
        self.claim_setup_inner(&callback, false).await
    }

    /// As [`Profile::claim_setup`] for a stack the suite starts: the mocks always run
    /// (on the profile's addresses, or on free loopback ports with credentials made up for
    /// the stack), sending GitHub's browser back to `callback`.
    pub async fn claim_setup_with_mocks(
        &self,
        callback: &str,
    ) -> Result<crate::claim::ClaimSetup, Error> {
        self.claim_setup_inner(callback, true).await
    }

    async fn claim_setup_inner(
        &self,
        callback: &str,
        always_mocks: bool,
    ) -> Result<crate::claim::ClaimSetup, Error> {
        let c = &self.claim;
        let passwords_file = c.passwords.clone().or_else(|| {
            self.state_layout()
                .map(|l| l.secrets())
                .filter(|p| p.exists())
        });
        let passwords = match &passwords_file {
            Some(p) => crate::claim::read_passwords(p)?,
            None => Vec::new(),
        };
        let email_match = match &c.email_match {
            Some(m) => m.parse().map_err(Error::Config)?,
            None => Default::default(),
        };
        let mocks = match (&c.github_mock, &c.resend_mock) {
            (Some(g), Some(r)) => {
                let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
                let creds = crate::claim::mock::Credentials {
                    github_client: match (c.github_client_id.clone().filter(|s| !s.is_empty()), env("GITHUB_OAUTH_CLIENT_SECRET")) {
                        (Some(id), Some(secret)) => Some((id, secret)),
                        (None, None) => None,
                        _ => return Err(Error::Config("[claim] github_client_id and GITHUB_OAUTH_CLIENT_SECRET go together (hint: the values the stack was started with)".into())),
                    },
                    resend_key: env("RESEND_API_KEY"),
                };
                let m = crate::claim::mock::Mocks::start(Some(g), Some(r), callback, creds)
                    .await
                    .map_err(|e| Error::Config(format!("[claim] mocks: {e}")))?;
                Some(std::sync::Arc::new(m))
            }
            (None, None) if always_mocks => {
                let m = crate::claim::mock::Mocks::start(None, None, callback, Default::default())
                    .await
                    .map_err(|e| Error::Config(format!("mocks: {e}")))?;
                Some(std::sync::Arc::new(m))
            }
            (None, None) => None,
            _ => {
                return Err(Error::Config(
                    "[claim] github_mock and resend_mock go together (hint: set both, or neither)"
                        .into(),
                ))
            }
        };
        let d = crate::claim::ClaimSetup::default();
        Ok(crate::claim::ClaimSetup {
            passwords,
            test_accounts: self
                .run
                .test_accounts
                .as_ref()
                .map(|t| t.iter().copied().collect()),
            mocks,
            jwt_key: self.jwt_signing_key().map(String::into_bytes),
            email_match,
            timing_samples: c.timing_samples.unwrap_or(d.timing_samples),
        })
    }

    /// The session key: from the environment variable the profile names
    /// (`CFP_JWT_SIGNING_KEY`), else `session.key` beside the state.
    pub fn jwt_signing_key(&self) -> Option<String> {
        let var = self
            .target
            .jwt_signing_key_env
            .as_deref()
            .unwrap_or("CFP_JWT_SIGNING_KEY");
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.state_layout()?.read_session_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_beats_file_and_defaults_fill_in() {
        let mut p: Profile = toml::from_str(
            "name = 'staging'\n[legacy]\nurl = 'mysql://a@h/laddr'\n[target]\nbase_url = 'https://staging.example'\n",
        )
        .unwrap();
        p.apply_env(|k| match k {
            "LADDR_DATABASE_URL" => Some("mysql://b@h/laddr".into()),
            "CUTOVER_LEGACY_PROVIDERS" => Some("url,local".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.legacy.url.as_deref(), Some("mysql://b@h/laddr"));
        assert_eq!(p.providers(), vec![ProviderKind::Url, ProviderKind::Local]);
        assert_eq!(p.branch(), DEFAULT_BRANCH);
        assert_eq!(p.mariadb_image(), DEFAULT_MARIADB_IMAGE);
        assert_eq!(
            p.target.base_url.as_deref(),
            Some("https://staging.example")
        );
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[legacy]\nurll = 'x'\n").unwrap();
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains("urll"), "{err}");

        let mut p = Profile::default();
        let err = p.apply_env(|k| (k == "CUTOVER_DOCKER_NETWORK").then(|| "overlay".into()));
        assert!(err.unwrap_err().to_string().contains("bridge or host"));

        std::fs::write(
            dir.path().join("cert.pem"),
            "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let mut p = Profile::default();
        p.saml.certificate = Some(dir.path().join("cert.pem"));
        let err = p.saml_setup().unwrap_err().to_string();
        assert!(
            err.contains("cert.pem") && err.contains("not a PEM certificate"),
            "{err}"
        );
        p.saml.certificate = Some(dir.path().join("missing.pem"));
        assert!(p
            .saml_setup()
            .unwrap_err()
            .to_string()
            .contains("missing.pem"));
    }

    #[tokio::test]
    async fn claim_settings_are_checked_and_the_mocks_listen_where_told() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Profile::default();
        p.claim.github_mock = Some("127.0.0.1:0".into());
        assert!(p
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains("go together"));
        let mut p = Profile::default();
        p.claim.email_match = Some("sometimes".into());
        assert!(p
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains("claim-screen, auto-link or either"));
        let mut p = Profile::default();
        std::fs::write(dir.path().join("pw.json"), "{\"personId\": 1}").unwrap();
        p.claim.passwords = Some(dir.path().join("pw.json"));
        let err = p.claim_setup().await.unwrap_err().to_string();
        assert!(
            err.contains("pw.json") && err.contains("JSON array"),
            "{err}"
        );
        // A free port, then both mocks on fixed addresses.
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .to_string()
        };
        let mut p = Profile::default();
        let (g, r) = (free(), free());
        p.claim.github_mock = Some(g.clone());
        p.claim.resend_mock = Some(r.clone());
        let setup = p.claim_setup().await.unwrap();
        let m = setup.mocks.unwrap();
        assert_eq!(
            (m.github.uri(), m.resend.uri()),
            (format!("http://{g}"), format!("http://{r}"))
        );
        let mut again = Profile::default();
        again.claim.github_mock = Some(g.clone());
        again.claim.resend_mock = Some(free());
        assert!(again
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains(&format!("cannot listen on {g}")));
    }
}
