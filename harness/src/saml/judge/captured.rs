//! Captured laddr assertions compared field by field with what the new IdP asserts for
//! the same user.

use super::{listed, verdict};
use crate::evidence::{Evidence, Outcome};
use crate::saml::capture::{self, Capture};
use crate::saml::flow::SamlRun;
use std::collections::HashMap;

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
