//! Shared by the integration tests: the binary, and one legacy server per test binary.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_cutover");

/// Run the binary in the repository root with extra environment.
pub fn cutover(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
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
