//! The stack's `import-laddr-credentials`, judged: fed the `Username,Email,Password` CSV the
//! runbook extracts from laddr's `people` table, its output equals, row by row, what the
//! contract's rules give (join `lower(Username)` to a person slug; skip no username, no
//! email, no person, a deleted person, a duplicate, an invalid email); every skip is
//! explained person by person; and re-running it over credentials people have used since is
//! reported as the data loss it is.

use super::scratch::Frozen;
use super::{run, Tool, ToolRun, ToolSetup};
use crate::datarepo::{DataRepo, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::legacy::LegacyDb;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const SAMPLES: usize = 10;

crate::legacy_row! {
    /// One row of the runbook's extract (the laddr ID kept beside it, never written).
    #[derive(Debug, Clone)]
    pub struct CsvRow {
        pub id: i64,
        pub username: Option<String>,
        pub email: Option<String>,
        pub password: Option<String>,
    }
}

/// The extract, as the runbook takes it: every row of `people`.
pub async fn extract(db: &LegacyDb) -> Result<Vec<CsvRow>, crate::Error> {
    let rows = sqlx::query(
        "SELECT CAST(ID AS SIGNED) AS id, Username AS username, Email AS email, Password AS password \
         FROM people ORDER BY ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| crate::Error::LegacyDatabase {
        url: db.display.clone(),
        message: format!("extracting credentials: {e}"),
    })?;
    db.decode("people", &rows)
}

/// Write the extract as the CSV the tool reads, owner-only (it holds every hash).
pub fn write_csv(rows: &[CsvRow], path: &Path) -> Result<(), crate::Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let shown = || path.display().to_string();
    let csv_err = |source| crate::Error::Csv {
        context: shown(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| crate::Error::io(shown(), e))?;
    let mut w = csv::Writer::from_writer(file);
    w.write_record(["Username", "Email", "Password"])
        .map_err(csv_err)?;
    for r in rows {
        let f = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([f(&r.username), f(&r.email), f(&r.password)])
            .map_err(csv_err)?;
    }
    w.flush().map_err(|e| crate::Error::io(shown(), e))
}

/// Why the contract's import leaves a row out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    NoUsername,
    NoEmail,
    NoPersonMatch,
    DeletedPerson,
    DuplicatePersonId,
    InvalidEmail,
}

impl Skip {
    /// The tool's counter name.
    pub fn counter(self) -> &'static str {
        match self {
            Skip::NoUsername => "skippedNoUsername",
            Skip::NoEmail => "skippedNoEmail",
            Skip::NoPersonMatch => "skippedNoPersonMatch",
            Skip::DeletedPerson => "skippedDeletedPerson",
            Skip::DuplicatePersonId => "skippedDuplicatePersonId",
            Skip::InvalidEmail => "skippedInvalidEmail",
        }
    }
}

/// What the contract's import writes for an extract: profiles (person → email) and
/// credentials (person → hash), and each skipped row with its reason.
#[derive(Debug, Default)]
pub struct Expected {
    pub profiles: BTreeMap<String, String>,
    pub credentials: BTreeMap<String, String>,
    pub skipped: Vec<(CsvRow, Skip)>,
}

fn valid_email(e: &str) -> bool {
    let mut parts = e.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(l), Some(d), None) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !e.contains(char::is_whitespace))
}

pub fn expected(rows: &[CsvRow], snap: &Snapshot) -> Expected {
    expected_with(rows, snap, str::to_lowercase)
}

/// As [`expected`], with another join key than `lower(Username)` (a defective importer's).
pub fn expected_with(
    rows: &[CsvRow],
    snap: &Snapshot,
    join_key: impl Fn(&str) -> String,
) -> Expected {
    let by_slug: HashMap<&str, (&str, bool)> = snap
        .sheet("people")
        .iter()
        .filter_map(|r| {
            Some((
                r.fields.get("slug")?.as_str()?,
                (
                    r.fields.get("id")?.as_str()?,
                    r.fields.contains_key("deletedAt"),
                ),
            ))
        })
        .collect();
    let mut out = Expected::default();
    for r in rows {
        let (user, email) = (
            r.username.as_deref().map(str::trim).unwrap_or(""),
            r.email.as_deref().map(str::trim).unwrap_or(""),
        );
        let skip = if user.is_empty() {
            Some(Skip::NoUsername)
        } else if email.is_empty() {
            Some(Skip::NoEmail)
        } else {
            match by_slug.get(join_key(user).as_str()) {
                None => Some(Skip::NoPersonMatch),
                Some((_, true)) => Some(Skip::DeletedPerson),
                Some((id, _)) if out.profiles.contains_key(*id) => Some(Skip::DuplicatePersonId),
                Some(_) if !valid_email(email) => Some(Skip::InvalidEmail),
                Some((id, _)) => {
                    out.profiles.insert(id.to_string(), email.to_lowercase());
                    if let Some(p) = r.password.as_deref().filter(|p| !p.is_empty()) {
                        out.credentials.insert(id.to_string(), p.to_string());
                    }
                    None
                }
            }
        };
        if let Some(s) = skip {
            out.skipped.push((r.clone(), s));
        }
    }
    out
}

fn read_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The tool's output against the expectation, row by row.
fn compare(want: &Expected, out: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let profiles = read_lines(&out.join(crate::private::PROFILES));
    let creds = read_lines(&out.join(crate::private::PASSWORDS));
    let got_p: BTreeMap<String, &serde_json::Value> = profiles
        .iter()
        .filter_map(|v| Some((v["personId"].as_str()?.to_string(), v)))
        .collect();
    let got_c: BTreeMap<String, &serde_json::Value> = creds
        .iter()
        .filter_map(|v| Some((v["personId"].as_str()?.to_string(), v)))
        .collect();
    for (id, email) in &want.profiles {
        match got_p.get(id) {
            None => problems.push(format!("{id}: no profile written")),
            Some(v) if v["email"].as_str() != Some(email.as_str()) => problems.push(format!(
                "{id}: profile email differs from laddr's (lower-cased)"
            )),
            Some(v) if !v["newsletter"].is_null() => {
                problems.push(format!("{id}: newsletter is not null"))
            }
            Some(_) => {}
        }
    }
    for (id, hash) in &want.credentials {
        match got_c.get(id) {
            None => problems.push(format!("{id}: no credential written")),
            Some(v) if v["passwordHash"].as_str() != Some(hash.as_str()) => {
                problems.push(format!("{id}: the hash is not laddr's, verbatim"))
            }
            Some(v) if !v["lastUsedAt"].is_null() => {
                problems.push(format!("{id}: lastUsedAt is set on import"))
            }
            Some(_) => {}
        }
    }
    problems.extend(
        got_p
            .keys()
            .filter(|id| !want.profiles.contains_key(*id))
            .map(|id| format!("{id}: a profile the rules do not give")),
    );
    problems.extend(
        got_c
            .keys()
            .filter(|id| !want.credentials.contains_key(*id))
            .map(|id| format!("{id}: a credential the rules do not give")),
    );
    if profiles.len() != got_p.len() || creds.len() != got_c.len() {
        problems.push("a person appears on two lines".into());
    }
    problems
}

/// `skippedX: N` counters the tool printed (its report is text).
fn printed_counters(text: &str) -> BTreeMap<String, usize> {
    let re = regex::Regex::new(r"(skipped[A-Za-z]+)\W+(\d+)").expect("pattern compiles");
    re.captures_iter(text)
        .filter_map(|c| Some((c[1].to_string(), c[2].parse().ok()?)))
        .collect()
}

/// Each skip said person by person; a skip that loses someone the new stack has (their
/// username does not lower-case to their slug) is a continuity loss, counted for staff.
fn explain(want: &Expected, snap: &Snapshot) -> (Vec<String>, usize) {
    let twins: HashMap<i64, &str> = snap
        .sheet("people")
        .iter()
        .filter_map(|r| {
            Some((
                r.fields.get("legacyId")?.as_integer()?,
                r.fields.get("slug")?.as_str()?,
            ))
        })
        .collect();
    let mut lost = 0;
    let lines = want
        .skipped
        .iter()
        .map(|(r, s)| {
            let who = format!("laddr {} ({})", r.id, r.username.as_deref().unwrap_or("no username"));
            match (s, twins.get(&r.id)) {
                (Skip::NoPersonMatch, Some(slug)) => {
                    lost += 1;
                    format!("{who}: no person with slug {:?}, but they are {slug} in the new stack: the join loses their email and password", r.username.as_deref().unwrap_or("").to_lowercase())
                }
                _ => format!("{who}: {}", s.counter()),
            }
        })
        .collect();
    (lines, lost)
}

/// The import from the runbook's extract into a scratch directory, judged row by row.
pub async fn import(
    setup: &ToolSetup,
    db: &LegacyDb,
    repo: &DataRepo,
    private_store: &Path,
) -> Evidence {
    let tmp_dir = match super::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "the stack's credentials import writes what the contract's rules give, row by row";
    let frozen = match Frozen::take(&repo.path, &repo.branch, private_store) {
        Ok(f) => f,
        Err(e) => return Evidence::could_not(check, e),
    };
    let snap = &frozen.snap;
    let rows = match extract(db).await {
        Ok(r) => r,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (csv, out) = (tmp.join("laddr-credentials.csv"), tmp.join("import-out"));
    if let Err(e) = write_csv(&rows, &csv)
        .and_then(|_| std::fs::create_dir_all(&out).map_err(|e| crate::Error::io("import-out", e)))
    {
        return Evidence::could_not(check, e);
    }
    let args = [
        format!("--input={}", csv.display()),
        format!("--data-repo={}", frozen.scratch.data_repo.display()),
        format!("--output-dir={}", out.display()),
    ];
    let r = match run(
        setup,
        Tool::ImportCredentials,
        &args,
        &frozen.scratch.env(&setup.env),
    )
    .await
    {
        Ok(r) => r,
        Err(e) => return Evidence::could_not(check, e),
    };
    let _ = std::fs::remove_file(&csv);
    let want = expected(&rows, snap);
    judge_import(check, &want, &r, &out, snap)
}

/// The import's output in `out` and the counters it printed, against what the rules give.
fn judge_import(
    check: &str,
    want: &Expected,
    r: &ToolRun,
    out: &Path,
    snap: &Snapshot,
) -> Evidence {
    let mut problems = compare(want, out);
    if r.status != Some(0) {
        problems.insert(0, format!("{}: {}", r.describe(), r.tail()));
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, s) in &want.skipped {
        *counts.entry(s.counter()).or_default() += 1;
    }
    let printed = printed_counters(&format!("{}\n{}", r.stdout, r.stderr));
    for (name, n) in &printed {
        let want_n = counts.get(name.as_str()).copied().unwrap_or(0);
        if *n != want_n {
            problems.push(format!(
                "{name}: the tool printed {n}, the rules give {want_n}"
            ));
        }
    }
    let (explained, lost) = explain(want, snap);
    let n_problems = problems.len();
    problems.truncate(SAMPLES * 2);
    let outcome = if n_problems > 0 {
        Outcome::Fail
    } else if lost > 0 {
        Outcome::Advisory
    } else {
        Outcome::Pass
    };
    let headline = import_headline(r, want, n_problems, lost);
    let mut ev = Evidence::new(check, outcome, headline)
        .details(problems)
        .detail(format!("skipped: {counts:?}"));
    if printed.is_empty() {
        ev = ev.detail("the tool printed no skip counters to compare");
    }
    ev.details(explained.into_iter().take(SAMPLES * 3))
}

/// What the import wrote, how many rows differ and how many credentials the join loses.
fn import_headline(r: &ToolRun, want: &Expected, n_problems: usize, lost: usize) -> String {
    format!(
        "{}: {} profiles and {} credentials as the rules give them; {} rows skipped{}{}",
        r.describe(),
        want.profiles.len(),
        want.credentials.len(),
        want.skipped.len(),
        if n_problems > 0 {
            format!("; {n_problems} row(s) differ")
        } else {
            String::new()
        },
        if lost > 0 {
            format!("; {lost} of them are people the new stack has, whose credentials this join loses (a staff decision)")
        } else {
            String::new()
        },
    )
}

/// On a copy where some credentials were used since the import (argon2id, `lastUsedAt`),
/// re-running the import over the store: every credential it changes must be one of those,
/// and each one it reverts is named as lost.
pub async fn rerun(
    setup: &ToolSetup,
    db: &LegacyDb,
    repo: &DataRepo,
    private_store: &Path,
) -> Evidence {
    let tmp_dir = match super::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "re-running the credentials import over used credentials is caught as data loss";
    let rows = match extract(db).await {
        Ok(r) => r,
        Err(e) => return Evidence::could_not(check, e),
    };
    let frozen = match Frozen::take(&repo.path, &repo.branch, private_store) {
        Ok(f) => f,
        Err(e) => return Evidence::could_not(check, e),
    };
    let snap = &frozen.snap;
    let copy = &frozen.scratch;
    let want = expected(&rows, snap);
    let used: Vec<String> = want.credentials.keys().take(2).cloned().collect();
    let csv = tmp.join("rerun-credentials.csv");
    if let Err(e) = write_csv(&rows, &csv) {
        return Evidence::could_not(check, e);
    }
    let args = [
        format!("--input={}", csv.display()),
        format!("--data-repo={}", copy.data_repo.display()),
        format!("--output-dir={}", copy.private_store.display()),
    ];
    let rerun = import_use_reimport(setup, copy, &args, &used).await;
    let _ = std::fs::remove_file(&csv);
    match rerun {
        Ok((before, before_profiles, r)) => {
            judge_rerun(check, copy, &used, &before, &before_profiles, &r)
        }
        Err(e) => Evidence::could_not(check, e),
    }
}

/// The import once, then `used` sign in (rehashed, with `lastUsedAt`), then the import
/// again: the passwords and profiles as they were before the second import, and its run.
async fn import_use_reimport(
    setup: &ToolSetup,
    copy: &super::scratch::Scratch,
    args: &[String],
    used: &[String],
) -> Result<(Vec<serde_json::Value>, Vec<serde_json::Value>, ToolRun), crate::Error> {
    let env = copy.env(&setup.env);
    // T-1d: the import as the runbook runs it, once.
    run(setup, Tool::ImportCredentials, args, &env).await?;
    // Then two people sign in: their credentials are rehashed, with lastUsedAt.
    let rehash = "$argon2id$v=19$m=19456,t=2,p=1$c2NyYXRjaHNhbHQ$c2NyYXRjaGhhc2hzY3JhdGNoaGFzaA";
    copy.edit_jsonl(crate::private::PASSWORDS, |v| {
        if used.iter().any(|u| v["personId"] == u.as_str()) {
            v["passwordHash"] = rehash.into();
            v["lastUsedAt"] = "2026-12-02T10:00:00Z".into();
        }
        true
    })?;
    let before = read_lines(&copy.private_file(crate::private::PASSWORDS));
    let before_profiles = read_lines(&copy.private_file(crate::private::PROFILES));
    // And someone runs the import again.
    let r = run(setup, Tool::ImportCredentials, args, &env).await?;
    Ok((before, before_profiles, r))
}

/// The credentials after the re-run against those before: which used ones were reverted,
/// which unused ones changed, and how many newsletter choices were reset.
/// The credentials a re-run changed: those of `used` (lost: named) and any other (wrong).
fn rerun_changes(
    before: &[serde_json::Value],
    after: &HashMap<String, serde_json::Value>,
    used: &[String],
) -> (Vec<String>, Vec<String>) {
    let (mut lost, mut wrong) = (Vec::new(), Vec::new());
    // What a credential is: its hash and when it was last used (import times differ by nature).
    let key = |v: &serde_json::Value| (v["passwordHash"].clone(), v["lastUsedAt"].clone());
    for b in before {
        let id = b["personId"].as_str().unwrap_or_default();
        if after.get(id).map(key) == Some(key(b)) {
            continue;
        }
        if used.iter().any(|u| u == id) {
            lost.push(format!(
                "{id}: the password they set since the import is replaced by laddr's old hash"
            ));
        } else {
            wrong.push(format!("{id}: changed, though nobody used it"));
        }
    }
    (lost, wrong)
}

fn judge_rerun(
    check: &str,
    copy: &super::scratch::Scratch,
    used: &[String],
    before: &[serde_json::Value],
    before_profiles: &[serde_json::Value],
    r: &ToolRun,
) -> Evidence {
    let after: HashMap<String, serde_json::Value> =
        read_lines(&copy.private_file(crate::private::PASSWORDS))
            .into_iter()
            .filter_map(|v| Some((v["personId"].as_str()?.to_string(), v)))
            .collect();
    let (mut lost, wrong) = rerun_changes(before, &after, used);
    let outcome = if !wrong.is_empty() {
        Outcome::Fail
    } else if !lost.is_empty() {
        Outcome::Advisory
    } else {
        Outcome::Pass
    };
    let reset = newsletters_reset(
        before_profiles,
        &copy.private_file(crate::private::PROFILES),
    );
    let reverted = lost.len();
    if reset > 0 {
        lost.push(format!(
            "and {reset} newsletter choices are reset to none (the import writes newsletter: null)"
        ));
    }
    Evidence::new(
        check,
        outcome,
        format!("{}: re-running the import over the store reverts {reverted} of {} credentials used since the import — data loss: run it once, at T-1d, before anyone signs in", r.describe(), used.len()),
    )
    .details(wrong)
    .details(lost)
}

/// Profiles whose recorded newsletter choice a re-run replaced with none.
fn newsletters_reset(before: &[serde_json::Value], after: &Path) -> usize {
    let after: HashMap<String, serde_json::Value> = read_lines(after)
        .into_iter()
        .filter_map(|v| Some((v["personId"].as_str()?.to_string(), v["newsletter"].clone())))
        .collect();
    before
        .iter()
        .filter(|b| !b["newsletter"].is_null())
        .filter(|b| {
            after
                .get(b["personId"].as_str().unwrap_or_default())
                .is_none_or(|n| n.is_null())
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_as_the_schema_would() {
        assert!(valid_email("ann@example.org"));
        for bad in [
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a b@example.org",
            "a@b@c.org",
            "ann@.org",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn printed_counters_are_read_from_the_tool_s_text() {
        let c = printed_counters(
            "=== import-creds report ===\n  skippedNoEmail: 3\n  skippedNoPersonMatch = 12\n",
        );
        assert_eq!(c.get("skippedNoEmail"), Some(&3));
        assert_eq!(c.get("skippedNoPersonMatch"), Some(&12));
    }

    #[test]
    fn a_re_run_that_changes_an_unused_credential_fails_and_used_ones_are_named_lost() {
        let cred = |id: &str, hash: &str| serde_json::json!({"personId": id, "passwordHash": hash});
        let before = [cred("a", "new-a"), cred("b", "new-b"), cred("c", "old-c")];
        let after = |pairs: &[(&str, &str)]| -> HashMap<String, serde_json::Value> {
            pairs
                .iter()
                .map(|(id, h)| (id.to_string(), cred(id, h)))
                .collect()
        };
        let used = ["a".to_string(), "b".to_string()];
        let reverted = after(&[("a", "old-a"), ("b", "old-b"), ("c", "old-c")]);
        let (lost, wrong) = rerun_changes(&before, &reverted, &used);
        assert_eq!((lost.len(), wrong.len()), (2, 0), "{lost:?}");
        assert!(lost[0].starts_with("a: the password they set since the import"));
        let too_much = after(&[("a", "old-a"), ("b", "new-b"), ("c", "other")]);
        let (lost, wrong) = rerun_changes(&before, &too_much, &used);
        assert_eq!(lost.len(), 1);
        assert_eq!(wrong, ["c: changed, though nobody used it"]);
    }
}
