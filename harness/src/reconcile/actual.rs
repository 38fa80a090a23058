//! The new stack's side: its records found by the key laddr's side uses, and reduced to the
//! compared fields (references as laddr ids, times as instants).

use crate::datarepo::{Record, Snapshot};
use crate::preflight::{legacy_ids, membership_key, Entity};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

/// Fields holding times: compared as instants, whatever the zone or format.
const TIME_FIELDS: [&str; 4] = ["createdAt", "joinedAt", "publishedAt", "postedAt"];

/// A new-stack record reduced to the compared fields: references become laddr ids, times
/// become epoch seconds.
pub(super) fn actual_fields(
    entity: Entity,
    r: &Record,
    people: &HashMap<String, i64>,
    projects: &HashMap<String, i64>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in &r.fields {
        let value = serde_json::to_value(v).unwrap_or(Value::Null);
        let resolve = |m: &HashMap<String, i64>| {
            v.as_str()
                .and_then(|id| m.get(id))
                .map(|n| Value::from(*n))
                .unwrap_or(Value::from(format!("unresolved {}", v)))
        };
        match k.as_str() {
            "maintainerId" | "authorId" => {
                out.insert(
                    if k == "maintainerId" {
                        "maintainer"
                    } else {
                        "author"
                    }
                    .into(),
                    resolve(people),
                );
            }
            "projectId" if matches!(entity, Entity::Updates | Entity::Buzz) => {
                out.insert("project".into(), resolve(projects));
            }
            k if TIME_FIELDS.contains(&k) => {
                let t = v.as_str().and_then(|s| {
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()
                });
                out.insert(
                    k.into(),
                    t.map(|t| Value::from(t.unix_timestamp())).unwrap_or(value),
                );
            }
            _ => {
                out.insert(k.clone(), value);
            }
        }
    }
    out
}

/// New-stack records of an entity by the key laddr's side uses (several when duplicated).
pub(super) fn new_by_key(snap: &Snapshot, entity: Entity) -> BTreeMap<String, Vec<&Record>> {
    let mut out: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    if entity == Entity::Memberships {
        let (projects, people) = (legacy_ids(snap, "projects"), legacy_ids(snap, "people"));
        for r in snap.sheet(entity.sheet()) {
            let p = r
                .fields
                .get("projectId")
                .and_then(|v| v.as_str())
                .and_then(|id| projects.get(id));
            let u = r
                .fields
                .get("personId")
                .and_then(|v| v.as_str())
                .and_then(|id| people.get(id));
            if let (Some(p), Some(u)) = (p, u) {
                out.entry(membership_key(*p, *u)).or_default().push(r);
            }
        }
    } else {
        for r in snap.sheet(entity.sheet()) {
            if let Some(id) = r.fields.get("legacyId").and_then(|v| v.as_integer()) {
                out.entry(id.to_string()).or_default().push(r);
            }
        }
    }
    out
}
