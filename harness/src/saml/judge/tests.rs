//! Unit tests for the SAML judgements, fed hand-made runs.

use super::super::flow::{Answer, AutoPost, FlowError};
use super::super::xml::{self, SamlError};
use super::super::{LegacyUser, Subject};
use super::*;

fn subject(id: i64, name: &str) -> Subject {
    Subject {
        legacy: LegacyUser {
            id,
            is_user: true,
            username: Some(name.into()),
            email: Some(format!("{}@example.org", name.to_lowercase())),
            first_name: "F".into(),
            last_name: "L".into(),
            level: "User".into(),
        },
        person_id: Some(format!("p{id}")),
        slug: Some(name.to_lowercase()),
        name_id: Some(name.into()),
        account_level: Some("user".into()),
        deactivated: false,
    }
}

fn observed(id: i64, name_id: &str, email: &str) -> Observation {
    let mut a = xml::Assertion {
        name_id: Some(xml::NameId {
            value: name_id.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    a.attributes.insert("User.Email".into(), vec![email.into()]);
    let response = xml::Response {
        status: Some(xml::SUCCESS.into()),
        assertions: vec![std::sync::Arc::new(a)],
        ..Default::default()
    };
    Observation {
        flow: Flow::IdpInitiated,
        legacy_id: id,
        at: 0,
        answer: Some(Answer {
            status: 200,
            form: Some(AutoPost {
                action: String::new(),
                saml_response: String::new(),
                relay_state: None,
            }),
            ..Default::default()
        }),
        problem: None,
        request_id: None,
        sent_relay_state: None,
        response: Some(response),
        verified: Some(Err(SamlError::MissingSignature)),
    }
}

fn run(subjects: Vec<Subject>, idp: Vec<Observation>) -> SamlRun {
    let mut r = SamlRun::new(subjects, Err(FlowError::NotAsked), idp, vec![], vec![]);
    r.seconds = 1.0;
    r
}

#[test]
fn a_shared_name_id_fails_case_insensitively() {
    let r = run(
        vec![subject(1, "Ann"), subject(2, "ann2")],
        vec![
            observed(1, "Ann", "ann@example.org"),
            observed(2, "ann", "ann2@example.org"),
        ],
    );
    let ev = unique_name_ids(&r);
    assert!(ev.failed(), "{ev:?}");
    assert!(ev.details[0].contains("[1, 2]"));
    let ok = run(
        vec![subject(1, "Ann"), subject(2, "ann2")],
        vec![observed(1, "Ann", "a"), observed(2, "ann2", "b")],
    );
    assert!(!unique_name_ids(&ok).failed());
}

#[test]
fn the_summary_counts_each_class_and_fails_unless_all_continuous() {
    let subjects = vec![
        subject(1, "Ann"),
        subject(2, "Bob"),
        subject(3, "Cy"),
        subject(4, "Di"),
    ];
    let r = run(
        subjects,
        vec![
            observed(1, "Ann", "ann@example.org"),
            observed(2, "bob", "BOB@example.org"),
            observed(3, "cy", "x@y.z"),
        ],
    );
    let ev = summary(&r);
    assert!(ev.failed());
    let text = ev.details.join("\n");
    for line in [
        "continuous | 1",
        "matched by email only | 1",
        "broken (duplicate Slack account) | 1",
        "not asserted | 1",
    ] {
        assert!(text.contains(line), "{line} in {text}");
    }
    assert!(!text.contains("example.org"), "no email in evidence");
}

#[test]
fn sp_answers_must_echo_the_request_and_relay_state() {
    let mut o = observed(1, "Ann", "ann@example.org");
    o.flow = Flow::SpInitiated;
    o.request_id = Some("_q1".into());
    o.sent_relay_state = Some("rs".into());
    o.response.as_mut().unwrap().in_response_to = Some("_q1".into());
    std::sync::Arc::make_mut(&mut o.response.as_mut().unwrap().assertions[0])
        .confirmation_in_response_to = Some("_q1".into());
    o.answer
        .as_mut()
        .unwrap()
        .form
        .as_mut()
        .unwrap()
        .relay_state = Some("rs".into());
    let mut r = run(vec![subject(1, "Ann")], vec![]);
    r.sp = vec![o.clone()];
    assert!(!sp_initiated(&r).failed(), "{:?}", sp_initiated(&r));
    for broken in [
        {
            let mut b = o.clone();
            b.response.as_mut().unwrap().in_response_to = Some("_other".into());
            b
        },
        {
            let mut b = o.clone();
            b.answer
                .as_mut()
                .unwrap()
                .form
                .as_mut()
                .unwrap()
                .relay_state = None;
            b
        },
        {
            let mut b = o.clone();
            b.response.as_mut().unwrap().status =
                Some("urn:oasis:names:tc:SAML:2.0:status:Responder".into());
            b
        },
    ] {
        r.sp = vec![broken];
        assert!(sp_initiated(&r).failed());
    }
}

#[test]
fn permission_answers_are_judged_strictly() {
    let mut r = run(vec![subject(1, "Ann")], vec![]);
    let answer = |status, code: Option<&str>, location: Option<&str>| Answer {
        status,
        error_code: code.map(str::to_string),
        location: location.map(str::to_string),
        ..Default::default()
    };
    r.anonymous_launch = Ok(answer(
        302,
        None,
        Some("/login?return=%2Fapi%2Fsaml%2Fslack%2Flaunch"),
    ));
    r.foreign_acs = Ok(answer(400, Some("saml_request_invalid"), None));
    r.refused = vec![(
        "x".into(),
        Ok(answer(403, Some("saml_not_permitted"), None)),
    )];
    assert!(!anonymous_launch(&r).failed() && !foreign_acs(&r).failed() && !refused(&r).failed());
    let mut form = answer(200, None, None);
    form.form = Some(AutoPost {
        action: "https://t.slack.com/sso/saml".into(),
        saml_response: String::new(),
        relay_state: None,
    });
    r.anonymous_launch = Ok(form.clone());
    r.foreign_acs = Ok(form.clone());
    r.refused = vec![
        ("x".into(), Ok(answer(403, Some("forbidden"), None))),
        ("y".into(), Ok(form)),
    ];
    assert!(anonymous_launch(&r).failed() && foreign_acs(&r).failed());
    assert!(
        refused(&r).headline.starts_with("2 of 2"),
        "{:?}",
        refused(&r)
    );
}

#[test]
fn nothing_observed_is_a_failure_not_a_pass() {
    let r = run(vec![subject(1, "Ann")], vec![]);
    for ev in [
        signatures(&r),
        wrapping(&r),
        emails(&r),
        window(&r),
        launch_coverage(&r),
    ] {
        assert!(ev.failed(), "{ev:?}");
    }
}

#[test]
fn a_signed_out_member_must_resume_to_the_original_request() {
    let mut o = observed(1, "Ann", "ann@example.org");
    o.flow = Flow::SpResume;
    o.request_id = Some("_q1".into());
    o.sent_relay_state = Some("rs".into());
    o.response.as_mut().unwrap().in_response_to = Some("_q1".into());
    std::sync::Arc::make_mut(&mut o.response.as_mut().unwrap().assertions[0])
        .confirmation_in_response_to = Some("_q1".into());
    o.answer
        .as_mut()
        .unwrap()
        .form
        .as_mut()
        .unwrap()
        .relay_state = Some("rs".into());
    let mut r = run(vec![subject(1, "Ann")], vec![]);
    r.resume = vec![o.clone()];
    assert!(!resume(&r).failed(), "{:?}", resume(&r));
    let not_resumed = {
        let mut b = o.clone();
        b.response = None;
        b.problem = Some("no auto-submit form (the sign-in page)".into());
        b
    };
    let another_request = {
        let mut b = o.clone();
        b.response.as_mut().unwrap().in_response_to = Some("_other".into());
        b
    };
    let relay_state_lost = {
        let mut b = o.clone();
        b.answer
            .as_mut()
            .unwrap()
            .form
            .as_mut()
            .unwrap()
            .relay_state = None;
        b
    };
    for broken in [not_resumed, another_request, relay_state_lost] {
        r.resume = vec![broken];
        assert!(resume(&r).failed());
    }
}
