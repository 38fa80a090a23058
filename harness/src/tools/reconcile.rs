//! The stack's `reconcile`, judged: its counters against the suite's own count of the same
//! classes with the contract's definitions; the runbook's gate (every counter 0, except what
//! a correct migration cannot make 0, said with its number); a defect planted on a copy
//! flagged exactly; and `--fix` fixing what the contract says and nothing else.

use super::report::*;
use super::scratch::{Frozen, Scratch};
use super::{read_report, run, Tool, ToolRun, ToolSetup};
use crate::datarepo::{DataRepo, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use crate::reconcile::LegacyPerson;
use crate::stack::env::StackEnv;
use std::collections::{BTreeSet, HashMap, HashSet};

const SAMPLES: usize = 10;

struct Person<'a> {
    slug: &'a str,
    deleted: bool,
    github: Option<i64>,
}

fn people(snap: &Snapshot) -> HashMap<&str, Person<'_>> {
    snap.sheet("people")
        .iter()
        .filter_map(|r| {
            let id = r.fields.get("id")?.as_str()?;
            Some((
                id,
                Person {
                    slug: r.fields.get("slug").and_then(|v| v.as_str()).unwrap_or("?"),
                    deleted: r.fields.contains_key("deletedAt"),
                    github: r.fields.get("githubUserId").and_then(|v| v.as_integer()),
                },
            ))
        })
        .collect()
}

/// The report a correct `reconcile` gives on `snap` and `store`, by the contract's
/// definitions: over non-deleted people; a profile of a deleted or unknown person is an
/// orphan; newsletter inconsistencies only where a newsletter is recorded.
pub fn expected(snap: &Snapshot, store: &PrivateStore) -> ReconcileReport {
    let people = people(snap);
    let live: HashMap<&str, &Person> = people
        .iter()
        .filter(|(_, p)| !p.deleted)
        .map(|(k, v)| (*k, v))
        .collect();
    let with_profile: HashSet<&str> = store
        .profiles
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let holders: HashSet<&str> = store
        .passwords
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let mut r = ReconcileReport {
        public_people_count: live.len(),
        private_profile_count: store.profiles.len(),
        legacy_password_count: store.passwords.len(),
        ..Default::default()
    };
    for (id, p) in &live {
        if !with_profile.contains(id) {
            r.orphan_public.push(OrphanPublic {
                person_id: id.to_string(),
                slug: p.slug.to_string(),
            });
        }
        if let (Some(g), true) = (p.github, holders.contains(id)) {
            r.drained_legacy_passwords.push(Drained {
                person_id: id.to_string(),
                slug: p.slug.to_string(),
                github_user_id: g,
            });
        }
    }
    for p in &store.profiles {
        let id = p.value.person_id.as_str();
        if !live.contains_key(id) {
            r.orphan_private.push(OrphanPrivate {
                person_id: id.to_string(),
            });
        }
        let Some(n) = &p.value.newsletter else {
            continue;
        };
        let token = n
            .unsubscribe_token
            .as_deref()
            .is_some_and(|t| !t.is_empty());
        let reason = if n.opted_in && !token {
            OPTED_IN_WITHOUT_TOKEN
        } else if !n.opted_in && token && n.opted_out_at.is_none() {
            TOKEN_WITHOUT_OPTIN
        } else {
            continue;
        };
        r.inconsistent_newsletter.push(Inconsistency {
            person_id: id.to_string(),
            reason: reason.into(),
        });
    }
    r.orphan_public.sort();
    r.orphan_private.sort();
    r.inconsistent_newsletter.sort();
    r.drained_legacy_passwords.sort();
    r
}

/// One class of the report, as comparable keys.
fn keys(r: &ReconcileReport) -> [(&'static str, BTreeSet<String>); 4] {
    [
        (
            "orphanPublic",
            r.orphan_public
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
        (
            "orphanPrivate",
            r.orphan_private
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
        (
            "inconsistentNewsletter",
            r.inconsistent_newsletter
                .iter()
                .map(|x| format!("{} {}", x.person_id, x.reason))
                .collect(),
        ),
        (
            "drainedLegacyPasswords",
            r.drained_legacy_passwords
                .iter()
                .map(|x| x.person_id.clone())
                .collect(),
        ),
    ]
}

fn slug_of<'a>(snap: &'a Snapshot, id: &str) -> &'a str {
    snap.sheet("people")
        .iter()
        .find(|r| {
            r.fields.get("id").and_then(|v| v.as_str()) == Some(id.split(' ').next().unwrap_or(id))
        })
        .and_then(|r| r.fields.get("slug").and_then(|v| v.as_str()))
        .unwrap_or("no such person")
}

/// The documented exit code for what the report says is unresolved.
fn exit_agrees(report: &ReconcileReport, exit: Option<i32>) -> Option<String> {
    let want = if report.unresolved() == 0 { 0 } else { 1 };
    (exit != Some(want)).then(|| {
        format!(
            "exited {} with {} unresolved (the documented exit is {want}: 0 nothing unresolved, 1 problems, 2 crash)",
            exit.map_or("by a signal".to_string(), |c| c.to_string()),
            report.unresolved()
        )
    })
}

/// The tool's counters equal the suite's, class by class, and its exit code says what its
/// report says.
pub fn agree(
    tool: &ReconcileReport,
    exit: Option<i32>,
    suite: &ReconcileReport,
    snap: &Snapshot,
) -> Evidence {
    let check = "the stack's reconcile counts what the suite counts, by the contract's definitions";
    let mut problems = Vec::new();
    for (what, t, s) in [
        (
            "publicPeopleCount",
            tool.public_people_count,
            suite.public_people_count,
        ),
        (
            "privateProfileCount",
            tool.private_profile_count,
            suite.private_profile_count,
        ),
        (
            "legacyPasswordCount",
            tool.legacy_password_count,
            suite.legacy_password_count,
        ),
    ] {
        if t != s {
            problems.push(format!("{what}: the tool says {t}, the suite counts {s}"));
        }
    }
    for ((what, t), (_, s)) in keys(tool).into_iter().zip(keys(suite)) {
        if t == s {
            continue;
        }
        problems.push(format!(
            "{what}: the tool says {}, the suite counts {}",
            t.len(),
            s.len()
        ));
        for id in s.difference(&t).take(SAMPLES) {
            problems.push(format!("  only the suite: {id} ({})", slug_of(snap, id)));
        }
        for id in t.difference(&s).take(SAMPLES) {
            problems.push(format!("  only the tool: {id} ({})", slug_of(snap, id)));
        }
    }
    problems.extend(exit_agrees(tool, exit));
    let counts = keys(suite)
        .map(|(w, k)| format!("{w} {}", k.len()))
        .join(", ");
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "the tool and the suite agree: {} people, {counts}",
                suite.public_people_count
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} disagreement(s) between the tool and the suite",
                problems.iter().filter(|p| !p.starts_with("  ")).count()
            ),
        )
        .details(problems)
    }
}

/// The runbook's T-1d gate: every counter 0. A person without a profile because laddr had
/// no email for them cannot get one from a correct migration: they are counted and listed
/// for staff, not quietly exempted. A GitHub-linked person holding a legacy password is
/// advisory unless the strict-drain policy says otherwise.
pub fn gate(
    report: &ReconcileReport,
    legacy: &[LegacyPerson],
    snap: &Snapshot,
    strict_drain: bool,
) -> Evidence {
    let check = "the stack's reconcile finds nothing that stops the cutover";
    let legacy_ids: HashMap<&str, i64> = snap
        .sheet("people")
        .iter()
        .filter_map(|r| {
            Some((
                r.fields.get("id")?.as_str()?,
                r.fields.get("legacyId")?.as_integer()?,
            ))
        })
        .collect();
    let no_email: HashSet<i64> = legacy
        .iter()
        .filter(|l| l.email.is_none())
        .map(|l| l.id)
        .collect();
    let (mut stops, mut for_staff) = (Vec::new(), Vec::new());
    for o in &report.orphan_public {
        match legacy_ids.get(o.person_id.as_str()) {
            Some(l) if no_email.contains(l) => for_staff.push(format!(
                "legacy {l} ({}): no profile, laddr had no email for them",
                o.slug
            )),
            Some(l) => stops.push(format!(
                "legacy {l} ({}): no profile, though laddr had an email",
                o.slug
            )),
            None => stops.push(format!("{}: no profile, and not from laddr", o.slug)),
        }
    }
    stops.extend(report.orphan_private.iter().map(|o| {
        format!(
            "profile of {} ({}): no live person",
            o.person_id,
            slug_of(snap, &o.person_id)
        )
    }));
    stops.extend(report.inconsistent_newsletter.iter().map(|i| {
        format!(
            "{} ({}): {}",
            i.person_id,
            slug_of(snap, &i.person_id),
            i.reason
        )
    }));
    let drained: Vec<String> = report
        .drained_legacy_passwords
        .iter()
        .map(|d| {
            format!(
                "{} is linked to GitHub and still holds a legacy password",
                d.slug
            )
        })
        .collect();
    if strict_drain {
        stops.extend(drained.iter().cloned());
    }
    let outcome = if !stops.is_empty() {
        Outcome::Fail
    } else if !for_staff.is_empty() || !drained.is_empty() {
        Outcome::Advisory
    } else {
        Outcome::Pass
    };
    let mut ev = Evidence::new(
        check,
        outcome,
        format!("{} stop the cutover; {} for staff to decide (the runbook's \"must be 0\" cannot hold for them)", stops.len(), for_staff.len()),
    )
    .observed(serde_json::json!({"stops": stops.len(), "forStaff": for_staff.len(), "drained": drained.len()}));
    ev = ev.details(stops.iter().take(SAMPLES));
    if !for_staff.is_empty() {
        ev = ev.detail(format!("{} people without a laddr email have no profile (counted as orphanPublic by the tool): a correct migration gives them none; staff decide whether that is acceptable", for_staff.len()));
        ev = ev.details(for_staff.iter().take(SAMPLES));
    }
    if !drained.is_empty() && !strict_drain {
        ev = ev
            .detail("advisory (the account-migration rule keeps passwords after linking):")
            .details(drained.iter().take(SAMPLES));
    }
    ev
}

/// The state as it is (a frozen copy of it), as the tool reports it (no `--fix`).
pub async fn live(
    setup: &ToolSetup,
    repo: &DataRepo,
    private_store: &std::path::Path,
) -> Result<(Frozen, ToolRun, ReconcileReport), String> {
    let frozen = Frozen::take(&repo.path, &repo.branch, private_store)?;
    let tmp = super::tmp()?;
    let (r, report) = run_on(
        setup,
        &frozen.scratch.env(&setup.env),
        tmp.path(),
        "live",
        false,
    )
    .await?;
    Ok((frozen, r, report))
}

async fn run_on(
    setup: &ToolSetup,
    env: &StackEnv,
    tmp: &std::path::Path,
    label: &str,
    fix: bool,
) -> Result<(ToolRun, ReconcileReport), String> {
    let file = tmp.join(format!("reconcile-{label}.json"));
    let mut args = vec![format!("--json={}", file.display())];
    if fix {
        args.push("--fix".into());
    }
    let r = run(setup, Tool::Reconcile, &args, env)
        .await
        .map_err(|e| e.to_string())?;
    if r.status == Some(2) || r.status.is_none() {
        return Err(format!("{}: {}", r.describe(), r.tail()));
    }
    let report = read_report(&r, &file)?;
    Ok((r, report))
}

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
fn victim(snap: &Snapshot, store: &PrivateStore) -> Option<String> {
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

fn plant(s: &Scratch, snap: &Snapshot, what: Plant, id: &str) -> Result<String, String> {
    let e = |e: crate::Error| e.to_string();
    match what {
        Plant::ProfileRemoved => s
            .edit_jsonl(crate::private::PROFILES, |l| {
                l.retain(|v| v["personId"] != id)
            })
            .map_err(e)?,
        Plant::OptedInWithoutToken => s
            .edit_jsonl(crate::private::PROFILES, |l| {
                for v in l.iter_mut().filter(|v| v["personId"] == id) {
                    if let Some(n) = v["newsletter"].as_object_mut() {
                        n.remove("unsubscribeToken");
                    }
                }
            })
            .map_err(e)?,
        Plant::LinkedKeepsCredential => {
            let slug = slug_of(snap, id);
            let path = format!("people/{slug}.toml");
            let mut record: toml::Table = s
                .read_file(&path)
                .map_err(e)?
                .parse()
                .map_err(|e| format!("{path}: {e}"))?;
            record.insert("githubUserId".into(), toml::Value::Integer(77_000_001));
            record.insert(
                "githubLogin".into(),
                toml::Value::String(format!("{slug}-planted")),
            );
            let text = toml::to_string(&record).map_err(|e| e.to_string())?;
            s.commit_file(&path, &text, "cutover suite: plant a GitHub link")
                .map_err(e)?;
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
    let tmp_dir = match super::tmp() {
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
        let copy = match frozen.scratch.copy_again() {
            Ok(c) => c,
            Err(e) => return Evidence::could_not(check, e),
        };
        let slug = match plant(&copy, snap, what, &id) {
            Ok(s) => s,
            Err(e) => return Evidence::could_not(check, e),
        };
        let (r, report) = match run_on(
            setup,
            &copy.env(&setup.env),
            tmp,
            &format!("{what:?}"),
            false,
        )
        .await
        {
            Ok(x) => x,
            Err(e) => return Evidence::could_not(check, e),
        };
        let mut new: Vec<String> = Vec::new();
        for ((class, after), (_, before)) in keys(&report).into_iter().zip(keys(live)) {
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
        lines.push(format!(
            "{what:?} on {slug}: {} — {}",
            r.describe(),
            new.join(", ")
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

/// `--fix` on a copy with a missing token and a linked person's credential planted: the
/// token is minted (43 characters) for that profile only, the credentials of linked people
/// are deleted and nothing else, orphans are left as they were, and the counts add up.
pub async fn fix(setup: &ToolSetup, repo: &DataRepo, private_store: &std::path::Path) -> Evidence {
    let tmp_dir = match super::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "the stack's reconcile --fix fixes what the contract says, and nothing else";
    let frozen = match Frozen::take(&repo.path, &repo.branch, private_store) {
        Ok(f) => f,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (snap, store) = (&frozen.snap, &frozen.store);
    let Some(id) = victim(snap, store) else {
        return Evidence::could_not(check, "no person to plant on");
    };
    let copy = frozen.scratch;
    for what in [Plant::OptedInWithoutToken, Plant::LinkedKeepsCredential] {
        if let Err(e) = plant(&copy, snap, what, &id) {
            return Evidence::could_not(check, e);
        }
    }
    let read = |name: &str| std::fs::read_to_string(copy.private_file(name)).unwrap_or_default();
    let (profiles_before, creds_before) = (
        read(crate::private::PROFILES),
        read(crate::private::PASSWORDS),
    );
    let env = copy.env(&setup.env);
    let (r, fixed) = match run_on(setup, &env, tmp, "fix", true).await {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (_, after) = match run_on(setup, &env, tmp, "after-fix", false).await {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let mut problems = Vec::new();
    let drained: BTreeSet<String> = fixed
        .drained_legacy_passwords
        .iter()
        .map(|d| d.person_id.clone())
        .collect();
    let tokenless: BTreeSet<String> = fixed
        .inconsistent_newsletter
        .iter()
        .filter(|i| i.reason == OPTED_IN_WITHOUT_TOKEN)
        .map(|i| i.person_id.clone())
        .collect();
    if !tokenless.contains(&id) || !drained.contains(&id) {
        problems.push(format!(
            "the report before fixing does not name the planted person ({id}) in both classes"
        ));
    }
    let want = Fixes {
        newsletter_tokens: tokenless.len(),
        legacy_passwords_deleted: drained.len(),
    };
    if fixed.fixes_applied != want {
        problems.push(format!(
            "fixesApplied {:?}, expected {want:?}",
            fixed.fixes_applied
        ));
    }
    if !after.drained_legacy_passwords.is_empty()
        || after
            .inconsistent_newsletter
            .iter()
            .any(|i| i.reason == OPTED_IN_WITHOUT_TOKEN)
    {
        problems.push("a second reconcile still finds what --fix should have fixed".into());
    }
    if after.orphan_public != fixed.orphan_public || after.orphan_private != fixed.orphan_private {
        problems.push("orphans changed: the contract says --fix never fixes orphans".into());
    }
    problems.extend(changed_only(
        &profiles_before,
        &read(crate::private::PROFILES),
        &tokenless,
        true,
    ));
    problems.extend(changed_only(
        &creds_before,
        &read(crate::private::PASSWORDS),
        &drained,
        false,
    ));
    let ev = if problems.is_empty() {
        Evidence::new(check, Outcome::Pass, format!("{}: {} token(s) minted, {} credential(s) of GitHub-linked people deleted, nothing else changed", r.describe(), want.newsletter_tokens, want.legacy_passwords_deleted))
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!("{} problem(s) after --fix", problems.len()),
        )
        .details(problems)
    };
    ev.detail(format!("planted on {}", slug_of(snap, &id)))
}

/// Lines of a JSONL file that changed: only those of `who`, and (for profiles) only by a
/// minted 43-character token; (for credentials) only by being deleted.
fn changed_only(before: &str, after: &str, who: &BTreeSet<String>, minted: bool) -> Vec<String> {
    let parse = |t: &str| -> HashMap<String, serde_json::Value> {
        t.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| Some((v["personId"].as_str()?.to_string(), v)))
            .collect()
    };
    let (b, a) = (parse(before), parse(after));
    let mut out = Vec::new();
    for (id, old) in &b {
        match (a.get(id), who.contains(id)) {
            (Some(new), false) if new != old => out.push(format!(
                "{id}: changed, though --fix had nothing to fix for them"
            )),
            (None, false) => out.push(format!(
                "{id}: removed, though --fix had nothing to fix for them"
            )),
            (Some(new), true) if minted => {
                let token = new["newsletter"]["unsubscribeToken"].as_str().unwrap_or("");
                if token.len() != 43 || new["newsletter"]["optedIn"] != true {
                    out.push(format!(
                        "{id}: no 43-character token minted (or the opt-in changed)"
                    ));
                }
            }
            (Some(_), true) => out.push(format!(
                "{id}: the credential of a GitHub-linked person was kept"
            )),
            (None, true) if minted => out.push(format!(
                "{id}: the profile was removed instead of given a token"
            )),
            _ => {}
        }
    }
    out.extend(
        a.keys()
            .filter(|id| !b.contains_key(*id))
            .map(|id| format!("{id}: a line appeared")),
    );
    out
}
