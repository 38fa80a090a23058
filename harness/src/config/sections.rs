//! The profile's sections: one `*Config` struct per TOML table (`[legacy]`, `[target]`,
//! `[run]`, `[policy]`, `[saml]`, `[claim]`, `[tools]`, `[snapshot]`), every field optional.

use crate::Error;
use serde::Deserialize;
use std::path::PathBuf;

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
