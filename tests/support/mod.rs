//! Shared by the integration tests: the binary, and one legacy server per test binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_cutover");

/// Where the test binaries keep the fixture's bcrypt hashes between runs (see
/// `fixtures::generate::CACHE_ENV`): every case generates the same fixture.
pub fn fixture_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("fixture-cache")
}

/// Run the binary in the repository root with extra environment.
pub fn cutover(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env(fixtures::generate::CACHE_ENV, fixture_cache());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("cutover runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("report exists"))
        .expect("report is JSON")
}

/// Every way `doc` breaks the checked-in JSON Schema `reports/schema/<schema>`, one line
/// each (empty when it follows it).
pub fn schema_errors(doc: &serde_json::Value, schema: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("reports/schema")
        .join(schema);
    let schema = read_json(&path);
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// A report directory's `results.json` and `manifest.json` follow their schemas, and the
/// schemas do judge: a results.json without its version, or with a status it does not know,
/// is refused.
pub fn assert_reports_follow_their_schemas(report_dir: &Path) {
    let results = read_json(&report_dir.join("results.json"));
    let manifest = read_json(&report_dir.join("manifest.json"));
    assert_eq!(
        schema_errors(&results, "results.schema.json"),
        Vec::<String>::new()
    );
    assert_eq!(
        schema_errors(&manifest, "manifest.schema.json"),
        Vec::<String>::new()
    );
    let mut unversioned = results.clone();
    unversioned.as_object_mut().unwrap().remove("schema");
    assert!(!schema_errors(&unversioned, "results.schema.json").is_empty());
    let mut odd = results;
    odd["scenarios"][0]["status"] = "skipped".into();
    assert!(!schema_errors(&odd, "results.schema.json").is_empty());
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Two members fit to be named test accounts (laddr IDs): one with a SHA-1 and one with a
/// bcrypt password the fixture knows, each with an email, a plain lower-case username, able
/// to sign in, and touched by no other part of the cast.
pub fn test_accounts(ds: &fixtures::model::Dataset) -> (u32, u32) {
    let fits = |scheme: &str| {
        ds.secrets
            .iter()
            .filter(|s| s.scheme == scheme)
            .filter_map(|s| ds.people.iter().find(|p| p.id == s.person_id))
            .filter(|p| {
                p.in_scope()
                    && p.is_user
                    && p.email.is_some()
                    && p.level() == "User"
                    && !fixtures::migrate::deactivated(p)
                    && p.username.as_deref().is_some_and(|u| {
                        u.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    })
            })
            .map(|p| p.id)
            .next_back()
            .expect("the fixture has such a member")
    };
    (fits("sha1"), fits("bcrypt"))
}
