//! `results.json`: the run as data, for CI and for the fault-matrix test.

use crate::RunReport;

pub fn render(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("reports serialise");
    text.push('\n');
    text
}
