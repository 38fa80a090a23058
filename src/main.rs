//! `cutover`: the cutover verification suite's command line. Thin: it parses arguments,
//! builds the environment (a rehearsal, or a profile's real systems), runs the features,
//! writes the reports and maps the verdict to the exit code (0 GO, 1 NO-GO, 2 cannot run).

use clap::{Parser, Subcommand};
use fixtures::migrate::NameIds;
use fixtures::Fault;
use harness::config::Profile;
use harness::exit;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "cutover",
    version,
    about = "Proves the laddr → new-stack cutover loses nothing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Profile file (TOML); environment variables override it.
    #[arg(long)]
    profile: Option<PathBuf>,
    /// Where to write the reports.
    #[arg(long, default_value = "reports/out")]
    report_dir: PathBuf,
    /// Only scenarios matching this tag expression, e.g. '@T-0 and not @slow'.
    #[arg(long)]
    tags: Option<String>,
    /// Scenarios at once.
    #[arg(long)]
    concurrency: Option<usize>,
    /// The feature files (default: ./features, else the suite's own).
    #[arg(long)]
    features: Option<PathBuf>,
    /// Sign the report bundle with this Ed25519 key (`cutover keygen`); or set
    /// CUTOVER_SIGNING_KEY to the key itself. The key is never printed.
    #[arg(long)]
    signing_key: Option<PathBuf>,
    /// Waivers (TOML `[[waiver]]` with scenario, reason, owner, expires); env CUTOVER_WAIVERS.
    #[arg(long, env = "CUTOVER_WAIVERS")]
    waivers: Option<PathBuf>,
}

/// Which fixture: the same seed and size always give the same data.
#[derive(clap::Args, Clone, Copy)]
struct FixtureArgs {
    /// People in the fixture (production is about 31000).
    #[arg(long, default_value_t = fixtures::generate::DEFAULT_PEOPLE)]
    people: usize,
    /// Seed of the fixture generator.
    #[arg(long, default_value_t = fixtures::generate::DEFAULT_SEED)]
    seed: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Rehearse the cutover: fixture laddr database + reference target, all features.
    Rehearse {
        #[command(flatten)]
        run: RunArgs,
        /// Switch on a reference-target fault (repeatable; `cutover faults` lists them).
        #[arg(long = "fault")]
        faults: Vec<String>,
        #[command(flatten)]
        fixture: FixtureArgs,
        /// Slack NameIDs in the migrated state: the laddr Username verbatim (continuity), or
        /// the slug the schema pattern allows (as a pattern-bound importer writes).
        #[arg(long, default_value = "verbatim")]
        name_ids: String,
    },
    /// Check real systems: a laddr copy and a running new stack, from a profile.
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
    /// Serve the reference target on 127.0.0.1 from a state written by `cutover fixture state`
    /// (for poking at it, or for benchmarks with other tools); stops after --seconds.
    Serve {
        #[arg(long)]
        state: PathBuf,
        #[arg(long = "fault")]
        faults: Vec<String>,
        #[arg(long, default_value_t = 600)]
        seconds: u64,
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
enum FixtureCmd {
    /// The laddr SQL script (schema + data) to stdout or a file.
    Sql {
        #[command(flatten)]
        fixture: FixtureArgs,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The migrated state (data.git, private/, secrets.json) into a new directory; prints
    /// the data repo's commit and tree.
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

fn cannot_run(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("cutover: cannot run: {msg}");
    ExitCode::from(exit::CANNOT_RUN as u8)
}

fn parse_faults(names: &[String]) -> Result<Vec<Fault>, String> {
    names.iter().map(|n| n.parse()).collect()
}

fn load_profile(path: Option<&Path>) -> Result<Profile, harness::Error> {
    match path {
        Some(p) => Profile::load(p),
        None => Profile::from_env(),
    }
}

fn features_dir(given: Option<&PathBuf>, profile: &Profile) -> PathBuf {
    given
        .cloned()
        .or_else(|| profile.run.features.clone())
        .unwrap_or_else(|| {
            let local = PathBuf::from("features");
            if local.is_dir() {
                local
            } else {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("features")
            }
        })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Faults => {
            for f in Fault::ALL {
                println!("{} {}", f.name(), f.describe());
            }
            ExitCode::SUCCESS
        }
        Command::Fixture { what } => fixture(what),
        Command::Redirects {
            base_url,
            map,
            urls,
            concurrency,
            report_dir,
        } => runtime().block_on(check_redirects(
            base_url,
            map,
            urls,
            concurrency,
            report_dir,
        )),
        Command::Serve {
            state,
            faults,
            seconds,
        } => {
            let faults = match parse_faults(&faults) {
                Ok(f) => f,
                Err(e) => return cannot_run(e),
            };
            runtime().block_on(async move {
                let loaded = fixtures::target::load(
                    &state.join("data.git"),
                    "main",
                    &state.join("private"),
                    &faults,
                );
                let running = match loaded {
                    Ok(s) => fixtures::target::spawn(s).await,
                    Err(e) => return cannot_run(e),
                };
                match running {
                    Ok(r) => {
                        println!("reference target at {} for {seconds} s", r.base_url);
                        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
                        r.stop().await;
                        ExitCode::SUCCESS
                    }
                    Err(e) => cannot_run(e),
                }
            })
        }
        Command::Keygen { out } => {
            match reports::manifest::SigningKey::generate().and_then(|k| k.write_pair(&out)) {
                Ok((key, public)) => {
                    println!(
                        "wrote {} (keep it secret) and {}",
                        key.display(),
                        public.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => cannot_run(e),
            }
        }
        Command::Verify {
            report_dir,
            public_key,
        } => {
            let result = reports::verify::load_public_key(&public_key)
                .and_then(|k| reports::verify::verify(&report_dir, &k));
            match result {
                Ok(v) => {
                    println!(
                        "verified: signature good, {} artifacts unchanged",
                        v.artifacts
                    );
                    println!("VERDICT: {}", v.verdict);
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("cutover verify: FAILED: {e}");
                    ExitCode::from(exit::NO_GO as u8)
                }
            }
        }
        Command::Freeze { profile, out } => runtime().block_on(record_freeze(profile, out)),
        Command::Rehearse {
            run,
            faults,
            fixture: FixtureArgs { people, seed },
            name_ids,
        } => {
            let faults = match parse_faults(&faults) {
                Ok(f) => f,
                Err(e) => return cannot_run(e),
            };
            let name_ids: NameIds = match name_ids.parse() {
                Ok(n) => n,
                Err(e) => return cannot_run(e),
            };
            let opts = fixtures::rehearsal::Options {
                people,
                seed,
                faults,
                name_ids,
            };
            runtime().block_on(rehearse(run, opts))
        }
        Command::Run { run } => runtime().block_on(external(run)),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

async fn rehearse(args: RunArgs, opts: fixtures::rehearsal::Options) -> ExitCode {
    let profile = match load_profile(args.profile.as_deref()) {
        Ok(p) => p,
        Err(e) => return cannot_run(e),
    };
    println!(
        "rehearsal: {} people, seed {}, faults [{}]",
        opts.people,
        opts.seed,
        opts.faults
            .iter()
            .map(|f| f.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let rehearsal = match fixtures::rehearsal::Rehearsal::start(&profile, &opts).await {
        Ok(r) => r,
        Err(e) => return cannot_run(e),
    };
    let timings: Vec<String> = rehearsal
        .timings
        .iter()
        .map(|(n, s)| format!("{n} {s:.1}s"))
        .collect();
    println!(
        "environment ready: {} ({})",
        rehearsal.env.identity["legacy"]["provider"]
            .as_str()
            .unwrap_or("?"),
        timings.join(", ")
    );
    let code = execute(rehearsal.env.clone(), &args, &profile, "rehearsal", true).await;
    rehearsal.stop().await;
    code
}

async fn external(args: RunArgs) -> ExitCode {
    let Some(path) = args.profile.clone() else {
        return cannot_run(
            "`cutover run` needs --profile <file> (see profiles/staging.example.toml)",
        );
    };
    let profile = match Profile::load(&path) {
        Ok(p) => p,
        Err(e) => return cannot_run(e),
    };
    let env = match harness::env::Environment::external(&profile).await {
        Ok(e) => Arc::new(e),
        Err(e) => return cannot_run(e),
    };
    let name = profile.name.clone().unwrap_or_else(|| "external".into());
    execute(env, &args, &profile, &name, false).await
}

/// Run the features, write the reports, print the verdict.
async fn execute(
    env: Arc<harness::env::Environment>,
    args: &RunArgs,
    profile: &Profile,
    name: &str,
    rehearsal: bool,
) -> ExitCode {
    let key = match (
        &args.signing_key,
        std::env::var("CUTOVER_SIGNING_KEY")
            .ok()
            .filter(|k| !k.is_empty()),
    ) {
        (Some(path), _) => match reports::manifest::SigningKey::load(path) {
            Ok(k) => Some(k),
            Err(e) => return cannot_run(e),
        },
        (None, Some(text)) => match reports::manifest::SigningKey::from_base64(&text) {
            Ok(k) => Some(k),
            Err(e) => return cannot_run(format!("CUTOVER_SIGNING_KEY: {e}")),
        },
        (None, None) => None,
    };
    let waivers = match &args.waivers {
        Some(path) => match harness::waiver::WaiverFile::load(path) {
            Ok(w) => w.waiver,
            Err(e) => return cannot_run(e),
        },
        None => Vec::new(),
    };
    let opts = steps::RunOptions {
        features: features_dir(args.features.as_ref(), profile),
        tags: args.tags.clone().or_else(|| profile.run.tags.clone()),
        concurrency: args.concurrency.unwrap_or_else(|| profile.concurrency()),
        vary_client_ip: rehearsal,
        strict_drain: profile.strict_drain(),
        freeze_file: profile.run.freeze_file.clone(),
        waivers,
        report_dir: Some(args.report_dir.clone()),
        slack_team_host: profile.slack_team_host().to_string(),
    };
    reports::clear_previous(&args.report_dir);
    if let Err(e) = std::fs::create_dir_all(&args.report_dir) {
        return cannot_run(format!(
            "report directory {}: {e}",
            args.report_dir.display()
        ));
    }
    let outcome = match steps::run(env.clone(), &opts).await {
        Ok(o) => o,
        Err(e) => return cannot_run(e),
    };
    let verdict = outcome.verdict();
    let stamp = |t: std::time::SystemTime| {
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        fixtures::migrate::iso(secs)
    };
    let report = reports::RunReport {
        suite: if rehearsal {
            "rehearsal".into()
        } else {
            "acceptance".into()
        },
        suite_commit: harness::suite::commit(Path::new(env!("CARGO_MANIFEST_DIR"))),
        profile: name.to_string(),
        verdict,
        features: harness::suite::describe_features(&opts.features),
        decision: outcome.decision.clone(),
        started: stamp(outcome.started),
        finished: stamp(outcome.finished),
        identity: env.identity.clone(),
        scenarios: outcome.scenarios.clone(),
        parse_errors: outcome.parse_errors.clone(),
        legacy_writes: outcome
            .checksum_changes
            .iter()
            .map(|c| serde_json::to_value(c).unwrap_or_default())
            .collect(),
    };
    let written = reports::write_all(&args.report_dir, &report, key.as_ref());
    let (passed, failed) = report.counts();
    println!();
    for e in &outcome.parse_errors {
        println!("could not parse: {e}");
    }
    for c in &outcome.checksum_changes {
        println!(
            "NO-GO: legacy table `{}` changed during the run (checksum {:?} -> {:?})",
            c.table, c.before, c.after
        );
    }
    for s in outcome.failed() {
        let waived = outcome
            .decision
            .applied
            .iter()
            .any(|w| w.scenario == s.scenario);
        println!(
            "failed{}: {} › {}",
            if waived { " (waived)" } else { "" },
            s.feature,
            s.scenario
        );
    }
    for w in &outcome.decision.expired {
        println!(
            "expired waiver, not counted: {} (owner {}, expired {})",
            w.scenario, w.owner, w.expires
        );
    }
    for b in report.budgets().iter().filter(|b| b.over) {
        println!(
            "over budget: {} took {:.1} s of {} s",
            b.feature,
            b.measured_secs,
            b.budget_secs.unwrap_or(0)
        );
    }
    if outcome.scenarios.is_empty() {
        println!("no scenario ran (hint: check --tags and --features)");
    }
    match written {
        Ok(files) => {
            println!(
                "reports: {}",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            match &key {
                Some(k) => println!(
                    "signed with the key whose public half is {}",
                    k.public_base64()
                ),
                None => println!("not signed (hint: --signing-key <file> or CUTOVER_SIGNING_KEY)"),
            }
        }
        Err(e) => {
            eprintln!(
                "cutover: cannot write reports to {}: {e}",
                args.report_dir.display()
            );
            return ExitCode::from(exit::CANNOT_RUN as u8);
        }
    }
    let mut per_feature: std::collections::BTreeMap<&str, (usize, u64)> = Default::default();
    for sc in &outcome.scenarios {
        let e = per_feature.entry(sc.feature.as_str()).or_default();
        e.0 += 1;
        e.1 += sc.duration_ms;
    }
    for (feature, (n, ms)) in per_feature {
        println!(
            "time: {feature}: {n} scenarios, {:.2} s of scenario time",
            ms as f64 / 1000.0
        );
    }
    println!("scenarios: {passed} passed, {failed} failed");
    println!("VERDICT: {verdict}");
    ExitCode::from(verdict.exit_code() as u8)
}

async fn check_redirects(
    base: String,
    map: PathBuf,
    urls: Option<PathBuf>,
    concurrency: usize,
    report_dir: PathBuf,
) -> ExitCode {
    use harness::redirects::{check, map as rmap};
    let text = match std::fs::read_to_string(&map) {
        Ok(t) => t,
        Err(e) => return cannot_run(format!("{}: {e}", map.display())),
    };
    let (mut rows, mut problems) = rmap::from_csv(&text);
    if let Some(list) = urls {
        match std::fs::read_to_string(&list) {
            Ok(t) => {
                let (derived, unknown) = rmap::derive(&t, &rows);
                rows = derived;
                problems.extend(
                    unknown
                        .into_iter()
                        .map(|u| format!("{}: {u}", list.display())),
                );
            }
            Err(e) => return cannot_run(format!("{}: {e}", list.display())),
        }
    }
    for p in &problems {
        println!("not checked: {p}");
    }
    let checker = match check::Checker::new(&base, concurrency, None) {
        Ok(c) => c,
        Err(e) => return cannot_run(e),
    };
    let started = std::time::Instant::now();
    let results = checker.check_all(&rows, concurrency).await;
    let secs = started.elapsed().as_secs_f64();
    let ev = harness::redirects::evidence("legacy URLs", &results);
    println!("{}", ev.render());
    println!(
        "{} URLs in {secs:.2} s ({:.0} URLs/s)",
        results.len(),
        results.len() as f64 / secs.max(0.001)
    );
    let _ = std::fs::create_dir_all(&report_dir);
    let _ = std::fs::write(report_dir.join("redirects.csv"), check::to_csv(&results));
    let _ = std::fs::write(
        report_dir.join("redirects.json"),
        serde_json::to_string_pretty(&results).unwrap_or_default(),
    );
    let failed = results
        .iter()
        .filter(|r| r.class != check::Class::Ok)
        .count()
        + problems.len();
    println!(
        "redirects: {} passed, {failed} failed",
        results.len() - (failed - problems.len())
    );
    if failed == 0 && !results.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(exit::NO_GO as u8)
    }
}

async fn record_freeze(profile: Option<PathBuf>, out: PathBuf) -> ExitCode {
    let profile = match load_profile(profile.as_deref()) {
        Ok(p) => p,
        Err(e) => return cannot_run(e),
    };
    let Some(url) = profile.legacy.url.clone() else {
        return cannot_run("no legacy database (hint: set LADDR_DATABASE_URL or [legacy] url)");
    };
    let state = match harness::legacy::LegacyDb::connect_read_only(&url).await {
        Ok(db) => harness::freeze::record(&db).await,
        Err(e) => Err(e),
    };
    match state.and_then(|s| s.save(&out).map(|_| s)) {
        Ok(s) => {
            println!(
                "freeze recorded: {} tables at {} -> {}",
                s.tables.len(),
                s.recorded_at,
                out.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => cannot_run(e),
    }
}

fn fixture(what: FixtureCmd) -> ExitCode {
    use fixtures::generate::{generate, Size};
    match what {
        FixtureCmd::Sql {
            fixture: FixtureArgs { people, seed },
            out,
        } => {
            let sql = fixtures::sql::render(&generate(seed, Size { people }));
            match out {
                Some(path) => {
                    if let Err(e) = std::fs::write(&path, &sql) {
                        return cannot_run(format!("{}: {e}", path.display()));
                    }
                    println!(
                        "{} sha256:{}",
                        path.display(),
                        fixtures::sql::fixture_hash(&sql)
                    );
                }
                None => print!("{sql}"),
            }
            ExitCode::SUCCESS
        }
        FixtureCmd::State {
            fixture: FixtureArgs { people, seed },
            name_ids,
            faults,
            out,
        } => {
            let (faults, name_ids) = match (parse_faults(&faults), name_ids.parse::<NameIds>()) {
                (Ok(f), Ok(n)) => (f, n),
                (Err(e), _) | (_, Err(e)) => return cannot_run(e),
            };
            if out.exists()
                && std::fs::read_dir(&out)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return cannot_run(format!(
                    "{} exists and is not empty (hint: choose a new directory)",
                    out.display()
                ));
            }
            let ds = generate(seed, Size { people });
            let m = fixtures::migrate::migrate(&ds, name_ids, &faults);
            match fixtures::state::write(&out, &m, &ds, ds.now) {
                Ok((paths, commit)) => {
                    let tree = std::process::Command::new("git")
                        .arg("--git-dir")
                        .arg(&paths.data_repo)
                        .args(["rev-parse", "main^{tree}"])
                        .output()
                        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                        .unwrap_or_default();
                    println!(
                        "data repo {} commit {commit} tree {tree}",
                        paths.data_repo.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => cannot_run(e),
            }
        }
    }
}
