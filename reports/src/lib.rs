//! Report writers. They read only [`harness::evidence`] results; each format has its own
//! module. So far: the machine-readable run result (`results.json`), the reconciliation's
//! findings (`reconciliation.json`) and a Markdown summary fit for `$GITHUB_STEP_SUMMARY`.

pub mod json;
pub mod markdown;
pub mod reconciliation;

use harness::evidence::{ScenarioResult, Verdict};
use serde::Serialize;

/// Everything a report needs about one run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub suite: String,
    pub profile: String,
    pub verdict: Verdict,
    pub started: String,
    pub finished: String,
    pub identity: serde_json::Value,
    pub scenarios: Vec<ScenarioResult>,
    pub parse_errors: Vec<String>,
    /// Tables whose checksum changed during the run.
    pub legacy_writes: Vec<serde_json::Value>,
}

impl RunReport {
    pub fn counts(&self) -> (usize, usize) {
        let failed = self.scenarios.iter().filter(|s| s.status == harness::evidence::Status::Failed).count();
        (self.scenarios.len() - failed, failed)
    }
}

/// Write every format into `dir`, returning the files written.
pub fn write_all(dir: &std::path::Path, report: &RunReport) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let files = vec![
        (dir.join("results.json"), json::render(report)),
        (dir.join("summary.md"), markdown::render(report)),
        (dir.join("reconciliation.json"), reconciliation::render(report)),
    ];
    for (path, text) in &files {
        std::fs::write(path, text)?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
