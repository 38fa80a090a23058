//! The stack's `reconcile`, judged: its counters against the suite's own count of the same
//! classes with the contract's definitions; the runbook's gate (every counter 0, except what
//! a correct migration cannot make 0, said with its number); a defect planted on a copy
//! flagged exactly; and `--fix` fixing what the contract says and nothing else.
//!
//! The suite's own count is in `expected`, the comparison with the tool's in `agree`, the
//! runbook's gate in `gate`; running the tool in `run`, the planted defects in `plant` and
//! `--fix` in `fix`.

mod agree;
mod expected;
mod fix;
mod gate;
mod plant;
mod run;

pub use agree::agree;
pub use expected::expected;
pub use fix::fix;
pub use gate::gate;
pub use plant::{planted, Plant};
pub use run::live;

use crate::datarepo::Snapshot;
use crate::tools::report::ReconcileReport;
use std::collections::{BTreeSet, HashMap};

const SAMPLES: usize = 10;

struct Person<'a> {
    slug: &'a str,
    deleted: bool,
    github: Option<i64>,
}

fn people(snap: &Snapshot) -> HashMap<&str, Person<'_>> {
    snap.sheet("people")
        .iter()
        .filter_map(|r| {
            let id = r.fields.get("id")?.as_str()?;
            Some((
                id,
                Person {
                    slug: r.fields.get("slug").and_then(|v| v.as_str()).unwrap_or("?"),
                    deleted: r.fields.contains_key("deletedAt"),
                    github: r.fields.get("githubUserId").and_then(|v| v.as_integer()),
                },
            ))
        })
        .collect()
}

/// One class of the report, as comparable keys.
fn keys(r: &ReconcileReport) -> [(&'static str, BTreeSet<String>); 4] {
    [
        (
            "orphanPublic",
            r.orphan_public
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
        (
            "orphanPrivate",
            r.orphan_private
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
        (
            "inconsistentNewsletter",
            r.inconsistent_newsletter
                .iter()
                .map(|x| format!("{} {}", x.person_id, x.reason))
                .collect(),
        ),
        (
            "drainedLegacyPasswords",
            r.drained_legacy_passwords
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
    ]
}

fn slug_of<'a>(snap: &'a Snapshot, id: &str) -> &'a str {
    snap.sheet("people")
        .iter()
        .find(|r| {
            r.fields.get("id").and_then(|v| v.as_str()) == Some(id.split(' ').next().unwrap_or(id))
        })
        .and_then(|r| r.fields.get("slug").and_then(|v| v.as_str()))
        .unwrap_or("no such person")
}
