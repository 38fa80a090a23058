//! The members: laddr's people with a Username, joined to their twins in the data repo and
//! to the known passwords.

use super::{HashKind, KnownPassword};
use crate::datarepo::Snapshot;
use crate::legacy::LegacyDb;
use crate::Error;
use std::collections::HashMap;

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
    pub(super) fn open(&self) -> bool {
        self.person_id.is_some() && !self.deleted && !self.linked
    }

    pub(super) fn signs_in(&self) -> bool {
        self.is_user
            && matches!(
                self.level.as_str(),
                "User" | "Staff" | "Administrator" | "Developer"
            )
    }
}

crate::legacy_row! {
    /// A row of the people query (Username is not NULL: the query asks for it).
    struct MemberRow {
        id: i64,
        class: String,
        username: String,
        email: Option<String>,
        password: Option<String>,
        account_level: Option<String>,
    }
}

/// laddr's members with a Username, joined to the data repo and the known passwords.
pub async fn members(
    db: &LegacyDb,
    snap: &Snapshot,
    passwords: &[KnownPassword],
) -> Result<Vec<Member>, Error> {
    let rows = sqlx::query("SELECT CAST(ID AS SIGNED) AS id, Class AS class, Username AS username, Email AS email, Password AS password, CAST(AccountLevel AS CHAR) AS account_level FROM people WHERE Username IS NOT NULL AND Username <> '' ORDER BY ID")
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
    for r in db.decode::<MemberRow>("people", &rows)? {
        let id = r.id;
        let hash = r.password;
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
            username: r.username,
            email: r.email.filter(|e| !e.is_empty()),
            // laddr's AccountLevel may be NULL; its default is User.
            level: r.account_level.unwrap_or_else(|| "User".into()),
            is_user: r.class.ends_with("\\User"),
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
