//! Slack SAML continuity (laddr.md §5, new-stack.md §5): what laddr asserted for each user,
//! what the new IdP asserts, and whether Slack will still recognise them.
//!
//! * [`xml`] — SAML documents read as untrusted input.
//! * [`verify`] — xmlsec signature verification, reduced to what was signed.
//! * [`flow`] — the IdP-initiated and SP-initiated flows over HTTP, with minted sessions.
//! * [`capture`] — captured laddr SAMLResponses compared field by field.
//! * [`judge`] — evidence for each scenario, from the collected results.

pub mod capture;
pub mod flow;
pub mod judge;
pub mod shared;
pub mod verify;
pub mod xml;

use crate::legacy::LegacyDb;
use crate::Error;
use serde::Serialize;
use std::path::PathBuf;

/// Slack's entity id (laddr.md §5).
pub const SLACK_ENTITY: &str = "https://slack.com";
/// laddr's Issuer: the site's bare hostname.
pub const DEFAULT_IDP_ENTITY_ID: &str = "codeforphilly.org";
/// The longest validity window accepted (issue: at most 10 minutes).
pub const MAX_WINDOW_SECS: i64 = 600;
/// Clock skew allowed when deciding whether a window contains now.
pub const SKEW_SECS: i64 = 60;

/// What the SAML checks need to know beyond the environment.
#[derive(Clone, Default)]
pub struct SamlSetup {
    pub team_host: String,
    pub idp_entity_id: String,
    /// DER of the certificate Slack holds for the IdP.
    pub trusted_cert: Option<Vec<u8>>,
    /// DER of laddr's signing certificate (for captured assertions).
    pub legacy_cert: Option<Vec<u8>>,
    /// Captured laddr SAMLResponses (`*.xml`, `*.b64`, `*.txt`).
    pub captures: Option<PathBuf>,
    /// HS256 key for minting sessions (rehearsal). Never printed.
    pub jwt_key: Option<Vec<u8>>,
    /// Users taken through the SP-initiated flows (besides the awkward cases).
    pub sp_sample: usize,
    /// A paced run cannot launch for every member (22,904 launches at 60 reads a minute is
    /// six hours): take this many through the IdP (awkward usernames first, then an even
    /// spread) and prove every member's NameID from the data repo. `None`: every member.
    pub idp_sample: Option<usize>,
}

impl std::fmt::Debug for SamlSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamlSetup")
            .field("team_host", &self.team_host)
            .field("idp_entity_id", &self.idp_entity_id)
            .field(
                "trusted_cert",
                &self.trusted_cert.as_deref().map(verify::fingerprint),
            )
            .field("captures", &self.captures)
            .field("jwt_key", &self.jwt_key.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl SamlSetup {
    /// Slack's Assertion Consumer Service for the team.
    pub fn acs(&self) -> String {
        format!("https://{}/sso/saml", self.team_host)
    }
}

/// One laddr person as the SAML connector saw them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyUser {
    pub id: i64,
    pub is_user: bool,
    pub username: Option<String>,
    pub email: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// NULL reads as the column default, User.
    pub level: String,
}

impl LegacyUser {
    /// laddr let Users with AccountLevel User or higher and a Username through to Slack.
    pub fn eligible(&self) -> bool {
        self.is_user
            && self.username.as_deref().is_some_and(|u| !u.is_empty())
            && matches!(
                self.level.as_str(),
                "User" | "Staff" | "Administrator" | "Developer"
            )
    }

    /// What laddr asserted for this user (laddr.md §5).
    pub fn expected_assertion(&self, team_host: &str) -> serde_json::Value {
        serde_json::json!({
            "nameId": { "value": self.username, "format": xml::PERSISTENT,
                        "nameQualifier": team_host, "spNameQualifier": SLACK_ENTITY },
            "attributes": { "User.Email": self.email, "User.Username": self.username,
                            "first_name": self.first_name, "last_name": self.last_name },
        })
    }
}

crate::legacy_row! {
    /// A row of the SAML people query, by column name.
    struct UserRow {
        id: i64,
        class: String,
        username: Option<String>,
        email: Option<String>,
        first_name: String,
        last_name: String,
        account_level: Option<String>,
    }
}

/// Every laddr person with the columns the SAML connector read.
pub async fn legacy_users(db: &LegacyDb) -> Result<Vec<LegacyUser>, Error> {
    let rows = sqlx::query(
        "SELECT CAST(ID AS SIGNED) AS id, Class AS class, Username AS username, Email AS email, \
         FirstName AS first_name, LastName AS last_name, CAST(AccountLevel AS CHAR) AS account_level \
         FROM people ORDER BY ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| Error::LegacyDatabase { url: db.display.clone(), message: format!("reading people for SAML: {e}") })?;
    Ok(db
        .decode::<UserRow>("people", &rows)?
        .into_iter()
        .map(|r| LegacyUser {
            id: r.id,
            is_user: r.class.ends_with("\\User"),
            username: r.username,
            email: r.email.filter(|e| !e.is_empty()),
            first_name: r.first_name,
            last_name: r.last_name,
            // laddr's AccountLevel may be NULL; its default is User.
            level: r.account_level.unwrap_or_else(|| "User".into()),
        })
        .collect())
}

/// A laddr user and their twin in the new stack (found by legacyId).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub legacy: LegacyUser,
    pub person_id: Option<String>,
    pub slug: Option<String>,
    pub account_level: Option<String>,
    /// `deletedAt` is set: deactivated in the new stack, so not asserted.
    pub deactivated: bool,
    /// The twin's `slackSamlNameId` in the data repo (what the IdP will assert).
    pub name_id: Option<String>,
}

impl Subject {
    /// The new IdP must assert this member: laddr let them into Slack, Slack knows them by an
    /// email (it requires one, so a member without one never had an account), and their twin
    /// is active.
    pub fn must_be_asserted(&self) -> bool {
        self.legacy.eligible()
            && self.legacy.email.is_some()
            && self.person_id.is_some()
            && !self.deactivated
    }

    /// The new IdP must refuse this person: they have a twin, but laddr kept them out of
    /// Slack, or they have no email (no profile), or the twin is deactivated.
    pub fn must_be_refused(&self) -> bool {
        self.person_id.is_some()
            && (self.deactivated || !self.legacy.eligible() || self.legacy.email.is_none())
    }

    /// Why [`Subject::must_be_refused`] holds.
    pub fn refusal_reason(&self) -> &'static str {
        if self.deactivated {
            "deactivated in the new stack"
        } else if !self.legacy.eligible() {
            "laddr kept them out of Slack"
        } else {
            "no email, so no profile (Slack never had an account for them)"
        }
    }

    pub fn label(&self) -> String {
        format!(
            "legacy {} ({})",
            self.legacy.id,
            self.legacy.username.as_deref().unwrap_or("no username")
        )
    }
}

/// Join laddr's people with the data repo's (by legacyId).
pub fn subjects(users: &[LegacyUser], snap: &crate::datarepo::Snapshot) -> Vec<Subject> {
    let mut by_legacy = std::collections::HashMap::new();
    for r in snap.sheet("people") {
        if let Some(id) = r.fields.get("legacyId").and_then(|v| v.as_integer()) {
            by_legacy.entry(id).or_insert(r);
        }
    }
    users
        .iter()
        .map(|u| {
            let twin = by_legacy.get(&u.id);
            let f = |k: &str| {
                twin.and_then(|r| r.fields.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            Subject {
                legacy: u.clone(),
                person_id: f("id"),
                slug: f("slug"),
                account_level: f("accountLevel"),
                deactivated: twin.is_some_and(|r| r.fields.contains_key("deletedAt")),
                name_id: f("slackSamlNameId"),
            }
        })
        .collect()
}

/// How Slack will treat a user after the cutover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Continuity {
    /// NameID equals the laddr Username byte for byte.
    Continuous,
    /// NameID changed but the email still matches: Slack matches by email (degraded).
    EmailOnly,
    /// Both changed: Slack creates a duplicate account.
    Broken,
    /// No assertion was obtained for the user.
    NotAsserted,
}

impl Continuity {
    pub fn label(self) -> &'static str {
        match self {
            Continuity::Continuous => "continuous",
            Continuity::EmailOnly => "matched by email only",
            Continuity::Broken => "broken (duplicate Slack account)",
            Continuity::NotAsserted => "not asserted",
        }
    }
}

/// The continuity verdict for one user from the assertion the signature covers.
pub fn continuity(user: &LegacyUser, asserted: &xml::Assertion) -> Continuity {
    let name_id = asserted.name_id_value();
    if name_id.is_some() && name_id == user.username.as_deref() {
        return Continuity::Continuous;
    }
    let email = asserted.attribute("User.Email").map(str::trim);
    match (email, user.email.as_deref()) {
        (Some(a), Some(l)) if a.eq_ignore_ascii_case(l.trim()) => Continuity::EmailOnly,
        _ => Continuity::Broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, email: Option<&str>) -> LegacyUser {
        LegacyUser {
            id: 2,
            is_user: true,
            username: Some(name.into()),
            email: email.map(str::to_string),
            first_name: "Toni".into(),
            last_name: "Mac".into(),
            level: "User".into(),
        }
    }

    fn asserting(name_id: &str, email: &str) -> xml::Assertion {
        let mut a = xml::Assertion {
            name_id: Some(xml::NameId {
                value: name_id.into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        a.attributes.insert("User.Email".into(), vec![email.into()]);
        a
    }

    #[test]
    fn continuity_is_byte_for_byte_then_email_then_broken() {
        let u = user("Tonimacattack", Some("Toni@Example.org"));
        assert_eq!(
            continuity(&u, &asserting("Tonimacattack", "x@y.z")),
            Continuity::Continuous
        );
        assert_eq!(
            continuity(&u, &asserting("tonimacattack", "toni@example.org")),
            Continuity::EmailOnly
        );
        assert_eq!(
            continuity(&u, &asserting("tonimacattack", "other@example.org")),
            Continuity::Broken
        );
        assert_eq!(
            continuity(&u, &asserting("Tonimacattack ", "toni@example.org")),
            Continuity::EmailOnly
        );
        assert_eq!(
            continuity(&user("lurker", None), &asserting("Lurker", "")),
            Continuity::Broken
        );
    }

    #[test]
    fn eligibility_follows_laddr() {
        let mut u = user("a", None);
        assert!(u.eligible());
        for level in ["Disabled", "Contact"] {
            u.level = level.into();
            assert!(!u.eligible(), "{level}");
        }
        u.level = "Developer".into();
        assert!(u.eligible());
        u.is_user = false;
        assert!(!u.eligible());
        u.is_user = true;
        u.username = Some(String::new());
        assert!(!u.eligible());
    }
}
