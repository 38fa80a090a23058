//! Which features a run will touch, known before it starts: the feature files parsed and the
//! tag filter applied as cucumber applies it (a scenario's tags are its own, its rule's, its
//! feature's and, for an outline, its examples'). A scenario that writes waits for the
//! read-only collections of the selected features it would otherwise disturb.

use cucumber::tag::Ext as _;
use gherkin::tagexpr::TagOperation;
use std::collections::HashSet;
use std::path::Path;

pub fn feature_files(dir: &Path) -> Vec<std::path::PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .flat_map(|p| {
            if p.is_dir() {
                feature_files(&p)
            } else if p.extension().is_some_and(|e| e == "feature") {
                vec![p]
            } else {
                vec![]
            }
        })
        .collect();
    out.sort();
    out
}

fn selected(filter: Option<&TagOperation>, tags: &[String]) -> bool {
    filter.is_none_or(|f| f.eval(tags.iter()))
}

/// One scenario as a run executes it (an outline once per example row), with every tag it
/// carries: its own, its rule's, its feature's and its examples' (without `@`).
#[derive(Debug, Clone)]
pub struct ScenarioRef {
    pub file: std::path::PathBuf,
    pub feature: String,
    pub feature_tags: Vec<String>,
    pub rule: Option<String>,
    /// The name as reported: an outline's `<column>` filled in from its row.
    pub scenario: String,
    pub tags: Vec<String>,
}

/// `name` with each `<column>` replaced by the row's value.
fn fill(name: &str, header: &[String], row: &[String]) -> String {
    header.iter().zip(row).fold(name.to_string(), |n, (h, v)| {
        n.replace(&format!("<{h}>"), v)
    })
}

fn of_scenario(
    path: &Path,
    f: &gherkin::Feature,
    r: Option<&gherkin::Rule>,
    s: &gherkin::Scenario,
    out: &mut Vec<ScenarioRef>,
) {
    let base: Vec<String> = f
        .tags
        .iter()
        .chain(r.iter().flat_map(|r| r.tags.iter()))
        .chain(s.tags.iter())
        .cloned()
        .collect();
    let one = |scenario: String, tags: Vec<String>| ScenarioRef {
        file: path.to_path_buf(),
        feature: f.name.clone(),
        feature_tags: f.tags.clone(),
        rule: r.map(|r| r.name.clone()),
        scenario,
        tags,
    };
    if s.examples.is_empty() {
        out.push(one(s.name.clone(), base));
        return;
    }
    for e in &s.examples {
        let mut tags = base.clone();
        tags.extend(e.tags.iter().cloned());
        let Some(table) = &e.table else { continue };
        let Some((header, rows)) = table.rows.split_first() else {
            continue;
        };
        for row in rows {
            out.push(one(fill(&s.name, header, row), tags.clone()));
        }
    }
}

/// Every scenario of the feature files under `dir`, in file order. Files that do not parse
/// are left to the run to report.
pub fn scenarios(dir: &Path) -> Vec<ScenarioRef> {
    let mut out = Vec::new();
    for path in feature_files(dir) {
        let Ok(f) = gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()) else {
            continue;
        };
        for s in &f.scenarios {
            of_scenario(&path, &f, None, s, &mut out);
        }
        for r in &f.rules {
            for s in &r.scenarios {
                of_scenario(&path, &f, Some(r), s, &mut out);
            }
        }
    }
    out
}

/// One scenario a run will not execute, for the report: where it is and its tags.
#[derive(Debug, Clone)]
pub struct Left {
    pub feature: String,
    pub rule: Option<String>,
    pub scenario: String,
    pub tags: Vec<String>,
}

/// The selected scenarios that carry `tag` (without `@`; inherited tags count).
pub fn tagged(dir: &Path, filter: Option<&TagOperation>, tag: &str) -> Vec<Left> {
    scenarios(dir)
        .into_iter()
        .filter(|s| s.tags.iter().any(|t| t == tag) && selected(filter, &s.tags))
        .map(|s| Left {
            feature: s.feature,
            rule: s.rule,
            scenario: s.scenario,
            tags: s.tags.iter().map(|t| format!("@{t}")).collect(),
        })
        .collect()
}

/// How many scenarios a tag expression selects (outline rows counted one by one).
pub fn tagged_count(dir: &Path, filter: &TagOperation) -> usize {
    scenarios(dir)
        .iter()
        .filter(|s| selected(Some(filter), &s.tags))
        .count()
}

/// How many scenarios (outline examples counted row by row) the features hold.
pub fn count_scenarios(dir: &Path) -> usize {
    scenarios(dir).len()
}

/// The feature-level tags (without `@`) of every feature with at least one selected
/// scenario.
pub fn selected_feature_tags(dir: &Path, filter: Option<&TagOperation>) -> HashSet<String> {
    scenarios(dir)
        .into_iter()
        .filter(|s| selected(filter, &s.tags))
        .flat_map(|s| s.feature_tags)
        .collect()
}
