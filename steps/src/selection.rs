//! Which features a run will touch, known before it starts: the feature files parsed and the
//! tag filter applied as cucumber applies it (a scenario's tags are its own, its rule's, its
//! feature's and, for an outline, its examples'). A scenario that writes waits for the
//! read-only collections of the selected features it would otherwise disturb.

use cucumber::tag::Ext as _;
use gherkin::tagexpr::TagOperation;
use std::collections::HashSet;
use std::path::Path;

fn feature_files(dir: &Path) -> Vec<std::path::PathBuf> {
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

fn selected(filter: Option<&TagOperation>, tags: &[&String]) -> bool {
    filter.is_none_or(|f| f.eval(tags.iter().copied()))
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
    let mut out = Vec::new();
    for path in feature_files(dir) {
        let Ok(f) = gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()) else {
            continue;
        };
        let in_rules = f
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (r, s) in f.scenarios.iter().map(|s| (None, s)).chain(in_rules) {
            let tags: Vec<&String> = f
                .tags
                .iter()
                .chain(r.iter().flat_map(|r| r.tags.iter()))
                .chain(s.tags.iter())
                .collect();
            if tags.iter().any(|t| *t == tag) && selected(filter, &tags) {
                out.push(Left {
                    feature: f.name.clone(),
                    rule: r.map(|r| r.name.clone()),
                    scenario: s.name.clone(),
                    tags: tags.iter().map(|t| format!("@{t}")).collect(),
                });
            }
        }
    }
    out
}

/// How many scenarios a tag expression selects (outline rows counted one by one).
pub fn tagged_count(dir: &Path, filter: &TagOperation) -> usize {
    let mut n = 0;
    for path in feature_files(dir) {
        let Ok(f) = gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()) else {
            continue;
        };
        let in_rules = f
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (r, s) in f.scenarios.iter().map(|s| (None, s)).chain(in_rules) {
            let base: Vec<&String> = f
                .tags
                .iter()
                .chain(r.iter().flat_map(|r| r.tags.iter()))
                .chain(s.tags.iter())
                .collect();
            if s.examples.is_empty() {
                n += usize::from(selected(Some(filter), &base));
            }
            for e in &s.examples {
                let mut tags = base.clone();
                tags.extend(e.tags.iter());
                if selected(Some(filter), &tags) {
                    n += e
                        .table
                        .as_ref()
                        .map_or(0, |t| t.rows.len().saturating_sub(1));
                }
            }
        }
    }
    n
}

/// How many scenarios (outline examples counted row by row) the features hold.
pub fn count_scenarios(dir: &Path) -> usize {
    feature_files(dir)
        .iter()
        .filter_map(|p| gherkin::Feature::parse_path(p, gherkin::GherkinEnv::default()).ok())
        .map(|f| {
            f.scenarios
                .iter()
                .chain(f.rules.iter().flat_map(|r| r.scenarios.iter()))
                .map(|s| {
                    let rows: usize = s
                        .examples
                        .iter()
                        .map(|e| {
                            e.table
                                .as_ref()
                                .map_or(0, |t| t.rows.len().saturating_sub(1))
                        })
                        .sum();
                    if s.examples.is_empty() {
                        1
                    } else {
                        rows
                    }
                })
                .sum::<usize>()
        })
        .sum()
}

/// The feature-level tags (without `@`) of every feature with at least one selected
/// scenario. Files that do not parse are left to the run to report.
pub fn selected_feature_tags(dir: &Path, filter: Option<&TagOperation>) -> HashSet<String> {
    let mut out = HashSet::new();
    for path in feature_files(dir) {
        let Ok(f) = gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()) else {
            continue;
        };
        let in_rules = f
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        let any = f
            .scenarios
            .iter()
            .map(|s| (None, s))
            .chain(in_rules)
            .any(|(r, s)| {
                let base: Vec<&String> = f
                    .tags
                    .iter()
                    .chain(r.iter().flat_map(|r| r.tags.iter()))
                    .chain(s.tags.iter())
                    .collect();
                if s.examples.is_empty() {
                    return selected(filter, &base);
                }
                s.examples.iter().any(|e| {
                    let mut tags = base.clone();
                    tags.extend(e.tags.iter());
                    selected(filter, &tags)
                })
            });
        if any {
            out.extend(f.tags.iter().cloned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feature_is_selected_when_any_of_its_scenarios_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.feature"),
            "@saml @T-0\nFeature: A\n  Rule: R\n    @slow\n    Scenario: S\n      Then x\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("b.feature"),
            "@claim @T-1d\nFeature: B\n  Scenario: S\n    Then x\n",
        )
        .unwrap();
        let all = selected_feature_tags(dir.path(), None);
        assert!(all.contains("saml") && all.contains("claim"));
        let f: TagOperation = "@T-0 and not @slow".parse().unwrap();
        assert!(selected_feature_tags(dir.path(), Some(&f)).is_empty());
        let f: TagOperation = "@slow".parse().unwrap();
        let only = selected_feature_tags(dir.path(), Some(&f));
        assert!(only.contains("saml") && !only.contains("claim"));
    }
}
