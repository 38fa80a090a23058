//! `--fix` on a copy with defects planted: it fixes what the contract says (tokens minted,
//! credentials of GitHub-linked people deleted) and nothing else.

use super::plant::{plant, victim, Plant};
use super::run::run_on;
use super::slug_of;
use crate::datarepo::DataRepo;
use crate::evidence::{Evidence, Outcome};
use crate::tools::report::*;
use crate::tools::scratch::Frozen;
use crate::tools::ToolSetup;
use std::collections::{BTreeSet, HashMap};

/// `--fix` on a copy with a missing token and a linked person's credential planted: the
/// token is minted (43 characters) for that profile only, the credentials of linked people
/// are deleted and nothing else, orphans are left as they were, and the counts add up.
pub async fn fix(setup: &ToolSetup, repo: &DataRepo, private_store: &std::path::Path) -> Evidence {
    let tmp_dir = match crate::tools::tmp() {
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
    let (problems, want) = judge_fix(
        &id,
        &fixed,
        &after,
        (&profiles_before, &read(crate::private::PROFILES)),
        (&creds_before, &read(crate::private::PASSWORDS)),
    );
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

/// What is wrong after `--fix`, from the report it gave, the report of a second run, and the
/// private files (before, after) it may have changed. Returns the problems and the fixes the
/// report should have applied.
fn judge_fix(
    id: &str,
    fixed: &ReconcileReport,
    after: &ReconcileReport,
    profiles: (&str, &str),
    creds: (&str, &str),
) -> (Vec<String>, Fixes) {
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
    if !tokenless.contains(id) || !drained.contains(id) {
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
    problems.extend(changed_only(profiles.0, profiles.1, &tokenless, true));
    problems.extend(changed_only(creds.0, creds.1, &drained, false));
    (problems, want)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reports() -> (ReconcileReport, ReconcileReport) {
        let fixed = ReconcileReport {
            inconsistent_newsletter: vec![Inconsistency {
                person_id: "x".into(),
                reason: OPTED_IN_WITHOUT_TOKEN.into(),
            }],
            drained_legacy_passwords: vec![Drained {
                person_id: "x".into(),
                slug: "xan".into(),
                github_user_id: 7,
            }],
            orphan_private: vec![OrphanPrivate {
                person_id: "o".into(),
            }],
            fixes_applied: Fixes {
                newsletter_tokens: 1,
                legacy_passwords_deleted: 1,
            },
            ..Default::default()
        };
        let after = ReconcileReport {
            orphan_private: fixed.orphan_private.clone(),
            ..Default::default()
        };
        (fixed, after)
    }

    fn profile(id: &str, token: Option<&str>) -> String {
        serde_json::json!({"personId": id, "newsletter": {"optedIn": true, "unsubscribeToken": token}})
            .to_string()
    }

    #[test]
    fn a_fix_beyond_the_contract_or_short_of_it_fails() {
        let (fixed, after) = reports();
        let token = "t".repeat(43);
        let profiles_before = [profile("x", None), profile("y", Some("ty"))].join("\n");
        let profiles_after = [profile("x", Some(&token)), profile("y", Some("ty"))].join("\n");
        let cred = |id: &str| serde_json::json!({"personId": id, "passwordHash": "h"}).to_string();
        let creds_before = [cred("x"), cred("y")].join("\n");
        let creds_after = cred("y");
        let profiles = (profiles_before.as_str(), profiles_after.as_str());
        let judge = |fixed: &ReconcileReport, after: &ReconcileReport, p: (&str, &str), c: &str| {
            judge_fix("x", fixed, after, p, (&creds_before, c)).0
        };
        assert_eq!(
            judge(&fixed, &after, profiles, &creds_after),
            Vec::<String>::new()
        );
        // A credential nobody had to lose is deleted too.
        assert!(!judge(&fixed, &after, profiles, "").is_empty());
        // Another member's profile is rewritten.
        let rewritten = [profile("x", Some(&token)), profile("y", Some("other"))].join("\n");
        assert!(!judge(&fixed, &after, (profiles.0, &rewritten), &creds_after).is_empty());
        // The token is not minted.
        assert!(!judge(&fixed, &after, (profiles.0, profiles.0), &creds_after).is_empty());
        // An orphan is "fixed".
        let no_orphans = ReconcileReport::default();
        assert!(!judge(&fixed, &no_orphans, profiles, &creds_after).is_empty());
        // The report's count of fixes is wrong.
        let mut miscounted = fixed.clone();
        miscounted.fixes_applied.newsletter_tokens = 2;
        assert!(!judge(&miscounted, &after, profiles, &creds_after).is_empty());
    }
}
