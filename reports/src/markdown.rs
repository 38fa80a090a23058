//! `summary.md`: one page for `$GITHUB_STEP_SUMMARY`: the verdict, counts per feature, and
//! each failing scenario with its evidence headline. Kept well under GitHub's 1 MiB limit.

use crate::RunReport;
use harness::evidence::Status;
use std::collections::BTreeMap;
use std::fmt::Write;

const MAX_BYTES: usize = 900 * 1024;

pub fn render(r: &RunReport) -> String {
    let (passed, failed) = r.counts();
    let mut out = String::new();
    let _ = writeln!(out, "# Cutover {}: **{}**\n", r.suite, r.verdict);
    let _ = writeln!(out, "{passed} passed, {failed} failed — profile `{}`, {} → {}\n", r.profile, r.started, r.finished);
    let mut per_feature: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &r.scenarios {
        let e = per_feature.entry(&s.feature).or_default();
        if s.status == Status::Passed { e.0 += 1 } else { e.1 += 1 }
    }
    out.push_str("| feature | passed | failed |\n|---|---:|---:|\n");
    for (f, (p, x)) in per_feature {
        let _ = writeln!(out, "| {} | {p} | {x} |", f.replace('|', "\\|"));
    }
    for w in &r.legacy_writes {
        let _ = writeln!(out, "\n**The legacy database changed during the run:** `{w}`");
    }
    let failing: Vec<_> = r.scenarios.iter().filter(|s| s.status == Status::Failed).collect();
    if !failing.is_empty() {
        out.push_str("\n## Failing scenarios\n");
    }
    for s in failing {
        if out.len() > MAX_BYTES {
            out.push_str("\n… (truncated)\n");
            break;
        }
        let headline = s.message.as_deref().and_then(|m| m.lines().next()).unwrap_or("");
        let _ = writeln!(out, "\n- **{}** › {}\n  - step: `{}`\n  - {}", s.feature, s.scenario, s.failed_step.as_deref().unwrap_or("?"), headline);
    }
    out
}
