//! The private store against laddr: emails, password hashes, the runbook's four orphan and
//! inconsistency classes, and newsletter continuity. Evidence names people by laddr id and
//! slug only; emails and hashes never leave this module except as "differs".

use crate::datarepo::{Problem, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::private::{is_laddr_hash, PrivateStore};
use crate::reconcile::LegacyPerson;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;

const SAMPLES: usize = 10;

/// A new-stack person as the private-store checks need it.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub legacy_id: Option<i64>,
    pub slug: String,
    pub github_linked: bool,
    /// Deactivated (`deletedAt`): the credentials import gives them no profile and no
    /// credential, and the stack's reconcile leaves them out (new-stack.md §5).
    pub deleted: bool,
}

pub fn new_people(snap: &Snapshot) -> HashMap<String, NewPerson> {
    snap.sheet("people")
        .iter()
        .filter_map(|r| {
            let id = r.fields.get("id")?.as_str()?.to_string();
            Some((
                id,
                NewPerson {
                    legacy_id: r.fields.get("legacyId").and_then(|v| v.as_integer()),
                    slug: r
                        .fields
                        .get("slug")
                        .and_then(|v| v.as_str())
                        .unwrap_or("?")
                        .to_string(),
                    github_linked: r.fields.contains_key("githubUserId"),
                    deleted: r.fields.contains_key("deletedAt"),
                },
            ))
        })
        .collect()
}

/// laddr id → new-stack uuid (first record with that legacyId).
fn uuid_by_legacy(people: &HashMap<String, NewPerson>) -> HashMap<i64, &str> {
    let mut out = HashMap::new();
    let mut sorted: Vec<(&String, &NewPerson)> = people.iter().collect();
    sorted.sort_by_key(|(id, _)| *id);
    for (id, p) in sorted {
        if let Some(l) = p.legacy_id {
            out.entry(l).or_insert(id.as_str());
        }
    }
    out
}

fn finish(
    check: &str,
    what: &str,
    failures: Vec<String>,
    problems: &[&Problem],
    checked: usize,
) -> Evidence {
    let n = failures.len() + problems.len();
    let mut ev = Evidence::new(
        check,
        if n == 0 { Outcome::Pass } else { Outcome::Fail },
        format!("{what}: {checked} checked, {} wrong, {} unreadable line(s)", failures.len(), problems.len()),
    )
    .observed(serde_json::json!({"checked": checked, "wrong": failures.len(), "unreadable": problems.len()}));
    ev = ev.details(
        problems
            .iter()
            .take(SAMPLES)
            .map(|p| format!("unreadable {p}")),
    );
    ev = ev.details(failures.iter().take(SAMPLES));
    if failures.len() > SAMPLES {
        ev = ev.detail(format!("… and {} more", failures.len() - SAMPLES));
    }
    ev
}

fn problems_in<'a>(store: &'a PrivateStore, file: &str) -> Vec<&'a Problem> {
    store.problems.iter().filter(|p| p.path == file).collect()
}

/// Every in-scope laddr person with an email has exactly one profile, with the email
/// lower-cased.
pub fn emails(legacy: &[LegacyPerson], snap: &Snapshot, store: &PrivateStore) -> Evidence {
    let people = new_people(snap);
    let uuids = uuid_by_legacy(&people);
    let mut by_person: HashMap<&str, Vec<&str>> = HashMap::new();
    for p in &store.profiles {
        by_person
            .entry(p.value.person_id.as_str())
            .or_default()
            .push(p.value.email.as_str());
    }
    let mut failures = Vec::new();
    let (mut checked, mut deactivated) = (0, 0);
    for l in legacy {
        let (Some(email), Some(uuid)) = (&l.email, uuids.get(&l.id)) else {
            continue;
        };
        let slug = &people[*uuid].slug;
        let found = by_person.get(uuid).map(Vec::as_slice).unwrap_or(&[]);
        if people[*uuid].deleted {
            deactivated += 1;
            if !found.is_empty() {
                failures.push(format!("legacy {} ({slug}): deactivated but holds a profile (the credentials import skips deleted people)", l.id));
            }
            continue;
        }
        checked += 1;
        match found {
            [] => failures.push(format!("legacy {} ({slug}): no profile", l.id)),
            [one] if *one == email.to_lowercase() => {}
            [one] if one.to_lowercase() == email.to_lowercase() => failures.push(format!(
                "legacy {} ({slug}): profile email is not lower-cased",
                l.id
            )),
            [_] => failures.push(format!(
                "legacy {} ({slug}): profile email differs from laddr's",
                l.id
            )),
            many => failures.push(format!("legacy {} ({slug}): {} profiles", l.id, many.len())),
        }
    }
    finish(
        "every laddr email is in exactly one profile, lower-cased",
        "emails",
        failures,
        &problems_in(store, crate::private::PROFILES),
        checked,
    )
    .detail(deactivated_note(deactivated, "profile"))
}

/// Deactivated people are not expected to hold private data: said with their number, so a
/// reader sees who is left without it and why.
fn deactivated_note(n: usize, what: &str) -> String {
    format!("{n} laddr people carried deactivated have no {what}, as the credentials import skips deleted people (new-stack.md §5)")
}

/// Every laddr password hash is present verbatim, or replaced by argon2id with `lastUsedAt`.
pub fn passwords(legacy: &[LegacyPerson], snap: &Snapshot, store: &PrivateStore) -> Evidence {
    let people = new_people(snap);
    let uuids = uuid_by_legacy(&people);
    let mut by_person: HashMap<&str, Vec<&crate::private::LegacyPassword>> = HashMap::new();
    for p in &store.passwords {
        by_person
            .entry(p.value.person_id.as_str())
            .or_default()
            .push(&p.value);
    }
    let mut failures = Vec::new();
    let (mut checked, mut deactivated) = (0, 0);
    for l in legacy {
        let (Some(hash), Some(uuid)) = (&l.password, uuids.get(&l.id)) else {
            continue;
        };
        let slug = &people[*uuid].slug;
        let found = by_person.get(uuid).map(Vec::as_slice).unwrap_or(&[]);
        if people[*uuid].deleted {
            deactivated += 1;
            if !found.is_empty() {
                failures.push(format!(
                    "legacy {} ({slug}): deactivated but holds a legacy credential",
                    l.id
                ));
            }
            continue;
        }
        checked += 1;
        match found {
            [] => failures.push(format!(
                "legacy {} ({slug}): laddr credential missing (drained before first sign-in)",
                l.id
            )),
            [one] if one.password_hash == *hash => {}
            [one] if one.password_hash.starts_with("$argon2id$") && one.last_used_at.is_some() => {}
            [one] if one.password_hash.starts_with("$argon2id$") => failures.push(format!(
                "legacy {} ({slug}): rehashed to argon2id but lastUsedAt is not set",
                l.id
            )),
            [_] => failures.push(format!(
                "legacy {} ({slug}): stored hash differs from laddr's",
                l.id
            )),
            many => failures.push(format!(
                "legacy {} ({slug}): {} credentials",
                l.id,
                many.len()
            )),
        }
    }
    finish(
        "every laddr password hash is present verbatim or was upgraded at sign-in",
        "credentials",
        failures,
        &problems_in(store, crate::private::PASSWORDS),
        checked,
    )
    .detail(deactivated_note(deactivated, "credential"))
}

/// No credential belongs to someone laddr had no password for, or to nobody.
pub fn no_foreign_credentials(
    legacy: &[LegacyPerson],
    snap: &Snapshot,
    store: &PrivateStore,
) -> Evidence {
    let people = new_people(snap);
    let had: HashMap<i64, &str> = legacy
        .iter()
        .filter_map(|l| Some((l.id, l.password.as_deref()?)))
        .collect();
    let mut failures = Vec::new();
    for c in &store.passwords {
        let label = format!("{}:{}", crate::private::PASSWORDS, c.line);
        match people.get(&c.value.person_id) {
            None => failures.push(format!("{label}: credential for no person")),
            Some(p) => match p.legacy_id {
                Some(l) if had.contains_key(&l) => {
                    // laddr's own row, carried verbatim, is what laddr had even in an odd format.
                    let verbatim = had[&l] == c.value.password_hash;
                    if !verbatim
                        && !is_laddr_hash(&c.value.password_hash)
                        && !c.value.password_hash.starts_with("$argon2id$")
                    {
                        failures.push(format!(
                            "{label}: legacy {l} ({}): hash in a format laddr never wrote",
                            p.slug
                        ));
                    }
                }
                Some(l) => failures.push(format!(
                    "{label}: legacy {l} ({}): laddr had no password for this person",
                    p.slug
                )),
                None => failures.push(format!(
                    "{label}: {} is not a laddr person but holds a legacy credential",
                    p.slug
                )),
            },
        }
    }
    finish(
        "no credential exists that laddr did not have",
        "credentials",
        failures,
        &problems_in(store, crate::private::PASSWORDS),
        store.passwords.len(),
    )
}

/// The runbook's reconcile classes (new-stack.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    PersonsWithoutProfile,
    ProfilesWithoutPerson,
    NewsletterInconsistencies,
    GithubLinkedWithPassword,
}

impl FromStr for Class {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Ok(match s {
            "persons without a profile" => Class::PersonsWithoutProfile,
            "profiles without a person" => Class::ProfilesWithoutPerson,
            "newsletter inconsistencies" => Class::NewsletterInconsistencies,
            "GitHub-linked persons holding a legacy password" => Class::GithubLinkedWithPassword,
            other => {
                return Err(crate::Error::Unknown {
                    what: "reconcile class",
                    value: other.to_string(),
                    known: "known: persons without a profile, profiles without a person, newsletter inconsistencies, GitHub-linked persons holding a legacy password".into(),
                })
            }
        })
    }
}

/// Count one class. The GitHub-linked class is advisory unless `strict_drain`.
pub fn class(
    c: Class,
    legacy: &[LegacyPerson],
    snap: &Snapshot,
    store: &PrivateStore,
    strict_drain: bool,
) -> Evidence {
    let people = new_people(snap);
    let mut advisory: Vec<String> = Vec::new();
    let mut note = String::new();
    let mut found = match c {
        Class::PersonsWithoutProfile => {
            let (found, adv, n) = persons_without_profile(legacy, &people, store);
            (advisory, note) = (adv, n);
            found
        }
        Class::ProfilesWithoutPerson => profiles_without_person(&people, store),
        Class::NewsletterInconsistencies => newsletter_inconsistencies(&people, store),
        Class::GithubLinkedWithPassword => github_linked_with_password(&people, store),
    };
    found.sort();
    advisory.sort();
    if c == Class::GithubLinkedWithPassword && !strict_drain {
        advisory = std::mem::take(&mut found);
    }
    class_evidence(c, store, strict_drain, &found, &advisory, note)
}

/// Live people without a profile: found, advisory (laddr had no email) and the note on them.
fn persons_without_profile(
    legacy: &[LegacyPerson],
    people: &HashMap<String, NewPerson>,
    store: &PrivateStore,
) -> (Vec<String>, Vec<String>, String) {
    let with_profile: HashSet<&str> = store
        .profiles
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let laddr_email: HashMap<i64, bool> =
        legacy.iter().map(|l| (l.id, l.email.is_some())).collect();
    let mut found: Vec<String> = Vec::new();
    let mut advisory: Vec<String> = Vec::new();
    let mut note = String::new();
    for (id, p) in people {
        if p.deleted || with_profile.contains(id.as_str()) {
            continue;
        }
        match p.legacy_id {
            // laddr had no email for them: there was nothing to carry.
            Some(l) if !laddr_email.get(&l).copied().unwrap_or(false) => {
                advisory.push(format!("legacy {l} ({}) had no email in laddr", p.slug))
            }
            Some(l) => found.push(format!("legacy {l} ({}) has no profile", p.slug)),
            None => found.push(format!("{} (not from laddr) has no profile", p.slug)),
        }
    }
    if !advisory.is_empty() {
        note = format!(
            "{} without a profile had no email in laddr: nothing to carry (advisory; the stack's reconcile counts them as orphans)",
            advisory.len()
        );
    }
    (found, advisory, note)
}

/// Profiles of no person, or of a deactivated one.
fn profiles_without_person(
    people: &HashMap<String, NewPerson>,
    store: &PrivateStore,
) -> Vec<String> {
    let mut found = Vec::new();
    for p in &store.profiles {
        match people.get(&p.value.person_id) {
            None => found.push(format!(
                "{}:{}: profile for no person",
                crate::private::PROFILES,
                p.line
            )),
            Some(x) if x.deleted => found.push(format!(
                "{}:{}: profile of {}, who is deactivated",
                crate::private::PROFILES,
                p.line,
                x.slug
            )),
            Some(_) => {}
        }
    }
    found
}

/// Opt-in without an unsubscribe token, or a token without opt-in.
fn newsletter_inconsistencies(
    people: &HashMap<String, NewPerson>,
    store: &PrivateStore,
) -> Vec<String> {
    let mut found = Vec::new();
    for p in &store.profiles {
        let Some(n) = &p.value.newsletter else {
            continue;
        };
        let who = people
            .get(&p.value.person_id)
            .map(|x| x.slug.as_str())
            .unwrap_or("?");
        let token = n
            .unsubscribe_token
            .as_deref()
            .is_some_and(|t| !t.is_empty());
        if n.opted_in && !token {
            found.push(format!(
                "{}:{} ({who}): opted in without an unsubscribe token",
                crate::private::PROFILES,
                p.line
            ));
        } else if !n.opted_in && token {
            found.push(format!(
                "{}:{} ({who}): unsubscribe token without opt-in",
                crate::private::PROFILES,
                p.line
            ));
        }
    }
    found
}

/// People linked to GitHub who still hold a legacy password.
fn github_linked_with_password(
    people: &HashMap<String, NewPerson>,
    store: &PrivateStore,
) -> Vec<String> {
    let mut found = Vec::new();
    let holders: HashSet<&str> = store
        .passwords
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    for (id, p) in people {
        if p.github_linked && holders.contains(id.as_str()) {
            found.push(format!(
                "{} is linked to GitHub and still holds a legacy password",
                p.slug
            ));
        }
    }
    found
}

/// The evidence for one class from what was found (sorted) and what is advisory.
fn class_evidence(
    c: Class,
    store: &PrivateStore,
    strict_drain: bool,
    found: &[String],
    advisory: &[String],
    note: String,
) -> Evidence {
    let outcome = match (found.is_empty(), advisory.is_empty()) {
        (false, _) => Outcome::Fail,
        (true, false) => Outcome::Advisory,
        (true, true) => Outcome::Pass,
    };
    let policy = if c == Class::GithubLinkedWithPassword {
        if strict_drain {
            " (policy strict-drain: must be 0)"
        } else {
            " (advisory: the account-migration rule keeps passwords after linking)"
        }
    } else {
        ""
    };
    let mut ev = Evidence::new(
        format!("runbook counter: {c:?}"),
        outcome,
        format!("{} found{policy}", found.len() + advisory.len()),
    )
    .observed(serde_json::json!({"count": found.len(), "advisory": advisory.len()}));
    if !note.is_empty() {
        ev = ev.detail(note);
    }
    let problems = problems_in(store, crate::private::PROFILES);
    if !problems.is_empty() && c != Class::GithubLinkedWithPassword {
        ev.outcome = Outcome::Fail;
        ev = ev.details(
            problems
                .iter()
                .take(SAMPLES)
                .map(|p| format!("unreadable {p}")),
        );
    }
    ev.details(found.iter().chain(advisory).take(SAMPLES))
}

/// laddr's Newsletter (NULL reads as subscribed) against the profile's opt-in: who would
/// stop or start receiving mail after the cutover.
pub fn newsletter_continuity(
    legacy: &[LegacyPerson],
    snap: &Snapshot,
    store: &PrivateStore,
) -> Evidence {
    let people = new_people(snap);
    let uuids = uuid_by_legacy(&people);
    let opted: HashMap<&str, bool> = store
        .profiles
        .iter()
        .map(|p| {
            (
                p.value.person_id.as_str(),
                p.value.newsletter.as_ref().is_some_and(|n| n.opted_in),
            )
        })
        .collect();
    let (mut stop, mut start) = (Vec::new(), Vec::new());
    let mut deactivated_stop = 0;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in legacy.iter().filter(|l| l.email.is_some()) {
        let Some(uuid) = uuids.get(&l.id) else {
            continue;
        };
        if people[*uuid].deleted {
            deactivated_stop += usize::from(l.newsletter.is_none_or(|n| n != 0));
            continue;
        }
        let was = l.newsletter.is_none_or(|n| n != 0);
        let now = opted.get(uuid).copied().unwrap_or(false);
        *counts
            .entry(if was {
                "subscribed in laddr"
            } else {
                "opted out in laddr"
            })
            .or_default() += 1;
        let slug = &people[*uuid].slug;
        match (was, now) {
            (true, false) => stop.push(format!(
                "legacy {} ({slug}) would stop receiving the newsletter",
                l.id
            )),
            (false, true) => start.push(format!(
                "legacy {} ({slug}) would start receiving the newsletter",
                l.id
            )),
            _ => {}
        }
    }
    let outcome = if !stop.is_empty() || !start.is_empty() {
        Outcome::Fail
    } else if deactivated_stop > 0 {
        Outcome::Advisory
    } else {
        Outcome::Pass
    };
    let mut ev = Evidence::new(
        "everyone subscribed in laddr stays subscribed, everyone opted out stays out",
        outcome,
        format!(
            "newsletter: {} would stop, {} would start ({:?})",
            stop.len(),
            start.len(),
            counts
        ),
    )
    .observed(serde_json::json!({"stop": stop.len(), "start": start.len(), "deactivatedStop": deactivated_stop}))
    .details(stop.iter().take(SAMPLES))
    .details(start.iter().take(SAMPLES));
    if deactivated_stop > 0 {
        ev = ev.detail(format!("advisory: {deactivated_stop} people carried deactivated were subscribed in laddr and will get no newsletter (they have no profile: the credentials import skips deleted people); a staff decision"));
    }
    ev
}

#[cfg(test)]
mod tests;
