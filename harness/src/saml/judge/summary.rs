//! The continuity summary: per user, whether Slack signs them into their own account, and
//! the counts of each verdict.

use super::{data_name_ids, listed, sample_note};
use crate::evidence::{Evidence, Outcome};
use crate::saml::flow::{Observation, SamlRun};
use crate::saml::{continuity, Continuity};
use std::collections::{BTreeMap, HashMap};

/// Per user: the verdict, from the IdP-initiated assertion or, failing that, any other. A
/// paced run judges only the members it launched for; [`data_name_ids`] covers the rest.
pub fn continuity_by_user(run: &SamlRun) -> Vec<(i64, Continuity)> {
    let mut first: HashMap<i64, &Observation> = HashMap::new();
    for o in run.all() {
        if o.identity().is_some() {
            first.entry(o.legacy_id).or_insert(o);
        }
    }
    let launched: std::collections::HashSet<i64> = run.idp.iter().map(|o| o.legacy_id).collect();
    run.subjects
        .iter()
        .filter(|s| s.legacy.eligible() && s.legacy.email.is_some() && !s.deactivated)
        .filter(|s| run.sampled_from.is_none() || launched.contains(&s.legacy.id))
        .map(|s| {
            let c = match first.get(&s.legacy.id).and_then(|o| o.identity()) {
                Some(a) => continuity(&s.legacy, a),
                None => Continuity::NotAsserted,
            };
            (s.legacy.id, c)
        })
        .collect()
}

pub fn summary(run: &SamlRun) -> Evidence {
    let check = "Slack continuity summary";
    let verdicts = continuity_by_user(run);
    let mut counts: BTreeMap<Continuity, usize> = BTreeMap::new();
    let mut lines = Vec::new();
    for (id, c) in &verdicts {
        *counts.entry(*c).or_default() += 1;
        if *c != Continuity::Continuous {
            let label = run.subject(*id).map(|s| s.label()).unwrap_or_default();
            lines.push(format!("{label}: {}", c.label()));
        }
    }
    lines.sort();
    let total = verdicts.len();
    let continuous = counts.get(&Continuity::Continuous).copied().unwrap_or(0);
    let table = [
        Continuity::Continuous,
        Continuity::EmailOnly,
        Continuity::Broken,
        Continuity::NotAsserted,
    ]
    .map(|c| format!("{} | {}", c.label(), counts.get(&c).copied().unwrap_or(0)));
    let ev = if total == 0 {
        Evidence::new(check, Outcome::Fail, "no eligible user to judge")
    } else if continuous == total {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "all {total} eligible users continuous: Slack signs each into their own account"
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {total} eligible users not continuous",
                total - continuous
            ),
        )
    };
    let ev = listed(ev.detail("continuity | users").details(table), &lines);
    match sample_note(run) {
        // A paced run: the sample through the IdP, and every member from the data repo.
        Some(note) => {
            let data = data_name_ids(run);
            let mut ev = ev
                .detail(note)
                .detail(data.headline.clone())
                .details(data.details.clone());
            if data.failed() {
                ev.outcome = Outcome::Fail;
            }
            ev
        }
        None => ev,
    }
}
