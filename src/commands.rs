//! The subcommands other than a feature run: the redirect checker, the freeze, the fixture
//! writers.

use crate::cli::{FixtureArgs, FixtureCmd};
use crate::exit_with;
use fixtures::migrate::NameIds;
use harness::exit;
use std::path::PathBuf;
use std::process::ExitCode;

pub async fn check_redirects(
    base: String,
    map: PathBuf,
    urls: Option<PathBuf>,
    concurrency: usize,
    report_dir: PathBuf,
) -> ExitCode {
    use harness::redirects::{check, map as rmap};
    let text = match std::fs::read_to_string(&map) {
        Ok(t) => t,
        Err(e) => return exit_with::cannot_run(format!("{}: {e}", map.display())),
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
            Err(e) => return exit_with::cannot_run(format!("{}: {e}", list.display())),
        }
    }
    for p in &problems {
        println!("not checked: {p}");
    }
    let checker = match check::Checker::new(&base, concurrency, None) {
        Ok(c) => c,
        Err(e) => return exit_with::cannot_run(e),
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

pub async fn record_freeze(profile: Option<PathBuf>, out: PathBuf) -> ExitCode {
    let profile = match crate::run::load_profile(profile.as_deref()) {
        Ok(p) => p,
        Err(e) => return exit_with::cannot_run(e),
    };
    let Some(url) = profile.legacy.url.clone() else {
        return exit_with::cannot_run(
            "no legacy database (hint: set LADDR_DATABASE_URL or [legacy] url)",
        );
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
        Err(e) => exit_with::cannot_run(e),
    }
}

pub fn fixture(what: FixtureCmd) -> ExitCode {
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
                        return exit_with::cannot_run(format!("{}: {e}", path.display()));
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
            let (faults, name_ids) =
                match (crate::parse_faults(&faults), name_ids.parse::<NameIds>()) {
                    (Ok(f), Ok(n)) => (f, n),
                    (Err(e), _) | (_, Err(e)) => return exit_with::cannot_run(e),
                };
            if out.exists()
                && std::fs::read_dir(&out)
                    .map(|mut d| d.next().is_some())
                    .unwrap_or(true)
            {
                return exit_with::cannot_run(format!(
                    "{} exists and is not empty (hint: choose a new directory)",
                    out.display()
                ));
            }
            let ds = generate(seed, Size { people });
            let m = fixtures::migrate::migrate(&ds, name_ids, &faults);
            let layout = harness::state_layout::StateLayout::new(&out);
            let written = fixtures::state::write(&out, &m, &ds, ds.now).and_then(|w| {
                fixtures::state::write_material(
                    &layout,
                    &ds,
                    harness::config::DEFAULT_SLACK_TEAM_HOST,
                )
                .map(|_| w)
            });
            match written {
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
                Err(e) => exit_with::cannot_run(e),
            }
        }
    }
}
