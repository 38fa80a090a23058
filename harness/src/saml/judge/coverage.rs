//! Coverage: who laddr would have asserted for Slack, and whether the new IdP launched an
//! assertion for each of them.

use super::{listed, sample_note, verdict, who};
use crate::evidence::{Evidence, Outcome};
use crate::saml::flow::SamlRun;
use crate::saml::SamlSetup;
use std::collections::BTreeMap;

pub fn expectations(setup: &SamlSetup, run: &SamlRun) -> Evidence {
    let check = "expected assertions from laddr";
    let eligible: Vec<_> = run
        .subjects
        .iter()
        .filter(|s| s.legacy.eligible())
        .collect();
    let mut by_level: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &eligible {
        *by_level.entry(s.legacy.level.as_str()).or_default() += 1;
    }
    let missing: Vec<String> = eligible
        .iter()
        .filter(|s| s.person_id.is_none())
        .map(|s| {
            format!(
                "{}: no person in the new stack carries this legacy id",
                s.label()
            )
        })
        .collect();
    let not_asserted: Vec<String> = eligible
        .iter()
        .filter(|s| s.person_id.is_some() && !s.must_be_asserted())
        .map(|s| format!("{}: not asserted — {}", s.label(), s.refusal_reason()))
        .collect();
    let ineligible = run.subjects.len() - eligible.len();
    let sample = eligible.iter().find(|s| {
        s.legacy
            .username
            .as_deref()
            .is_some_and(|u| u.chars().any(|c| c.is_ascii_uppercase()))
    });
    let mut ev = if eligible.is_empty() {
        Evidence::new(
            check,
            Outcome::Fail,
            "no laddr user could reach Slack: nothing to carry over",
        )
    } else if !missing.is_empty() {
        listed(
            Evidence::new(
                check,
                Outcome::Fail,
                format!(
                    "{} of {} eligible laddr users have no twin to assert",
                    missing.len(),
                    eligible.len()
                ),
            ),
            &missing,
        )
    } else {
        Evidence::new(
            check,
            Outcome::Pass,
            format!("{} laddr users could reach Slack, {} of them with an email Slack knows them by ({} people could not)", eligible.len(), eligible.iter().filter(|s| s.legacy.email.is_some()).count(), ineligible),
        )
    };
    ev = ev.detail("level | eligible users");
    for (level, n) in by_level {
        ev = ev.detail(format!("{level} | {n}"));
    }
    ev = ev.details(not_asserted);
    if let Some(s) = sample {
        ev = ev.expected(serde_json::json!({ "example": s.label(), "assertion": s.legacy.expected_assertion(&setup.team_host) }));
    }
    ev
}

pub fn launch_coverage(run: &SamlRun) -> Evidence {
    let check = "IdP-initiated launch";
    let problems: Vec<String> = run
        .idp
        .iter()
        .filter(|o| !o.asserted())
        .map(|o| match (&o.problem, &o.response) {
            (Some(p), _) => format!("{}: {p}", who(run, o)),
            (None, Some(r)) => format!(
                "{}: Status {:?}, {} Assertion(s)",
                who(run, o),
                r.status,
                r.assertions.len()
            ),
            (None, None) => format!("{}: nothing read", who(run, o)),
        })
        .collect();
    let n = run.idp.len();
    let ev = verdict(check, problems, n, "eligible users' launches");
    let ev = ev.detail(format!(
        "{n} users asserted in {:.2} s ({:.0} users/s, every flow included)",
        run.seconds,
        n as f64 / run.seconds.max(0.001)
    ));
    match sample_note(run) {
        Some(note) => ev.detail(note),
        None => ev,
    }
}
