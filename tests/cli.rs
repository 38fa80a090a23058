//! The `cutover` binary end to end: exit codes, fixture determinism, and a run against
//! systems given by a profile. The fault matrix is `tests/matrix.rs`.

mod support;

use fixtures::generate::{generate, Size, DEFAULT_PEOPLE, DEFAULT_SEED};
use fixtures::Fault;
use harness::config::Profile;
use harness::exit;
use std::time::{Duration, Instant};
use support::*;

#[test]
fn without_any_database_it_exits_2_in_under_10_s_naming_the_three_ways() {
    let start = Instant::now();
    let out = cutover(
        &["rehearse", "--report-dir", "/nonexistent/never-written"],
        &[
            ("LADDR_DATABASE_URL", ""),
            ("DOCKER_HOST", "unix:///nonexistent/docker.sock"),
            ("MARIADBD", "/nonexistent/mariadbd"),
        ],
    );
    let took = start.elapsed();
    let msg = text(&out);
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN), "{msg}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    for way in ["LADDR_DATABASE_URL", "Docker", "mariadbd"] {
        assert!(msg.contains(way), "message names {way}: {msg}");
    }
}

#[test]
fn faults_are_listed_one_per_line_name_space_description() {
    let out = cutover(&["faults"], &[]);
    assert_eq!(out.status.code(), Some(exit::GO));
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), Fault::ALL.len());
    for (line, f) in lines.iter().zip(Fault::ALL) {
        assert_eq!(line, &format!("{} {}", f.name(), f.describe()));
    }
    let bad = cutover(&["rehearse", "--fault", "no-such-fault"], &[]);
    assert_eq!(bad.status.code(), Some(exit::CANNOT_RUN));
    assert!(text(&bad).contains("drop-person"), "{}", text(&bad));
}

#[test]
fn same_seed_gives_identical_sql_and_data_repo_tree() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = cutover(args, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let a = run(&["fixture", "sql", "--people", "150", "--seed", "5"]);
    let b = run(&["fixture", "sql", "--people", "150", "--seed", "5"]);
    let c = run(&["fixture", "sql", "--people", "150", "--seed", "6"]);
    assert!(a == b && a != c);
    let tree = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        let line = run(&[
            "fixture",
            "state",
            "--people",
            "150",
            "--seed",
            seed,
            "--out",
            out.to_str().unwrap(),
        ]);
        line.split(" commit ").nth(1).unwrap().trim().to_string()
    };
    let (x, y, z) = (tree("x", "5"), tree("y", "5"), tree("z", "6"));
    assert_eq!(x, y, "same seed: same commit and tree");
    assert_ne!(x, z);
}

/// `cutover run` against systems given by a profile, with no glue: the state written by
/// `cutover fixture state`, the database loaded from the same fixture, and the stack started
/// by the suite from `[target] command` (`cutover serve`). Everything else — the SAML
/// material, the passwords, the session key — is found beside the state.
#[test]
fn run_starts_the_stack_it_is_given_and_finds_the_state_beside_the_data_repo() {
    let rt = runtime();
    let (mut server, ro, db, before) = loaded_fixture(&rt);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    // The runbook's gates get what they need: the final dump (restored into a scratch server
    // the suite starts), the public snapshot (the data repo holds nothing private) and a
    // freeze recorded before the run; only laddr's site and the public names are left out (@needs-site, @needs-dns, @needs-edge, @needs-drill).
    let dump = dir.path().join("final.sql");
    let ds = generate(
        DEFAULT_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    std::fs::write(&dump, fixtures::sql::render(&ds)).unwrap();
    let profile_path = dir.path().join("staging.toml");
    std::fs::write(
        &profile_path,
        format!(
            "name = 'test external'\n[legacy]\nurl = '{ro}'\ndump = '{}'\n[target]\ndata_repo = '{}'\nbranch = 'main'\nprivate_store = '{}'\ncommand = '{BIN} serve'\n[run]\ntags = 'not @needs-site and not @needs-dns and not @needs-edge and not @needs-drill'\n[snapshot]\nrepo = '{}'\n[tools]\nreconcile = '{BIN} tool reconcile'\nmailout = '{BIN} tool cutover-mailout'\nimport_credentials = '{BIN} tool import-laddr-credentials'\n",
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
            profile_path.to_str().unwrap(),
            "--out",
            freeze.to_str().unwrap(),
        ],
        &[("LADDR_DATABASE_URL", "")],
    );
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let report_dir = dir.path().join("external");
    let run = |extra: &[(&str, &str)]| {
        let mut env = vec![
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_DATA_REPO", ""),
            ("CUTOVER_PRIVATE_STORE", ""),
            ("CFP_JWT_SIGNING_KEY", ""),
            ("CUTOVER_FREEZE_FILE", freeze.to_str().unwrap()),
        ];
        env.extend_from_slice(extra);
        cutover(
            &[
                "run",
                "--profile",
                profile_path.to_str().unwrap(),
                "--report-dir",
                report_dir.to_str().unwrap(),
            ],
            &env,
        )
    };
    // Read-only: writes are not allowed by the profile, so the data repo's head and every
    // private-store file are byte-identical after the run, the write scenarios are listed as
    // not run, and every other scenario passes.
    let before_state = state_fingerprint(&state);
    let out = run(&[]);
    let console = text(&out);
    assert_eq!(out.status.code(), Some(exit::GO), "{console}");
    assert_eq!(
        state_fingerprint(&state),
        before_state,
        "the run changed the state"
    );
    let features = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/features"));
    let selection: gherkin::tagexpr::TagOperation =
        "not @needs-site and not @needs-dns and not @needs-edge and not @needs-drill"
            .parse()
            .unwrap();
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
    assert_reports_follow_their_schemas(&report_dir);
    let results = read_json(&report_dir.join("results.json"));
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
    let session_key = std::fs::read_to_string(state.join("session.key")).unwrap();
    let log = std::fs::read_to_string(report_dir.join("stack.log")).unwrap();
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

    // Writes allowed, two test accounts named: the sign-in scenarios act on those two only
    // (the evidence names them), scenarios no account fits are not run, and a fault in the
    // SHA-1 sign-in is still caught.
    let ds = generate(
        DEFAULT_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    let (sha1, bcrypt) = test_accounts(&ds);
    let accounts = format!("{sha1},{bcrypt}");
    let allowed = [
        ("CUTOVER_ALLOW_WRITES", "1"),
        ("CUTOVER_TEST_ACCOUNTS", accounts.as_str()),
    ];
    let out = run(&allowed);
    let console = text(&out);
    assert_eq!(out.status.code(), Some(exit::GO), "{console}");
    let results = read_json(&report_dir.join("results.json"));
    let scenario = |name: &str| {
        results["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["scenario"].as_str().unwrap().starts_with(name))
            .unwrap()
            .clone()
    };
    for (name, id) in [
        ("A SHA-1 member signs in", sha1),
        ("A bcrypt $2y$ member signs in", bcrypt),
    ] {
        let sc = scenario(name);
        assert_eq!(sc["status"], "passed", "{sc}");
        assert!(
            sc.to_string().contains(&format!("legacy {id} ")),
            "names the test account: {sc}"
        );
    }
    assert_eq!(
        scenario("Declining the claim makes a fresh person")["status"],
        "not-run"
    );
    // The accounts were used: a second run does not mistake argon2id for laddr's hashes.
    let out = run(&allowed);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let results = read_json(&report_dir.join("results.json"));
    let again = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["scenario"]
                .as_str()
                .unwrap()
                .starts_with("A SHA-1 member signs in")
        })
        .unwrap()
        .clone();
    assert_eq!(again["status"], "not-run", "{again}");
    assert!(
        again
            .to_string()
            .contains("already signed in since the import"),
        "{again}"
    );
    // On a fresh state, a fault in SHA-1 sign-in is still caught with the test accounts.
    std::fs::remove_dir_all(&state).unwrap();
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let mut with_fault = allowed.to_vec();
    with_fault.push(("CUTOVER_FAULTS", "claim-sha1-broken"));
    let out = run(&with_fault);
    assert_eq!(out.status.code(), Some(exit::NO_GO), "{}", text(&out));
    let results = read_json(&report_dir.join("results.json"));
    let failed: Vec<&str> = results["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] == "failed")
        .map(|s| s["scenario"].as_str().unwrap())
        .collect();
    assert_eq!(
        failed,
        vec!["A SHA-1 member signs in by username or email, in any letter case"],
        "{}",
        text(&out)
    );

    // A command that exits at once: cannot run, with its last log lines.
    let failing = dir.path().join("failing.toml");
    std::fs::write(
        &failing,
        std::fs::read_to_string(&profile_path).unwrap().replace(
            &format!("'{BIN} serve'"),
            "'echo boot failed: no CFP_WIDGET >&2; exit 4'",
        ),
    )
    .unwrap();
    let out = cutover(
        &[
            "run",
            "--profile",
            failing.to_str().unwrap(),
            "--report-dir",
            report_dir.to_str().unwrap(),
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

    // Nothing listening at the base URL: the profile is wrong, nothing is judged; cannot
    // run, saying so (a missing branch: `bad_records_fail_their_steps_naming_file_and_line`).
    let port = harness::legacy::provider::free_port().unwrap();
    let silent = dir.path().join("silent.toml");
    let profile = std::fs::read_to_string(&profile_path).unwrap();
    let command = format!("command = '{BIN} serve'");
    assert!(profile.contains(&command), "{profile}");
    std::fs::write(
        &silent,
        profile.replace(&command, &format!("base_url = 'http://127.0.0.1:{port}/'")),
    )
    .unwrap();
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

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[target]\nbase_url = 3\n").unwrap();
    let out = cutover(&["run", "--profile", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN));
    assert!(text(&out).contains("bad.toml"), "{}", text(&out));
    finish(&rt, &mut server, db, before);
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

/// A legacy server with the default fixture loaded: (server, read-only URL, connection,
/// checksums before).
fn loaded_fixture(
    rt: &tokio::runtime::Runtime,
) -> (
    harness::legacy::provider::LegacyServer,
    String,
    harness::legacy::LegacyDb,
    harness::legacy::Checksums,
) {
    let profile = Profile::from_env().unwrap();
    let server = rt
        .block_on(harness::legacy::provider::provision(&profile))
        .expect("a legacy database");
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
        .unwrap();
    let db = rt
        .block_on(harness::legacy::LegacyDb::connect_read_only(&ro))
        .unwrap();
    let before = rt.block_on(db.checksums()).unwrap();
    (server, ro, db, before)
}

fn finish(
    rt: &tokio::runtime::Runtime,
    server: &mut harness::legacy::provider::LegacyServer,
    db: harness::legacy::LegacyDb,
    before: harness::legacy::Checksums,
) {
    let after = rt.block_on(db.checksums()).unwrap();
    assert_eq!(
        after.changes_since(&before),
        vec![],
        "table checksums identical before and after every run"
    );
    rt.block_on(db.close());
    rt.block_on(server.shutdown());
}

/// `cutover serve --state DIR` on its own, as a newcomer pokes at it; stopped by its PID.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Served {
    fn start(state: &std::path::Path, env: &[(&str, &str)]) -> Served {
        let port = harness::legacy::provider::free_port().unwrap();
        let child = std::process::Command::new(BIN)
            .args([
                "serve",
                "--state",
                state.to_str().unwrap(),
                "--seconds",
                "3600",
            ])
            .env("PORT", port.to_string())
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}/");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Served { child, base }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cutover watch` against a served stack: a line per round, the point of no return, and
/// "hold" with GitHub sign-in configured; without it the sign-in trigger fires, the watch
/// says "roll back" (exit 1) after the sustained span, and watch.json keeps every round.
#[test]
fn watch_prints_a_line_per_round_and_ends_hold_or_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let repo = state.join("data.git");
    let report = dir.path().join("watch");
    let watch = |served: &Served| {
        cutover(
            &[
                "watch",
                "--base-url",
                &served.base,
                "--minutes",
                "0.05",
                "--interval",
                "1",
                "--report-dir",
                report.to_str().unwrap(),
            ],
            &[
                ("CUTOVER_DATA_REPO", repo.to_str().unwrap()),
                ("CUTOVER_VARY_CLIENT_IP", "1"),
            ],
        )
    };
    let github = [
        ("GITHUB_OAUTH_CLIENT_ID", "Iv1.watch"),
        ("GITHUB_OAUTH_CLIENT_SECRET", "watch-secret"),
        ("GITHUB_OAUTH_BASE_URL", "http://127.0.0.1:9"),
    ];
    let configured = Served::start(&state, &github);
    let out = watch(&configured);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(exit::GO), "{said}");
    assert!(
        said.contains("round 3/3")
            && said.contains("health ok  sign-in ok  saml ok")
            && said.contains("not passed: no commit changes a record since the import")
            && said.ends_with("WATCH: hold\n"),
        "{said}"
    );
    drop(configured);
    let bare = Served::start(&state, &[]);
    let out = watch(&bare);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(exit::NO_GO), "{said}");
    assert!(
        said.contains("WATCH: roll back") && said.contains("GitHub sign-in failed 2 of 2"),
        "{said}"
    );
    let kept = read_json(&report.join("watch.json"));
    assert_eq!(kept["call"]["call"], "roll-back", "{kept}");
    assert_eq!(kept["rounds"].as_array().unwrap().len(), 2, "{kept}");
}

/// Bad input in what the suite reads: a malformed TOML record, a truncated JSONL line — each
/// a failed step naming the file (and line), every other scenario still running — and a
/// missing branch (cannot run, naming it). The stack was started before the damage (a real stack would not boot on it).
#[test]
fn bad_records_fail_their_steps_naming_file_and_line() {
    let rt = runtime();
    let (mut server, ro, db, before) = loaded_fixture(&rt);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let out = cutover(&["fixture", "state", "--out", state.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    let served = Served::start(&state, &[]);
    let profile_path = dir.path().join("p.toml");
    std::fs::write(
        &profile_path,
        format!(
            "[legacy]\nurl = '{ro}'\n[target]\nbase_url = '{}'\ndata_repo = '{}'\nbranch = 'main'\nprivate_store = '{}'\n[run]\nvary_client_ip = true\n[tools]\nreconcile = '{BIN} tool reconcile'\nmailout = '{BIN} tool cutover-mailout'\nimport_credentials = '{BIN} tool import-laddr-credentials'\n",
            served.base,
            state.join("data.git").display(),
            state.join("private").display(),
        ),
    )
    .unwrap();
    let work = dir.path().join("work");
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&[
        "clone",
        "-q",
        state.join("data.git").to_str().unwrap(),
        work.to_str().unwrap(),
    ]);
    let victim = std::fs::read_dir(work.join("people"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let name = victim.file_name().unwrap().to_str().unwrap().to_string();
    let mut record = std::fs::read_to_string(&victim).unwrap();
    let bad_line = record.lines().count() + 1;
    record.push_str("broken = \n");
    std::fs::write(&victim, record).unwrap();
    let w = work.to_str().unwrap();
    git(&[
        "-C",
        w,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.invalid",
        "commit",
        "-qam",
        "broken record",
    ]);
    git(&["-C", w, "push", "-q", "origin", "HEAD:main"]);
    let profiles = state.join("private/profiles.jsonl");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&profiles)
        .unwrap();
    std::io::Write::write_all(&mut f, b"{\"personId\":\"x\",\"ema").unwrap();
    let jsonl_line = std::fs::read_to_string(&profiles).unwrap().lines().count();
    let report_dir = dir.path().join("report");
    let run = |profile: &std::path::Path| {
        cutover(
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
                ("CUTOVER_DATA_REPO", ""),
                ("CUTOVER_PRIVATE_STORE", ""),
            ],
        )
    };
    let out = run(&profile_path);
    let console = text(&out);
    assert_eq!(out.status.code(), Some(exit::NO_GO), "{console}");
    assert!(
        console.contains(&format!("people/{name}:{bad_line}")),
        "names the file and line:\n{console}"
    );
    assert!(
        console.contains(&format!("profiles.jsonl:{jsonl_line}")),
        "names the JSONL line:\n{console}"
    );
    assert!(
        console.contains("PASS [") && console.contains("The new stack is up and ready"),
        "{console}"
    );
    let results = read_json(&report_dir.join("results.json"));
    let total = steps::selection::count_scenarios(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/features"
    )));
    assert_eq!(
        results["scenarios"].as_array().unwrap().len(),
        total,
        "every scenario still ran"
    );
    let missing_branch = dir.path().join("branch.toml");
    std::fs::write(
        &missing_branch,
        std::fs::read_to_string(&profile_path)
            .unwrap()
            .replace("branch = 'main'", "branch = 'nope'"),
    )
    .unwrap();
    // A branch that does not exist is the profile's mistake: cannot run, naming it.
    let out = run(&missing_branch);
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN), "{}", text(&out));
    assert!(text(&out).contains("no branch \"nope\""), "{}", text(&out));
    drop(served);
    finish(&rt, &mut server, db, before);
}

/// Paced: the stack enforces its per-IP limits and the run has one client address and no
/// header variation (here at 30 times the contract's limits, so the test takes seconds; the
/// same variable sets the suite's pacer and the stack's limiter). The run samples what it
/// cannot afford, says so, keeps to the limits, and no 429 decides a result.
#[test]
fn a_paced_run_keeps_to_the_limits_and_no_429_decides_a_result() {
    let rt = runtime();
    let (mut server, ro, db, before) = loaded_fixture(&rt);
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
    finish(&rt, &mut server, db, before);
}

#[test]
fn the_runbook_index_is_what_the_features_say_and_every_scenario_reads_as_a_step() {
    let features = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/features"));
    let committed = std::fs::read_to_string(features.join("README.md")).unwrap_or_default();
    assert!(
        committed == steps::index::render(features),
        "features/README.md is out of date: run `cargo run -- index --out features/README.md`"
    );
    let problems = steps::index::lint(features);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for phase in harness::phase::Phase::all() {
        let f: gherkin::tagexpr::TagOperation = phase.tag_expression().parse().unwrap();
        assert!(
            steps::selection::tagged_count(features, &f) > 0,
            "phase {phase} runs nothing"
        );
    }
}
