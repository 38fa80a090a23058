//! Trust: the metadata Slack would load, the signature against the certificate Slack
//! trusts, and that the signed element is the one read (no wrapping).

use super::{documents, verdict, who};
use crate::evidence::{Evidence, Outcome};
use crate::saml::flow::{self, SamlRun};
use crate::saml::{xml, SamlSetup};
use std::collections::BTreeMap;

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
    let published = published_fingerprints(md);
    let problems = metadata_problems(setup, md, &published);
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

/// The fingerprints of the signing certificates the metadata publishes.
fn published_fingerprints(md: &xml::Metadata) -> Vec<String> {
    md.signing_certificates
        .iter()
        .map(|c| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, c)
                .map(|d| crate::saml::verify::fingerprint(&d))
                .unwrap_or_else(|_| "unreadable".into())
        })
        .collect()
}

/// What in the metadata differs from what Slack is configured with.
fn metadata_problems(setup: &SamlSetup, md: &xml::Metadata, published: &[String]) -> Vec<String> {
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
    if expected
        .as_ref()
        .is_none_or(|e| !md.signing_certificates.contains(e))
    {
        problems.push(format!(
            "the signing certificate is not the one Slack trusts ({}): metadata has {}",
            setup
                .trusted_cert
                .as_deref()
                .map(crate::saml::verify::fingerprint)
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
    problems
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
                *algorithms.entry(m.to_string()).or_default() += 1;
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
