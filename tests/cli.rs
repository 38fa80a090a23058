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

/// `cutover run`: the same checks against systems given by a profile — the reference target
/// serving a migrated state, and the loaded database through its read-only URL; then bad
/// input in the data repo and the private store, and a missing branch.
#[test]
fn external_run_against_a_profile() {
    let rt = runtime();
    let profile = Profile::from_env().unwrap();
    let mut server = rt
        .block_on(harness::legacy::provider::provision(&profile))
        .expect("a legacy database");
    let admin = server.url.clone();
    let ds = generate(
        DEFAULT_SEED,
        Size {
            people: DEFAULT_PEOPLE,
        },
    );
    let sql = fixtures::sql::render(&ds);
    let hash = fixtures::sql::fixture_hash(&sql);
    let ro = rt
        .block_on(fixtures::legacy::prepare(&admin, &sql, &hash))
        .unwrap();
    let db = rt
        .block_on(harness::legacy::LegacyDb::connect_read_only(&ro))
        .unwrap();
    let before = rt.block_on(db.checksums()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // `cutover run`: the same checks against systems given by a profile — here the reference
    // target serving a migrated state, and the loaded database through its read-only URL.
    let state_dir = dir.path().join("state");
    let m = fixtures::migrate::migrate(&ds, fixtures::migrate::NameIds::Verbatim, &[]);
    let (paths, _) = fixtures::state::write(&state_dir, &m, &ds, ds.now).unwrap();
    let mut ref_state =
        fixtures::target::load(&paths.data_repo, "main", &paths.private_store, &[]).unwrap();
    // SAML as staging would have it: the IdP's certificate and laddr's as PEM files, captures
    // in a directory, the session key in the environment.
    let session_key = "external-test-session-key-0123456789";
    let idp_key = fixtures::idp::KeyPair::generate(2048, "codeforphilly.org", 30).unwrap();
    let laddr_key = fixtures::idp::KeyPair::generate(1024, "codeforphilly.org", 30).unwrap();
    let captures = dir.path().join("captures");
    assert!(
        fixtures::idp::write_captures(
            &captures,
            &ds,
            &laddr_key,
            harness::config::DEFAULT_SLACK_TEAM_HOST
        )
        .unwrap()
            > 0
    );
    std::fs::write(dir.path().join("idp.pem"), &idp_key.cert_pem).unwrap();
    std::fs::write(dir.path().join("laddr.pem"), &laddr_key.cert_pem).unwrap();
    ref_state.idp = Some(
        fixtures::target_saml::Idp::new(
            idp_key,
            session_key.as_bytes().to_vec(),
            harness::config::DEFAULT_SLACK_TEAM_HOST.into(),
            "codeforphilly.org".into(),
            &ref_state.people,
            &ref_state.emails,
            &[],
        )
        .unwrap(),
    );
    // Sign-in as staging would have it: the stack started with its GitHub and Resend base
    // URLs at addresses where `cutover run` will start its mocks, with the OAuth app's id and
    // secret and the Resend key the mocks then demand; the test accounts' passwords in a file.
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string()
    };
    let (github_at, resend_at) = (free(), free());
    let (client_id, client_secret, resend_key) = (
        "Iv1.external-test",
        "external-test-oauth-secret-42",
        "re_external_test_key_42",
    );
    ref_state.auth = Some(
        fixtures::target_auth::Auth::new(
            fixtures::target_auth::AuthConfig {
                jwt_key: session_key.as_bytes().to_vec(),
                private_store: paths.private_store.clone(),
                data_repo: paths.data_repo.clone(),
                branch: "main".into(),
                github: Some(fixtures::target_auth::GithubConfig {
                    oauth_base: format!("http://{github_at}"),
                    api_base: format!("http://{github_at}"),
                    client_id: client_id.into(),
                    client_secret: client_secret.into(),
                }),
                resend: Some(fixtures::target_auth::ResendConfig {
                    base: format!("http://{resend_at}"),
                    api_key: resend_key.into(),
                    from: "hello@codeforphilly.org".into(),
                }),
                // The harness client's raised limit on staging.
                per_minute: 100_000,
            },
            &ref_state.people,
            &ref_state.legacy_ids,
        )
        .unwrap(),
    );
    let running = rt.block_on(fixtures::target::spawn(ref_state)).unwrap();
    let profile_path = dir.path().join("staging.toml");
    std::fs::write(
        &profile_path,
        format!(
            "name = 'test external'\n[legacy]\nurl = '{ro}'\n[target]\nbase_url = '{}'\ndata_repo = '{}'\nbranch = 'main'\nprivate_store = '{}'\n\
             [saml]\ncertificate = '{}'\nlegacy_certificate = '{}'\ncaptures = '{}'\n\
             [claim]\npasswords = '{}'\ngithub_mock = '{github_at}'\nresend_mock = '{resend_at}'\ngithub_client_id = '{client_id}'\nper_minute = 100000\n",
            running.base_url,
            paths.data_repo.display(),
            paths.private_store.display(),
            dir.path().join("idp.pem").display(),
            dir.path().join("laddr.pem").display(),
            captures.display(),
            paths.secrets.display(),
        ),
    )
    .unwrap();
    let report_dir = dir.path().join("external");
    let out = cutover(
        &[
            "run",
            "--profile",
            profile_path.to_str().unwrap(),
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_DATA_REPO", ""),
            ("CUTOVER_PRIVATE_STORE", ""),
            ("CFP_JWT_SIGNING_KEY", session_key),
            ("GITHUB_OAUTH_CLIENT_SECRET", client_secret),
            ("RESEND_API_KEY", resend_key),
        ],
    );
    assert_eq!(out.status.code(), Some(exit::GO), "{}", text(&out));
    for secret in [session_key, client_secret, resend_key] {
        assert!(
            !text(&out).contains(secret),
            "no key or secret is ever printed"
        );
    }
    assert!(text(&out).contains("88 passed, 0 failed"), "{}", text(&out));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[target]\nbase_url = 3\n").unwrap();
    let out = cutover(&["run", "--profile", bad.to_str().unwrap()], &[]);
    assert_eq!(out.status.code(), Some(exit::CANNOT_RUN));
    assert!(text(&out).contains("bad.toml"), "{}", text(&out));

    // Bad input: a malformed TOML record, a truncated JSONL line, a missing branch. Each is a
    // failed step naming the file (and line); every other scenario still runs.
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
        paths.data_repo.to_str().unwrap(),
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
    let mut profiles = std::fs::OpenOptions::new()
        .append(true)
        .open(paths.private_store.join("profiles.jsonl"))
        .unwrap();
    std::io::Write::write_all(&mut profiles, b"{\"personId\":\"x\",\"ema").unwrap();
    let jsonl_line = std::fs::read_to_string(paths.private_store.join("profiles.jsonl"))
        .unwrap()
        .lines()
        .count();
    let out = cutover(
        &[
            "run",
            "--profile",
            profile_path.to_str().unwrap(),
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_DATA_REPO", ""),
            ("CUTOVER_PRIVATE_STORE", ""),
            ("GITHUB_OAUTH_CLIENT_SECRET", client_secret),
        ],
    );
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
    assert_eq!(
        results["scenarios"].as_array().unwrap().len(),
        88,
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
    let out = cutover(
        &[
            "run",
            "--profile",
            missing_branch.to_str().unwrap(),
            "--report-dir",
            report_dir.to_str().unwrap(),
        ],
        &[
            ("LADDR_DATABASE_URL", ""),
            ("CUTOVER_TARGET_URL", ""),
            ("CUTOVER_DATA_REPO", ""),
            ("CUTOVER_PRIVATE_STORE", ""),
            ("GITHUB_OAUTH_CLIENT_SECRET", client_secret),
        ],
    );
    assert_eq!(out.status.code(), Some(exit::NO_GO), "{}", text(&out));
    assert!(text(&out).contains("no branch \"nope\""), "{}", text(&out));
    rt.block_on(running.stop());

    let after = rt.block_on(db.checksums()).unwrap();
    assert_eq!(
        after.changes_since(&before),
        vec![],
        "table checksums identical before and after every run"
    );
    rt.block_on(db.close());
    rt.block_on(server.shutdown());
}
