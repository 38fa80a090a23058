//! Evidence for each SAML scenario, judged from one [`SamlRun`]. Pure functions: the unit
//! tests feed them hand-made runs, the steps feed them the real one.

use super::capture::{self, Capture};
use super::flow::{self, Flow, Observation, SamlRun};
use super::xml;
use super::{continuity, Continuity, SamlSetup, MAX_WINDOW_SECS, SKEW_SECS, SLACK_ENTITY};
use crate::evidence::{Evidence, Outcome};
use std::collections::{BTreeMap, HashMap};

const SAMPLES: usize = 20;

fn listed(ev: Evidence, lines: &[String]) -> Evidence {
    let more = lines.len().saturating_sub(SAMPLES);
    let ev = ev.details(lines.iter().take(SAMPLES));
    if more > 0 {
        ev.detail(format!("… and {more} more"))
    } else {
        ev
    }
}

fn verdict(check: &str, problems: Vec<String>, checked: usize, what: &str) -> Evidence {
    if checked == 0 {
        return Evidence::new(
            check,
            Outcome::Fail,
            format!("nothing to check: no {what} was obtained"),
        );
    }
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!("{checked} {what} checked, all as expected"),
        )
    } else {
        listed(
            Evidence::new(
                check,
                Outcome::Fail,
                format!("{} of {checked} {what} wrong", problems.len()),
            ),
            &problems,
        )
    }
}

fn who(run: &SamlRun, o: &Observation) -> String {
    let flow = match o.flow {
        Flow::IdpInitiated => "launch",
        Flow::SpInitiated => "SP-initiated",
        Flow::SpResume => "resume",
    };
    match run.subject(o.legacy_id) {
        Some(s) => format!("{} [{flow}]", s.label()),
        None => format!("legacy {} [{flow}]", o.legacy_id),
    }
}

/// Observations that carried a readable document.
fn documents(run: &SamlRun) -> impl Iterator<Item = &Observation> {
    run.all().filter(|o| o.response.is_some())
}

pub fn metadata(setup: &SamlSetup, run: &SamlRun) -> Evidence {
    let check = "IdP metadata";
    let md = match &run.metadata {
        Ok(m) => m,
        Err(e) => {
            return Evidence::new(
                check,
                Outcome::Fail,
                format!("no readable metadata at {}: {e}", flow::METADATA),
            )
        }
    };
    let mut problems = Vec::new();
    if md.entity_id.as_deref() != Some(setup.idp_entity_id.as_str()) {
        problems.push(format!(
            "entityID is {:?}, Slack is configured with {:?}",
            md.entity_id, setup.idp_entity_id
        ));
    }
    let expected = setup
        .trusted_cert
        .as_deref()
        .map(|d| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, d));
    let published: Vec<String> = md
        .signing_certificates
        .iter()
        .map(|c| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, c)
                .map(|d| super::verify::fingerprint(&d))
                .unwrap_or_else(|_| "unreadable".into())
        })
        .collect();
    if expected
        .as_ref()
        .is_none_or(|e| !md.signing_certificates.contains(e))
    {
        problems.push(format!(
            "the signing certificate is not the one Slack trusts ({}): metadata has {}",
            setup
                .trusted_cert
                .as_deref()
                .map(super::verify::fingerprint)
                .unwrap_or_default(),
            if published.is_empty() {
                "none".into()
            } else {
                published.join(", ")
            }
        ));
    }
    if !md.name_id_formats.iter().any(|f| f == xml::PERSISTENT) {
        problems.push(format!(
            "persistent NameID format not offered (offers {:?})",
            md.name_id_formats
        ));
    }
    if !md
        .sso
        .iter()
        .any(|(b, l)| b == xml::HTTP_POST && l.ends_with(flow::SSO))
    {
        problems.push(format!(
            "no HTTP-POST SingleSignOnService at {} (has {:?})",
            flow::SSO,
            md.sso
        ));
    }
    let ev = if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "entityID {}, certificate {}, persistent NameIDs, HTTP-POST SSO",
                setup.idp_entity_id,
                published.join(", ")
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} problem(s) in the metadata Slack would load",
                problems.len()
            ),
        )
        .details(problems)
    };
    ev.observed(serde_json::to_value(md).unwrap_or_default())
}

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

pub fn signatures(run: &SamlRun) -> Evidence {
    let check = "signature against the certificate Slack trusts";
    let mut problems = Vec::new();
    let mut algorithms: BTreeMap<String, usize> = BTreeMap::new();
    let mut n = 0;
    for o in documents(run) {
        n += 1;
        if let Some(r) = &o.response {
            for m in &r.signature_methods {
                *algorithms.entry(m.clone()).or_default() += 1;
            }
        }
        match &o.verified {
            Some(Ok(_)) => {}
            Some(Err(e)) => problems.push(format!("{}: {e}", who(run, o))),
            None => problems.push(format!("{}: not verified", who(run, o))),
        }
    }
    let mut ev = verdict(check, problems, n, "assertions");
    for (alg, count) in algorithms {
        let weak = alg.ends_with("rsa-sha1");
        ev = ev.detail(format!(
            "SignatureMethod {alg}: {count}{}",
            if weak { " (SHA-1: weak)" } else { "" }
        ));
    }
    ev
}

pub fn wrapping(run: &SamlRun) -> Evidence {
    let check = "signed element is the one read";
    let mut problems = Vec::new();
    let (mut n, mut documents_seen) = (0, 0);
    for o in documents(run) {
        documents_seen += 1;
        let Some(Ok(v)) = &o.verified else { continue };
        n += 1;
        if !v.unsigned_assertions.is_empty() {
            let unsigned: Vec<&str> = v
                .unsigned_assertions
                .iter()
                .map(|a| a.name_id_value().unwrap_or("(no NameID)"))
                .collect();
            problems.push(format!(
                "{}: {} unsigned Assertion(s) beside the signed one (NameID {:?}); a reader taking the first would see {:?}",
                who(run, o),
                unsigned.len(),
                unsigned,
                o.response.as_ref().and_then(|r| r.assertions.first()).and_then(|a| a.name_id_value()).unwrap_or("-")
            ));
        }
    }
    if n == 0 && documents_seen > 0 {
        return Evidence::new(check, Outcome::Advisory, format!("none of {documents_seen} assertions verified, so none can be checked for wrapping (see the signature scenario)"));
    }
    verdict(check, problems, n, "verified assertions")
}

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
        if a.audiences.iter().any(|x| x != SLACK_ENTITY) {
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

pub fn foreign_acs(run: &SamlRun) -> Evidence {
    let check = "only Slack's ACS is accepted";
    match &run.foreign_acs {
        Ok(a) if a.form.is_none() && (400..500).contains(&a.status) => Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "an AuthnRequest naming another ACS was refused: {}",
                a.describe()
            ),
        ),
        Ok(a) => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "an AuthnRequest naming another ACS was answered: {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with a signed assertion form"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => Evidence::new(check, Outcome::Fail, format!("could not ask: {e}")),
    }
}

pub fn anonymous_launch(run: &SamlRun) -> Evidence {
    let check = "signed-out launch";
    match &run.anonymous_launch {
        Ok(a) if a.redirects_to_login() && a.form.is_none() => Evidence::new(
            check,
            Outcome::Pass,
            format!("sent to sign in: {}", a.describe()),
        ),
        Ok(a) => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "expected 302 to /login, got {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with an assertion"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => Evidence::new(check, Outcome::Fail, format!("could not ask: {e}")),
    }
}

pub fn refused(run: &SamlRun) -> Evidence {
    let check = "people who may not use Slack are refused";
    if run.refused.is_empty() {
        return Evidence::new(
            check,
            Outcome::Advisory,
            "no deactivated or ineligible person in the new stack to try",
        );
    }
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for (label, answer) in &run.refused {
        match answer {
            Ok(a)
                if a.status == 403
                    && a.error_code.as_deref() == Some("saml_not_permitted")
                    && a.form.is_none() =>
            {
                lines.push(format!("{label}: {}", a.describe()))
            }
            Ok(a) => problems.push(format!(
                "{label}: expected 403 saml_not_permitted, got {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with a signed assertion"
                } else {
                    ""
                }
            )),
            Err(e) => problems.push(format!("{label}: {e}")),
        }
    }
    let ev = verdict(check, problems, run.refused.len(), "people to refuse");
    ev.details(lines)
}

pub fn captures(run: &SamlRun, captures: &[Capture]) -> Evidence {
    let check = "captured laddr assertions, field by field";
    if captures.is_empty() {
        return Evidence::new(check, Outcome::Fail, "no captured laddr assertion to compare (hint: put SAML tracer captures in fixtures/saml/)");
    }
    let by_username: HashMap<&str, i64> = run
        .subjects
        .iter()
        .filter_map(|s| Some((s.legacy.username.as_deref()?, s.legacy.id)))
        .collect();
    let identity_of = |id: i64| {
        run.idp
            .iter()
            .chain(&run.sp)
            .find(|o| o.legacy_id == id)
            .and_then(|o| o.identity())
    };
    let mut problems = Vec::new();
    let mut advisories = Vec::new();
    let mut same = 0;
    for c in captures {
        let v = match &c.read {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{}: not usable as evidence: {e}", c.file));
                continue;
            }
        };
        let name = v.signed.name_id_value().unwrap_or_default();
        let Some(&legacy_id) = by_username.get(name) else {
            problems.push(format!("{}: NameID {name:?} is no laddr Username", c.file));
            continue;
        };
        let Some(new) = identity_of(legacy_id) else {
            problems.push(format!(
                "{} ({name}): the new IdP asserted nothing for this user",
                c.file
            ));
            continue;
        };
        let diffs = capture::compare(&v.signed, new);
        for d in diffs.iter().filter(|d| !d.breaking) {
            advisories.push(format!(
                "{} ({name}): {} laddr {:?}, new {:?}",
                c.file, d.field, d.laddr, d.new
            ));
        }
        let breaking: Vec<String> = diffs
            .iter()
            .filter(|d| d.breaking)
            .map(|d| format!("{}: laddr {:?}, new {:?}", d.field, d.laddr, d.new))
            .collect();
        if breaking.is_empty() {
            same += 1;
        } else {
            problems.push(format!("{} ({name}): {}", c.file, breaking.join("; ")));
        }
    }
    let mut ev = verdict(check, problems, captures.len(), "captures");
    ev.headline = format!(
        "{} — {same} of {} identical in NameID, qualifiers, Issuer and email",
        ev.headline,
        captures.len()
    );
    if !advisories.is_empty() {
        ev = listed(
            ev.detail(format!(
                "advisory: {} name or username difference(s)",
                advisories.len()
            )),
            &advisories,
        );
    }
    ev
}

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

/// What a paced run's sample covers, said in the evidence.
fn sample_note(run: &SamlRun) -> Option<String> {
    run.sampled_from.map(|total| {
        format!(
            "a paced run: {} of {total} members asserted through the IdP (awkward usernames first, then an even spread); every member's NameID proved from the data repo",
            run.idp.len()
        )
    })
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

#[cfg(test)]
mod tests {
    use super::super::flow::{Answer, AutoPost};
    use super::super::xml::SamlError;
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
            assertions: vec![a],
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
        let mut r = SamlRun::new(subjects, Err("n/a".into()), idp, vec![], vec![]);
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
        o.response.as_mut().unwrap().assertions[0].confirmation_in_response_to = Some("_q1".into());
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
        assert!(
            !anonymous_launch(&r).failed() && !foreign_acs(&r).failed() && !refused(&r).failed()
        );
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
}
