//! The cucumber target (`harness = false`): a clean rehearsal runs every feature against the
//! fixture and the reference target, and every scenario must pass.
//!
//! The legacy database comes from the provider chain (LADDR_DATABASE_URL, a Docker daemon,
//! or a local mariadbd). It prints one line per scenario and a closing
//! `rehearsal: N passed, N failed`.

use harness::config::Profile;
use std::process::ExitCode;

fn main() -> ExitCode {
    // The fixture's bcrypt hashes and the IdP keys come from the memo the other test binary
    // fills (target/tmp), unless the caller points it elsewhere.
    if std::env::var_os(fixtures::generate::CACHE_ENV).is_none() {
        let cache = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-cache");
        std::env::set_var(fixtures::generate::CACHE_ENV, cache);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let profile = match Profile::from_env() {
            Ok(p) => p,
            Err(e) => {
                eprintln!("rehearsal: {e}");
                return ExitCode::FAILURE;
            }
        };
        let opts = fixtures::rehearsal::Options {
            tool_exe: Some(env!("CARGO_BIN_EXE_cutover").into()),
            ..Default::default()
        };
        let rehearsal = match fixtures::rehearsal::Rehearsal::start(&profile, &opts).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("rehearsal: cannot start: {e}");
                return ExitCode::FAILURE;
            }
        };
        let opts = steps::RunOptions {
            features: concat!(env!("CARGO_MANIFEST_DIR"), "/features").into(),
            tags: None,
            concurrency: 4,
            strict_drain: false,
            freeze_file: None,
            freeze_file_required: false,
            waivers: vec![],
            allow_writes: true,
            report_dir: None,
            slack_team_host: harness::config::DEFAULT_SLACK_TEAM_HOST.into(),
        };
        let outcome = steps::run(rehearsal.env.clone(), &opts).await;
        rehearsal.stop().await;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                eprintln!("rehearsal: {e}");
                return ExitCode::FAILURE;
            }
        };
        let failed = outcome.failed().count();
        for c in &outcome.checksum_changes {
            eprintln!("rehearsal: legacy table {} changed during the run", c.table);
        }
        println!(
            "rehearsal: {} passed, {failed} failed",
            outcome.scenarios.len() - failed
        );
        if outcome.verdict() == harness::evidence::Verdict::Go {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    })
}
