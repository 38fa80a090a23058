//! The go/no-go as a person signs it: who signs and in what role, for which phase, and the
//! few things that most need their eyes before they do.

use crate::RunReport;
use harness::evidence::{Outcome, Status};
use serde::{Deserialize, Serialize};

/// Who signs the report, and as what (the runbook's owner of the decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    pub name: String,
    pub role: String,
}

impl Signer {
    /// Both are needed: a signature that names nobody, or no role, decides nothing.
    pub fn new(
        name: Option<String>,
        role: Option<String>,
    ) -> Result<Option<Signer>, crate::error::Error> {
        let clean = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        match (clean(name), clean(role)) {
            (Some(name), Some(role)) => Ok(Some(Signer { name, role })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(crate::error::Error::SignerWithoutRole),
            (None, Some(_)) => Err(crate::error::Error::RoleWithoutSigner),
        }
    }
}

/// How many items the summary puts first.
pub const ATTENTION: usize = 3;

fn headline(s: &harness::evidence::ScenarioResult) -> String {
    s.message
        .as_deref()
        .and_then(|m| m.lines().next())
        .unwrap_or("")
        .to_string()
}

/// What most needs a person's eyes, most urgent first: what breaks the run, failures not
/// waived, what could not be checked, waived failures, expired waivers, scenarios not run,
/// advisories, budgets overrun. At most [`ATTENTION`].
pub fn attention(r: &RunReport) -> Vec<String> {
    let waived = |s: &str| r.decision.applied.iter().find(|w| w.scenario == s);
    let mut out: Vec<String> = Vec::new();
    out.extend(
        r.legacy_writes
            .iter()
            .map(|w| format!("The legacy database changed during the run: {w}")),
    );
    out.extend(
        r.run_problems
            .iter()
            .map(|p| format!("The run itself: {p}")),
    );
    for s in r.scenarios.iter().filter(|s| s.status == Status::Failed) {
        if waived(&s.scenario).is_none() {
            out.push(format!(
                "NO-GO: {} › {}: {}",
                s.feature,
                s.scenario,
                headline(s)
            ));
        }
    }
    for s in r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::NotChecked)
    {
        out.push(format!(
            "Not checked: {} › {}: {}",
            s.feature,
            s.scenario,
            headline(s)
        ));
    }
    for w in &r.decision.applied {
        out.push(format!(
            "Waived by {} until {}: {} ({})",
            w.owner, w.expires, w.scenario, w.reason
        ));
    }
    for w in &r.decision.expired {
        out.push(format!(
            "Expired waiver of {} (expired {}), not counted: {}",
            w.owner, w.expires, w.scenario
        ));
    }
    let not_run = r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::NotRun)
        .count();
    if not_run > 0 {
        out.push(format!(
            "{not_run} scenario(s) not run: they make the stack write, which this profile does not allow"
        ));
    }
    for s in &r.scenarios {
        if let Some(ev) = s.evidence.iter().find(|e| e.outcome == Outcome::Advisory) {
            out.push(format!(
                "Advisory: {} › {}: {}",
                s.feature, s.scenario, ev.headline
            ));
        }
    }
    for b in r.budgets().into_iter().filter(|b| b.over) {
        out.push(format!(
            "Over budget: {} took {:.0} s of {} s",
            b.feature,
            b.measured_secs,
            b.budget_secs.unwrap_or(0)
        ));
    }
    out.truncate(ATTENTION);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signer_needs_a_name_and_a_role() {
        assert_eq!(Signer::new(None, None).unwrap(), None);
        assert!(Signer::new(Some("Ana".into()), None).is_err());
        assert!(Signer::new(Some(" ".into()), Some("lead".into())).is_err());
        let s = Signer::new(Some("Ana".into()), Some("cutover lead".into())).unwrap();
        assert_eq!(s.unwrap().role, "cutover lead");
    }
}
