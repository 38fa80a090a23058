//! Comparing field by field: every difference counted per field with samples naming legacy
//! ids and paths, the first differing record shown as a JSON diff, and optional fields that
//! appear from nowhere caught.

use super::actual::{actual_fields, new_by_key};
use super::SAMPLES;
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::preflight::{legacy_ids, Entity};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn shorten(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Compare every mapped field of `entity`.
pub fn compare_fields(
    entity: Entity,
    expected: &BTreeMap<String, Map<String, Value>>,
    snap: &Snapshot,
) -> Evidence {
    let (people, projects) = (legacy_ids(snap, "people"), legacy_ids(snap, "projects"));
    let actual = new_by_key(snap, entity);
    let mut per_field: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut first_diff: Option<String> = None;
    let (mut compared, mut advisory_urls) = (0usize, 0usize);
    for (key, exp) in expected {
        let Some(candidates) = actual.get(key) else {
            continue;
        }; // coverage reports missing records
        compared += 1;
        advisory_urls += exp
            .get("~droppedHttpUrls")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        // With duplicates (which coverage reports), the twin is the closest candidate.
        let (rec, act, diffs) = candidates
            .iter()
            .map(|rec| {
                let act = actual_fields(entity, rec, &people, &projects);
                let diffs = diff_record(entity, exp, &act);
                (rec, act, diffs)
            })
            .min_by_key(|(_, _, d)| d.len())
            .expect("a key has at least one record");
        let label = format!("legacy {key} ({})", rec.path);
        for (field, want, got) in &diffs {
            let e = per_field.entry(field.clone()).or_default();
            e.0 += 1;
            if e.1.len() < SAMPLES {
                let want = want
                    .as_ref()
                    .map(shorten)
                    .unwrap_or_else(|| "no value".into());
                e.1.push(format!(
                    "{label}: {field} expected {want} got {}",
                    shorten(got)
                ));
            }
        }
        if first_diff.is_none() && !diffs.is_empty() {
            first_diff = json_diff(exp, &act, &label);
        }
    }
    evidence(entity, compared, &per_field, first_diff, advisory_urls)
}

/// The first differing record as a JSON diff of the compared fields, when there is one.
fn json_diff(exp: &Map<String, Value>, act: &Map<String, Value>, label: &str) -> Option<String> {
    let exp_cmp: Map<String, Value> = exp
        .iter()
        .filter(|(k, _)| !k.starts_with('~'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let subset: Map<String, Value> = act
        .iter()
        .filter(|(k, _)| exp_cmp.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let cfg = assert_json_diff::Config::new(assert_json_diff::CompareMode::Strict);
    assert_json_diff::assert_json_matches_no_panic(
        &Value::Object(subset),
        &Value::Object(exp_cmp),
        cfg,
    )
    .err()
    .map(|diff| format!("first differing record, {label}:\n{diff}"))
}

/// The verdict on one entity: pass when no field differs, with counts per field, samples,
/// the first differing record and the advisory on dropped http URLs.
fn evidence(
    entity: Entity,
    compared: usize,
    per_field: &BTreeMap<String, (usize, Vec<String>)>,
    first_diff: Option<String>,
    advisory_urls: usize,
) -> Evidence {
    let total: usize = per_field.values().map(|(n, _)| n).sum();
    let what = entity.label();
    let mut ev = Evidence::new(
        format!("every mapped field of {what} carries laddr's value"),
        if total == 0 { Outcome::Pass } else { Outcome::Fail },
        format!(
            "{what}: {compared} records compared, {total} field difference(s){}",
            per_field.iter().map(|(f, (n, _))| format!(" {f}={n}")).collect::<String>()
        ),
    )
    .observed(json!({"compared": compared, "differences": per_field.iter().map(|(f, (n, _))| (f.clone(), json!(n))).collect::<Map<_, _>>()}));
    for (_, samples) in per_field.values() {
        ev = ev.details(samples);
    }
    if let Some(d) = first_diff {
        ev = ev.detail(d);
    }
    if advisory_urls > 0 {
        ev = ev.detail(format!("advisory: {advisory_urls} http project URL(s) dropped by the mapping (https only); ask the projects to update them"));
    }
    ev
}

/// (field, expected — None for "no value", actual) for every mapped field that differs.
fn diff_record(
    entity: Entity,
    exp: &Map<String, Value>,
    act: &Map<String, Value>,
) -> Vec<(String, Option<Value>, Value)> {
    let mut out = Vec::new();
    for (field, want) in exp.iter().filter(|(k, _)| !k.starts_with('~')) {
        let got = act.get(field).cloned().unwrap_or(Value::Null);
        if &got != want {
            out.push((field.clone(), Some(want.clone()), got));
        }
    }
    // Optional fields laddr has no value for must not appear from nowhere.
    for field in optional_fields(entity) {
        if !exp.contains_key(*field) {
            if let Some(got) = act.get(*field) {
                out.push((field.to_string(), None, got.clone()));
            }
        }
    }
    out
}

fn optional_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::People => &["firstName", "lastName", "bio"],
        Entity::Projects => &[
            "usersUrl",
            "developersUrl",
            "chatChannel",
            "overview",
            "maintainer",
        ],
        Entity::Memberships => &["role"],
        Entity::Updates => &["author"],
        Entity::Buzz => &["summary"],
        Entity::BlogPosts => &["summary", "author"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datarepo::parse_tree;

    fn snap(person: &str) -> Snapshot {
        parse_tree(
            "c".into(),
            vec![
                (
                    ".gitsheets/people.toml".into(),
                    b"[gitsheet]\nroot='people'\npath='${{ slug }}'\n".to_vec(),
                ),
                ("people/ann.toml".into(), person.as_bytes().to_vec()),
            ],
        )
    }

    fn expected() -> BTreeMap<String, Map<String, Value>> {
        let e = json!({"slug": "ann", "fullName": "Ann Lee", "accountLevel": "user", "createdAt": 1_600_000_000});
        BTreeMap::from([("7".to_string(), e.as_object().unwrap().clone())])
    }

    #[test]
    fn equal_records_pass_with_times_compared_as_instants() {
        let s = snap("id='u'\nlegacyId=7\nslug='ann'\nfullName='Ann Lee'\naccountLevel='user'\ncreatedAt='2020-09-13T08:26:40-04:00'\n");
        let ev = compare_fields(Entity::People, &expected(), &s);
        assert!(!ev.failed(), "{}", ev.render());
    }

    #[test]
    fn each_differing_field_is_counted_and_shown_as_a_json_diff() {
        let s = snap("id='u'\nlegacyId=7\nslug='ann'\nfullName='ann lee'\naccountLevel='staff'\ncreatedAt='2020-09-13T12:26:41Z'\nbio='new'\n");
        let ev = compare_fields(Entity::People, &expected(), &s);
        assert!(ev.failed());
        let text = ev.render();
        for f in ["accountLevel=1", "fullName=1", "createdAt=1", "bio=1"] {
            assert!(ev.headline.contains(f), "{f}: {text}");
        }
        assert!(
            text.contains(
                "legacy 7 (people/ann.toml): accountLevel expected \"user\" got \"staff\""
            ),
            "{text}"
        );
        assert!(text.contains("json atoms at path"), "{text}");
    }
}
