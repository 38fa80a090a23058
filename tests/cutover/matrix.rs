//! The fault matrix, one test per case: the clean rehearsal passes; every fault fails
//! exactly the scenarios that guard against it; no fixture secret reaches any output or
//! report; and the cases around a run (`matrix_runs`) behave.
//!
//! Every case runs the `cutover` binary against the shared legacy server ([`Legacy`]).
//! Cases that write to laddr (the `legacy-write` fault, the freeze) load a fixture of another
//! seed, so their writes never reach the database the other cases are reading at the same
//! time.

use crate::matrix_runs::*;
use crate::support::*;
use fixtures::generate::DEFAULT_SEED;
use fixtures::{Fault, RunEffect};
use harness::exit;
use libtest_mimic::{Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Seeds of their own for cases that write to the legacy database (one each: they run at
/// the same time).
pub const WRITER_SEED: u64 = DEFAULT_SEED + 1;
pub const UPDATER_SEED: u64 = DEFAULT_SEED + 2;
pub const FREEZE_SEED: u64 = DEFAULT_SEED + 3;

/// The suite's feature files.
pub const FEATURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/features");

/// A case that does not expect the timing scenario (`@timing`) to fail leaves it out: it is
/// the slowest claim scenario (27 and more bcrypt checks), and a fault that does not aim at
/// it could only make it pass more easily with fewer samples. A fault that must fail it
/// keeps it, with the default samples; [`full`] runs it everywhere.
use fixtures::fault::TIMING_SCENARIO;

/// What every case shares: the server, the fixture's secrets, a scratch directory.
pub struct Shared {
    legacy: Arc<SharedLegacy>,
    /// Every fixture secret, searched for in one pass over each case's output.
    secrets: std::sync::OnceLock<aho_corasick::AhoCorasick>,
    dir: tempfile::TempDir,
}

impl Shared {
    /// The legacy server's admin URL, for `LADDR_DATABASE_URL`.
    pub fn admin(&self) -> &str {
        &self.legacy.get().admin
    }

    fn ds(&self) -> &fixtures::model::Dataset {
        &self.legacy.get().ds
    }

    fn secrets(&self) -> &aho_corasick::AhoCorasick {
        self.secrets.get_or_init(|| {
            let ds = self.ds();
            let secrets: Vec<String> = ds
                .people
                .iter()
                .flat_map(|p| [p.email.clone(), p.password.clone(), p.github_token.clone()])
                .flatten()
                .chain(ds.secrets.iter().map(|s| s.plaintext.clone()))
                .collect();
            aho_corasick::AhoCorasick::new(&secrets).expect("an automaton of the secrets")
        })
    }

    pub fn report_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(name.replace("::", "-"))
    }
}

pub fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond {
        Ok(())
    } else {
        Err(msg().into())
    }
}

pub fn failed_scenarios(results: &serde_json::Value) -> BTreeSet<String> {
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
pub fn rehearsal_case(
    sh: &Shared,
    name: &str,
    extra: &[String],
    env: &[(&str, &str)],
    expected: &[&str],
) -> Result<(String, serde_json::Value), Failed> {
    let report_dir = sh.report_dir(name);
    let mut args = vec!["rehearse", "--report-dir", report_dir.to_str().unwrap()];
    args.extend(extra.iter().map(String::as_str));
    let mut all_env = vec![("LADDR_DATABASE_URL", sh.admin())];
    all_env.extend_from_slice(env);
    let out = cutover(&args, &all_env);
    let console = text(&out);
    // Before any message quotes the console: a leak is named, never printed.
    check(!sh.secrets().is_match(&console), || {
        "a fixture secret leaked into the console".into()
    })?;
    // A run that could not start has written no reports.
    for f in std::fs::read_dir(&report_dir).into_iter().flatten() {
        let path = f?.path();
        if path.is_file() {
            let bytes = std::fs::read(&path)?;
            check(!sh.secrets().is_match(&bytes), || {
                format!("a fixture secret leaked into {}", path.display())
            })?;
        }
    }
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
    Ok((console, results))
}

/// A fault that acts on the whole run: the exit code it must give, and what must be said.
fn run_effect_case(sh: &Shared, f: Fault, code: i32, says: &str) -> Result<(), Failed> {
    let report_dir = sh.report_dir(&format!("fault-{}", f.name()));
    // A write outside the allow-list shows only where there is one: name test accounts.
    let (a, b) = test_accounts(sh.ds());
    let accounts = format!("{a},{b}");
    let mut env = vec![
        ("LADDR_DATABASE_URL", sh.admin()),
        ("CUTOVER_READY_TIMEOUT", "5"),
    ];
    if f == Fault::WriteEscapesAllowList {
        env.push(("CUTOVER_TEST_ACCOUNTS", accounts.as_str()));
    }
    let mut args = vec![
        "rehearse".to_string(),
        "--fault".to_string(),
        f.name().to_string(),
        "--report-dir".to_string(),
        path_arg(&report_dir),
    ];
    args.extend(run_effect_narrowed(sh, f)?);
    let out = cutover(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env);
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
pub fn full() -> bool {
    std::env::var_os("CUTOVER_MATRIX_FULL").is_some_and(|v| v == "1")
}

/// The feature files holding the `expected` scenarios, copied with their paths under
/// `features/` into `dir`: a fault's case runs the features where it must show, and every
/// scenario in them must pass but those. Every feature under [`full`].
pub fn features_holding(expected: &[&str], dir: &Path) -> Result<PathBuf, Failed> {
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
        files.extend(holding.into_iter().map(|s| s.file.clone()));
    }
    copy_features(&files, dir)
}

/// The feature files named (paths under `features/`) copied into `dir`, as
/// [`features_holding`] does. Every feature under [`full`].
fn features_named(names: &[&str], dir: &Path) -> Result<PathBuf, Failed> {
    let root = Path::new(FEATURES);
    if full() {
        return Ok(root.to_path_buf());
    }
    copy_features(&names.iter().map(|n| root.join(n)).collect(), dir)
}

fn copy_features(files: &BTreeSet<PathBuf>, dir: &Path) -> Result<PathBuf, Failed> {
    let root = Path::new(FEATURES);
    for f in files {
        let to = dir.join(f.strip_prefix(root).map_err(|e| e.to_string())?);
        std::fs::create_dir_all(to.parent().unwrap_or(dir))?;
        std::fs::copy(f, &to).map_err(|e| format!("{}: {e}", f.display()))?;
    }
    Ok(dir.to_path_buf())
}

/// The arguments that narrow a fault's case: only the features where it must show, and
/// without the timing scenario unless it must fail it.
fn narrowed(sh: &Shared, name: &str, expected: &[&str]) -> Result<Vec<String>, Failed> {
    let dir = sh.report_dir(&format!("{name}-input"));
    let features = features_holding(expected, &dir.join("features"))?;
    Ok(narrowing(features, expected))
}

fn narrowing(features: PathBuf, expected: &[&str]) -> Vec<String> {
    let mut args = vec!["--features".to_string(), path_arg(&features)];
    if !full() && !expected.contains(&TIMING_SCENARIO) {
        args.extend(["--tags".to_string(), "not @timing".to_string()]);
    }
    args
}

/// Where a fault that acts on the whole run shows, when not every feature is run: the
/// features whose requests reach what it changes.
fn run_effect_features(f: Fault) -> &'static [&'static str] {
    match f {
        // The stack stops after 400 requests: the redirect check alone makes thousands.
        Fault::DiesMidRun => &["redirects.feature"],
        // The sign-in writes another person's credential.
        Fault::WriteEscapesAllowList => &["account_claim.feature"],
        // Absolute URLs the stack builds: the GitHub redirect URI and the SAML metadata's
        // SSO location, read by the claim, SAML and T-7d staging scenarios.
        Fault::ForwardedHostRequired => &[
            "account_claim.feature",
            "saml_continuity.feature",
            "phases/1-T-7d.feature",
        ],
        // The run cannot start: no feature is reached.
        _ => &[],
    }
}

/// The arguments that narrow a whole-run fault's case to [`run_effect_features`] (none
/// when it names none).
fn run_effect_narrowed(sh: &Shared, f: Fault) -> Result<Vec<String>, Failed> {
    let names = run_effect_features(f);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let dir = sh.report_dir(&format!("fault::{}-input", f.name()));
    Ok(narrowing(
        features_named(names, &dir.join("features"))?,
        &[],
    ))
}

pub fn path_arg(p: &Path) -> String {
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
    } else if f.run_effect() == RunEffect::Tolerated {
        extra.extend(run_effect_narrowed(sh, f)?);
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

/// The fault cases that take longest, most of it waiting.
const SLOW_FAULTS: [Fault; 3] = [
    Fault::CertificateExpired,
    Fault::NeverReady,
    Fault::ClaimTimingLeak,
];

/// Every case of the matrix, reading `legacy`.
pub fn trials(legacy: &Arc<SharedLegacy>) -> Vec<Trial> {
    let sh = Arc::new(Shared {
        legacy: legacy.clone(),
        secrets: std::sync::OnceLock::new(),
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
    // The cases around a run are several runs each: started early, none is left alone at
    // the end.
    trials.push(case(
        "run::signed-bundle-and-waivers",
        signed_bundle_and_waivers,
    ));
    trials.push(case("run::freeze-across-runs", freeze_across_runs));
    trials.push(case("run::tag-filters", tag_filters));
    trials.push(case("run::bad-feature-files", bad_feature_files));
    trials.push(case("provider::command", command_provider));
    // A week of ordinary use after the cutover keeps the post-cutover runs GO.
    trials.push(case("rehearsal::after-cutover", |sh| {
        let extra = ["--after-cutover", "--tags", "@T+7d"].map(String::from);
        rehearsal_case(sh, "after-cutover", &extra, &[], &[]).map(drop)
    }));
    // The faults whose cases mostly wait (a drill's probe rounds, a readiness deadline, the
    // timing samples) start first, while others keep the cores busy.
    let mut faults = Fault::ALL.to_vec();
    faults.sort_by_key(|f| !SLOW_FAULTS.contains(f));
    for f in faults {
        let sh = sh.clone();
        trials.push(Trial::test(format!("fault::{}", f.name()), move || {
            fault_case(&sh, f)
        }));
    }
    trials
}
