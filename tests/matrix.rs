//! The fault matrix, one test per case, run in parallel (`harness = false`, libtest-mimic):
//! the clean rehearsal passes; every fault fails exactly the scenarios that guard against it;
//! no fixture secret reaches any output or report; and the cases around a run (a signed
//! bundle and waivers, the freeze across runs, tag filters, bad feature files) behave.
//!
//! One legacy server is provisioned for the whole binary and the fixture loaded once; every
//! case runs the `cutover` binary against it. Cases that write to laddr (the `legacy-write`
//! fault, the freeze) load a fixture of another seed, so their writes never reach the
//! database the other cases are reading at the same time. At the end the shared database's
//! checksums must equal those taken before the first case.

mod support;

use fixtures::generate::{generate, Size, DEFAULT_PEOPLE, DEFAULT_SEED};
use fixtures::{Fault, RunEffect};
use harness::config::Profile;
use harness::exit;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::*;

/// Seeds of their own for cases that write to the legacy database (one each: they run at
/// the same time).
const WRITER_SEED: u64 = DEFAULT_SEED + 1;
const UPDATER_SEED: u64 = DEFAULT_SEED + 2;
const FREEZE_SEED: u64 = DEFAULT_SEED + 3;

/// The suite's feature files.
const FEATURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/features");

/// A case that does not expect the timing scenario to fail takes fewer samples (its test
/// then has less power, so it can only pass more easily); a fault that must fail it keeps
/// the default.
use fixtures::fault::TIMING_SCENARIO;

/// What every case shares: the server, the fixture's secrets, a scratch directory.
struct Shared {
    admin: String,
    ds: fixtures::model::Dataset,
    /// Every fixture secret, searched for in one pass over each case's output.
    secrets: aho_corasick::AhoCorasick,
    dir: tempfile::TempDir,
}

impl Shared {
    fn report_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name.replace("::", "-"))
    }
}

fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(msg().into())
    }
}

fn failed_scenarios(results: &serde_json::Value) -> BTreeSet<String> {
    results["scenarios"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|s| s["status"] == "failed")
        .filter_map(|s| s["scenario"].as_str().map(str::to_string))
        .collect()
}

/// Run a rehearsal with `extra` arguments and environment, and check that exactly
/// `expected` scenarios fail and that nothing secret was printed or written.
fn rehearsal_case(
    sh: &Shared,
    name: &str,
    extra: &[String],
    env: &[(&str, &str)],
    expected: &[&str],
) -> Result<(String, serde_json::Value), Failed> {
    let report_dir = sh.report_dir(name);
    let mut args = vec!["rehearse", "--report-dir", report_dir.to_str().unwrap()];
    args.extend(extra.iter().map(String::as_str));
    let mut all_env = vec![("LADDR_DATABASE_URL", sh.admin.as_str())];
    all_env.extend_from_slice(env);
    let out = cutover(&args, &all_env);
    let console = text(&out);
    let want = if expected.is_empty() {
        exit::GO
    } else {
        exit::NO_GO
    };
    check(out.status.code() == Some(want), || {
        format!("exit {:?}, wanted {want}:\n{console}", out.status.code())
    })?;
    let results = read_json(&report_dir.join("results.json"));
    let failed = failed_scenarios(&results);
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    check(failed == expected, || {
        format!("exactly its scenarios fail: failed {failed:?}, expected {expected:?}\n{console}")
    })?;
    let ran = results["scenarios"].as_array().map_or(0, Vec::len);
    let given = |flag: &str| {
        extra
            .iter()
            .position(|a| a == flag)
            .and_then(|i| extra.get(i + 1))
    };
    let features = given("--features").map_or_else(|| FEATURES.into(), PathBuf::from);
    let total = match given("--tags") {
        Some(t) => {
            let f: gherkin::tagexpr::TagOperation = t.parse().map_err(|e| format!("{t}: {e}"))?;
            steps::selection::tagged_count(&features, &f)
        }
        None => steps::selection::count_scenarios(&features),
    };
    check(ran == total, || {
        format!("the whole selection ran: {ran} of {total}")
    })?;
    let mut everything = console.clone();
    for f in std::fs::read_dir(&report_dir)? {
        let path = f?.path();
        if path.is_file() {
            everything.push_str(&String::from_utf8_lossy(&std::fs::read(&path)?));
        }
    }
    check(!sh.secrets.is_match(&everything), || {
        "a fixture secret leaked into the output or a report".into()
    })?;
    Ok((console, results))
}

/// A fault that acts on the whole run: the exit code it must give, and what must be said.
fn run_effect_case(sh: &Shared, f: Fault, code: i32, says: &str) -> Result<(), Failed> {
    let report_dir = sh.report_dir(&format!("fault-{}", f.name()));
    // A write outside the allow-list shows only where there is one: name test accounts.
    let (a, b) = test_accounts(&sh.ds);
    let accounts = format!("{a},{b}");
    let mut env = vec![
        ("LADDR_DATABASE_URL", sh.admin.as_str()),
        ("CUTOVER_READY_TIMEOUT", "5"),
    ];
    if f == Fault::WriteEscapesAllowList {
        env.push(("CUTOVER_TEST_ACCOUNTS", accounts.as_str()));
    }
    let out = cutover(
        &[
            "rehearse",
            "--fault",
            f.name(),
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &env,
    );
    let console = text(&out);
    check(out.status.code() == Some(code), || {
        format!("exit {:?}, wanted {code}:\n{console}", out.status.code())
    })?;
    check(console.contains(says), || {
        format!("says {says:?}:\n{console}")
    })
}

/// CUTOVER_MATRIX_FULL=1 runs every case over every feature, judging each fault's effect
/// everywhere (about three times as long; the weekly CI run sets it).
fn full() -> bool {
    std::env::var_os("CUTOVER_MATRIX_FULL").is_some_and(|v| v == "1")
}

/// The feature files holding the `expected` scenarios, copied with their paths under
/// `features/` into `dir`: a fault's case runs the features where it must show, and every
/// scenario in them must pass but those. Every feature under [`full`].
fn features_holding(expected: &[&str], dir: &Path) -> Result<PathBuf, Failed> {
    let root = Path::new(FEATURES);
    if full() {
        return Ok(root.to_path_buf());
    }
    let all = steps::selection::scenarios(root);
    let mut files = BTreeSet::new();
    for e in expected {
        let holding: Vec<_> = all.iter().filter(|s| s.scenario == *e).collect();
        check(!holding.is_empty(), || {
            format!("no feature holds the expected scenario {e:?}")
        })?;
        files.extend(holding.into_iter().map(|s| &s.file));
    }
    for f in files {
        let to = dir.join(f.strip_prefix(root).map_err(|e| e.to_string())?);
        std::fs::create_dir_all(to.parent().unwrap_or(dir))?;
        std::fs::copy(f, &to)?;
    }
    Ok(dir.to_path_buf())
}

/// The arguments that narrow a fault's case: only the features where it must show, and
/// fewer timing samples unless it must fail the timing scenario.
fn narrowed(sh: &Shared, name: &str, expected: &[&str]) -> Result<Vec<String>, Failed> {
    let dir = sh.report_dir(&format!("{name}-input"));
    let features = features_holding(expected, &dir.join("features"))?;
    let mut args = vec!["--features".to_string(), path_arg(&features)];
    if !full() && !expected.contains(&TIMING_SCENARIO) {
        let profile = dir.join("profile.toml");
        std::fs::write(&profile, "[claim]\ntiming_samples = 8\n")?;
        args.extend(["--profile".to_string(), path_arg(&profile)]);
    }
    Ok(args)
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fault_case(sh: &Shared, f: Fault) -> Result<(), Failed> {
    match f.run_effect() {
        RunEffect::CannotRun(says) => return run_effect_case(sh, f, exit::CANNOT_RUN, says),
        RunEffect::NoGoSaying(says) => return run_effect_case(sh, f, exit::NO_GO, says),
        RunEffect::Scenarios | RunEffect::Tolerated => {}
    }
    let mut extra = vec!["--fault".to_string(), f.name().to_string()];
    if f.after_cutover() {
        extra.extend(["--after-cutover", "--tags", "@T+7d"].map(String::from));
    }
    match f {
        Fault::LegacyWrite => extra.extend(["--seed".to_string(), WRITER_SEED.to_string()]),
        Fault::LegacyUpdate => extra.extend(["--seed".to_string(), UPDATER_SEED.to_string()]),
        _ => {}
    }
    let name = format!("fault::{}", f.name());
    if !f.expected_failures().is_empty() && !f.after_cutover() {
        extra.extend(narrowed(sh, &name, f.expected_failures())?);
    }
    let (console, results) = rehearsal_case(sh, &name, &extra, &[], f.expected_failures())?;
    match f {
        Fault::DropPerson => {
            let id = results["identity"]["target"]["droppedPerson"]
                .as_u64()
                .ok_or("the dropped person is in the identity")?;
            check(console.contains(&format!("legacy id {id} ")), || {
                format!("names the missing legacy id:\n{console}")
            })
        }
        Fault::LegacyWrite => check(
            console.contains("NO-GO: legacy table `sessions` changed during the run"),
            || console.clone(),
        ),
        Fault::LegacyUpdate => check(
            console.contains("people: changed in place")
                && console.contains("NO-GO: legacy table `people` changed during the run"),
            || console.clone(),
        ),
        Fault::Unready => check(console.contains("it answers that it is ready"), || {
            format!("names the readiness step:\n{console}")
        }),
        _ => Ok(()),
    }
}

/// A signed rehearsal verifies; one changed byte does not; a waiver accepts a known failure
/// until it expires.
fn signed_bundle_and_waivers(sh: &Shared) -> Result<(), Failed> {
    let dir = sh.report_dir("bundle");
    std::fs::create_dir_all(&dir)?;
    let keys = dir.join("acceptance");
    let out = cutover(&["keygen", "--out", keys.to_str().unwrap()], &[]);
    check(out.status.code() == Some(exit::GO), || text(&out))?;
    let secret = std::fs::read_to_string(dir.join("acceptance.key"))?;
    let signed = dir.join("signed");
    let (key_file, pub_file) = (dir.join("acceptance.key"), dir.join("acceptance.pub"));
    let waivers = dir.join("waivers.toml");
    // One importer bug shows in three scenarios: the profile, the SAML email attribute and
    // the captured assertions. Each is waived by name.
    let waived = [
        "Every laddr email is in exactly one profile, lower-cased",
        "Every email attribute is still laddr's email",
        "Captured laddr assertions match the new IdP's, field by field",
    ];
    let features = path_arg(&features_holding(&waived, &dir.join("features"))?);
    std::fs::write(
        &waivers,
        waived
        .map(|s| format!("[[waiver]]\nscenario = \"{s}\"\nreason = \"known importer bug, fix in 1.4.1\"\nowner = \"cutover lead\"\nexpires = \"2999-01-01\"\n"))
        .concat(),
    )?;
    let admin = [("LADDR_DATABASE_URL", sh.admin.as_str())];
    let rehearse = |report: &Path| {
        cutover(
            &[
                "rehearse",
                "--fault",
                "email-changed",
                "--features",
                &features,
                "--waivers",
                waivers.to_str().unwrap(),
                "--signing-key",
                key_file.to_str().unwrap(),
                "--signer",
                "Ana Lead",
                "--signer-role",
                "cutover lead",
                "--report-dir",
                report.to_str().unwrap(),
            ],
            &admin,
        )
    };
    let out = rehearse(&signed);
    let console = text(&out);
    check(out.status.code() == Some(exit::GO), || console.clone())?;
    check(
        console.contains("VERDICT: GO with waivers") && !console.contains(secret.trim()),
        || console.clone(),
    )?;
    let verify = || {
        cutover(
            &[
                "verify",
                signed.to_str().unwrap(),
                "--public-key",
                pub_file.to_str().unwrap(),
            ],
            &[],
        )
    };
    let out = verify();
    let said = text(&out);
    check(
        out.status.code() == Some(exit::GO)
            && said.contains("VERDICT: GO with waivers")
            && said.contains("signed off by: Ana Lead (cutover lead)")
            && said.contains("waived: ")
            && said.contains("needs eyes 1: Waived by "),
        || said.clone(),
    )?;
    // The signed manifest (a signer, waivers, a key) follows its schema too.
    let manifest = read_json(&signed.join("manifest.json"));
    let errors = schema_errors(&manifest, "manifest.schema.json");
    check(
        errors.is_empty() && manifest["signer"]["role"] == "cutover lead",
        || format!("{errors:?}"),
    )?;
    let html = signed.join("report.html");
    let mut bytes = std::fs::read(&html)?;
    bytes[100] ^= 0x20;
    std::fs::write(&html, bytes)?;
    let out = verify();
    check(
        out.status.code() == Some(exit::BUNDLE_INVALID)
            && text(&out).contains("artifact report.html changed since signing"),
        || text(&out),
    )?;
    std::fs::write(
        &waivers,
        std::fs::read_to_string(&waivers)?.replace("2999-01-01", "2020-01-01"),
    )?;
    let out = rehearse(&dir.join("expired"));
    check(
        out.status.code() == Some(exit::NO_GO)
            && text(&out).contains("expired waiver, not counted"),
        || format!("an expired waiver does not count: {}", text(&out)),
    )
}

/// The freeze across runs: recorded at "T-7d" by `cutover freeze`, compared at "T-0". An
/// in-place UPDATE in between (row counts and timestamps unchanged) fails exactly the freeze
/// scenario. On a database of its own (another seed).
fn freeze_across_runs(sh: &Shared) -> Result<(), Failed> {
    let rt = runtime();
    let ds = generate(
        FREEZE_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    let sql = fixtures::sql::render(&ds);
    let hash = fixtures::sql::fixture_hash(&sql);
    let ro = rt.block_on(fixtures::legacy::prepare(&sh.admin, &sql, &hash))?;
    let dir = sh.report_dir("freeze");
    std::fs::create_dir_all(&dir)?;
    let freeze_file = dir.join("freeze.json");
    let out = cutover(
        &["freeze", "--out", freeze_file.to_str().unwrap()],
        &[("LADDR_DATABASE_URL", ro.as_str())],
    );
    check(out.status.code() == Some(exit::GO), || text(&out))?;
    let db = sh.admin.replace(
        "/mysql",
        &format!("/{}", fixtures::legacy::database_name(&hash)),
    );
    // One row changed in place, and put back afterwards.
    let location = |to: Option<String>| -> Result<Option<String>, Failed> {
        Ok(rt.block_on(async {
            use sqlx::{Connection, Row};
            let mut c = sqlx::MySqlConnection::connect(&db).await?;
            let was: Option<String> = sqlx::query("SELECT Location FROM people WHERE ID = 2")
                .fetch_one(&mut c)
                .await?
                .try_get(0)?;
            sqlx::query("UPDATE people SET Location = ? WHERE ID = 2")
                .bind(to)
                .execute(&mut c)
                .await?;
            Ok::<_, sqlx::Error>(was)
        })?)
    };
    let expected = [
        "Nothing writes to laddr after the freeze",
        "The final laddr dump restores into a scratch database and holds exactly laddr",
    ];
    let features = path_arg(&features_holding(&expected, &dir.join("features"))?);
    let original = location(Some("moved after the freeze".into()))?;
    let report_dir = dir.join("report");
    let seed = FREEZE_SEED.to_string();
    let out = cutover(
        &[
            "rehearse",
            "--features",
            &features,
            "--seed",
            &seed,
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", sh.admin.as_str()),
            ("CUTOVER_FREEZE_FILE", freeze_file.to_str().unwrap()),
        ],
    );
    location(original)?;
    check(out.status.code() == Some(exit::NO_GO), || text(&out))?;
    let failed = failed_scenarios(&read_json(&report_dir.join("results.json")));
    // The rehearsal's final dump was written before the change, so it is no longer laddr:
    // the restore gate says so too.
    check(failed == BTreeSet::from(expected.map(String::from)), || {
        format!("{failed:?}\n{}", text(&out))
    })?;
    // An in-place UPDATE: counts and timestamps unchanged, the checksum not.
    check(text(&out).contains("people: changed in place"), || {
        text(&out)
    })
}

/// A phase that matches nothing cannot give a verdict; one that matches runs.
fn tag_filters(sh: &Shared) -> Result<(), Failed> {
    let report_dir = sh.report_dir("tags");
    let admin = [("LADDR_DATABASE_URL", sh.admin.as_str())];
    let out = cutover(
        &[
            "rehearse",
            "--tags",
            "@no-such-phase",
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &admin,
    );
    check(
        out.status.code() == Some(exit::CANNOT_RUN) && text(&out).contains("no scenario ran"),
        || text(&out),
    )?;
    let out = cutover(
        &[
            "rehearse",
            "--tags",
            "@T-0 and not @no-such-phase",
            "--concurrency",
            "2",
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &admin,
    );
    check(out.status.code() == Some(exit::GO), || text(&out))
}

/// An undefined step fails its scenario (never silently skipped); an unparsable feature file
/// means the suite cannot run.
fn bad_feature_files(sh: &Shared) -> Result<(), Failed> {
    let dir = sh.report_dir("features");
    let (undefined, broken, report_dir) = (
        dir.join("undefined"),
        dir.join("broken"),
        dir.join("report"),
    );
    std::fs::create_dir_all(&undefined)?;
    std::fs::create_dir_all(&broken)?;
    std::fs::write(
        undefined.join("x.feature"),
        "Feature: X\n  Scenario: Y\n    Given the legacy laddr database\n    Then a step nobody wrote\n",
    )?;
    std::fs::write(
        broken.join("x.feature"),
        "Feature: X\n  Scenario Outline: Y\n    Given <a>\n  Nonsense here\n",
    )?;
    let admin = [("LADDR_DATABASE_URL", sh.admin.as_str())];
    let run = |features: &Path| {
        cutover(
            &[
                "rehearse",
                "--features",
                features.to_str().unwrap(),
                "--report-dir",
                report_dir.to_str().unwrap(),
            ],
            &admin,
        )
    };
    let out = run(&undefined);
    check(
        out.status.code() == Some(exit::NO_GO) && text(&out).contains("no step definition matches"),
        || text(&out),
    )?;
    let out = run(&broken);
    check(out.status.code() == Some(exit::CANNOT_RUN), || text(&out))
}

/// The stack through the command provider (`cutover serve` as a process): a fault reaches
/// it through CUTOVER_FAULTS as it reaches the state, and a command that exits at once is
/// "cannot run" with its last log lines.
fn command_provider(sh: &Shared) -> Result<(), Failed> {
    let report_dir = sh.report_dir("command");
    let serve = format!("{BIN} serve");
    let holding = features_holding(
        Fault::DropPerson.expected_failures(),
        &sh.report_dir("command-input"),
    )?;
    let features = path_arg(&holding);
    let run = |command: &str, faults: &str| {
        cutover(
            &[
                "rehearse",
                "--features",
                &features,
                "--target-command",
                command,
                "--report-dir",
                report_dir.to_str().unwrap(),
            ],
            &[
                ("LADDR_DATABASE_URL", sh.admin.as_str()),
                ("CUTOVER_FAULTS", faults),
            ],
        )
    };
    let out = run(&serve, "drop-person");
    let console = text(&out);
    check(out.status.code() == Some(exit::NO_GO), || console.clone())?;
    let results = read_json(&report_dir.join("results.json"));
    let id = results["identity"]["target"]["droppedPerson"]
        .as_u64()
        .ok_or("dropped person")?;
    check(console.contains(&format!("legacy id {id} ")), || {
        format!("names the record:\n{console}")
    })?;
    let log = std::fs::read_to_string(report_dir.join("stack.log"))?;
    check(log.contains("Server listening at"), || log.clone())?;
    let out = run(
        "echo 'fatal: CFP_DATA_REPO_PATH unreadable' >&2; exit 3",
        "",
    );
    check(
        out.status.code() == Some(exit::CANNOT_RUN)
            && text(&out).contains("exited before it was ready")
            && text(&out).contains("fatal: CFP_DATA_REPO_PATH unreadable"),
        || text(&out),
    )
}

fn main() {
    let mut args = Arguments::from_args();
    // Each case is a whole rehearsal in another process, partly waiting on I/O: a little
    // more than one per core keeps both cores busy.
    if args.test_threads.is_none() {
        args.test_threads = Some(3);
    }
    let rt = runtime();
    let profile = Profile::from_env().expect("profile from the environment");
    let mut server = rt
        .block_on(harness::legacy::provider::provision(&profile))
        .expect("a legacy database for the matrix");
    let ds = generate(
        DEFAULT_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    let sql = fixtures::sql::render(&ds);
    let hash = fixtures::sql::fixture_hash(&sql);
    let ro = rt
        .block_on(fixtures::legacy::prepare(&server.url, &sql, &hash))
        .expect("the fixture loads");
    let db = rt
        .block_on(harness::legacy::LegacyDb::connect_read_only(&ro))
        .expect("read-only connection");
    let before = rt.block_on(db.checksums()).expect("checksums");
    let secrets: Vec<String> = ds
        .people
        .iter()
        .flat_map(|p| [p.email.clone(), p.password.clone(), p.github_token.clone()])
        .flatten()
        .chain(ds.secrets.iter().map(|s| s.plaintext.clone()))
        .collect();
    let secrets = aho_corasick::AhoCorasick::new(&secrets).expect("an automaton of the secrets");
    let sh = Arc::new(Shared {
        admin: server.url.clone(),
        ds: ds.clone(),
        secrets,
        dir: tempfile::tempdir().expect("scratch directory"),
    });

    let mut trials = Vec::new();
    let case = |name: &str, f: fn(&Shared) -> Result<(), Failed>| {
        let sh = sh.clone();
        Trial::test(name, move || f(&sh))
    };
    trials.push(case("rehearsal::clean", |sh| {
        rehearsal_case(sh, "clean", &[], &[], &[]).map(drop)
    }));
    // The rehearsal has one GitHub-linked person who kept their legacy password: advisory by
    // default, a failure under the strict-drain policy.
    trials.push(case("rehearsal::strict-drain", |sh| {
        let expected = [
            "Runbook counter: GitHub-linked persons holding a legacy password",
            "The stack's reconcile finds nothing that stops the cutover",
        ];
        let extra = narrowed(sh, "strict-drain", &expected)?;
        rehearsal_case(
            sh,
            "strict-drain",
            &extra,
            &[("CUTOVER_STRICT_DRAIN", "1")],
            &expected,
        )
        .map(drop)
    }));
    for f in Fault::ALL {
        let sh = sh.clone();
        trials.push(Trial::test(format!("fault::{}", f.name()), move || {
            fault_case(&sh, f)
        }));
    }
    // A week of ordinary use after the cutover keeps the post-cutover runs GO.
    trials.push(case("rehearsal::after-cutover", |sh| {
        let extra = ["--after-cutover", "--tags", "@T+7d"].map(String::from);
        rehearsal_case(sh, "after-cutover", &extra, &[], &[]).map(drop)
    }));
    trials.push(case(
        "run::signed-bundle-and-waivers",
        signed_bundle_and_waivers,
    ));
    trials.push(case("run::freeze-across-runs", freeze_across_runs));
    trials.push(case("run::tag-filters", tag_filters));
    trials.push(case("run::bad-feature-files", bad_feature_files));
    trials.push(case("provider::command", command_provider));

    let conclusion = libtest_mimic::run(&args, trials);
    let after = rt.block_on(db.checksums()).expect("checksums");
    let changed = after.changes_since(&before);
    rt.block_on(db.close());
    rt.block_on(server.shutdown());
    if !changed.is_empty() {
        eprintln!("the shared legacy database changed during the matrix: {changed:?}");
        std::process::exit(101);
    }
    conclusion.exit();
}
