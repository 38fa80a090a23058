//! `junit.xml`: a test suite per feature, a test case per scenario; a failure carries the
//! evidence headline as its message and the whole evidence as its text.

use crate::RunReport;
use harness::evidence::Status;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

pub fn render(r: &RunReport) -> String {
    let mut report = Report::new(format!("cutover {}", r.suite));
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for s in &r.scenarios {
        let suite = suites
            .entry(s.feature.as_str())
            .or_insert_with(|| TestSuite::new(s.feature.clone()));
        let status = match s.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Failed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let message = s.message.as_deref().unwrap_or("");
                st.set_message(message.lines().next().unwrap_or("failed"));
                st.set_type("continuity");
                st.set_description(format!(
                    "step: {}\n{message}",
                    s.failed_step.as_deref().unwrap_or("?")
                ));
                st
            }
            Status::NotChecked | Status::NotRun => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(
                    s.message
                        .as_deref()
                        .unwrap_or("not run")
                        .lines()
                        .next()
                        .unwrap_or(""),
                );
                st
            }
        };
        let mut case = TestCase::new(s.scenario.clone(), status);
        case.set_classname(s.rule.clone().unwrap_or_else(|| s.feature.clone()));
        case.set_time(Duration::from_millis(s.duration_ms));
        suite.add_test_case(case);
    }
    report.add_test_suites(suites.into_values());
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- junit serialisation failed: {e} -->\n"))
}
