//! Identity: the NameID and email each assertion carries, against laddr's Username and
//! email, NameIDs unique across users, and every member's NameID proved from the data repo.

use super::{documents, listed, sample_note, verdict, who};
use crate::evidence::Evidence;
use crate::saml::flow::SamlRun;
use crate::saml::{xml, SamlSetup, SLACK_ENTITY};
use std::collections::HashMap;

pub fn name_ids(setup: &SamlSetup, run: &SamlRun) -> Evidence {
    let check = "NameID equals the laddr Username, byte for byte";
    let mut problems = Vec::new();
    let mut n = 0;
    for o in documents(run) {
        let (Some(a), Some(s)) = (o.identity(), run.subject(o.legacy_id)) else {
            continue;
        };
        n += 1;
        let nid = a.name_id.clone().unwrap_or_default();
        let mut wrong = Vec::new();
        if a.name_id.is_none() {
            wrong.push("no NameID".to_string());
        } else if Some(nid.value.as_str()) != s.legacy.username.as_deref() {
            wrong.push(format!(
                "NameID {:?} but laddr asserted {:?}",
                nid.value,
                s.legacy.username.as_deref().unwrap_or("")
            ));
        }
        if nid.format.as_deref() != Some(xml::PERSISTENT) {
            wrong.push(format!("Format {:?}", nid.format));
        }
        if nid.name_qualifier.as_deref() != Some(setup.team_host.as_str()) {
            wrong.push(format!("NameQualifier {:?}", nid.name_qualifier));
        }
        if nid.sp_name_qualifier.as_deref() != Some(SLACK_ENTITY) {
            wrong.push(format!("SPNameQualifier {:?}", nid.sp_name_qualifier));
        }
        if a.issuer.as_deref() != Some(setup.idp_entity_id.as_str()) {
            wrong.push(format!("Issuer {:?}", a.issuer));
        }
        if !wrong.is_empty() {
            problems.push(format!("{}: {}", who(run, o), wrong.join("; ")));
        }
    }
    if run.sampled_from.is_some() {
        // A paced run launched for a sample: the data repo answers for every member.
        let data = data_name_ids(run);
        problems.extend(
            data.details
                .iter()
                .filter(|d| d.contains("laddr asserted"))
                .cloned(),
        );
        let ev = verdict(check, problems, n, "assertions");
        return ev
            .detail(sample_note(run).unwrap_or_default())
            .detail(data.headline);
    }
    verdict(check, problems, n, "assertions")
}

pub fn emails(run: &SamlRun) -> Evidence {
    let check = "email attribute equals laddr's email";
    let mut problems = Vec::new();
    let mut advisories = Vec::new();
    let mut n = 0;
    for o in documents(run) {
        let (Some(a), Some(s)) = (o.identity(), run.subject(o.legacy_id)) else {
            continue;
        };
        n += 1;
        let asserted = a
            .attribute("User.Email")
            .map(|e| e.trim().to_lowercase())
            .filter(|e| !e.is_empty());
        let laddr = s.legacy.email.as_deref().map(|e| e.trim().to_lowercase());
        if asserted != laddr {
            problems.push(format!(
                "{}: User.Email {}",
                who(run, o),
                match (&asserted, &laddr) {
                    (None, Some(_)) => "missing though laddr had one",
                    (Some(_), None) => "present though laddr had none",
                    _ => "is not laddr's address",
                }
            ));
        }
        let attr = |k: &str| a.attribute(k).unwrap_or("");
        for (k, v) in [
            ("User.Username", s.legacy.username.as_deref().unwrap_or("")),
            ("first_name", &s.legacy.first_name),
            ("last_name", &s.legacy.last_name),
        ] {
            if attr(k) != v {
                advisories.push(format!("{}: {k} {:?}, laddr {:?}", who(run, o), attr(k), v));
            }
        }
    }
    let ev = verdict(check, problems, n, "assertions");
    if advisories.is_empty() {
        ev
    } else {
        listed(
            ev.detail(format!(
                "advisory: {} name or username attribute difference(s)",
                advisories.len()
            )),
            &advisories,
        )
    }
}

pub fn unique_name_ids(run: &SamlRun) -> Evidence {
    let check = "no two users share a NameID";
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    for o in documents(run) {
        if let Some(v) = o.identity().and_then(|a| a.name_id_value()) {
            let ids = seen.entry(v.to_lowercase()).or_default();
            if !ids.contains(&o.legacy_id) {
                ids.push(o.legacy_id);
            }
        }
    }
    let mut clashes: Vec<String> = seen
        .iter()
        .filter(|(_, ids)| ids.len() > 1)
        .map(|(v, ids)| {
            format!("NameID {v:?} (case-insensitively) asserted for legacy ids {ids:?}")
        })
        .collect();
    clashes.sort();
    verdict(check, clashes, seen.len(), "distinct NameIDs")
}

/// Every member the IdP must assert, proved from the data repo: the `slackSamlNameId` it will
/// assert is the laddr Username byte for byte. (The email it asserts is the profile's, which
/// the reconciliation's email scenario proves for everyone.)
pub fn data_name_ids(run: &SamlRun) -> Evidence {
    let check = "every member's slackSamlNameId in the data repo is the laddr Username";
    let mut problems = Vec::new();
    let mut n = 0;
    for s in run.subjects.iter().filter(|s| s.must_be_asserted()) {
        n += 1;
        if s.name_id.as_deref() != s.legacy.username.as_deref() {
            problems.push(format!(
                "{}: slackSamlNameId {:?} but laddr asserted {:?}",
                s.label(),
                s.name_id.as_deref().unwrap_or(""),
                s.legacy.username.as_deref().unwrap_or("")
            ));
        }
    }
    verdict(check, problems, n, "members in the data repo")
}
