//! The point of no return: the first record a member created on the new side after the
//! import. Until then a rollback (DNS back to laddr, laddr's writes re-enabled) loses
//! nothing; after it, what was created must be replayed into laddr or given up, and the
//! evidence lists it. Read from the data repo's commits since the import, and from the
//! private store's lines that its copy as imported does not have.

use crate::evidence::{Evidence, Outcome};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

/// One commit after the import, with what it did to the records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commit {
    pub sha: String,
    pub time: String,
    pub subject: String,
    pub added: Vec<String>,
    pub changed: usize,
    pub deleted: usize,
}

/// Read [`crate::datarepo::DataRepo::log_since`]'s text.
pub fn parse_log(text: &str) -> Vec<Commit> {
    text.split('\u{1e}')
        .filter(|c| !c.trim().is_empty())
        .filter_map(|chunk| {
            let mut lines = chunk.lines();
            let mut head = lines.next()?.split('\u{1f}');
            let (sha, time, subject) = (head.next()?, head.next()?, head.next().unwrap_or(""));
            let mut c = Commit {
                sha: sha.to_string(),
                time: time.to_string(),
                subject: subject.to_string(),
                added: Vec::new(),
                changed: 0,
                deleted: 0,
            };
            for line in lines.filter(|l| !l.trim().is_empty()) {
                match line.split_once('\t') {
                    // Sheet configs are the schema, not a member's record.
                    Some((_, path)) if path.starts_with(".gitsheets/") => {}
                    Some(("A", path)) => c.added.push(path.to_string()),
                    Some(("D", _)) => c.deleted += 1,
                    Some(_) => c.changed += 1,
                    None => {}
                }
            }
            Some(c)
        })
        .collect()
}

/// Private-store files a rollback has nothing to replay from: sessions and reset tokens die
/// with the new side, and a credential rehashed at sign-in still has laddr's original.
pub const NOT_RECORDS: [&str; 3] = [
    "session-metadata.json",
    "password-tokens.jsonl",
    "legacy-passwords.jsonl",
];

/// Lines of each private-store file that the copy as imported does not have, by file name
/// (files in [`NOT_RECORDS`] left out).
pub fn store_lines_since(live: &Path, imported: &Path) -> std::io::Result<Vec<(String, usize)>> {
    let mut out = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(live)?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !NOT_RECORDS.contains(&n.as_str()))
        .collect();
    names.sort();
    for name in names {
        let now = std::fs::read_to_string(live.join(&name))?;
        let then = std::fs::read_to_string(imported.join(&name)).unwrap_or_default();
        let known: HashSet<&str> = then.lines().collect();
        let new = now
            .lines()
            .filter(|l| !l.trim().is_empty() && !known.contains(l))
            .count();
        if new > 0 {
            out.push((name, new));
        }
    }
    Ok(out)
}

/// Whether the point of no return has passed, and what a rollback would have to replay.
/// `store`: the private store's new lines, when a copy as imported was given.
pub fn judge(import: &str, commits: &[Commit], store: Option<&[(String, usize)]>) -> Evidence {
    let check = "the point of no return: nothing created on the new side since the import";
    let short = &import[..12.min(import.len())];
    let first = commits
        .iter()
        .find(|c| !c.added.is_empty() || c.changed > 0 || c.deleted > 0);
    let store_new: usize = store.map_or(0, |s| s.iter().map(|(_, n)| n).sum());
    let store_line = match store {
        None => "private store: no copy as imported was given, so its changes are not listed (hint: [run] import_private_store)".to_string(),
        Some([]) => "private store: nothing new since the import".to_string(),
        Some(files) => format!(
            "private store: {}",
            files
                .iter()
                .map(|(f, n)| format!("{f} +{n} line(s)"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if first.is_none() && store_new == 0 {
        return Evidence::new(
            check,
            Outcome::Pass,
            format!("not passed: no commit changes a record since the import {short}; a rollback loses nothing"),
        )
        .detail(store_line);
    }
    passed(check, short, commits, store_line, store_new, first)
}

fn passed(
    check: &str,
    short: &str,
    commits: &[Commit],
    store_line: String,
    store_new: usize,
    first: Option<&Commit>,
) -> Evidence {
    let added: usize = commits.iter().map(|c| c.added.len()).sum();
    let changed: usize = commits.iter().map(|c| c.changed).sum();
    let when = first.map_or_else(
        || "in the private store".to_string(),
        |c| {
            format!(
                "at {} ({} {:?})",
                c.time,
                &c.sha[..12.min(c.sha.len())],
                c.subject
            )
        },
    );
    let mut ev = Evidence::new(
        check,
        Outcome::Advisory,
        format!(
            "passed {when}: {} commit(s) since the import {short} add {added} and change {changed} record file(s), {store_new} new private-store line(s); a rollback must replay these into laddr or give them up",
            commits.len()
        ),
    )
    .observed(serde_json::json!({
        "commits": commits.len(), "added": added, "changed": changed, "privateStoreLines": store_new,
    }))
    .detail(store_line);
    for c in commits.iter().take(20) {
        ev = ev.detail(format!(
            "{} {} {:?}: {}",
            &c.sha[..12.min(c.sha.len())],
            c.time,
            c.subject,
            if c.added.is_empty() {
                format!("{} changed, {} deleted", c.changed, c.deleted)
            } else {
                format!("adds {}", c.added.join(", "))
            }
        ));
    }
    ev
}

/// Read the data repo and the private store and judge: the import commit (named, or found
/// as the latest `import: snapshot`), the live store and its copy as imported, if given.
pub fn report(
    repo: &crate::datarepo::DataRepo,
    import: Option<&str>,
    live_store: Option<&Path>,
    imported_store: Option<&Path>,
) -> Evidence {
    let check = "the point of no return: nothing created on the new side since the import";
    let import = match import {
        Some(c) => c.to_string(),
        None => return Evidence::could_not(check, "the data repo shows no import commit (hint: [run] import_commit, or an `import: snapshot` commit on the branch)"),
    };
    let commits = match repo.log_since(&import) {
        Ok(text) => parse_log(&text),
        Err(e) => return Evidence::could_not(check, e),
    };
    let store = match (live_store, imported_store) {
        (Some(live), Some(then)) => match store_lines_since(live, then) {
            Ok(s) => Some(s),
            Err(e) => return Evidence::could_not(check, format!("private store: {e}")),
        },
        _ => None,
    };
    judge(&import, &commits, store.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\u{1e}aaaaaaaaaaaaaaaa\u{1f}2026-12-01T12:00:00+00:00\u{1f}people: link github\n\nM\tpeople/ann.toml\n\u{1e}bbbbbbbbbbbbbbbb\u{1f}2026-12-01T12:05:00+00:00\u{1f}projects: create\n\nA\tprojects/new-thing.toml\nM\tpeople/bob.toml\n";

    #[test]
    fn the_log_is_read_commit_by_commit_with_what_each_did() {
        let c = parse_log(LOG);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].subject, "people: link github");
        assert_eq!((c[0].added.len(), c[0].changed), (0, 1));
        assert_eq!(c[1].added, vec!["projects/new-thing.toml"]);
        assert!(parse_log("").is_empty());
    }

    #[test]
    fn nothing_since_the_import_has_not_passed_it() {
        let ev = judge("0123456789abcdef", &[], Some(&[]));
        assert_eq!(ev.outcome, Outcome::Pass);
        assert!(ev.headline.starts_with("not passed"), "{}", ev.headline);
    }

    #[test]
    fn the_first_change_is_the_point_of_no_return_and_everything_is_listed() {
        let commits = parse_log(LOG);
        let store = vec![("account-claim-requests.jsonl".to_string(), 2)];
        let ev = judge("0123456789abcdef", &commits, Some(&store));
        assert_eq!(ev.outcome, Outcome::Advisory);
        assert!(
            ev.headline.contains("passed at 2026-12-01T12:00:00+00:00")
                && ev.headline.contains("add 1 and change 2")
                && ev.headline.contains("2 new private-store line(s)"),
            "{}",
            ev.headline
        );
        assert!(ev
            .details
            .iter()
            .any(|d| d.contains("adds projects/new-thing.toml")));
    }

    #[test]
    fn new_private_lines_alone_pass_it_and_no_copy_is_said() {
        let store = vec![("legacy-passwords.jsonl".to_string(), 1)];
        let ev = judge("0123456789abcdef", &[], Some(&store));
        assert!(
            ev.headline.starts_with("passed in the private store"),
            "{}",
            ev.headline
        );
        let ev = judge("0123456789abcdef", &[], None);
        assert!(
            ev.details[0].contains("no copy as imported"),
            "{:?}",
            ev.details
        );
    }

    #[test]
    fn store_lines_are_counted_against_the_copy() {
        let (live, then) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        std::fs::write(live.path().join("a.jsonl"), "{\"x\":1}\n{\"x\":2}\n").unwrap();
        std::fs::write(then.path().join("a.jsonl"), "{\"x\":1}\n").unwrap();
        std::fs::write(live.path().join("b.jsonl"), "{}\n").unwrap();
        std::fs::write(live.path().join("session-metadata.json"), "{}\n").unwrap();
        let got = store_lines_since(live.path(), then.path()).unwrap();
        assert_eq!(got, vec![("a.jsonl".into(), 1), ("b.jsonl".into(), 1)]);
    }
}
