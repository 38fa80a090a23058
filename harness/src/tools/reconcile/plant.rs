//! Defects planted on a copy, one at a time: the tool must flag exactly the person planted
//! on, in exactly the class planted, and exit 1.

use super::run::{live, run_on};
use super::{keys, people, slug_of};
use crate::datarepo::{DataRepo, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use crate::tools::report::*;
use crate::tools::scratch::Scratch;
use crate::tools::{ToolRun, ToolSetup};
use std::collections::HashSet;

/// The defects a scenario plants on a copy, one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plant {
    /// One person's profile removed: `orphanPublic`.
    ProfileRemoved,
    /// A person with a credential linked to GitHub: `drainedLegacyPasswords`.
    LinkedKeepsCredential,
    /// One opted-in profile's token removed: `opted_in_without_token`.
    OptedInWithoutToken,
}

impl Plant {
    pub const ALL: [Plant; 3] = [
        Plant::ProfileRemoved,
        Plant::LinkedKeepsCredential,
        Plant::OptedInWithoutToken,
    ];

    fn class(self) -> &'static str {
        match self {
            Plant::ProfileRemoved => "orphanPublic",
            Plant::LinkedKeepsCredential => "drainedLegacyPasswords",
            Plant::OptedInWithoutToken => "inconsistentNewsletter",
        }
    }
}

/// The person to plant on: someone with a profile, a credential and an opted-in newsletter
/// with a token, active and not linked (the first such, by id, so a run is repeatable).
pub(super) fn victim(snap: &Snapshot, store: &PrivateStore) -> Option<String> {
    let people = people(snap);
    let creds: HashSet<&str> = store
        .passwords
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let mut ids: Vec<&str> = store
        .profiles
        .iter()
        .filter(|p| {
            p.value
                .newsletter
                .as_ref()
                .is_some_and(|n| n.opted_in && n.unsubscribe_token.is_some())
        })
        .map(|p| p.value.person_id.as_str())
        .filter(|id| {
            creds.contains(id)
                && people
                    .get(id)
                    .is_some_and(|p| !p.deleted && p.github.is_none())
        })
        .collect();
    ids.sort();
    ids.first().map(|s| s.to_string())
}

pub(super) fn plant(
    s: &Scratch,
    snap: &Snapshot,
    what: Plant,
    id: &str,
) -> Result<String, crate::Error> {
    match what {
        Plant::ProfileRemoved => s.edit_jsonl(crate::private::PROFILES, |v| v["personId"] != id)?,
        Plant::OptedInWithoutToken => s.edit_jsonl(crate::private::PROFILES, |v| {
            if v["personId"] == id {
                if let Some(n) = v["newsletter"].as_object_mut() {
                    n.remove("unsubscribeToken");
                }
            }
            true
        })?,
        Plant::LinkedKeepsCredential => {
            let slug = slug_of(snap, id);
            let path = format!("people/{slug}.toml");
            let mut record: toml::Table =
                s.read_file(&path)?
                    .parse()
                    .map_err(|source| crate::Error::Toml {
                        context: path.clone(),
                        source,
                    })?;
            record.insert("githubUserId".into(), toml::Value::Integer(77_000_001));
            record.insert(
                "githubLogin".into(),
                toml::Value::String(format!("{slug}-planted")),
            );
            let text = toml::to_string(&record).map_err(|source| crate::Error::TomlWrite {
                context: path.clone(),
                source,
            })?;
            s.commit_file(&path, &text, "cutover suite: plant a GitHub link")?;
        }
    }
    Ok(slug_of(snap, id).to_string())
}

/// On a copy with one defect planted, the tool flags exactly that person in exactly that
/// class (compared with the live state's report) and exits 1.
pub async fn planted(
    setup: &ToolSetup,
    repo: &DataRepo,
    private_store: &std::path::Path,
) -> Evidence {
    let tmp_dir = match crate::tools::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "the stack's reconcile flags a deliberately broken record, exactly";
    let (frozen, _, live) = match live(setup, repo, private_store).await {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let live = &live;
    let (snap, store) = (&frozen.snap, &frozen.store);
    let Some(id) = victim(snap, store) else {
        return Evidence::could_not(
            check,
            "no person with a profile, a credential and a newsletter token to plant on",
        );
    };
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for what in Plant::ALL {
        let (slug, r, report) =
            match plant_and_run(setup, &frozen.scratch, snap, what, &id, tmp).await {
                Ok(x) => x,
                Err(e) => return Evidence::could_not(check, e),
            };
        lines.push(judge_planted(
            what,
            &id,
            &slug,
            &r,
            &report,
            live,
            &mut problems,
        ));
    }
    let ev = if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "each of {} planted defects flagged exactly, exit 1",
                Plant::ALL.len()
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!("{} problem(s) with the planted defects", problems.len()),
        )
        .details(problems)
    };
    ev.details(lines)
}

/// Plant `what` on a fresh copy and run the tool there; returns the slug planted on.
async fn plant_and_run(
    setup: &ToolSetup,
    scratch: &Scratch,
    snap: &Snapshot,
    what: Plant,
    id: &str,
    tmp: &std::path::Path,
) -> Result<(String, ToolRun, ReconcileReport), crate::Error> {
    let copy = scratch.copy_again()?;
    let slug = plant(&copy, snap, what, id)?;
    let (r, report) = run_on(
        setup,
        &copy.env(&setup.env),
        tmp,
        &format!("{what:?}"),
        false,
    )
    .await?;
    Ok((slug, r, report))
}

/// What the tool reported on one planted defect, against the live state's report: problems
/// go to `problems`; returns the line describing the run.
fn judge_planted(
    what: Plant,
    id: &str,
    slug: &str,
    r: &ToolRun,
    report: &ReconcileReport,
    live: &ReconcileReport,
    problems: &mut Vec<String>,
) -> String {
    let mut new: Vec<String> = Vec::new();
    for ((class, after), (_, before)) in keys(report).into_iter().zip(keys(live)) {
        new.extend(after.difference(&before).map(|k| format!("{class}: {k}")));
        problems.extend(
            before
                .difference(&after)
                .map(|k| format!("{what:?}: {class} lost {k}, which the live state has")),
        );
    }
    let want = format!("{}: {id}", what.class());
    let want_item = if what == Plant::OptedInWithoutToken {
        format!("{want} {OPTED_IN_WITHOUT_TOKEN}")
    } else {
        want
    };
    if new != vec![want_item.clone()] {
        problems.push(format!(
            "{what:?} ({slug}): expected exactly [{want_item}], the tool reported {new:?}"
        ));
    }
    if r.status != Some(1) {
        problems.push(format!(
            "{what:?}: {} (1 is documented when something is unresolved)",
            r.describe()
        ));
    }
    format!("{what:?} on {slug}: {} — {}", r.describe(), new.join(", "))
}
