//! The `cutover` binary on its own: exit codes, the fault list, fixture determinism, the
//! watch, and the runbook index.

use crate::support::*;
use fixtures::Fault;
use harness::exit;
use libtest_mimic::Trial;
use std::time::{Duration, Instant};

pub fn trials() -> Vec<Trial> {
    vec![
        trial(
            "cli::without_any_database_it_exits_2_in_under_10_s_naming_the_three_ways",
            without_any_database_it_exits_2_in_under_10_s_naming_the_three_ways,
        ),
        trial(
            "cli::faults_are_listed_one_per_line_name_space_description",
            faults_are_listed_one_per_line_name_space_description,
        ),
        trial(
            "cli::same_seed_gives_identical_sql_and_data_repo_tree",
            same_seed_gives_identical_sql_and_data_repo_tree,
        ),
        trial(
            "cli::watch_prints_a_line_per_round_and_ends_hold_or_roll_back",
            watch_prints_a_line_per_round_and_ends_hold_or_roll_back,
        ),
        trial(
            "cli::the_runbook_index_is_what_the_features_say_and_every_scenario_reads_as_a_step",
            the_runbook_index_is_what_the_features_say_and_every_scenario_reads_as_a_step,
        ),
    ]
}

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

/// `cutover watch` against a served stack: a line per round, the point of no return, and
/// "hold" with GitHub sign-in configured; without it the sign-in trigger fires, the watch
/// says "roll back" (exit 1) after the sustained span, and watch.json keeps every round.
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
