//! `cutover watch`: the T+1h watch from the command line — a line per probe round, the
//! point of no return, and "hold" (exit 0) or "roll back" (exit 1) at the end.

use crate::exit_with;
use harness::evidence::Outcome;
use harness::watch::{self, no_return, setup, Call};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

pub struct WatchArgs {
    pub profile: Option<PathBuf>,
    pub base_url: Option<String>,
    pub minutes: f64,
    pub interval: u64,
    pub report_dir: PathBuf,
}

pub async fn watch(args: WatchArgs) -> ExitCode {
    let profile = match crate::run::load_profile(args.profile.as_deref()) {
        Ok(p) => p,
        Err(e) => return exit_with::cannot_run(e),
    };
    if args.interval == 0 || !args.minutes.is_finite() || args.minutes <= 0.0 {
        return exit_with::cannot_run("--interval and --minutes must be above 0");
    }
    let w = match setup::from_profile(&profile, args.base_url.as_deref()) {
        Ok(w) => w,
        Err(e) => return exit_with::cannot_run(e),
    };
    // Nothing answering at all is a wrong URL or no network, not a reason to roll back.
    match w.client.get(harness::routes::HEALTH).await {
        Err(e) if !e.is_rate_limited() => {
            return exit_with::cannot_run(format!(
                "{e} before the watch started: nothing to watch (hint: is --base-url or [target] base_url right?)"
            ))
        }
        _ => {}
    }
    let probes = match w.repo.snapshot().and_then(|s| watch::round_probes(&s)) {
        Ok(p) => p,
        Err(e) => return exit_with::cannot_run(e),
    };
    let plan = watch::plan(
        Duration::from_secs_f64(args.minutes * 60.0),
        Duration::from_secs(args.interval),
    );
    println!(
        "watching {} for {} round(s), {} s apart ({} probes a round; sustained span {} rounds)",
        harness::redact::redact(w.client.base_url()),
        plan.rounds,
        plan.interval.as_secs(),
        probes.len(),
        plan.sustained_rounds()
    );
    let mut session = watch::Watch::new(w.client.clone(), probes, plan);
    let call = session.run(|r, of| println!("{}", r.line(of))).await;
    let no_return = no_return::report(
        &w.repo,
        w.import.as_deref(),
        w.live_store.as_deref(),
        w.imported_store.as_deref(),
    );
    println!("{}", no_return.render());
    let ev = watch::evidence(&session, &call);
    let _ = std::fs::create_dir_all(&args.report_dir);
    let kept = harness::redact::redact_json(&serde_json::json!({
        "call": call, "rounds": session.rounds, "pointOfNoReturn": no_return, "evidence": ev,
    }));
    let path = args.report_dir.join("watch.json");
    if let Err(e) = std::fs::write(
        &path,
        serde_json::to_string_pretty(&kept).unwrap_or_default(),
    ) {
        eprintln!("cutover watch: {}: {e}", path.display());
    }
    match call {
        Call::Hold if ev.outcome == Outcome::NotChecked => {
            println!("WATCH: not checked — {}", ev.headline);
            ExitCode::from(harness::exit::CANNOT_RUN as u8)
        }
        Call::Hold => {
            println!("WATCH: hold");
            ExitCode::SUCCESS
        }
        Call::RollBack { .. } => {
            debug_assert_eq!(ev.outcome, Outcome::Fail);
            println!("WATCH: roll back — {}", ev.headline);
            ExitCode::from(harness::exit::NO_GO as u8)
        }
    }
}
