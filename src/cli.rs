//! The command line: every subcommand and flag, documented where it is declared.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "cutover",
    version,
    about = "Proves the laddr → new-stack cutover loses nothing"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args, Clone)]
pub struct RunArgs {
    /// Profile file (TOML); environment variables override it.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Where to write the reports.
    #[arg(long, default_value = "reports/out")]
    pub report_dir: PathBuf,
    /// Only scenarios matching this tag expression, e.g. '@T-0 and not @slow'.
    #[arg(long)]
    pub tags: Option<String>,
    /// Only this runbook phase (T-7d, T-3d, T-1d, T-0, T+1h, T+1d, T+7d, T+90d, T+180d);
    /// with --tags, scenarios matching both. Named in the signed report.
    #[arg(long, env = "CUTOVER_PHASE")]
    pub phase: Option<String>,
    /// Who signs the go/no-go (with --signer-role), named in the signed report.
    #[arg(long, env = "CUTOVER_SIGNER")]
    pub signer: Option<String>,
    /// The signer's role in the runbook, e.g. 'cutover lead'.
    #[arg(long, env = "CUTOVER_SIGNER_ROLE")]
    pub signer_role: Option<String>,
    /// Scenarios at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// The feature files (default: ./features, else the suite's own).
    #[arg(long)]
    pub features: Option<PathBuf>,
    /// Sign the report bundle with this Ed25519 key (`cutover keygen`); or set
    /// CUTOVER_SIGNING_KEY to the key itself. The key is never printed.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// Waivers (TOML `[[waiver]]` with scenario, reason, owner, expires); env CUTOVER_WAIVERS.
    #[arg(long, env = "CUTOVER_WAIVERS")]
    pub waivers: Option<PathBuf>,
    #[command(flatten)]
    pub stack: StackArgs,
}

/// Start the new stack instead of using a running one (beats `[target] image`/`command`).
#[derive(clap::Args, Clone, Default)]
pub struct StackArgs {
    /// Start the new stack from this image (testcontainers), e.g. a tag you built.
    #[arg(long, conflicts_with = "target_command")]
    pub target_image: Option<String>,
    /// Start the new stack with this command (`sh -c`), e.g. 'node apps/api/dist/index.js'
    /// in a checkout, or 'cutover serve'.
    #[arg(long)]
    pub target_command: Option<String>,
}

/// Which fixture: the same seed and size always give the same data.
#[derive(clap::Args, Clone, Copy)]
pub struct FixtureArgs {
    /// People in the fixture (production is about 31000).
    #[arg(long, default_value_t = fixtures::generate::DEFAULT_PEOPLE)]
    pub people: usize,
    /// Seed of the fixture generator.
    #[arg(long, default_value_t = fixtures::generate::DEFAULT_SEED)]
    pub seed: u64,
}

#[derive(Subcommand)]
pub enum Command {
    /// Rehearse the cutover: fixture laddr database + a new stack on the migrated state
    /// (the reference target unless --target-image or --target-command), all features.
    Rehearse {
        #[command(flatten)]
        run: RunArgs,
        /// Switch on a reference-target fault (repeatable, or comma-separated in
        /// CUTOVER_FAULTS; `cutover faults` lists them). The state and the stack both get it.
        #[arg(long = "fault", env = "CUTOVER_FAULTS", value_delimiter = ',')]
        faults: Vec<String>,
        #[command(flatten)]
        fixture: FixtureArgs,
        /// Slack NameIDs in the migrated state: the laddr Username verbatim (continuity), or
        /// the slug the schema pattern allows (as a pattern-bound importer writes).
        #[arg(long, default_value = "verbatim")]
        name_ids: String,
        /// Rehearse a run after the cutover: the state after a week of ordinary use (links,
        /// email changes, bio edits, new people), judged against the import as it was. Use
        /// with --tags @T+7d.
        #[arg(long)]
        after_cutover: bool,
    },
    /// Check real systems: a laddr copy and the new stack (running, or started from an
    /// image or a command on the profile's data repo and private store), from a profile.
    Run {
        #[command(flatten)]
        run: RunArgs,
    },
    /// List the reference target's faults, one per line: name, space, what it breaks.
    Faults,
    /// Record the legacy database's state at the write freeze (row counts, latest
    /// Created/Modified per table) for a later run's freeze scenario (CUTOVER_FREEZE_FILE).
    Freeze {
        /// Profile file; LADDR_DATABASE_URL overrides its database.
        #[arg(long)]
        profile: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a redirect map (CSV: form,url,expected_status,expected_target) against any base
    /// URL; or a bare list of URLs whose expectations are derived from a generated map.
    Redirects {
        /// The new site, e.g. https://staging.codeforphilly.org
        #[arg(long)]
        base_url: String,
        /// The map to check, or with --urls the map expectations are taken from.
        #[arg(long)]
        map: PathBuf,
        /// A bare URL list (one per line, e.g. the most visited from access logs).
        #[arg(long)]
        urls: Option<PathBuf>,
        /// Requests at once (also the per-host limit).
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// Where redirects.csv and redirects.json go.
        #[arg(long, default_value = "reports/out")]
        report_dir: PathBuf,
    },
    /// Serve the reference target, configured like the real stack from the contract's
    /// environment (CFP_DATA_REPO_PATH, STORAGE_BACKEND, CFP_PRIVATE_STORAGE_PATH,
    /// CFP_JWT_SIGNING_KEY, PORT, HOST, SAML_*, GITHUB_*, RESEND_*; faults in
    /// CUTOVER_FAULTS). --state fills in what the environment leaves out from a directory
    /// `cutover fixture state` wrote. Stops on SIGTERM, Ctrl-C or after --seconds.
    Serve {
        #[arg(long)]
        state: Option<PathBuf>,
        #[arg(long = "fault")]
        faults: Vec<String>,
        #[arg(long, default_value_t = 4 * 3600)]
        seconds: u64,
    },
    /// Run one of the reference target's cutover tools as the stack's own scripts run: the
    /// contract's environment, `--key=value` flags, the documented report and exit codes
    /// (0 nothing unresolved, 1 problems, 2 crash). NAME: reconcile, cutover-mailout,
    /// import-laddr-credentials.
    Tool {
        name: String,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The T+1h watch: probe rounds (health, readiness, legacy URLs, a Slack launch, a GitHub
    /// sign-in start) at an interval over a window, the runbook's rollback triggers after
    /// every round, and the point of no return. Ends "hold" (exit 0) or "roll back" (exit 1);
    /// watch.json in --report-dir keeps every round.
    Watch {
        /// Profile: the site ([target] base_url), its data repo, import commit and stores.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// The site to watch (beats the profile's base URL).
        #[arg(long)]
        base_url: Option<String>,
        /// How long to watch.
        #[arg(long, default_value_t = 60.0)]
        minutes: f64,
        /// Seconds between probe rounds.
        #[arg(long, default_value_t = 10)]
        interval: u64,
        #[arg(long, default_value = "reports/out")]
        report_dir: PathBuf,
    },
    /// Write the runbook index (phase by phase, every scenario with its owners and tags)
    /// from the feature files, to stdout or --out (the repository keeps features/README.md).
    Index {
        #[arg(long, default_value = "features")]
        features: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Make an Ed25519 key pair for signing reports: <prefix>.key (owner-only) and <prefix>.pub.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Check a report bundle: the signature, the manifest and every artifact's hash.
    Verify {
        report_dir: PathBuf,
        #[arg(long)]
        public_key: PathBuf,
    },
    /// Write the fixture without running anything (for inspection and determinism checks).
    Fixture {
        #[command(subcommand)]
        what: FixtureCmd,
    },
}

#[derive(Subcommand)]
pub enum FixtureCmd {
    /// The laddr SQL script (schema + data) to stdout or a file.
    Sql {
        #[command(flatten)]
        fixture: FixtureArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The migrated state into a new directory: data.git, private/, and beside them the
    /// SAML material (saml/), the session key and the fixture's passwords; prints the data
    /// repo's commit and tree.
    State {
        #[command(flatten)]
        fixture: FixtureArgs,
        #[arg(long, default_value = "verbatim")]
        name_ids: String,
        #[arg(long = "fault")]
        faults: Vec<String>,
        #[arg(long)]
        out: PathBuf,
    },
}
