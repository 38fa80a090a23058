//! The JSON reports of the stack's cutover tools, in the contract's shapes (new-stack.md §5,
//! "The stack's own cutover tools"). The suite reads them; the reference tools write them.
//! Unknown fields are kept out of the judgement, not refused: a newer tool may say more.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrphanPublic {
    pub person_id: String,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrphanPrivate {
    pub person_id: String,
}

/// `opted_in_without_token` or `token_without_optin_payload`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inconsistency {
    pub person_id: String,
    pub reason: String,
}

pub const OPTED_IN_WITHOUT_TOKEN: &str = "opted_in_without_token";
pub const TOKEN_WITHOUT_OPTIN: &str = "token_without_optin_payload";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Drained {
    pub person_id: String,
    pub slug: String,
    pub github_user_id: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fixes {
    pub newsletter_tokens: usize,
    pub legacy_passwords_deleted: usize,
}

/// `reconcile --json=<file>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    pub run_at: String,
    pub public_people_count: usize,
    pub private_profile_count: usize,
    pub legacy_password_count: usize,
    pub orphan_public: Vec<OrphanPublic>,
    pub orphan_private: Vec<OrphanPrivate>,
    pub inconsistent_newsletter: Vec<Inconsistency>,
    pub drained_legacy_passwords: Vec<Drained>,
    pub fixes_applied: Fixes,
}

impl ReconcileReport {
    /// What is left to resolve: the documented exit is 1 when this is not zero.
    pub fn unresolved(&self) -> usize {
        let found = self.orphan_public.len()
            + self.orphan_private.len()
            + self.inconsistent_newsletter.len()
            + self.drained_legacy_passwords.len();
        found.saturating_sub(
            self.fixes_applied.newsletter_tokens + self.fixes_applied.legacy_passwords_deleted,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recipient {
    pub person_id: String,
    pub slug: String,
    pub email: String,
    pub full_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub person_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendFailure {
    pub person_id: String,
    pub error: String,
}

/// `cutover-mailout --json=<file>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailoutReport {
    pub run_at: String,
    /// `dry-run` or `send`.
    pub mode: String,
    pub recipients: Vec<Recipient>,
    pub skipped: Vec<Skipped>,
    pub sent: usize,
    #[serde(default)]
    pub failed: Vec<SendFailure>,
}

/// The subject and link the contract names for the T+90 reminder.
pub const MAILOUT_SUBJECT: &str = "Action needed: claim your Code for Philly account";
pub const MAILOUT_LINK_PATH: &str = "/account/sign-in";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_reads_in_the_contract_shape_and_counts_what_is_unresolved() {
        let r: ReconcileReport = serde_json::from_value(serde_json::json!({
            "runAt": "2026-12-01T00:00:00Z", "publicPeopleCount": 3, "privateProfileCount": 2,
            "legacyPasswordCount": 1, "orphanPublic": [{"personId": "a", "slug": "ann"}],
            "orphanPrivate": [], "inconsistentNewsletter": [{"personId": "b", "reason": "opted_in_without_token"}],
            "drainedLegacyPasswords": [], "fixesApplied": {"newsletterTokens": 1, "legacyPasswordsDeleted": 0},
            "aNewerField": true
        }))
        .unwrap();
        assert_eq!(r.unresolved(), 1);
    }
}
