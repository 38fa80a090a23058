//! Sign-in and account claim (new-stack.md §5, laddr.md §3): every kind of legacy member gets
//! back in — by old password, by GitHub with a matching verified email, through staff review
//! when the email is dead — and nobody else does.
//!
//! * [`mock`] — GitHub and Resend played by wiremock; the stack under test is started with
//!   its GitHub and Resend base URLs pointed at them.
//! * [`stats`] — the timing comparison (Mann–Whitney U).
//! * [`checks`] — one function per scenario, each returning evidence.
//!
//! The people each scenario acts as are chosen here ([`Cast`]) from laddr (level, email, the
//! hash's format), the data repo (slug, deactivation, GitHub link, memberships) and the known
//! passwords (the rehearsal's fixture secrets, or an acceptance run's test accounts). Every
//! scenario acts as different people, so scenarios do not disturb each other.

pub mod checks;
pub mod mock;
pub mod stats;

use crate::datarepo::Snapshot;
use crate::legacy::LegacyDb;
use crate::Error;
use serde::Deserialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

pub const CLAIM_COOKIE: &str = "cfp_claim";
pub const OAUTH_STATE_COOKIE: &str = "cfp_oauth_state";
pub const OAUTH_SESSION_COOKIE: &str = "cfp_oauth_session";

/// What the site does when a verified GitHub email matches one legacy person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmailMatch {
    /// The claim screen lists the person; the member confirms (the contract's flow).
    #[default]
    ClaimScreen,
    /// The callback links and signs in at once.
    AutoLink,
    /// Either is accepted; the evidence says which happened.
    Either,
}

impl std::str::FromStr for EmailMatch {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "claim-screen" => Ok(EmailMatch::ClaimScreen),
            "auto-link" => Ok(EmailMatch::AutoLink),
            "either" => Ok(EmailMatch::Either),
            o => Err(format!(
                "email_match {o:?}: expected claim-screen, auto-link or either"
            )),
        }
    }
}

/// A password whose plaintext the run knows (laddr id and username; never reported).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownPassword {
    pub person_id: i64,
    pub username: String,
    #[serde(default)]
    pub scheme: String,
    pub plaintext: String,
}

impl std::fmt::Debug for KnownPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownPassword(laddr {})", self.person_id)
    }
}

/// Read a known-passwords file: a JSON array of `{personId, username, scheme?, plaintext}`.
pub fn read_passwords(path: &std::path::Path) -> Result<Vec<KnownPassword>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("known passwords {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!("known passwords {}: not a JSON array of {{personId, username, plaintext}}: line {} column {}", path.display(), e.line(), e.column()))
    })
}

/// Everything the account-claim checks need besides the stack.
#[derive(Clone, Debug)]
pub struct ClaimSetup {
    pub passwords: Vec<KnownPassword>,
    /// The only members the scenarios may act on (laddr IDs), when the run names them.
    pub test_accounts: Option<HashSet<i64>>,
    pub mocks: Option<Arc<mock::Mocks>>,
    /// The session key (to act as staff, and to mint an expired claim cookie).
    pub jwt_key: Option<Vec<u8>>,
    pub email_match: EmailMatch,
    /// Tries per group in the timing comparison.
    pub timing_samples: usize,
}

impl Default for ClaimSetup {
    fn default() -> Self {
        ClaimSetup {
            passwords: Vec::new(),
            test_accounts: None,
            mocks: None,
            jwt_key: None,
            email_match: EmailMatch::default(),
            timing_samples: 25,
        }
    }
}

/// The format of a laddr password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    Sha1,
    /// bcrypt written by PHP's `password_hash`: `$2y$`.
    Bcrypt2y,
    Bcrypt,
    /// Anything laddr's code would not verify.
    Foreign,
    None,
}

impl HashKind {
    pub fn of(hash: Option<&str>) -> Self {
        match hash {
            None | Some("") => HashKind::None,
            Some(h)
                if h.len() == 40
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                HashKind::Sha1
            }
            Some(h) if h.len() == 60 && h.starts_with("$2y$") => HashKind::Bcrypt2y,
            Some(h) if h.len() == 60 && (h.starts_with("$2a$") || h.starts_with("$2b$")) => {
                HashKind::Bcrypt
            }
            Some(_) => HashKind::Foreign,
        }
    }
}

/// A laddr member and their twin in the new stack.
#[derive(Clone)]
pub struct Member {
    pub laddr_id: i64,
    pub username: String,
    pub email: Option<String>,
    /// laddr's AccountLevel (NULL reads as User).
    pub level: String,
    pub is_user: bool,
    pub hash: HashKind,
    pub password: Option<String>,
    pub person_id: Option<String>,
    pub slug: Option<String>,
    pub new_level: Option<String>,
    pub deleted: bool,
    pub linked: bool,
    pub memberships: usize,
    pub authored: usize,
}

impl std::fmt::Debug for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.label())
    }
}

impl Member {
    /// `legacy 123 (slug)`: how evidence names a person.
    pub fn label(&self) -> String {
        format!(
            "legacy {} ({})",
            self.laddr_id,
            self.slug.as_deref().unwrap_or("no twin")
        )
    }

    /// Carried, active and not yet linked to GitHub.
    fn open(&self) -> bool {
        self.person_id.is_some() && !self.deleted && !self.linked
    }

    fn signs_in(&self) -> bool {
        self.is_user
            && matches!(
                self.level.as_str(),
                "User" | "Staff" | "Administrator" | "Developer"
            )
    }
}

/// The roles scenarios act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Sha1Login,
    BcryptLogin,
    WrongSha1,
    WrongBcrypt,
    Foreign,
    Disabled,
    Contact,
    GithubEmail,
    GithubUsername,
    GithubUnverified,
    Several,
    SeveralUnverified,
    StaffReview,
    Decline,
    SecondLinked,
    SecondOther,
    Reset,
    ResetNoEmail,
    Reviewer,
}

/// Who each scenario acts as, or why nobody fits.
#[derive(Debug, Default)]
pub struct Cast {
    roles: BTreeMap<Role, Result<Vec<Member>, String>>,
}

impl Cast {
    pub fn get(&self, role: Role) -> Result<&[Member], String> {
        match self.roles.get(&role) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("no {role:?} chosen")),
        }
    }

    pub fn one(&self, role: Role) -> Result<&Member, String> {
        self.get(role).map(|v| &v[0])
    }

    /// Choose from `members` (any order). Deterministic: highest laddr id first, so the fixed
    /// cast at the low ids (which other checks' faults touch) is left alone.
    pub fn choose(members: &[Member]) -> Cast {
        Cast::choose_among(members, None)
    }

    /// As [`Cast::choose`], acting only on the named test accounts (laddr IDs) when `allowed`
    /// is given: a run against a real stack never acts on a member it chose from laddr. A
    /// role no test account fits is "not run", saying what it needs; the sign-in roles make
    /// do with fewer members than a rehearsal uses.
    pub fn choose_among(members: &[Member], allowed: Option<&HashSet<i64>>) -> Cast {
        let mut sorted: Vec<&Member> = members
            .iter()
            .filter(|m| allowed.is_none_or(|a| a.contains(&m.laddr_id)))
            .collect();
        sorted.sort_by_key(|m| std::cmp::Reverse(m.laddr_id));
        let mut used: HashSet<i64> = HashSet::new();
        let mut cast = Cast::default();
        let mut pick = |cast: &mut Cast,
                        role: Role,
                        n: usize,
                        what: &str,
                        pred: &dyn Fn(&Member) -> bool,
                        exclusive: bool| {
            // A non-exclusive role (the staff reviewer) only acts on others, so anyone fits.
            let found: Vec<Member> = sorted
                .iter()
                .filter(|m| (!exclusive || !used.contains(&m.laddr_id)) && pred(m))
                .take(n)
                .map(|m| (*m).clone())
                .collect();
            let shrinks = matches!(role, Role::Sha1Login | Role::BcryptLogin);
            let enough = found.len() >= n || (allowed.is_some() && shrinks && !found.is_empty());
            let r = if !enough && allowed.is_some() {
                Err(format!(
                    "{}no named test account fits this scenario: it needs {n} member(s) who {what} ([run] test_accounts)",
                    crate::evidence::NOT_RUN
                ))
            } else if !enough {
                Err(format!(
                    "laddr has {} of the {n} member(s) needed who {what}",
                    found.len()
                ))
            } else {
                if exclusive {
                    used.extend(found.iter().map(|m| m.laddr_id));
                }
                Ok(found)
            };
            cast.roles.insert(role, r);
        };
        let login = |k: HashKind| {
            move |m: &Member| {
                m.open() && m.signs_in() && m.email.is_some() && m.hash == k && m.password.is_some()
            }
        };
        pick(
            &mut cast,
            Role::Sha1Login,
            4,
            "sign in with a known SHA-1 password and have an email",
            &login(HashKind::Sha1),
            true,
        );
        pick(
            &mut cast,
            Role::BcryptLogin,
            4,
            "sign in with a known bcrypt $2y$ password and have an email",
            &login(HashKind::Bcrypt2y),
            true,
        );
        pick(
            &mut cast,
            Role::WrongSha1,
            1,
            "have a SHA-1 hash",
            &|m| m.open() && m.signs_in() && m.hash == HashKind::Sha1,
            true,
        );
        pick(
            &mut cast,
            Role::WrongBcrypt,
            1,
            "have a bcrypt $2y$ hash",
            &|m| m.open() && m.signs_in() && m.hash == HashKind::Bcrypt2y,
            true,
        );
        pick(
            &mut cast,
            Role::Foreign,
            1,
            "have a hash in a format laddr never wrote, with a known password",
            &|m| {
                m.person_id.is_some()
                    && !m.deleted
                    && m.hash == HashKind::Foreign
                    && m.password.is_some()
            },
            true,
        );
        pick(
            &mut cast,
            Role::Disabled,
            1,
            "are Disabled with a known password",
            &|m| m.level == "Disabled" && m.password.is_some(),
            true,
        );
        pick(
            &mut cast,
            Role::Contact,
            1,
            "are Contact level with a Username and a known password",
            &|m| m.level == "Contact" && m.password.is_some(),
            true,
        );
        let with_email = |m: &Member| m.open() && m.email.is_some();
        pick(
            &mut cast,
            Role::GithubEmail,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::GithubUsername,
            1,
            "have a known SHA-1 password and a slug",
            &|m| {
                m.open()
                    && m.signs_in()
                    && m.hash == HashKind::Sha1
                    && m.password.is_some()
                    && m.slug.as_ref().is_some_and(|s| s.len() >= 2)
            },
            true,
        );
        pick(
            &mut cast,
            Role::GithubUnverified,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::Several,
            3,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::SeveralUnverified,
            1,
            "have an email",
            &with_email,
            true,
        );
        // Prefer someone with memberships and authored updates or buzz (most to lose).
        let refs = |m: &Member| m.open() && m.email.is_some() && m.memberships > 0;
        pick(
            &mut cast,
            Role::StaffReview,
            1,
            "have memberships and authored updates or buzz",
            &|m| refs(m) && m.authored > 0,
            true,
        );
        if cast
            .roles
            .get(&Role::StaffReview)
            .is_some_and(|r| r.is_err())
        {
            pick(
                &mut cast,
                Role::StaffReview,
                1,
                "have project memberships",
                &refs,
                true,
            );
        }
        pick(
            &mut cast,
            Role::Decline,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::SecondLinked,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::SecondOther,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::Reset,
            1,
            "have an email",
            &with_email,
            true,
        );
        pick(
            &mut cast,
            Role::ResetNoEmail,
            1,
            "have no email",
            &|m| m.open() && m.email.is_none(),
            true,
        );
        pick(
            &mut cast,
            Role::Reviewer,
            1,
            "are staff in the new stack",
            &|m| {
                m.person_id.is_some()
                    && !m.deleted
                    && matches!(m.new_level.as_deref(), Some("staff" | "administrator"))
            },
            false,
        );
        cast
    }
}

/// laddr's members with a Username, joined to the data repo and the known passwords.
pub async fn members(
    db: &LegacyDb,
    snap: &Snapshot,
    passwords: &[KnownPassword],
) -> Result<Vec<Member>, Error> {
    let rows = sqlx::query("SELECT CAST(ID AS SIGNED), Class, Username, Email, Password, CAST(AccountLevel AS CHAR) FROM people WHERE Username IS NOT NULL AND Username <> '' ORDER BY ID")
        .fetch_all(db.pool())
        .await
        .map_err(|e| Error::LegacyDatabase { url: db.display.clone(), message: format!("reading people for sign-in: {e}") })?;
    let known: HashMap<i64, &str> = passwords
        .iter()
        .map(|p| (p.person_id, p.plaintext.as_str()))
        .collect();
    let mut by_legacy: HashMap<i64, &crate::datarepo::Record> = HashMap::new();
    for r in snap.sheet("people") {
        if let Some(l) = r.fields.get("legacyId").and_then(|v| v.as_integer()) {
            by_legacy.entry(l).or_insert(r);
        }
    }
    let count = |sheet: &str, field: &str| -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in snap.sheet(sheet) {
            if let Some(id) = r.fields.get(field).and_then(|v| v.as_str()) {
                *m.entry(id.to_string()).or_insert(0) += 1;
            }
        }
        m
    };
    let memberships = count("project-memberships", "personId");
    let updates = count("project-updates", "authorId");
    let buzz = count("project-buzz", "postedById");
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| Error::LegacyDatabase {
            url: db.display.clone(),
            message: e.to_string(),
        })?;
        let class: String = r.try_get(1).unwrap_or_default();
        let hash: Option<String> = r.try_get::<Option<String>, _>(4).ok().flatten();
        let twin = by_legacy.get(&id);
        let s = |k: &str| {
            twin.and_then(|t| t.fields.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let person_id = s("id");
        let pid = person_id.clone().unwrap_or_default();
        out.push(Member {
            laddr_id: id,
            username: r
                .try_get::<Option<String>, _>(2)
                .ok()
                .flatten()
                .unwrap_or_default(),
            email: r
                .try_get::<Option<String>, _>(3)
                .ok()
                .flatten()
                .filter(|e| !e.is_empty()),
            level: r
                .try_get::<Option<String>, _>(5)
                .ok()
                .flatten()
                .unwrap_or_else(|| "User".into()),
            is_user: class.ends_with("\\User"),
            hash: HashKind::of(hash.as_deref()),
            password: known.get(&id).map(|p| p.to_string()),
            slug: s("slug"),
            new_level: s("accountLevel"),
            deleted: twin.is_some_and(|t| t.fields.contains_key("deletedAt")),
            linked: twin.is_some_and(|t| t.fields.contains_key("githubUserId")),
            memberships: memberships.get(&pid).copied().unwrap_or(0),
            authored: updates.get(&pid).copied().unwrap_or(0)
                + buzz.get(&pid).copied().unwrap_or(0),
            person_id,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: i64, hash: HashKind, email: bool, pw: bool) -> Member {
        Member {
            laddr_id: id,
            username: format!("User{id}"),
            email: email.then(|| format!("u{id}@example.invalid")),
            level: "User".into(),
            is_user: true,
            hash,
            password: pw.then(|| "pw".into()),
            person_id: Some(format!("p{id}")),
            slug: Some(format!("user{id}")),
            new_level: Some("user".into()),
            deleted: false,
            linked: false,
            memberships: (id % 3) as usize,
            authored: (id % 5 == 0) as usize,
        }
    }

    #[test]
    fn hash_kinds() {
        assert_eq!(
            HashKind::of(Some("d033e22ae348aeb5660fc2140aec35850c4da997")),
            HashKind::Sha1
        );
        assert_eq!(
            HashKind::of(Some(&format!("$2y$10${}", "a".repeat(53)))),
            HashKind::Bcrypt2y
        );
        assert_eq!(
            HashKind::of(Some("{SHA}0DPiKuNIrrVmD8IUCuw1hQxNqZc=")),
            HashKind::Foreign
        );
        assert_eq!(HashKind::of(None), HashKind::None);
    }

    #[test]
    fn roles_take_distinct_people_from_the_top_and_say_who_is_missing() {
        let mut people: Vec<Member> = (1..=60)
            .map(|i| {
                m(
                    i,
                    if i % 2 == 0 {
                        HashKind::Sha1
                    } else {
                        HashKind::Bcrypt2y
                    },
                    i % 7 != 0,
                    true,
                )
            })
            .collect();
        people.push(Member {
            level: "Staff".into(),
            new_level: Some("staff".into()),
            ..m(61, HashKind::None, true, false)
        });
        let cast = Cast::choose(&people);
        let sha1 = cast.get(Role::Sha1Login).unwrap();
        assert_eq!(
            sha1.iter().map(|m| m.laddr_id).collect::<Vec<_>>(),
            vec![60, 58, 54, 52],
            "56 has no email"
        );
        let mut seen = HashSet::new();
        for role in [
            Role::Sha1Login,
            Role::BcryptLogin,
            Role::GithubEmail,
            Role::Several,
            Role::StaffReview,
            Role::Reset,
            Role::ResetNoEmail,
        ] {
            for x in cast.get(role).unwrap() {
                assert!(seen.insert(x.laddr_id), "{x:?} used twice");
            }
        }
        assert!(cast.get(Role::StaffReview).unwrap()[0].memberships > 0);
        assert_eq!(cast.one(Role::Reviewer).unwrap().laddr_id, 61);
        let err = cast.get(Role::Foreign).unwrap_err();
        assert!(
            err.contains("0 of the 1") && err.contains("format laddr never wrote"),
            "{err}"
        );
    }
}
