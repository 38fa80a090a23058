//! Evidence: what a check expected, what it observed, and the records involved. Built only
//! through [`Evidence::new`] and its builders, which redact every string on the way in.

use crate::redact::{redact, redact_json};
use serde::{Deserialize, Serialize};

/// How a finding weighs on the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    /// Reported, does not fail the run.
    Advisory,
    /// Breaks continuity: fails the scenario.
    Fail,
    /// The check could not be made for a reason that is no verdict on the stack (its rate
    /// limit): the scenario is "not checked", never failed.
    NotChecked,
    /// Left out on purpose: the profile does not allow what the check would do (write to the
    /// stack, send mail). Listed; neither a pass nor a failure.
    NotRun,
}

/// How a "not run" result reads, so the recorder knows it.
pub const NOT_RUN: &str = "not run: ";

/// How a "not checked" result reads, so the recorder knows it from a failure.
pub const NOT_CHECKED: &str = "not checked: ";

/// Words every rate-limit error carries ([`crate::identity::SendError`]).
pub const RATE_LIMIT_MARK: &str = "rate limited (HTTP 429)";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was checked, in one line a person can read.
    pub check: String,
    pub outcome: Outcome,
    /// One line: the result, with counts.
    pub headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<serde_json::Value>,
    /// Further lines: samples of differences, hop chains, table rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

impl Evidence {
    pub fn new(check: impl AsRef<str>, outcome: Outcome, headline: impl AsRef<str>) -> Self {
        Evidence {
            check: redact(check.as_ref()),
            outcome,
            headline: redact(headline.as_ref()),
            expected: None,
            observed: None,
            details: Vec::new(),
        }
    }

    pub fn expected(mut self, value: serde_json::Value) -> Self {
        self.expected = Some(redact_json(&value));
        self
    }

    pub fn observed(mut self, value: serde_json::Value) -> Self {
        self.observed = Some(redact_json(&value));
        self
    }

    pub fn detail(mut self, line: impl AsRef<str>) -> Self {
        self.details.push(redact(line.as_ref()));
        self
    }

    pub fn details<I, S>(mut self, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.details
            .extend(lines.into_iter().map(|l| redact(l.as_ref())));
        self
    }

    pub fn failed(&self) -> bool {
        matches!(
            self.outcome,
            Outcome::Fail | Outcome::NotChecked | Outcome::NotRun
        )
    }

    /// A check this profile does not allow (it would write, or send mail): not run.
    pub fn not_run(check: &str, why: impl std::fmt::Display) -> Self {
        Evidence::new(check, Outcome::NotRun, why.to_string())
    }

    /// A check the run was not equipped to make (a tool it was not told how to run): no
    /// verdict either way, and the run is incomplete.
    pub fn not_checked(check: &str, why: impl std::fmt::Display) -> Self {
        Evidence::new(
            check,
            Outcome::NotChecked,
            format!("could not check: {why}"),
        )
    }

    /// A check that could not be made: "not checked" when the stack's rate limit stopped it,
    /// a failure otherwise (an answer that is wrong, missing or unreadable is a finding).
    pub fn could_not(check: &str, why: impl std::fmt::Display) -> Self {
        let why = why.to_string();
        if let Some(i) = why.find(NOT_RUN) {
            return Evidence::not_run(check, &why[i + NOT_RUN.len()..]);
        }
        if why.contains(RATE_LIMIT_MARK) {
            Evidence::new(
                check,
                Outcome::NotChecked,
                format!("could not check: {why}"),
            )
        } else {
            Evidence::new(check, Outcome::Fail, format!("could not check: {why}"))
        }
    }

    /// The evidence as a step result: `Err` with the headline and details when it failed.
    pub fn into_result(self) -> Result<Evidence, Failure> {
        if self.failed() {
            Err(Failure(Box::new(self)))
        } else {
            Ok(self)
        }
    }

    /// The evidence as text, for a console or a step failure message.
    pub fn render(&self) -> String {
        let mut out = match self.outcome {
            Outcome::NotChecked => format!("{NOT_CHECKED}{}", self.headline),
            Outcome::NotRun => format!("{NOT_RUN}{}", self.headline),
            _ => self.headline.clone(),
        };
        for d in &self.details {
            out.push_str("\n  ");
            out.push_str(d);
        }
        out
    }
}

/// A failed check: carries its evidence so the step's error message is the evidence
/// (boxed: step results stay small).
#[derive(Debug, Clone)]
pub struct Failure(pub Box<Evidence>);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.render())
    }
}

impl std::error::Error for Failure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_redact() {
        let ev = Evidence::new("profile email", Outcome::Fail, "ann@example.org differs")
            .detail("hash d033e22ae348aeb5660fc2140aec35850c4da997")
            .observed(serde_json::json!({"email": "bob@example.org"}));
        let text = serde_json::to_string(&ev).unwrap();
        assert!(!text.contains("@example.org"), "{text}");
        assert!(!text.contains("d033e22a"), "{text}");
    }

    #[test]
    fn failing_evidence_is_an_error_with_its_text() {
        let err = Evidence::new("c", Outcome::Fail, "2 missing")
            .detail("legacyId 7")
            .into_result();
        let msg = err.unwrap_err().to_string();
        assert!(msg.contains("2 missing") && msg.contains("legacyId 7"));
        assert!(Evidence::new("c", Outcome::Advisory, "note")
            .into_result()
            .is_ok());
    }
}

/// How one scenario ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Passed,
    Failed,
    /// A step could not check (the stack's rate limit): no verdict either way.
    NotChecked,
    /// Left out on purpose by the profile (a scenario that writes, where writes are not
    /// allowed): listed, never counted as passed or failed.
    NotRun,
}

/// One scenario's result with its evidence, as the reports show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub feature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub scenario: String,
    pub tags: Vec<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub duration_ms: u64,
    /// The process's peak resident memory while the scenario ran, in KiB: measured only when
    /// scenarios run one at a time (otherwise the peak belongs to no one scenario).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kib: Option<u64>,
    /// Every step in order, with its status and time.
    #[serde(default)]
    pub steps: Vec<StepResult>,
    pub evidence: Vec<Evidence>,
    /// The new stack's log lines (redacted) from while a failed scenario ran, when the
    /// suite started the stack: the cause a bare "HTTP 500" does not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack_log: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    pub keyword: String,
    pub text: String,
    pub status: StepStatus,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The one place evidence enters a run's record: keyed by scenario, and redacted once more
/// on the way in, so nothing a step builds by hand can carry a secret into a report.
#[derive(Debug, Default)]
pub struct Collector {
    by_scenario: std::sync::Mutex<std::collections::HashMap<String, Vec<Evidence>>>,
}

impl Collector {
    pub fn record(&self, scenario: &str, ev: &Evidence) {
        let clean = serde_json::to_value(ev)
            .ok()
            .map(|v| redact_json(&v))
            .and_then(|v| serde_json::from_value::<Evidence>(v).ok())
            .unwrap_or_else(|| {
                Evidence::new(
                    &ev.check,
                    ev.outcome,
                    "(evidence could not be redacted and was dropped)",
                )
            });
        self.by_scenario
            .lock()
            .expect("collector lock")
            .entry(scenario.to_string())
            .or_default()
            .push(clean);
    }

    /// Everything recorded for one scenario, once.
    pub fn take(&self, scenario: &str) -> Vec<Evidence> {
        self.by_scenario
            .lock()
            .expect("collector lock")
            .remove(scenario)
            .unwrap_or_default()
    }
}

/// The run's answer to "may the cutover proceed?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    #[serde(rename = "GO")]
    Go,
    /// Every failure is covered by an unexpired waiver.
    #[serde(rename = "GO with waivers")]
    GoWithWaivers,
    #[serde(rename = "NO-GO")]
    NoGo,
    #[serde(rename = "CANNOT-RUN")]
    CannotRun,
}

impl Verdict {
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Go | Verdict::GoWithWaivers => crate::exit::GO,
            Verdict::NoGo => crate::exit::NO_GO,
            Verdict::CannotRun => crate::exit::CANNOT_RUN,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Go => "GO",
            Verdict::GoWithWaivers => "GO with waivers",
            Verdict::NoGo => "NO-GO",
            Verdict::CannotRun => "CANNOT RUN",
        })
    }
}
