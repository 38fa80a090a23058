//! The runbook's index and the tag selection, on feature files written for each test.
//! (An integration test: a test build of the whole crate for two tests costs about 8 s of
//! CPU on two cores; this file compiles in one.)

use gherkin::tagexpr::TagOperation;
use steps::index::{lint, render};
use steps::selection::selected_feature_tags;

#[test]
fn lint_names_what_keeps_a_scenario_from_being_a_runbook_step() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.feature"),
        "@T-0 @data\nFeature: A\n  Background:\n    When x\n  Scenario: no action\n    Then y\n  Scenario Outline: decorated <e>\n    When <e> is done\n    Then z\n    Examples:\n      | e | why |\n      | 1 | because |\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.feature"),
        "Feature: B\n  Scenario: S\n    When a\n    Then b\n",
    )
    .unwrap();
    let got = lint(dir.path()).join("\n");
    assert!(got.contains("A › no action: no When of its own"), "{got}");
    assert!(
        got.contains("Examples column \"why\" is used by no step"),
        "{got}"
    );
    assert!(!got.contains("column \"e\""), "{got}");
    assert!(
        got.contains("B › S: no phase tag") && got.contains("B › S: no owner tag"),
        "{got}"
    );
    let index = render(dir.path());
    assert!(
        index.contains("## T-0 — ") && index.contains("| decorated 1 | A |"),
        "{index}"
    );
    assert!(index.contains("## Not in any phase"), "{index}");
}

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
