//! `reconciliation.json`: the reconciliation's findings on their own — per check, the counts
//! and the first discrepancies with legacy ids and slugs (evidence is already redacted).

use crate::RunReport;
use serde_json::{json, Value};

pub fn render(report: &RunReport) -> String {
    let checks: Vec<Value> = report
        .scenarios
        .iter()
        .filter(|s| s.tags.iter().any(|t| t == "@reconciliation"))
        .map(|s| {
            json!({
                "scenario": s.scenario,
                "status": s.status,
                "findings": s.evidence.iter().filter(|e| e.expected.is_some() || e.observed.is_some() || !e.details.is_empty())
                    .map(|e| json!({"check": e.check, "outcome": e.outcome, "headline": e.headline,
                                    "observed": e.observed, "discrepancies": e.details}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let failed = checks.iter().filter(|c| c["status"] == "failed").count();
    let mut text = serde_json::to_string_pretty(&json!({
        "verdict": report.verdict,
        "started": report.started,
        "finished": report.finished,
        "identity": report.identity,
        "checks": checks.len(),
        "failed": failed,
        "results": checks,
    }))
    .expect("serialises");
    text.push('\n');
    text
}
