//! Waivers: a known failure accepted by a named owner, for a reason, until a date. Expired
//! waivers do not count. The verdict is decided here, once.

use crate::evidence::{ScenarioResult, Status, Verdict};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The scenario's name as in the feature file.
    pub scenario: String,
    pub reason: String,
    pub owner: String,
    /// Last day the waiver holds, `YYYY-MM-DD` (UTC).
    pub expires: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waiver: Vec<Waiver>,
}

impl WaiverFile {
    /// `[[waiver]]` tables in TOML. Every field is required and every date must parse.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let bad = |m: String| Error::Profile {
            path: path.to_path_buf(),
            message: m,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let file: WaiverFile =
            toml::from_str(&text).map_err(|e| bad(e.to_string().trim_end().to_string()))?;
        for w in &file.waiver {
            if parse_day(&w.expires).is_none() {
                return Err(bad(format!(
                    "waiver for {:?}: expires {:?} is not YYYY-MM-DD",
                    w.scenario, w.expires
                )));
            }
            if w.reason.trim().is_empty() || w.owner.trim().is_empty() {
                return Err(bad(format!(
                    "waiver for {:?}: reason and owner are required",
                    w.scenario
                )));
            }
        }
        Ok(file)
    }
}

fn parse_day(s: &str) -> Option<time::Date> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// What the waivers did to a run.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    /// Waivers that accepted a failure.
    pub applied: Vec<Waiver>,
    /// Waivers past their date: listed, never counted.
    pub expired: Vec<Waiver>,
}

/// What went wrong around the scenarios, each overriding any waiver.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunState {
    /// A legacy table changed, or the stack died mid-run: NO-GO.
    pub broken: bool,
    /// Feature files that could not be read: the suite cannot run.
    pub cannot_run: bool,
}

/// Decide the verdict. A broken run is NO-GO and unreadable features cannot run, whatever
/// the waivers; a failure not waived is NO-GO; a scenario that could not be checked leaves
/// the run incomplete (cannot run) unless something failed.
pub fn decide(
    scenarios: &[ScenarioResult],
    waivers: &[Waiver],
    today: time::Date,
    run: RunState,
) -> Decision {
    let (active, expired): (Vec<&Waiver>, Vec<&Waiver>) = waivers
        .iter()
        .partition(|w| parse_day(&w.expires).is_some_and(|d| d >= today));
    let mut applied = Vec::new();
    let mut unwaived = 0;
    for s in scenarios.iter().filter(|s| s.status == Status::Failed) {
        match active.iter().find(|w| w.scenario == s.scenario) {
            Some(w) => applied.push((*w).clone()),
            None => unwaived += 1,
        }
    }
    let checked = scenarios.iter().any(|s| s.status != Status::NotRun);
    let incomplete = scenarios.iter().any(|s| s.status == Status::NotChecked);
    let verdict = if run.cannot_run || !checked {
        Verdict::CannotRun
    } else if unwaived > 0 || run.broken {
        Verdict::NoGo
    } else if incomplete {
        Verdict::CannotRun
    } else if !applied.is_empty() {
        Verdict::GoWithWaivers
    } else {
        Verdict::Go
    };
    Decision {
        verdict,
        applied,
        expired: expired.into_iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::ScenarioResult;

    fn sc(name: &str, failed: bool) -> ScenarioResult {
        ScenarioResult {
            feature: "F".into(),
            rule: None,
            scenario: name.into(),
            tags: vec![],
            status: if failed {
                Status::Failed
            } else {
                Status::Passed
            },
            failed_step: None,
            message: None,
            duration_ms: 0,
            peak_rss_kib: None,
            steps: vec![],
            evidence: vec![],
            stack_log: vec![],
        }
    }

    fn w(scenario: &str, expires: &str) -> Waiver {
        Waiver {
            scenario: scenario.into(),
            reason: "known".into(),
            owner: "staff".into(),
            expires: expires.into(),
        }
    }

    #[test]
    fn waived_failures_give_go_with_waivers_and_expired_waivers_do_not_count() {
        let today = time::macros::date!(2026 - 11 - 22);
        let runs = [sc("a", true), sc("b", false)];
        assert_eq!(
            decide(&runs, &[], today, RunState::default()).verdict,
            Verdict::NoGo
        );
        let d = decide(&runs, &[w("a", "2026-11-22")], today, RunState::default());
        assert_eq!(d.verdict, Verdict::GoWithWaivers);
        assert_eq!(d.applied.len(), 1);
        let d = decide(&runs, &[w("a", "2026-11-21")], today, RunState::default());
        assert_eq!((d.verdict, d.expired.len()), (Verdict::NoGo, 1));
        assert_eq!(
            decide(&[sc("b", false)], &[], today, RunState::default()).verdict,
            Verdict::Go
        );
        assert_eq!(
            decide(
                &[sc("b", false)],
                &[],
                today,
                RunState {
                    broken: true,
                    ..Default::default()
                }
            )
            .verdict,
            Verdict::NoGo,
            "a legacy write is never waived"
        );
        assert_eq!(
            decide(&[], &[], today, RunState::default()).verdict,
            Verdict::CannotRun
        );
    }

    #[test]
    fn not_checked_leaves_the_run_incomplete_and_not_run_is_neither_pass_nor_fail() {
        let today = time::macros::date!(2026 - 11 - 22);
        let with = |status: Status| {
            let mut s = sc("c", false);
            s.status = status;
            s
        };
        let d = |s: &[ScenarioResult]| decide(s, &[], today, RunState::default()).verdict;
        assert_eq!(
            d(&[sc("b", false), with(Status::NotChecked)]),
            Verdict::CannotRun
        );
        assert_eq!(d(&[sc("a", true), with(Status::NotChecked)]), Verdict::NoGo);
        assert_eq!(d(&[sc("b", false), with(Status::NotRun)]), Verdict::Go);
        assert_eq!(
            d(&[with(Status::NotRun)]),
            Verdict::CannotRun,
            "nothing was checked"
        );
    }

    #[test]
    fn a_waiver_file_needs_every_field_and_a_real_date() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.toml");
        std::fs::write(
            &p,
            "[[waiver]]\nscenario='a'\nreason='r'\nowner='o'\nexpires='2026-13-01'\n",
        )
        .unwrap();
        assert!(WaiverFile::load(&p)
            .unwrap_err()
            .to_string()
            .contains("YYYY-MM-DD"));
        std::fs::write(
            &p,
            "[[waiver]]\nscenario='a'\nreason='r'\nexpires='2026-12-01'\n",
        )
        .unwrap();
        assert!(WaiverFile::load(&p)
            .unwrap_err()
            .to_string()
            .contains("owner"));
    }
}
