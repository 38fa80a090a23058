//! Addressing and time: Destination, Recipient and Audience are Slack's, and the validity
//! window contains now and is short.

use super::{documents, verdict, who};
use crate::evidence::Evidence;
use crate::saml::flow::SamlRun;
use crate::saml::{xml, SamlSetup, MAX_WINDOW_SECS, SKEW_SECS, SLACK_ENTITY};

pub fn addressing(setup: &SamlSetup, run: &SamlRun) -> Evidence {
    let check = "Destination, Recipient and Audience are Slack's";
    let acs = setup.acs();
    let mut problems = Vec::new();
    let mut n = 0;
    for o in documents(run) {
        let (Some(r), Some(a)) = (&o.response, o.identity()) else {
            continue;
        };
        n += 1;
        let mut wrong = Vec::new();
        if let Some(f) = o.answer.as_ref().and_then(|x| x.form.as_ref()) {
            if f.action != acs {
                wrong.push(format!("form posts to {}", f.action));
            }
        }
        if r.destination.as_deref() != Some(acs.as_str()) {
            wrong.push(format!("Destination {:?}", r.destination));
        }
        if a.recipient.as_deref() != Some(acs.as_str()) {
            wrong.push(format!("Recipient {:?}", a.recipient));
        }
        if a.confirmation_method.as_deref() != Some(xml::BEARER) {
            wrong.push(format!(
                "SubjectConfirmation Method {:?}",
                a.confirmation_method
            ));
        }
        if a.audiences.iter().any(|x| &**x != SLACK_ENTITY) {
            wrong.push(format!("Audience {:?}", a.audiences));
        }
        if !wrong.is_empty() {
            problems.push(format!("{}: {}", who(run, o), wrong.join("; ")));
        }
    }
    verdict(check, problems, n, "assertions")
        .expected(serde_json::json!({ "acs": acs, "audience": SLACK_ENTITY }))
}

pub fn window(run: &SamlRun) -> Evidence {
    let check = "validity window";
    let mut problems = Vec::new();
    let mut n = 0;
    for o in documents(run) {
        let Some(a) = o.identity() else { continue };
        n += 1;
        let now = o.at;
        let mut wrong = Vec::new();
        match (a.not_before, a.not_on_or_after) {
            (Some(nb), Some(na)) => {
                if nb > now + SKEW_SECS {
                    wrong.push(format!("NotBefore is {} s in the future", nb - now));
                }
                if na <= now - SKEW_SECS {
                    wrong.push(format!("expired {} s ago (NotOnOrAfter)", now - na));
                }
                if na - nb > MAX_WINDOW_SECS {
                    wrong.push(format!(
                        "window of {} s, more than {MAX_WINDOW_SECS}",
                        na - nb
                    ));
                }
            }
            _ => wrong.push("Conditions without NotBefore and NotOnOrAfter".into()),
        }
        match a.confirmation_not_on_or_after {
            Some(t) if t <= now - SKEW_SECS => {
                wrong.push(format!("SubjectConfirmationData expired {} s ago", now - t))
            }
            Some(_) => {}
            None => wrong.push("SubjectConfirmationData without NotOnOrAfter".into()),
        }
        if !wrong.is_empty() {
            problems.push(format!("{}: {}", who(run, o), wrong.join("; ")));
        }
    }
    verdict(check, problems, n, "assertions")
}
