//! Bad input in what `cutover run` reads from a stack's state, on the shared legacy server.

use crate::support::*;
use harness::exit;

/// Bad input in what the suite reads: a malformed TOML record, a truncated JSONL line — each
/// a failed step naming the file (and line), every other scenario still running — and a
/// missing branch (cannot run, naming it). The stack was started before the damage (a real stack would not boot on it).
pub fn bad_records_fail_their_steps_naming_file_and_line(legacy: &Legacy) {
    let ro = &legacy.ro;
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
}
