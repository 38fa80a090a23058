//! The runbook's T-1d gate on the tool's report: every counter 0, except what a correct
//! migration cannot make 0, counted and listed for staff.

use super::{slug_of, SAMPLES};
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::reconcile::LegacyPerson;
use crate::tools::report::ReconcileReport;
use std::collections::{HashMap, HashSet};

/// The runbook's T-1d gate: every counter 0. A person without a profile because laddr had
/// no email for them cannot get one from a correct migration: they are counted and listed
/// for staff, not quietly exempted. A GitHub-linked person holding a legacy password is
/// advisory unless the strict-drain policy says otherwise.
pub fn gate(
    report: &ReconcileReport,
    legacy: &[LegacyPerson],
    snap: &Snapshot,
    strict_drain: bool,
) -> Evidence {
    let check = "the stack's reconcile finds nothing that stops the cutover";
    let (mut stops, for_staff) = stops_and_for_staff(report, legacy, snap);
    let drained: Vec<String> = report
        .drained_legacy_passwords
        .iter()
        .map(|d| {
            format!(
                "{} is linked to GitHub and still holds a legacy password",
                d.slug
            )
        })
        .collect();
    if strict_drain {
        stops.extend(drained.iter().cloned());
    }
    let outcome = if !stops.is_empty() {
        Outcome::Fail
    } else if !for_staff.is_empty() || !drained.is_empty() {
        Outcome::Advisory
    } else {
        Outcome::Pass
    };
    let mut ev = Evidence::new(
        check,
        outcome,
        format!("{} stop the cutover; {} for staff to decide (the runbook's \"must be 0\" cannot hold for them)", stops.len(), for_staff.len()),
    )
    .observed(serde_json::json!({"stops": stops.len(), "forStaff": for_staff.len(), "drained": drained.len()}));
    ev = ev.details(stops.iter().take(SAMPLES));
    if !for_staff.is_empty() {
        ev = ev.detail(format!("{} people without a laddr email have no profile (counted as orphanPublic by the tool): a correct migration gives them none; staff decide whether that is acceptable", for_staff.len()));
        ev = ev.details(for_staff.iter().take(SAMPLES));
    }
    if !drained.is_empty() && !strict_drain {
        ev = ev
            .detail("advisory (the account-migration rule keeps passwords after linking):")
            .details(drained.iter().take(SAMPLES));
    }
    ev
}

/// What stops the cutover, and the people without a laddr email for staff to decide on.
fn stops_and_for_staff(
    report: &ReconcileReport,
    legacy: &[LegacyPerson],
    snap: &Snapshot,
) -> (Vec<String>, Vec<String>) {
    let legacy_ids: HashMap<&str, i64> = snap
        .sheet("people")
        .iter()
        .filter_map(|r| {
            Some((
                r.fields.get("id")?.as_str()?,
                r.fields.get("legacyId")?.as_integer()?,
            ))
        })
        .collect();
    let no_email: HashSet<i64> = legacy
        .iter()
        .filter(|l| l.email.is_none())
        .map(|l| l.id)
        .collect();
    let (mut stops, mut for_staff) = (Vec::new(), Vec::new());
    for o in &report.orphan_public {
        match legacy_ids.get(o.person_id.as_str()) {
            Some(l) if no_email.contains(l) => for_staff.push(format!(
                "legacy {l} ({}): no profile, laddr had no email for them",
                o.slug
            )),
            Some(l) => stops.push(format!(
                "legacy {l} ({}): no profile, though laddr had an email",
                o.slug
            )),
            None => stops.push(format!("{}: no profile, and not from laddr", o.slug)),
        }
    }
    stops.extend(report.orphan_private.iter().map(|o| {
        format!(
            "profile of {} ({}): no live person",
            o.person_id,
            slug_of(snap, &o.person_id)
        )
    }));
    stops.extend(report.inconsistent_newsletter.iter().map(|i| {
        format!(
            "{} ({}): {}",
            i.person_id,
            slug_of(snap, &i.person_id),
            i.reason
        )
    }));
    (stops, for_staff)
}
