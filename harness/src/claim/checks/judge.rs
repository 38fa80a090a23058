//! Pure judgements of the account-claim checks: where a GitHub sign-in landed, the
//! [`Finding`] that turns expectations into evidence (a rate-limited request leaves a scenario
//! not checked), and readers of observed data — a candidate's `matchedVia`, a person's
//! holdings in the data repo, the token in a reset mail. No I/O: the unit tests feed them
//! hand-made data.

use crate::claim::Member;
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Where a GitHub sign-in ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Landed {
    SignedIn(String),
    ClaimScreen,
    Error(String),
}

impl Landed {
    pub(super) fn describe(&self, who: &HashMap<String, String>) -> String {
        match self {
            Landed::SignedIn(id) => format!(
                "signed in as {}",
                who.get(id)
                    .cloned()
                    .unwrap_or_else(|| "a person of no laddr record (a fresh account)".into())
            ),
            Landed::ClaimScreen => "the claim screen".into(),
            Landed::Error(e) => format!("/login with error {e}"),
        }
    }
}

/// Failures and notes for one scenario. A request the stack's rate limit refused is neither:
/// it leaves the scenario "not checked" unless something else failed.
pub(super) struct Finding {
    check: &'static str,
    failures: Vec<String>,
    unchecked: Vec<String>,
    notes: Vec<String>,
}

impl Finding {
    pub(super) fn new(check: &'static str) -> Self {
        Finding {
            check,
            failures: Vec::new(),
            unchecked: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// A failure: a message, or an error whose message is the failure.
    pub(super) fn fail(&mut self, s: impl std::fmt::Display) {
        let s = s.to_string();
        if s.contains(crate::evidence::RATE_LIMIT_MARK) {
            self.unchecked.push(s);
        } else {
            self.failures.push(s);
        }
    }

    pub(super) fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }

    pub(super) fn expect(&mut self, ok: bool, s: impl Into<String>) {
        if ok {
            self.notes.push(format!("ok: {}", s.into()));
        } else {
            self.fail(s.into());
        }
    }

    pub(super) fn done(self, passed: &str) -> Evidence {
        let (outcome, headline) = match (self.failures.first(), self.unchecked.first()) {
            (Some(f), _) => (
                Outcome::Fail,
                format!("{} problem(s): {f}", self.failures.len()),
            ),
            (None, Some(u)) => (Outcome::NotChecked, format!("could not check: {u}")),
            (None, None) => (Outcome::Pass, passed.to_string()),
        };
        Evidence::new(self.check, outcome, headline)
            .details(self.failures.iter().map(|f| format!("✗ {f}")))
            .details(self.unchecked.iter().map(|f| format!("? {f}")))
            .details(self.notes)
    }

    /// The scenario could not be made: not run (the profile's test accounts do not fit it),
    /// not checked (rate limited), or a failure.
    pub(super) fn could_not(check: &'static str, why: impl std::fmt::Display) -> Evidence {
        let why = why.to_string();
        match why.strip_prefix(crate::evidence::NOT_RUN) {
            Some(rest) => Evidence::not_run(check, rest),
            None => Evidence::could_not(check, why),
        }
    }
}

/// How a candidate matched, from its `matchedVia` list (new-stack.md §5): "email",
/// "username", or both joined with "+", in that order.
pub(super) fn matched_via(c: &Value) -> String {
    let via: Vec<&str> = c["matchedVia"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match (via.contains(&"email"), via.contains(&"username")) {
        (true, true) => "email+username".into(),
        (true, false) => "email".into(),
        (false, true) => "username".into(),
        (false, false) => "?".into(),
    }
}

/// The members who hold an argon2 hash already: they signed in since the import (a test
/// account used by an earlier acceptance run, say), so laddr's hash is gone.
pub(super) fn signed_in_since_import(store: &PrivateStore, members: &[Member]) -> Vec<String> {
    members
        .iter()
        .filter(|m| {
            store.passwords.iter().any(|c| {
                Some(c.value.person_id.as_str()) == m.person_id.as_deref()
                    && c.value.password_hash.starts_with("$argon2")
            })
        })
        .map(Member::label)
        .collect()
}

/// After signing in, each member holds exactly one credential: argon2id, with `lastUsedAt`.
pub(super) fn judge_rehashed(f: &mut Finding, store: &PrivateStore, members: &[Member]) {
    for m in members {
        let pid = m.person_id.as_deref().unwrap_or_default();
        let creds: Vec<_> = store
            .passwords
            .iter()
            .filter(|c| c.value.person_id == pid)
            .collect();
        match creds.as_slice() {
            [c] if c.value.password_hash.starts_with("$argon2id$")
                && c.value.last_used_at.is_some() =>
            {
                f.note(format!(
                    "ok: {} now holds argon2id with lastUsedAt",
                    m.label()
                ))
            }
            [c] if c.value.password_hash.starts_with("$argon2id$") => f.fail(format!(
                "{}: rehashed to argon2id but lastUsedAt is not set",
                m.label()
            )),
            [c] => f.fail(format!(
                "{}: still holds its laddr hash after signing in (not rehashed to argon2id){}",
                m.label(),
                if c.value.last_used_at.is_some() {
                    "; lastUsedAt is set"
                } else {
                    ""
                }
            )),
            [] => f.fail(format!(
                "{}: no credential left after signing in",
                m.label()
            )),
            many => f.fail(format!("{}: {} credentials", m.label(), many.len())),
        }
    }
}

/// What the data repo holds that a staff approval must keep.
#[derive(Debug, PartialEq)]
pub(super) struct Holdings {
    pub(super) slug: Option<String>,
    pub(super) name_id: Option<String>,
    pub(super) memberships: BTreeSet<String>,
    pub(super) updates: usize,
    pub(super) buzz: usize,
    pub(super) github_id: Option<i64>,
}

/// After a staff approval `who` is linked to `github_id` and keeps slug, Slack NameID,
/// memberships, updates and buzz.
pub(super) fn kept_after_approval(
    f: &mut Finding,
    who: &str,
    github_id: i64,
    before: &Holdings,
    after: &Holdings,
) {
    f.expect(
        after.github_id == Some(github_id),
        format!("{who} is linked to the requester's GitHub account"),
    );
    f.expect(
        after.slug == before.slug,
        format!("slug kept ({})", after.slug.as_deref().unwrap_or("none")),
    );
    f.expect(after.name_id == before.name_id, "Slack NameID kept");
    let lost = before.memberships.difference(&after.memberships).count();
    f.expect(
        lost == 0 && after.memberships.len() == before.memberships.len(),
        format!(
            "memberships kept: {} of {} ({} lost)",
            after.memberships.len(),
            before.memberships.len(),
            lost
        ),
    );
    f.expect(
        after.updates == before.updates,
        format!("updates kept: {} of {}", after.updates, before.updates),
    );
    f.expect(
        after.buzz == before.buzz,
        format!("buzz kept: {} of {}", after.buzz, before.buzz),
    );
}

pub(super) fn holdings(snap: &Snapshot, pid: &str) -> Option<Holdings> {
    let r = snap
        .sheet("people")
        .iter()
        .find(|r| r.fields.get("id").and_then(|v| v.as_str()) == Some(pid))?;
    let s = |k: &str| r.fields.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let refs = |sheet: &str, field: &str| -> Vec<String> {
        snap.sheet(sheet)
            .iter()
            .filter(|r| r.fields.get(field).and_then(|v| v.as_str()) == Some(pid))
            .map(|r| r.path.clone())
            .collect()
    };
    Some(Holdings {
        slug: s("slug"),
        name_id: s("slackSamlNameId"),
        memberships: refs("project-memberships", "personId")
            .into_iter()
            .collect(),
        updates: refs("project-updates", "authorId").len(),
        buzz: refs("project-buzz", "postedById").len(),
        github_id: r.fields.get("githubUserId").and_then(|v| v.as_integer()),
    })
}

pub(super) fn token_in(text: &str) -> Option<String> {
    let i = text.find("token=")? + "token=".len();
    let t: String = text[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '%'))
        .collect();
    (!t.is_empty()).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limited_request_leaves_the_scenario_not_checked() {
        let mut f = Finding::new("c");
        f.expect(true, "fine");
        f.fail(format!("x: {}", crate::evidence::RATE_LIMIT_MARK));
        assert_eq!(f.done("passed").outcome, Outcome::NotChecked);
        let mut f = Finding::new("c");
        f.fail(format!("x: {}", crate::evidence::RATE_LIMIT_MARK));
        f.expect(false, "broken");
        assert_eq!(f.done("passed").outcome, Outcome::Fail);
        let mut f = Finding::new("c");
        f.expect(true, "fine");
        let ev = f.done("passed");
        assert_eq!(
            (ev.outcome, ev.headline.as_str()),
            (Outcome::Pass, "passed")
        );
    }

    #[test]
    fn candidates_say_how_they_matched() {
        let via = |v: Value| matched_via(&serde_json::json!({ "matchedVia": v }));
        assert_eq!(
            via(serde_json::json!(["username", "email"])),
            "email+username"
        );
        assert_eq!(via(serde_json::json!(["email"])), "email");
        assert_eq!(via(serde_json::json!(["username"])), "username");
        assert_eq!(via(serde_json::json!(null)), "?");
    }

    #[test]
    fn an_approval_that_drops_a_membership_fails() {
        let before = Holdings {
            slug: Some("ada".into()),
            name_id: Some("ada@x".into()),
            memberships: ["a".to_string(), "b".to_string()].into(),
            updates: 2,
            buzz: 1,
            github_id: None,
        };
        let kept = Holdings {
            github_id: Some(7),
            memberships: before.memberships.clone(),
            slug: before.slug.clone(),
            name_id: before.name_id.clone(),
            ..before
        };
        let mut f = Finding::new("c");
        kept_after_approval(&mut f, "ada", 7, &before, &kept);
        assert_eq!(f.done("passed").outcome, Outcome::Pass);
        let lost = Holdings {
            memberships: ["a".to_string()].into(),
            ..kept
        };
        let mut f = Finding::new("c");
        kept_after_approval(&mut f, "ada", 7, &before, &lost);
        assert_eq!(f.done("passed").outcome, Outcome::Fail);
    }

    #[test]
    fn tokens_are_read_from_links() {
        assert_eq!(
            token_in("go to http://x/reset-password?token=abc_DEF-1.\nbye").as_deref(),
            Some("abc_DEF-1.")
        );
        assert_eq!(token_in("no link"), None);
    }
}
