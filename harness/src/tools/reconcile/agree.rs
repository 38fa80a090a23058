//! The tool's counters against the suite's, class by class, and its exit code against what
//! its report says.

use super::{keys, slug_of, SAMPLES};
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::tools::report::ReconcileReport;

/// The documented exit code for what the report says is unresolved.
fn exit_agrees(report: &ReconcileReport, exit: Option<i32>) -> Option<String> {
    let want = if report.unresolved() == 0 { 0 } else { 1 };
    (exit != Some(want)).then(|| {
        format!(
            "exited {} with {} unresolved (the documented exit is {want}: 0 nothing unresolved, 1 problems, 2 crash)",
            exit.map_or("by a signal".to_string(), |c| c.to_string()),
            report.unresolved()
        )
    })
}

/// The tool's counters equal the suite's, class by class, and its exit code says what its
/// report says.
pub fn agree(
    tool: &ReconcileReport,
    exit: Option<i32>,
    suite: &ReconcileReport,
    snap: &Snapshot,
) -> Evidence {
    let check = "the stack's reconcile counts what the suite counts, by the contract's definitions";
    let mut problems = Vec::new();
    for (what, t, s) in [
        (
            "publicPeopleCount",
            tool.public_people_count,
            suite.public_people_count,
        ),
        (
            "privateProfileCount",
            tool.private_profile_count,
            suite.private_profile_count,
        ),
        (
            "legacyPasswordCount",
            tool.legacy_password_count,
            suite.legacy_password_count,
        ),
    ] {
        if t != s {
            problems.push(format!("{what}: the tool says {t}, the suite counts {s}"));
        }
    }
    for ((what, t), (_, s)) in keys(tool).into_iter().zip(keys(suite)) {
        if t == s {
            continue;
        }
        problems.push(format!(
            "{what}: the tool says {}, the suite counts {}",
            t.len(),
            s.len()
        ));
        for id in s.difference(&t).take(SAMPLES) {
            problems.push(format!("  only the suite: {id} ({})", slug_of(snap, id)));
        }
        for id in t.difference(&s).take(SAMPLES) {
            problems.push(format!("  only the tool: {id} ({})", slug_of(snap, id)));
        }
    }
    problems.extend(exit_agrees(tool, exit));
    let counts = keys(suite)
        .map(|(w, k)| format!("{w} {}", k.len()))
        .join(", ");
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "the tool and the suite agree: {} people, {counts}",
                suite.public_people_count
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} disagreement(s) between the tool and the suite",
                problems.iter().filter(|p| !p.starts_with("  ")).count()
            ),
        )
        .details(problems)
    }
}
