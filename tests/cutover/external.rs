//! `cutover run` against systems given by a profile: a stack it starts, read-only and with
//! writes allowed to named test accounts; bad records; and a paced run under the stack's
//! own rate limits. Every run reads the shared legacy server ([`SharedLegacy`]).

use crate::support::*;
use harness::exit;
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn trials(legacy: &Arc<SharedLegacy>) -> Vec<Trial> {
    let with = |name: &str, f: fn(&Legacy)| {
        let legacy = legacy.clone();
        trial(name, move || f(legacy.get()))
    };
    vec![
        with(
            "external::a_paced_run_keeps_to_the_limits_and_no_429_decides_a_result",
            a_paced_run_keeps_to_the_limits_and_no_429_decides_a_result,
        ),
        with(
            "external::run_starts_the_stack_it_is_given_and_finds_the_state_beside_the_data_repo",
            run_starts_the_stack_it_is_given_and_finds_the_state_beside_the_data_repo,
        ),
        with(
            "external::a_run_allowed_to_write_acts_only_on_the_named_test_accounts",
            a_run_allowed_to_write_acts_only_on_the_named_test_accounts,
        ),
        with(
            "external::bad_records_fail_their_steps_naming_file_and_line",
            crate::bad_records::bad_records_fail_their_steps_naming_file_and_line,
        ),
    ]
}

/// A stack `cutover run` starts itself (`cutover serve` as the profile's command) on a state
/// made by `cutover fixture state`; the runbook's gates get what they need: the final dump
/// (restored into a scratch server the suite starts), the public snapshot (the data repo
/// holds nothing private) and a freeze recorded before the run. Only laddr's site and the
/// public names are left out (@needs-site, @needs-dns, @needs-edge, @needs-drill).
struct StartedStack {
    dir: tempfile::TempDir,
    state: PathBuf,
    profile: PathBuf,
    freeze: PathBuf,
    report_dir: PathBuf,
}

const NOT_HERE: &str =
    "not @needs-site and not @needs-dns and not @needs-edge and not @needs-drill";

impl StartedStack {
    fn new(legacy: &Legacy) -> StartedStack {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        fresh_state(&state);
        let dump = dir.path().join("final.sql");
        std::fs::write(&dump, fixtures::sql::render(&legacy.ds)).unwrap();
        let profile = dir.path().join("staging.toml");
        std::fs::write(
            &profile,
            format!(
                "name = 'test external'\n[legacy]\nurl = '{}'\ndump = '{}'\n[target]\ndata_repo = '{}'\nbranch = 'main'\nprivate_store = '{}'\ncommand = '{BIN} serve'\n[run]\ntags = '{NOT_HERE}'\n[snapshot]\nrepo = '{}'\n[tools]\nreconcile = '{BIN} tool reconcile'\nmailout = '{BIN} tool cutover-mailout'\nimport_credentials = '{BIN} tool import-laddr-credentials'\n",
                legacy.ro,
                dump.display(),
                state.join("data.git").display(),
                state.join("private").display(),
                state.join("data.git").display(),
            ),
        )
        .unwrap();
        let freeze = dir.path().join("t-7d.json");
        let out = cutover(
            &[
                "freeze",
                "--profile",
                profile.to_str().unwrap(),
                "--out",
                freeze.to_str().unwrap(),
            ],
            &[("LADDR_DATABASE_URL", "")],
        );
        assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
        let report_dir = dir.path().join("external");
        StartedStack {
            dir,
            state,
            profile,
            freeze,
            report_dir,
        }
    }

    /// `cutover run` with the profile, nothing from the caller's environment, `extra` set,
    /// over `features` (the suite's own when `None`).
    fn run(&self, extra: &[(&str, &str)], features: Option<&str>) -> std::process::Output {
        let mut env = vec![
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_DATA_REPO", ""),
            ("CUTOVER_PRIVATE_STORE", ""),
            ("CFP_JWT_SIGNING_KEY", ""),
            ("CUTOVER_FREEZE_FILE", self.freeze.to_str().unwrap()),
        ];
        env.extend_from_slice(extra);
        let mut args = vec![
            "run",
            "--profile",
            self.profile.to_str().unwrap(),
            "--report-dir",
            self.report_dir.to_str().unwrap(),
        ];
        if let Some(f) = features {
            args.extend(["--features", f]);
        }
        cutover(&args, &env)
    }

    fn results(&self) -> serde_json::Value {
        read_json(&self.report_dir.join("results.json"))
    }

    /// The profile with `from` replaced by `to`, written beside it as `name`.
    fn variant(&self, name: &str, from: &str, to: &str) -> PathBuf {
        let profile = std::fs::read_to_string(&self.profile).unwrap();
        assert!(profile.contains(from), "{profile}");
        let path = self.dir.path().join(name);
        std::fs::write(&path, profile.replace(from, to)).unwrap();
        path
    }
}

fn fresh_state(state: &Path) {
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
}

const FEATURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/features");

/// The feature files holding a selected `@writes` scenario, copied into `dir`: what a run
/// allowed to write must be judged on (a new `@writes` feature is picked up by itself).
fn writing_features(dir: &Path) -> PathBuf {
    let selection: gherkin::tagexpr::TagOperation = NOT_HERE.parse().unwrap();
    let root = Path::new(FEATURES);
    let writes: std::collections::BTreeSet<String> =
        steps::selection::tagged(root, Some(&selection), "writes")
            .into_iter()
            .map(|s| s.scenario)
            .collect();
    let files: std::collections::BTreeSet<PathBuf> = steps::selection::scenarios(root)
        .into_iter()
        .filter(|s| writes.contains(&s.scenario))
        .map(|s| s.file)
        .collect();
    assert!(!files.is_empty(), "no feature holds a @writes scenario");
    for f in files {
        let to = dir.join(f.strip_prefix(root).unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&f, &to).unwrap();
    }
    dir.to_path_buf()
}

/// `cutover run` against systems given by a profile, with no glue: the state written by
/// `cutover fixture state`, the database loaded from the same fixture, and the stack started
/// by the suite from `[target] command` (`cutover serve`). Everything else — the SAML
/// material, the passwords, the session key — is found beside the state.
///
/// Read-only: writes are not allowed by the profile, so the data repo's head and every
/// private-store file are byte-identical after the run, the write scenarios are listed as
/// not run, and every other scenario passes. A command that exits at once, nothing
/// listening at the base URL, and a malformed profile are each "cannot run".
fn run_starts_the_stack_it_is_given_and_finds_the_state_beside_the_data_repo(legacy: &Legacy) {
    let stack = StartedStack::new(legacy);
    let before_state = state_fingerprint(&stack.state);
    let out = stack.run(&[], None);
    let console = text(&out);
    assert_eq!(out.status.code(), Some(exit::GO), "{console}");
    assert_eq!(
        state_fingerprint(&stack.state),
        before_state,
        "the run changed the state"
    );
    let selection: gherkin::tagexpr::TagOperation = NOT_HERE.parse().unwrap();
    let features = Path::new(FEATURES);
    let total = steps::selection::tagged_count(features, &selection);
    let writes = steps::selection::tagged(features, Some(&selection), "writes").len();
    assert!(
        writes > 0
            && console.contains(&format!(
                "not run: {writes} scenario(s) that make the stack write"
            )),
        "{console}"
    );
    assert!(
        console.contains(&format!(
            "{} passed, 0 failed, 0 not checked, {writes} not run",
            total - writes
        )),
        "{console}"
    );
    assert_reports_follow_their_schemas(&stack.report_dir);
    let results = stack.results();
    assert_eq!(results["schema"], reports::json::SCHEMA);
    for s in results["scenarios"].as_array().unwrap() {
        let tagged_writes = s["tags"].as_array().unwrap().iter().any(|t| t == "@writes");
        assert_eq!(
            s["status"],
            if tagged_writes { "not-run" } else { "passed" },
            "{}",
            s["scenario"]
        );
    }
    let session_key = std::fs::read_to_string(stack.state.join("session.key")).unwrap();
    let log = std::fs::read_to_string(stack.report_dir.join("stack.log")).unwrap();
    assert!(log.contains("Server listening at"), "{log}");
    for artifact in [console.as_str(), log.as_str()] {
        assert!(
            !artifact.contains(session_key.trim()),
            "the session key is never printed"
        );
        assert!(!artifact.contains("PRIVATE KEY"), "no key is ever printed");
    }
    assert!(results["identity"]["target"]["provider"]
        .as_str()
        .unwrap()
        .starts_with("command"));
    cannot_run_on_a_bad_profile(&stack);
}

/// A command that exits at once: cannot run, with its last log lines. Nothing listening at
/// the base URL: the profile is wrong, nothing is judged (a missing branch:
/// `bad_records_fail_their_steps_naming_file_and_line`). A malformed profile names its file.
fn cannot_run_on_a_bad_profile(stack: &StartedStack) {
    let command = format!("'{BIN} serve'");
    let failing = stack.variant(
        "failing.toml",
        &command,
        "'echo boot failed: no CFP_WIDGET >&2; exit 4'",
    );
    let report_dir = stack.report_dir.to_str().unwrap();
    let out = cutover(
        &[
            "run",
            "--profile",
            failing.to_str().unwrap(),
            "--report-dir",
            report_dir,
        ],
        &[("LADDR_DATABASE_URL", "")],
    );
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN), "{}", text(&out));
    assert!(
        text(&out).contains("exited before it was ready")
            && text(&out).contains("boot failed: no CFP_WIDGET"),
        "{}",
        text(&out)
    );
    let port = harness::legacy::provider::free_port().unwrap();
    let silent = stack.variant(
        "silent.toml",
        &format!("command = {command}"),
        &format!("base_url = 'http://127.0.0.1:{port}/'"),
    );
    let out = cutover(
        &["run", "--profile", silent.to_str().unwrap()],
        &[("LADDR_DATABASE_URL", ""), ("CUTOVER_TARGET_URL", "")],
    );
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN), "{}", text(&out));
    assert!(
        text(&out).contains("nothing to check against"),
        "{}",
        text(&out)
    );
    let bad = stack.dir.path().join("bad.toml");
    std::fs::write(&bad, "[target]\nbase_url = 3\n").unwrap();
    let out = cutover(&["run", "--profile", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN));
    assert!(text(&out).contains("bad.toml"), "{}", text(&out));
}

/// Writes allowed, two test accounts named: the sign-in scenarios act on those two only
/// (the evidence names them), scenarios no account fits are not run, a second run does not
/// mistake argon2id for laddr's hashes, and a fault in the SHA-1 sign-in is still caught.
/// Only the features holding a `@writes` scenario run: the read-only run above judges the
/// rest.
fn a_run_allowed_to_write_acts_only_on_the_named_test_accounts(legacy: &Legacy) {
    let stack = StartedStack::new(legacy);
    let features = writing_features(&stack.dir.path().join("features"));
    let features = features.to_str().unwrap();
    let (sha1, bcrypt) = test_accounts(&legacy.ds);
    let accounts = format!("{sha1},{bcrypt}");
    let allowed = [
        ("CUTOVER_ALLOW_WRITES", "1"),
        ("CUTOVER_TEST_ACCOUNTS", accounts.as_str()),
    ];
    let out = stack.run(&allowed, Some(features));
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let results = stack.results();
    for (name, id) in [
        ("A SHA-1 member signs in", sha1),
        ("A bcrypt $2y$ member signs in", bcrypt),
    ] {
        let sc = scenario(&results, name);
        assert_eq!(sc["status"], "passed", "{sc}");
        assert!(
            sc.to_string().contains(&format!("legacy {id} ")),
            "names the test account: {sc}"
        );
    }
    assert_eq!(
        scenario(&results, "Declining the claim makes a fresh person")["status"],
        "not-run"
    );
    // The accounts were used: a second run does not mistake argon2id for laddr's hashes.
    let out = stack.run(&allowed, Some(features));
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let again = scenario(&stack.results(), "A SHA-1 member signs in");
    assert_eq!(again["status"], "not-run", "{again}");
    assert!(
        again
            .to_string()
            .contains("already signed in since the import"),
        "{again}"
    );
    // On a fresh state, a fault in SHA-1 sign-in is still caught with the test accounts.
    std::fs::remove_dir_all(&stack.state).unwrap();
    fresh_state(&stack.state);
    let mut with_fault = allowed.to_vec();
    with_fault.push(("CUTOVER_FAULTS", "claim-sha1-broken"));
    let out = stack.run(&with_fault, Some(features));
    assert_eq!(out.status.code(), Some(exit::NO_GO), "{}", text(&out));
    let failed: Vec<String> = stack.results()["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| s["scenario"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        failed,
        vec!["A SHA-1 member signs in by username or email, in any letter case"],
        "{}",
        text(&out)
    );
}

/// The scenario of `results` whose name starts with `name`.
fn scenario(results: &serde_json::Value, name: &str) -> serde_json::Value {
    results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scenario"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no scenario {name:?}"))
        .clone()
}

/// The data repo's head and the sha256 of every private-store file.
fn state_fingerprint(state: &std::path::Path) -> (String, Vec<(String, String)>) {
    use sha2::{Digest, Sha256};
    let head = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(state.join("data.git"))
        .args(["rev-parse", "refs/heads/main"])
        .output()
        .unwrap();
    let mut files: Vec<(String, String)> = std::fs::read_dir(state.join("private"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                hex::encode(Sha256::digest(std::fs::read(&p).unwrap())),
            )
        })
        .collect();
    files.sort();
    (
        String::from_utf8_lossy(&head.stdout).trim().to_string(),
        files,
    )
}

/// Paced: the stack enforces its per-IP limits and the run has one client address and no
/// header variation (here at 30 times the contract's limits, so the test takes seconds; the
/// same variable sets the suite's pacer and the stack's limiter). The run samples what it
/// cannot afford, says so, keeps to the limits, and no 429 decides a result.
fn a_paced_run_keeps_to_the_limits_and_no_429_decides_a_result(legacy: &Legacy) {
    let ro = &legacy.ro;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    // CUTOVER_PACED_TEST_LIMITS=10/30/60 measures the run at the contract's own limits.
    let limits =
        std::env::var("CUTOVER_PACED_TEST_LIMITS").unwrap_or_else(|_| "300/900/1800".into());
    // As staging would be set up: the stack started with its GitHub and Resend base URLs at
    // addresses where `cutover run` will start its mocks, and the credentials they demand.
    let free = || harness::legacy::provider::free_port().unwrap();
    let (g, r) = (
        format!("127.0.0.1:{}", free()),
        format!("127.0.0.1:{}", free()),
    );
    let (client_id, secret, resend_key) = (
        "Iv1.paced-test",
        "paced-test-oauth-secret-42",
        "re_paced_test_key_42",
    );
    let (gh, rs) = (format!("http://{g}"), format!("http://{r}"));
    let served = Served::start(
        &state,
        &[
            ("CUTOVER_RATE_LIMITS", limits.as_str()),
            ("GITHUB_OAUTH_CLIENT_ID", client_id),
            ("GITHUB_OAUTH_CLIENT_SECRET", secret),
            ("GITHUB_OAUTH_BASE_URL", &gh),
            ("GITHUB_API_BASE_URL", &gh),
            ("RESEND_API_KEY", resend_key),
            ("RESEND_BASE_URL", &rs),
        ],
    );
    let profile = dir.path().join("paced.toml");
    std::fs::write(
        &profile,
        format!(
            "[legacy]\nurl = '{ro}'\n[target]\nbase_url = '{}'\ndata_repo = '{}'\nprivate_store = '{}'\n[run]\ntags = 'not @needs-site and not @needs-dump and not @needs-snapshot and not @starts-stack and not @needs-dns and not @needs-edge and not @needs-drill'\n[claim]\ngithub_mock = '{g}'\nresend_mock = '{r}'\ngithub_client_id = '{client_id}'\n[tools]\nreconcile = '{BIN} tool reconcile'\nmailout = '{BIN} tool cutover-mailout'\nimport_credentials = '{BIN} tool import-laddr-credentials'\n",
            served.base,
            state.join("data.git").display(),
            state.join("private").display(),
        ),
    )
    .unwrap();
    let freeze = dir.path().join("t-7d.json");
    let out = cutover(
        &[
            "freeze",
            "--profile",
            profile.to_str().unwrap(),
            "--out",
            freeze.to_str().unwrap(),
        ],
        &[("LADDR_DATABASE_URL", "")],
    );
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let report_dir = dir.path().join("report");
    let started = std::time::Instant::now();
    let out = cutover(
        &[
            "run",
            "--profile",
            profile.to_str().unwrap(),
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_RATE_LIMITS", limits.as_str()),
            ("GITHUB_OAUTH_CLIENT_SECRET", secret),
            ("RESEND_API_KEY", resend_key),
            ("CUTOVER_FREEZE_FILE", freeze.to_str().unwrap()),
        ],
    );
    let console = text(&out);
    assert_eq!(out.status.code(), Some(exit::GO), "{console}");
    assert!(console.contains("0 failed, 0 not checked"), "{console}");
    assert!(!console.contains("over budget"), "{console}");
    let text_of_results = std::fs::read_to_string(report_dir.join("results.json")).unwrap();
    assert!(
        text_of_results.contains("a paced run: ")
            && text_of_results.contains("legacy URLs followed"),
        "the samples are said in the evidence"
    );
    let results = read_json(&report_dir.join("results.json"));
    assert!(results["identity"]["requests"]
        .as_str()
        .unwrap()
        .starts_with("paced to "));
    eprintln!(
        "paced run at 30x the contract's limits: {:.0} s",
        started.elapsed().as_secs_f64()
    );
    drop(served);
}
