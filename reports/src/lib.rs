//! Report writers. They read only [`harness::evidence`] results; each format has its own
//! module: `results.json` (the run as data), `reconciliation.json`, `junit.xml` for test
//! reporters, `cucumber.json`, `summary.md` for `$GITHUB_STEP_SUMMARY`, and `report.html`,
//! one self-contained page for staff. [`manifest`] binds them with hashes and a signature;
//! [`verify`] checks a bundle.

pub mod cucumber_json;
pub mod error;
pub mod html;
pub mod json;
pub mod junit;
pub mod manifest;
pub mod markdown;
pub mod reconciliation;
pub mod signoff;
pub mod verify;

pub use error::Error;

use harness::evidence::{ScenarioResult, Status, Verdict};
use harness::suite::FeatureFile;
use harness::waiver::Decision;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Everything a report needs about one run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub suite: String,
    pub suite_commit: String,
    pub profile: String,
    pub verdict: Verdict,
    pub started: String,
    pub finished: String,
    pub identity: serde_json::Value,
    pub features: Vec<FeatureFile>,
    pub decision: Decision,
    pub scenarios: Vec<ScenarioResult>,
    pub parse_errors: Vec<String>,
    /// Tables whose checksum changed during the run.
    pub legacy_writes: Vec<serde_json::Value>,
    /// What went wrong with the run itself (the new stack exited mid-run): each is NO-GO.
    pub run_problems: Vec<String>,
    /// The runbook phase the run was for (`--phase`), if one.
    pub phase: Option<String>,
    /// The tag expression that chose the scenarios, if any.
    pub selection: Option<String>,
    /// Who signs the go/no-go, and in what role.
    pub signer: Option<signoff::Signer>,
    /// Work shared between scenarios (every member's SAML flows, every redirect followed),
    /// counted in the time of the feature whose tag owns it.
    pub shared_work: Vec<harness::timing::Work>,
}

/// A feature's measured time against its budget.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetLine {
    pub feature: String,
    pub budget_secs: Option<u64>,
    pub measured_secs: f64,
    pub over: bool,
}

impl RunReport {
    /// Scenarios passed and failed; the rest were not checked or not run.
    pub fn counts(&self) -> (usize, usize) {
        let n = |st: Status| self.scenarios.iter().filter(|s| s.status == st).count();
        (n(Status::Passed), n(Status::Failed))
    }

    /// The run kept to the stack's per-IP limits (its own budgets apply).
    pub fn paced(&self) -> bool {
        self.identity["requests"]
            .as_str()
            .is_some_and(|r| r.starts_with("paced"))
    }

    /// Time per feature (its scenarios' own time, plus the shared work its tag owns) against
    /// the budget its tags state.
    pub fn budgets(&self) -> Vec<BudgetLine> {
        self.features
            .iter()
            .map(|f| {
                let ms: u64 = self
                    .scenarios
                    .iter()
                    .filter(|s| s.feature == f.name)
                    .map(|s| s.duration_ms)
                    .sum();
                let shared = harness::timing::owned_secs(&self.shared_work, &f.tags);
                let measured_secs = ms as f64 / 1000.0 + shared;
                let budget = if self.paced() {
                    f.paced_budget_secs.or(f.budget_secs)
                } else {
                    f.budget_secs
                };
                BudgetLine {
                    feature: f.name.clone(),
                    budget_secs: budget,
                    measured_secs,
                    over: budget.is_some_and(|b| measured_secs > b as f64),
                }
            })
            .collect()
    }

    /// A sort key that puts phase labels ([`RunReport::phase_of`]) in runbook order.
    pub fn phase_order(label: &str) -> (usize, String) {
        let rank = label
            .parse::<harness::phase::Phase>()
            .map_or(usize::MAX, |p| p as usize);
        (rank, label.to_string())
    }

    /// The runbook phase a scenario is reported under: the run's phase when the scenario has
    /// it, else its earliest in runbook order.
    pub fn phase_of(&self, s: &ScenarioResult) -> String {
        let phases = harness::phase::Phase::of_tags(&s.tags);
        let run = self.phase.as_deref().and_then(|p| p.parse().ok());
        run.filter(|p| phases.contains(p))
            .or_else(|| phases.first().copied())
            .map(|p| format!("@{p}"))
            .unwrap_or_else(|| "(no phase)".into())
    }
}

/// The artifacts every run writes, in order.
pub const ARTIFACTS: [&str; 6] = [
    "results.json",
    "reconciliation.json",
    "junit.xml",
    "cucumber.json",
    "summary.md",
    "report.html",
];

/// The new stack's own log, redacted, when the suite started the stack.
pub const STACK_LOG: &str = "stack.log";

/// Files steps may write during a run; signed when present. Cleared before each run.
pub const OPTIONAL_ARTIFACTS: [&str; 4] = [
    "redirect-map.csv",
    "redirects.csv",
    "redirects.json",
    STACK_LOG,
];

/// Where the stack's tools' output is kept (one file per run, flat).
pub const TOOLS_DIR: &str = "tools";

/// An artifact the manifest may list: a file of the report directory, or of its `tools/`.
pub fn artifact_name_ok(name: &str) -> bool {
    let plain = |n: &str| {
        !n.is_empty()
            && !n.starts_with('.')
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    match name.split_once('/') {
        None => plain(name),
        Some((dir, file)) => dir == TOOLS_DIR && plain(file),
    }
}

/// The files under `dir/tools/`, as artifact names, sorted.
pub fn tool_artifacts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join(TOOLS_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| format!("{TOOLS_DIR}/{}", e.file_name().to_string_lossy()))
        .filter(|n| artifact_name_ok(n))
        .collect();
    names.sort();
    names
}

/// Remove what an earlier run left in `dir` that this run's bundle could mistake for its own.
pub fn clear_previous(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir.join(TOOLS_DIR));
    for name in OPTIONAL_ARTIFACTS
        .iter()
        .chain(ARTIFACTS.iter())
        .chain([manifest::MANIFEST, manifest::SIGNATURE].iter())
    {
        let _ = std::fs::remove_file(dir.join(name));
    }
}

/// Write every format into `dir`, then the manifest (signed when a key is given).
pub fn write_all(
    dir: &Path,
    report: &RunReport,
    key: Option<&manifest::SigningKey>,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    // A previous run's signature must never sit beside this run's manifest.
    let _ = std::fs::remove_file(dir.join(manifest::SIGNATURE));
    let files = [
        json::render(report),
        reconciliation::render(report),
        junit::render(report),
        cucumber_json::render(report),
        markdown::render(report),
        html::render(report),
    ];
    let mut written = Vec::new();
    for (name, text) in ARTIFACTS.iter().zip(files) {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        written.push(path);
    }
    written.extend(manifest::write(dir, report, key)?);
    Ok(written)
}
