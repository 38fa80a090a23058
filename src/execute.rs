//! One run of the features against an environment: the options from the profile and the
//! flags, the reports written (and signed), and the verdict printed and returned as the exit
//! code.

use crate::cli::RunArgs;
use crate::error::Error;
use crate::exit_with;
use harness::config::Profile;
use harness::env::Environment;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

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

/// The signing key from `--signing-key` or `CUTOVER_SIGNING_KEY`, if any.
fn signing_key(args: &RunArgs) -> Result<Option<reports::manifest::SigningKey>, Error> {
    let from_env = std::env::var("CUTOVER_SIGNING_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    match (&args.signing_key, from_env) {
        (Some(path), _) => reports::manifest::SigningKey::load(path)
            .map(Some)
            .map_err(Error::SigningKey),
        (None, Some(text)) => reports::manifest::SigningKey::from_base64(&text)
            .map(Some)
            .map_err(|e| Error::io("CUTOVER_SIGNING_KEY", e)),
        (None, None) => Ok(None),
    }
}

/// The run's phase, from `--phase` or the profile; an unknown phase is an error.
fn phase(args: &RunArgs, profile: &Profile) -> Result<Option<harness::phase::Phase>, Error> {
    args.phase
        .clone()
        .or_else(|| profile.run.phase.clone())
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.parse()
                .map_err(|e: harness::Error| Error::Usage(format!("--phase: {e}")))
        })
        .transpose()
}

/// The tag expression: the phase's tag and `--tags` (or the profile's), both when both.
fn selection(
    args: &RunArgs,
    profile: &Profile,
    phase: Option<harness::phase::Phase>,
) -> Option<String> {
    let tags = args
        .tags
        .clone()
        .or_else(|| profile.run.tags.clone())
        .filter(|t| !t.trim().is_empty());
    match (phase.map(|p| p.tag_expression()), tags) {
        (Some(p), Some(t)) => Some(format!("{p} and ({t})")),
        (p, t) => p.or(t),
    }
}

/// What the run will say it is for, checked before anything is started: the phase, and
/// who signs (a signed report must name them).
pub fn framing(args: &RunArgs, profile: &Profile) -> Result<Framing, Error> {
    let framing = Framing {
        phase: phase(args, profile)?,
        signer: signer(args, profile)?,
    };
    if signing_key(args)?.is_some() && framing.signer.is_none() {
        return Err(Error::Usage("a signed go/no-go names who signs it and in what role (hint: --signer 'Name' --signer-role 'cutover lead', or [run] signer and signer_role)".into()));
    }
    Ok(framing)
}

/// Who signs: the flags, else the profile's `[run] signer` / `signer_role`.
fn signer(args: &RunArgs, profile: &Profile) -> Result<Option<reports::signoff::Signer>, Error> {
    Ok(reports::signoff::Signer::new(
        args.signer.clone().or_else(|| profile.run.signer.clone()),
        args.signer_role
            .clone()
            .or_else(|| profile.run.signer_role.clone()),
    )?)
}

fn run_options(
    args: &RunArgs,
    profile: &Profile,
    waivers: Vec<harness::waiver::Waiver>,
    allow_writes: bool,
    tags: Option<String>,
    freeze_file_required: bool,
) -> steps::RunOptions {
    steps::RunOptions {
        allow_writes,
        features: features_dir(args.features.as_ref(), profile),
        tags,
        concurrency: args.concurrency.unwrap_or_else(|| profile.concurrency()),
        strict_drain: profile.strict_drain(),
        freeze_file: profile.run.freeze_file.clone(),
        freeze_file_required,
        waivers,
        report_dir: Some(args.report_dir.clone()),
        slack_team_host: profile.slack_team_host().to_string(),
    }
}

/// Make the report directory empty of an earlier run's bundle, and keep the stack's log in it.
fn prepare_report_dir(dir: &Path, env: &Environment) -> Result<(), Error> {
    reports::clear_previous(dir);
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("report directory {}", dir.display()), e))?;
    if let Some(stack) = &env.stack {
        let log = dir.join(reports::STACK_LOG);
        stack
            .log
            .write_to(&log)
            .map_err(|e| Error::io(log.display().to_string(), e))?;
    }
    Ok(())
}

fn stamp(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    fixtures::migrate::iso(secs)
}

/// What the report says about the run besides its results: the phase, the selection, who signs.
pub struct Framing {
    phase: Option<harness::phase::Phase>,
    signer: Option<reports::signoff::Signer>,
}

fn report(
    env: &Environment,
    opts: &steps::RunOptions,
    outcome: &steps::run::RunOutcome,
    name: &str,
    rehearsal: bool,
    framing: &Framing,
) -> reports::RunReport {
    reports::RunReport {
        phase: framing.phase.map(|p| p.tag().to_string()),
        selection: opts.tags.clone(),
        signer: framing.signer.clone(),
        suite: if rehearsal { "rehearsal" } else { "acceptance" }.into(),
        suite_commit: harness::suite::commit(Path::new(env!("CARGO_MANIFEST_DIR"))),
        profile: name.to_string(),
        verdict: outcome.verdict(),
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
        run_problems: outcome.run_problems.clone(),
        shared_work: outcome.shared_work.clone(),
    }
}

/// What a person needs to read after the scenario lines: why the verdict is what it is.
fn print_findings(outcome: &steps::run::RunOutcome, report: &reports::RunReport) {
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
    for p in &outcome.run_problems {
        println!("NO-GO: {p}");
    }
    for s in outcome.failed() {
        let waived = outcome
            .decision
            .applied
            .iter()
            .any(|w| w.scenario == s.scenario);
        let mark = if waived { " (waived)" } else { "" };
        println!("failed{mark}: {} › {}", s.feature, s.scenario);
    }
    let not_run: Vec<_> = outcome.not_run().collect();
    if !not_run.is_empty() {
        println!("not run: {} scenario(s) that make the stack write (writes not allowed by this profile):", not_run.len());
        for s in &not_run {
            println!("  {} › {}", s.feature, s.scenario);
        }
    }
    for s in outcome.not_checked() {
        println!(
            "not checked: {} › {} — {}",
            s.feature,
            s.scenario,
            s.message.as_deref().unwrap_or("")
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
}

fn print_times(outcome: &steps::run::RunOutcome) {
    /// Per feature: scenarios, their own milliseconds, its tags, the highest peak (KiB).
    type Row<'a> = (usize, u64, &'a [String], Option<u64>);
    let mut per_feature: std::collections::BTreeMap<&str, Row> = Default::default();
    for sc in &outcome.scenarios {
        let e = per_feature
            .entry(sc.feature.as_str())
            .or_insert((0, 0, &sc.tags, None));
        e.0 += 1;
        e.1 += sc.duration_ms;
        e.3 = e.3.max(sc.peak_rss_kib);
    }
    for (feature, (n, ms, tags, peak)) in per_feature {
        let shared = harness::timing::owned_secs(&outcome.shared_work, tags);
        let peak = peak.map_or(String::new(), |k| {
            format!(", peak {} MiB", k.div_ceil(1024))
        });
        println!(
            "time: {feature}: {n} scenarios, {:.2} s ({:.2} s in its scenarios, {shared:.2} s of shared work it owns){peak}",
            ms as f64 / 1000.0 + shared,
            ms as f64 / 1000.0
        );
    }
}

/// Run the features, write the reports, print the verdict.
pub async fn execute(
    env: Arc<Environment>,
    args: &RunArgs,
    profile: &Profile,
    name: &str,
    rehearsal: bool,
) -> ExitCode {
    let key = match signing_key(args) {
        Ok(k) => k,
        Err(e) => return exit_with::cannot_run(e),
    };
    let framing = match framing(args, profile) {
        Ok(f) => f,
        Err(e) => return exit_with::cannot_run(e),
    };
    let waivers = match &args.waivers {
        Some(path) => match harness::waiver::WaiverFile::load(path) {
            Ok(w) => w.waiver,
            Err(e) => return exit_with::cannot_run(e),
        },
        None => Vec::new(),
    };
    let allow_writes = match profile.allow_writes(rehearsal) {
        Ok(a) => a,
        Err(e) => return exit_with::cannot_run(e),
    };
    let tags = selection(args, profile, framing.phase);
    // A real run after T-7d judges the freeze against the file recorded then.
    let freeze_file_required =
        !rehearsal && framing.phase != Some(harness::phase::Phase::WeekBefore);
    let opts = run_options(
        args,
        profile,
        waivers,
        allow_writes,
        tags,
        freeze_file_required,
    );
    if let Err(e) = prepare_report_dir(&args.report_dir, &env) {
        return exit_with::cannot_run(e);
    }
    let outcome = match steps::run(env.clone(), &opts).await {
        Ok(o) => o,
        Err(e) => return exit_with::cannot_run(e),
    };
    let minted = harness::saml::flow::SESSIONS_MINTED.load(std::sync::atomic::Ordering::Relaxed);
    let mut report = report(&env, &opts, &outcome, name, rehearsal, &framing);
    // The session key lets the suite act as any member: say that it was used, and how much.
    report.identity["sessionKey"] = serde_json::json!({
        "used": minted > 0,
        "sessionsMinted": minted,
        "note": if rehearsal { "the rehearsal's own key, made for this run" } else { "rotate CFP_JWT_SIGNING_KEY after an acceptance run: it let the suite act as any member" },
    });
    let written = reports::write_all(&args.report_dir, &report, key.as_ref());
    let (passed, failed) = report.counts();
    print_findings(&outcome, &report);
    if let Err(e) = print_written(written, key.as_ref(), &framing, &args.report_dir) {
        return exit_with::cannot_run(e);
    }
    print_summary(&outcome, passed, failed, minted, rehearsal);
    ExitCode::from(outcome.verdict().exit_code() as u8)
}

/// The report files written and how they were signed; `Err` if they could not be written.
fn print_written(
    written: std::io::Result<Vec<PathBuf>>,
    key: Option<&reports::manifest::SigningKey>,
    framing: &Framing,
    report_dir: &Path,
) -> Result<(), Error> {
    match written {
        Ok(files) => {
            let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
            println!("reports: {}", names.join(", "));
            match key {
                Some(k) => println!(
                    "signed with the key whose public half is {}, for {}",
                    k.public_base64(),
                    framing
                        .signer
                        .as_ref()
                        .map(|s| format!("{} ({})", s.name, s.role))
                        .unwrap_or_default()
                ),
                None => println!("not signed (hint: --signing-key <file> or CUTOVER_SIGNING_KEY)"),
            }
            Ok(())
        }
        Err(e) => Err(Error::io(
            format!("cannot write reports to {}", report_dir.display()),
            e,
        )),
    }
}

/// Times, the session key's use, the counts and the verdict.
fn print_summary(
    outcome: &steps::run::RunOutcome,
    passed: usize,
    failed: usize,
    minted: usize,
    rehearsal: bool,
) {
    print_times(outcome);
    if minted > 0 && !rehearsal {
        println!("the session key was used to mint {minted} sessions (acting as members and staff): rotate CFP_JWT_SIGNING_KEY now that the run is done");
    }
    let not_checked = outcome.not_checked().count();
    let not_run = outcome.not_run().count();
    println!(
        "scenarios: {passed} passed, {failed} failed, {not_checked} not checked, {not_run} not run"
    );
    println!("VERDICT: {}", outcome.verdict());
}
