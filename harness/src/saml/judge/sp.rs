//! SP-initiated answers: signed in or resumed after sign-in, each answer echoes the
//! request's ID and RelayState.

use super::{verdict, who};
use crate::evidence::Evidence;
use crate::saml::flow::{Observation, SamlRun};
use crate::saml::xml;

fn echo_problems(o: &Observation) -> Vec<String> {
    let mut wrong = Vec::new();
    let Some(r) = &o.response else {
        return vec![o
            .problem
            .clone()
            .unwrap_or_else(|| "no SAMLResponse".into())];
    };
    if r.status.as_deref() != Some(xml::SUCCESS) {
        wrong.push(format!("Status {:?}", r.status));
    }
    if r.in_response_to != o.request_id {
        wrong.push(format!(
            "Response InResponseTo {:?}, request was {:?}",
            r.in_response_to, o.request_id
        ));
    }
    if o.identity()
        .and_then(|a| a.confirmation_in_response_to.clone())
        != o.request_id
    {
        wrong.push("SubjectConfirmationData InResponseTo is not the request's ID".into());
    }
    let got = o
        .answer
        .as_ref()
        .and_then(|a| a.form.as_ref())
        .and_then(|f| f.relay_state.clone());
    if got != o.sent_relay_state {
        wrong.push(format!(
            "RelayState {:?}, sent {:?}",
            got, o.sent_relay_state
        ));
    }
    wrong
}

pub fn sp_initiated(run: &SamlRun) -> Evidence {
    let problems: Vec<String> = run
        .sp
        .iter()
        .filter_map(|o| {
            let w = echo_problems(o);
            (!w.is_empty()).then(|| format!("{}: {}", who(run, o), w.join("; ")))
        })
        .collect();
    verdict(
        "SP-initiated sign-in",
        problems,
        run.sp.len(),
        "signed-in members",
    )
}

pub fn resume(run: &SamlRun) -> Evidence {
    let problems: Vec<String> = run
        .resume
        .iter()
        .filter_map(|o| {
            let w = echo_problems(o);
            (!w.is_empty()).then(|| format!("{}: {}", who(run, o), w.join("; ")))
        })
        .collect();
    verdict(
        "signed-out member resumes after sign-in",
        problems,
        run.resume.len(),
        "signed-out members",
    )
}
