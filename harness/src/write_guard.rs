//! Writes stay inside their allow-list: the people records and private-store lines as they
//! were before the first scenario, compared with the end of the run. With test accounts
//! named, anything that changed for a person who is neither one of them nor someone the run
//! created is a run problem, naming the person.

use crate::datarepo::{DataRepo, Snapshot};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

/// The private-store files whose lines belong to a person, and the field that says whose.
const OWNED: [(&str, &str); 4] = [
    ("profiles.jsonl", "personId"),
    ("legacy-passwords.jsonl", "personId"),
    ("password-tokens.jsonl", "personId"),
    ("account-claim-requests.jsonl", "claimedPersonId"),
];

/// Who holds what, at one moment: each person's record and private lines, compared by what
/// they say (a store that rewrites a file with its keys in another order changes nothing).
/// Only whether they changed is judged, so each is kept as its SHA-256: the texts of 31,000
/// people were held for the whole run.
#[derive(Debug, Default, Clone)]
pub struct Holdings {
    records: HashMap<String, Digest>,
    lines: HashMap<String, BTreeSet<Digest>>,
    slugs: HashMap<String, (String, Option<i64>)>,
}

type Digest = [u8; 32];

fn digest(text: &str) -> Digest {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// A JSON line in a canonical form: keys sorted, null fields dropped.
fn canonical(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let kept: std::collections::BTreeMap<&String, String> = m
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, canonical(v)))
                .collect();
            format!("{kept:?}")
        }
        other => other.to_string(),
    }
}

impl Holdings {
    pub fn of(snap: &Snapshot, private_store: &Path) -> Self {
        let mut h = Holdings::default();
        for r in snap.sheet("people") {
            let Some(id) = r.fields.get("id").and_then(|v| v.as_str()) else {
                continue;
            };
            h.records.insert(
                id.to_string(),
                digest(&toml::to_string(&r.fields).unwrap_or_default()),
            );
            let slug = r
                .fields
                .get("slug")
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string();
            h.slugs.insert(
                id.to_string(),
                (slug, r.fields.get("legacyId").and_then(|v| v.as_integer())),
            );
        }
        for (file, field) in OWNED {
            let text = std::fs::read_to_string(private_store.join(file)).unwrap_or_default();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v = serde_json::from_str::<serde_json::Value>(line).ok();
                let owner = v
                    .as_ref()
                    .and_then(|v| v[field].as_str().map(str::to_string))
                    .unwrap_or_else(|| "(unreadable)".into());
                let said = v.as_ref().map_or_else(|| line.to_string(), canonical);
                h.lines
                    .entry(owner)
                    .or_default()
                    .insert(digest(&format!("{file}: {said}")));
            }
        }
        h
    }

    /// Read the data repo afresh (its branch now) and the private store.
    pub fn now(repo: &DataRepo, private_store: &Path) -> Result<Self, crate::Error> {
        let fresh = DataRepo::open(&repo.path.display().to_string(), &repo.branch)?;
        Ok(Holdings::of(&*fresh.snapshot()?, private_store))
    }

    fn label(&self, id: &str, other: &Holdings) -> String {
        match self.slugs.get(id).or_else(|| other.slugs.get(id)) {
            Some((slug, Some(l))) => format!("legacy {l} ({slug})"),
            Some((slug, None)) => slug.clone(),
            None => id.to_string(),
        }
    }
}

/// The people whose holdings changed between `before` and `after`, other than `allowed` and
/// people who did not exist before (the run created them).
pub fn outside(before: &Holdings, after: &Holdings, allowed: &HashSet<String>) -> Vec<String> {
    let ids: BTreeSet<&String> = before
        .records
        .keys()
        .chain(before.lines.keys())
        .chain(after.lines.keys())
        .collect();
    ids.into_iter()
        .filter(|id| !allowed.contains(*id) && before.records.contains_key(*id))
        .filter(|id| {
            before.records.get(*id) != after.records.get(*id)
                || before.lines.get(*id) != after.lines.get(*id)
        })
        .map(|id| before.label(id, after))
        .collect()
}

/// The person ids of the test accounts (laddr IDs).
pub fn person_ids(snap: &Snapshot, laddr_ids: &HashSet<i64>) -> HashSet<String> {
    snap.sheet("people")
        .iter()
        .filter(|r| {
            r.fields
                .get("legacyId")
                .and_then(|v| v.as_integer())
                .is_some_and(|l| laddr_ids.contains(&l))
        })
        .filter_map(|r| r.fields.get("id")?.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holdings(records: &[(&str, &str)], lines: &[(&str, &str)]) -> Holdings {
        let mut h = Holdings::default();
        for (id, r) in records {
            h.records.insert(id.to_string(), digest(r));
            h.slugs
                .insert(id.to_string(), (format!("slug-{id}"), Some(7)));
        }
        for (id, l) in lines {
            h.lines.entry(id.to_string()).or_default().insert(digest(l));
        }
        h
    }

    #[test]
    fn only_changes_outside_the_allow_list_and_the_run_s_own_people_count() {
        let before = holdings(
            &[("a", "1"), ("b", "1"), ("c", "1")],
            &[("a", "x"), ("b", "y")],
        );
        let after = holdings(
            &[("a", "2"), ("b", "1"), ("c", "1"), ("new", "1")],
            &[("a", "x2"), ("b", "y2"), ("new", "z")],
        );
        let allowed = HashSet::from(["a".to_string()]);
        assert_eq!(
            outside(&before, &after, &allowed),
            vec!["legacy 7 (slug-b)".to_string()]
        );
        assert!(outside(&before, &before, &HashSet::new()).is_empty());
    }
}
