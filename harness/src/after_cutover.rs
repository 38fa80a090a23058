//! What must hold for ever after the cutover, however members use the new site: the import
//! the cutover was judged on stays in the history; no legacy record is lost, and none has its
//! `legacyId` changed or duplicated; no Slack NameID changes; no member loses their profile.
//! Ordinary edits, GitHub links, email changes and new people are not failures.

use crate::datarepo::{Record, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use std::collections::{BTreeMap, HashMap, HashSet};

const SAMPLES: usize = 10;
/// The sheets whose records carry laddr's ID.
const LEGACY_SHEETS: [&str; 6] = [
    "people",
    "projects",
    "project-updates",
    "project-buzz",
    "tags",
    "blog-posts",
];

fn verdict(check: &str, problems: Vec<String>, what: String) -> Evidence {
    if problems.is_empty() {
        Evidence::new(check, Outcome::Pass, what)
    } else {
        let n = problems.len();
        let mut ev = Evidence::new(
            check,
            Outcome::Fail,
            format!("{n} problem(s): {}", problems[0]),
        );
        ev = ev.details(problems.iter().take(SAMPLES));
        if n > SAMPLES {
            ev = ev.detail(format!("… and {} more", n - SAMPLES));
        }
        ev
    }
}

/// The import commit is known and still in the branch's history.
pub fn import_in_history(import: Option<&str>, in_history: bool, head: &str) -> Evidence {
    let check = "the import the cutover was judged on is still in the data repo's history";
    // Commits are shown short: a whole one reads like a SHA-1 password hash to the redactor.
    let short = |c: &str| c.chars().take(12).collect::<String>();
    let (import, head) = (import.map(short), short(head));
    let import = import.as_deref();
    match import {
        None => Evidence::new(check, Outcome::Fail, "no import commit: none is named ([run] import_commit), none on the branch starts \"import: snapshot\", and legacy-import is not in its history"),
        Some(c) if !in_history => Evidence::new(check, Outcome::Fail, format!("the import {c} is no longer in the history of the branch (its tip is {head}): the history was rewritten after the cutover")),
        Some(c) => Evidence::new(check, Outcome::Pass, format!("the import {c} is in the history of the branch's tip {head}")),
    }
}

fn by_id(r: &Record) -> Option<(&str, Option<i64>)> {
    Some((
        r.fields.get("id")?.as_str()?,
        r.fields.get("legacyId").and_then(|v| v.as_integer()),
    ))
}

/// Every record the import carried from laddr is still there (by its id, wherever its file
/// moved), with the same `legacyId`, and no `legacyId` is held twice.
pub fn legacy_records_kept(import: &Snapshot, head: &Snapshot) -> Evidence {
    let check = "no legacy record is lost, and none has its legacyId changed or duplicated";
    // A record that no longer parses is lost to the stack too: named by file and line.
    let mut problems: Vec<String> = head
        .problems
        .iter()
        .map(|p| format!("unreadable {p}"))
        .collect();
    let mut kept = 0;
    for sheet in LEGACY_SHEETS {
        let now: HashMap<&str, Option<i64>> = head.sheet(sheet).iter().filter_map(by_id).collect();
        for (id, legacy) in import.sheet(sheet).iter().filter_map(by_id) {
            let Some(l) = legacy else { continue };
            match now.get(id) {
                None => problems.push(format!("{sheet}: laddr {l} (record {id}) is gone")),
                Some(Some(n)) if *n == l => kept += 1,
                Some(other) => {
                    problems.push(format!("{sheet}: record {id} was laddr {l}, now {other:?}"))
                }
            }
        }
        let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
        for (_, l) in head.sheet(sheet).iter().filter_map(by_id) {
            if let Some(l) = l {
                *seen.entry(l).or_default() += 1;
            }
        }
        problems.extend(
            seen.into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(l, n)| format!("{sheet}: laddr {l} is held by {n} records")),
        );
    }
    verdict(
        check,
        problems,
        format!("all {kept} records from laddr are still there, each with its legacyId"),
    )
}

/// Each person's Slack NameID is what it was at the import.
pub fn name_ids_kept(import: &Snapshot, head: &Snapshot) -> Evidence {
    let check = "no Slack NameID changes after the cutover";
    let nid = |s: &Snapshot| -> HashMap<String, (String, String)> {
        s.sheet("people")
            .iter()
            .filter_map(|r| {
                let f = |k: &str| r.fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
                Some((
                    f("id")?,
                    (f("slackSamlNameId")?, f("slug").unwrap_or_default()),
                ))
            })
            .collect()
    };
    let (before, after) = (nid(import), nid(head));
    let mut problems = Vec::new();
    for (id, (was, slug)) in &before {
        match after.get(id) {
            Some((now, _)) if now == was => {}
            Some((now, _)) => problems.push(format!(
                "{slug}: NameID {was:?} is now {now:?} — Slack will not know them"
            )),
            None => problems.push(format!("{slug}: NameID {was:?} is gone with the record")),
        }
    }
    verdict(
        check,
        problems,
        format!("{} NameIDs as they were at the import", before.len()),
    )
}

/// Who must have a profile: everyone who had one at the import — or, without a copy of the
/// store as imported, every live twin of a laddr person laddr had an email for.
pub fn profile_holders(
    import: Option<&PrivateStore>,
    legacy: &[crate::reconcile::LegacyPerson],
    head: &Snapshot,
) -> Vec<String> {
    match import {
        Some(store) => store
            .profiles
            .iter()
            .map(|p| p.value.person_id.clone())
            .collect(),
        None => {
            let with_email: HashSet<i64> = legacy
                .iter()
                .filter(|l| l.email.is_some())
                .map(|l| l.id)
                .collect();
            head.sheet("people")
                .iter()
                .filter(|r| !r.fields.contains_key("deletedAt"))
                .filter(|r| {
                    r.fields
                        .get("legacyId")
                        .and_then(|v| v.as_integer())
                        .is_some_and(|l| with_email.contains(&l))
                })
                .filter_map(|r| r.fields.get("id")?.as_str().map(str::to_string))
                .collect()
        }
    }
}

/// Every person who must have a profile ([`profile_holders`]) still has one (its email may
/// have changed).
pub fn profiles_kept(holders: &[String], now: &PrivateStore, head: &Snapshot) -> Evidence {
    let check = "no legacy member loses their profile";
    let have: HashSet<&str> = now
        .profiles
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let slugs: HashMap<&str, &str> = head
        .sheet("people")
        .iter()
        .filter_map(|r| {
            Some((
                r.fields.get("id")?.as_str()?,
                r.fields.get("slug")?.as_str()?,
            ))
        })
        .collect();
    let unreadable = now
        .problems
        .iter()
        .filter(|p| p.path == crate::private::PROFILES)
        .map(|p| format!("unreadable {p}"));
    let problems: Vec<String> = unreadable
        .chain(
            holders
                .iter()
                .map(String::as_str)
                .filter(|id| !have.contains(id))
                .map(|id| {
                    format!(
                        "{}: had a profile at the import, has none now",
                        slugs.get(id).copied().unwrap_or(id)
                    )
                }),
        )
        .collect();
    verdict(
        check,
        problems,
        format!("all {} profiles are still there", holders.len()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datarepo::parse_tree;

    fn snap(files: &[(&str, &str)]) -> Snapshot {
        let mut all = vec![(
            ".gitsheets/people.toml".to_string(),
            b"[gitsheet]\nroot = 'people'\npath = '${{ slug }}'\n".to_vec(),
        )];
        all.extend(
            files
                .iter()
                .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())),
        );
        parse_tree("c".into(), all)
    }

    #[test]
    fn ordinary_edits_pass_and_what_must_hold_is_named() {
        let import = snap(&[
            (
                "people/ann.toml",
                "id = 'a'\nlegacyId = 1\nslug = 'ann'\nslackSamlNameId = 'Ann'\n",
            ),
            (
                "people/bob.toml",
                "id = 'b'\nlegacyId = 2\nslug = 'bob'\nslackSamlNameId = 'bob'\n",
            ),
        ]);
        // Ann renamed and linked, a new person: ordinary.
        let week = snap(&[("people/ann-k.toml", "id = 'a'\nlegacyId = 1\nslug = 'ann-k'\nslackSamlNameId = 'Ann'\ngithubUserId = 9\n"), ("people/bob.toml", "id = 'b'\nlegacyId = 2\nslug = 'bob'\nslackSamlNameId = 'bob'\n"), ("people/new.toml", "id = 'n'\nslug = 'new'\n")]);
        assert!(!legacy_records_kept(&import, &week).failed());
        assert!(!name_ids_kept(&import, &week).failed());
        let broken = snap(&[
            (
                "people/ann.toml",
                "id = 'a'\nlegacyId = 1\nslug = 'ann'\nslackSamlNameId = 'ann'\n",
            ),
            (
                "people/bob2.toml",
                "id = 'c'\nlegacyId = 1\nslug = 'bob2'\n",
            ),
        ]);
        let ev = legacy_records_kept(&import, &broken);
        assert!(
            ev.render().contains("laddr 2 (record b) is gone")
                && ev.render().contains("laddr 1 is held by 2 records"),
            "{}",
            ev.render()
        );
        assert!(name_ids_kept(&import, &broken)
            .render()
            .contains("NameID \"Ann\" is now \"ann\""));
        assert!(import_in_history(Some("abc"), false, "def").failed());
        assert!(import_in_history(None, true, "def").failed());
        assert!(!import_in_history(Some("abc"), true, "def").failed());
    }

    #[test]
    fn a_member_whose_profile_is_gone_fails() {
        let head = snap(&[
            ("people/ann.toml", "id = 'a'\nlegacyId = 1\nslug = 'ann'\n"),
            ("people/bob.toml", "id = 'b'\nlegacyId = 2\nslug = 'bob'\n"),
        ]);
        let store = |ids: &[&str]| {
            let text: Vec<String> = ids
                .iter()
                .map(|id| format!(r#"{{"personId":"{id}","email":"{id}@example.org"}}"#))
                .collect();
            let mut problems = Vec::new();
            let profiles = crate::private::parse_jsonl(
                &text.join("\n"),
                crate::private::PROFILES,
                &mut problems,
            );
            PrivateStore {
                profiles,
                passwords: Vec::new(),
                problems,
            }
        };
        let holders = profile_holders(Some(&store(&["a", "b"])), &[], &head);
        assert!(!profiles_kept(&holders, &store(&["a", "b", "n"]), &head).failed());
        let ev = profiles_kept(&holders, &store(&["a"]), &head);
        assert!(ev.failed());
        assert!(
            ev.render()
                .contains("bob: had a profile at the import, has none now"),
            "{}",
            ev.render()
        );
    }
}
