//! `summary.md`: one page for `$GITHUB_STEP_SUMMARY`: the verdict, counts per feature and per
//! phase, waivers, budgets, and each failing scenario with its evidence headline. Kept well
//! under GitHub's 1 MiB limit.

use crate::RunReport;
use harness::evidence::Status;
use std::collections::BTreeMap;
use std::fmt::Write;

const MAX_BYTES: usize = 900 * 1024;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(r: &RunReport) -> String {
    let mut out = String::new();
    headline(&mut out, r);
    tallies(&mut out, r);
    budgets(&mut out, r);
    notices(&mut out, r);
    failing(&mut out, r);
    out
}

/// Title and verdict, what needs attention, who signed, the counts.
fn headline(out: &mut String, r: &RunReport) {
    let (passed, failed) = r.counts();
    let phase = r
        .phase
        .as_deref()
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    let _ = writeln!(out, "# Cutover {}{phase}: **{}**\n", r.suite, r.verdict);
    let attention = crate::signoff::attention(r);
    if attention.is_empty() {
        out.push_str(
            "Nothing needs a person's eyes: every selected scenario passed, with no advisory.\n\n",
        );
    } else {
        out.push_str("What most needs a person's eyes:\n\n");
        for (i, a) in attention.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, cell(a));
        }
        out.push('\n');
    }
    if let Some(s) = &r.signer {
        let _ = writeln!(
            out,
            "Signed off by {} ({}).\n",
            cell(&s.name),
            cell(&s.role)
        );
    }
    let _ = writeln!(
        out,
        "{passed} passed, {failed} failed — profile `{}`, {} → {}\n",
        r.profile, r.started, r.finished
    );
}

/// Passed and failed per feature, then per phase.
fn tallies(out: &mut String, r: &RunReport) {
    let mut per_feature: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut per_phase: BTreeMap<(usize, String), (usize, usize)> = BTreeMap::new();
    for s in &r.scenarios {
        for e in [
            per_feature.entry(&s.feature).or_default(),
            per_phase
                .entry(crate::RunReport::phase_order(&r.phase_of(s)))
                .or_default(),
        ] {
            match s.status {
                Status::Passed => e.0 += 1,
                Status::Failed => e.1 += 1,
                // Not checked or not run: counted apart, in the list below.
                Status::NotChecked | Status::NotRun => {}
            }
        }
    }
    out.push_str("| feature | passed | failed |\n|---|---:|---:|\n");
    for (f, (p, x)) in per_feature {
        let _ = writeln!(out, "| {} | {p} | {x} |", cell(f));
    }
    out.push_str("\n| phase | passed | failed |\n|---|---:|---:|\n");
    for ((_, ph), (p, x)) in per_phase {
        let _ = writeln!(out, "| {} | {p} | {x} |", cell(&ph));
    }
}

/// Time budgets against the time measured, for the features that have one.
fn budgets(out: &mut String, r: &RunReport) {
    let budgets: Vec<_> = r
        .budgets()
        .into_iter()
        .filter(|b| b.budget_secs.is_some())
        .collect();
    if !budgets.is_empty() {
        out.push_str("\n| feature | budget | measured |\n|---|---:|---:|\n");
        for b in budgets {
            let flag = if b.over { " **over budget**" } else { "" };
            let _ = writeln!(
                out,
                "| {} | {} s | {:.1} s{flag} |",
                cell(&b.feature),
                b.budget_secs.unwrap_or(0),
                b.measured_secs
            );
        }
    }
}

/// Waivers applied and expired, and writes to the legacy database.
fn notices(out: &mut String, r: &RunReport) {
    for w in &r.decision.applied {
        let _ = writeln!(
            out,
            "\n> waived: **{}** — {} (owner {}, until {})",
            cell(&w.scenario),
            cell(&w.reason),
            cell(&w.owner),
            w.expires
        );
    }
    for w in &r.decision.expired {
        let _ = writeln!(
            out,
            "\n> expired waiver, not counted: {} (owner {}, expired {})",
            cell(&w.scenario),
            cell(&w.owner),
            w.expires
        );
    }
    for w in &r.legacy_writes {
        let _ = writeln!(
            out,
            "\n**The legacy database changed during the run:** `{w}`"
        );
    }
}

/// The failing scenarios, each with its step and first line, until the size limit.
fn failing(out: &mut String, r: &RunReport) {
    let failing: Vec<_> = r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::Failed)
        .collect();
    if !failing.is_empty() {
        out.push_str("\n## Failing scenarios\n");
    }
    for s in failing {
        if out.len() > MAX_BYTES {
            out.push_str("\n… (truncated)\n");
            break;
        }
        let headline = s
            .message
            .as_deref()
            .and_then(|m| m.lines().next())
            .unwrap_or("");
        let _ = writeln!(
            out,
            "\n- **{}** › {}\n  - step: `{}`\n  - {}",
            cell(&s.feature),
            cell(&s.scenario),
            s.failed_step.as_deref().unwrap_or("?"),
            cell(headline)
        );
    }
}
