//! `results.json`: the run as data, for CI and for the fault-matrix test. Its shape is
//! `reports/schema/results.schema.json`, and [`SCHEMA`] names the version it follows.

use crate::RunReport;
use serde::Serialize;

/// The version of `results.json`; a change that removes or retypes a field bumps it.
pub const SCHEMA: &str = "cutover-results/1";

/// The report with its schema version first.
#[derive(Serialize)]
struct Versioned<'a> {
    schema: &'static str,
    #[serde(flatten)]
    report: &'a RunReport,
}

pub fn render(report: &RunReport) -> String {
    let versioned = Versioned {
        schema: SCHEMA,
        report,
    };
    let mut text = serde_json::to_string_pretty(&versioned).expect("reports serialise");
    text.push('\n');
    text
}
