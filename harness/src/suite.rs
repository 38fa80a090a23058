//! The suite's own identity for the report: its commit and every feature file's hash, name,
//! phases and time budget (a feature tag `@budget-90s`, `@budget-20m` or `@budget-1h`).

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureFile {
    pub path: String,
    pub name: String,
    pub sha256: String,
    pub tags: Vec<String>,
    /// Runbook phases: tags like `@T-1d`, `@T-0`, `@T+7d`.
    pub phases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_secs: Option<u64>,
    /// The budget of a run paced to the stack's per-IP limits (`@paced-budget-20m`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paced_budget_secs: Option<u64>,
}

/// `@budget-90s` → 90; minutes and hours too.
pub fn parse_budget(tag: &str) -> Option<u64> {
    duration(tag.strip_prefix("@budget-")?)
}

/// `@paced-budget-20m` → 1200.
pub fn parse_paced_budget(tag: &str) -> Option<u64> {
    duration(tag.strip_prefix("@paced-budget-")?)
}

fn duration(v: &str) -> Option<u64> {
    let (n, unit) = v.split_at(v.len().checked_sub(1)?);
    let n: u64 = n.parse().ok()?;
    Some(match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    })
}

/// Every `.feature` file in `dir` and its subdirectories (the phase pages), sorted by path.
fn feature_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for p in std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok().map(|e| e.path()))
        {
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "feature") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Every `.feature` file under `dir` (subdirectories too), sorted by path, each named by its
/// path relative to `dir`.
pub fn describe_features(dir: &Path) -> Vec<FeatureFile> {
    let files = feature_files(dir);
    files
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            let text = String::from_utf8_lossy(&bytes);
            let mut tags = Vec::new();
            let mut name = String::new();
            for line in text.lines().map(str::trim) {
                if let Some(n) = line.strip_prefix("Feature:") {
                    name = n.trim().to_string();
                    break;
                }
                if line.starts_with('@') {
                    tags.extend(line.split_whitespace().map(str::to_string));
                }
            }
            Some(FeatureFile {
                path: p.strip_prefix(dir).ok()?.to_string_lossy().into_owned(),
                name,
                sha256: hex::encode(Sha256::digest(&bytes)),
                phases: tags
                    .iter()
                    .filter(|t| t.starts_with("@T"))
                    .cloned()
                    .collect(),
                budget_secs: tags.iter().find_map(|t| parse_budget(t)),
                paced_budget_secs: tags.iter().find_map(|t| parse_paced_budget(t)),
                tags,
            })
        })
        .collect()
}

/// The suite's git commit, when it runs from a checkout.
pub fn commit(dir: &Path) -> String {
    std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse_in_seconds_minutes_and_hours() {
        assert_eq!(parse_budget("@budget-90s"), Some(90));
        assert_eq!(parse_budget("@budget-20m"), Some(1200));
        assert_eq!(parse_budget("@budget-1h"), Some(3600));
        assert_eq!(parse_budget("@budget-"), None);
        assert_eq!(parse_budget("@budget-5d"), None);
        assert_eq!(parse_budget("@T-1d"), None);
        assert_eq!(parse_paced_budget("@paced-budget-20m"), Some(1200));
        assert_eq!(parse_budget("@paced-budget-20m"), None);
    }

    #[test]
    fn feature_files_are_described() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.feature"),
            "@T-0 @budget-2m\n@x\nFeature: A thing\n  Scenario: s\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        std::fs::create_dir(dir.path().join("phases")).unwrap();
        std::fs::write(
            dir.path().join("phases/1-T-7d.feature"),
            "@phase @T-7d\nFeature: T-7d\n",
        )
        .unwrap();
        let f = describe_features(dir.path());
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[1].path, "phases/1-T-7d.feature",
            "the phase pages are hashed too"
        );
        assert_eq!(
            (f[0].name.as_str(), f[0].budget_secs, f[0].phases.clone()),
            ("A thing", Some(120), vec!["@T-0".to_string()])
        );
        assert_eq!(f[0].sha256.len(), 64);
    }
}
