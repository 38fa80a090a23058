//! laddr's side, people and projects: in-scope people and what the private store must
//! reflect of them, and the new-stack fields expected of every entity, read from laddr in ID
//! order with the columns each mapping needs.

use super::expected_content;
use crate::legacy::LegacyDb;
use crate::mapping::{self, SlugAllocator};
use crate::preflight::{Entity, PERSON_IN_SCOPE};
use crate::Error;
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::BTreeMap;

/// A laddr person in scope, with what the private store must reflect.
#[derive(Debug, Clone)]
pub struct LegacyPerson {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub password: Option<String>,
    pub newsletter: Option<i64>,
    pub expected: Map<String, Value>,
}

pub(super) fn err(db: &LegacyDb, what: &str, e: sqlx::Error) -> Error {
    Error::LegacyDatabase {
        url: db.display.clone(),
        message: format!("{what}: {e}"),
    }
}

pub(super) fn opt_text(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

pub(super) fn put(m: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
    if let Some(v) = v {
        m.insert(k.into(), v.into());
    }
}

/// In-scope laddr people in ID order, with their expected new-stack fields.
pub async fn legacy_people(db: &LegacyDb) -> Result<Vec<LegacyPerson>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(ID AS SIGNED), Username, Email, Password, CAST(Newsletter AS SIGNED), FirstName, LastName, \
         PreferredName, About, CAST(AccountLevel AS CHAR), CAST(UNIX_TIMESTAMP(Created) AS SIGNED) \
         FROM people u WHERE {PERSON_IN_SCOPE} ORDER BY ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading people", e))?;
    let mut slugs = SlugAllocator::default();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "people", e))?;
        let username: String = r.try_get(1).map_err(|e| err(db, "people", e))?;
        let first: String = r
            .try_get::<Option<String>, _>(5)
            .ok()
            .flatten()
            .unwrap_or_default();
        let last: String = r
            .try_get::<Option<String>, _>(6)
            .ok()
            .flatten()
            .unwrap_or_default();
        let preferred: Option<String> = r.try_get(7).ok().flatten();
        let level: Option<String> = r.try_get(9).ok().flatten();
        let mut e = Map::new();
        e.insert("slug".into(), slugs.person(&username, id as u64).into());
        e.insert(
            "fullName".into(),
            mapping::full_name(preferred.as_deref(), &first, &last, &username).into(),
        );
        put(&mut e, "firstName", opt_text(Some(first)));
        put(&mut e, "lastName", opt_text(Some(last)));
        put(&mut e, "bio", opt_text(r.try_get(8).ok().flatten()));
        e.insert(
            "accountLevel".into(),
            mapping::account_level(level.as_deref()).into(),
        );
        put(
            &mut e,
            "createdAt",
            r.try_get::<Option<i64>, _>(10).ok().flatten(),
        );
        out.push(LegacyPerson {
            id,
            username,
            email: opt_text(r.try_get(2).ok().flatten()),
            password: opt_text(r.try_get(3).ok().flatten()),
            newsletter: r.try_get(4).ok().flatten(),
            expected: e,
        });
    }
    Ok(out)
}

/// Expected fields of the other entities, keyed as [`crate::preflight`] keys them.
pub async fn legacy_expected(
    db: &LegacyDb,
    entity: Entity,
) -> Result<BTreeMap<String, Map<String, Value>>, Error> {
    let mut out = BTreeMap::new();
    match entity {
        Entity::People => {
            for p in legacy_people(db).await? {
                out.insert(p.id.to_string(), p.expected);
            }
        }
        Entity::Projects => projects(db, &mut out).await?,
        Entity::Memberships => memberships(db, &mut out).await?,
        Entity::Updates => expected_content::updates(db, &mut out).await?,
        Entity::Buzz => expected_content::buzz(db, &mut out).await?,
        Entity::Tags => expected_content::tags(db, &mut out).await?,
        Entity::BlogPosts => expected_content::blog_posts(db, &mut out).await?,
        Entity::TagAssignments => {}
    }
    Ok(out)
}

/// Projects by laddr id.
async fn projects(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(p.ID AS SIGNED), p.Handle, p.Title, CAST(p.Stage AS CHAR), p.UsersUrl, p.DevelopersUrl, p.ChatChannel, \
         p.README, CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = p.MaintainerID AND {PERSON_IN_SCOPE}), p.MaintainerID, NULL) AS SIGNED), \
         CAST(UNIX_TIMESTAMP(p.Created) AS SIGNED) FROM projects p ORDER BY p.ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading projects", e))?;
    let mut slugs = SlugAllocator::default();
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "projects", e))?;
        let handle: String = r.try_get(1).map_err(|e| err(db, "projects", e))?;
        let title: String = r.try_get(2).unwrap_or_default();
        let mut e = Map::new();
        e.insert("slug".into(), slugs.project(&handle, id as u64).into());
        e.insert(
            "title".into(),
            title.chars().take(200).collect::<String>().into(),
        );
        e.insert(
            "stage".into(),
            mapping::stage(r.try_get::<Option<String>, _>(3).ok().flatten().as_deref()).into(),
        );
        let users: Option<String> = r.try_get(4).ok().flatten();
        let devs: Option<String> = r.try_get(5).ok().flatten();
        put(&mut e, "usersUrl", mapping::https_only(users.as_deref()));
        put(
            &mut e,
            "developersUrl",
            mapping::https_only(devs.as_deref()),
        );
        // Advisory: an http URL the mapping drops. Kept out of the compared fields.
        let dropped = [users, devs]
            .into_iter()
            .flatten()
            .filter(|u| u.starts_with("http://"))
            .count();
        if dropped > 0 {
            e.insert("~droppedHttpUrls".into(), dropped.into());
        }
        put(
            &mut e,
            "chatChannel",
            mapping::chat_channel(r.try_get::<Option<String>, _>(6).ok().flatten().as_deref()),
        );
        put(&mut e, "overview", opt_text(r.try_get(7).ok().flatten()));
        put(
            &mut e,
            "maintainer",
            r.try_get::<Option<i64>, _>(8).ok().flatten(),
        );
        put(
            &mut e,
            "createdAt",
            r.try_get::<Option<i64>, _>(9).ok().flatten(),
        );
        out.insert(id.to_string(), e);
    }
    Ok(())
}

/// Memberships of in-scope people, keyed by project and person.
async fn memberships(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CONCAT('project ', m.ProjectID, ' / person ', m.MemberID), m.Role, \
         CAST(m.MemberID = COALESCE(p.MaintainerID, 0) AS SIGNED), CAST(UNIX_TIMESTAMP(m.Created) AS SIGNED) \
         FROM project_members m JOIN projects p ON p.ID = m.ProjectID JOIN people u ON u.ID = m.MemberID \
         WHERE {PERSON_IN_SCOPE} ORDER BY m.ProjectID, m.MemberID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading memberships", e))?;
    for r in rows {
        let key: String = r.try_get(0).map_err(|e| err(db, "memberships", e))?;
        let mut e = Map::new();
        put(&mut e, "role", opt_text(r.try_get(1).ok().flatten()));
        e.insert(
            "isMaintainer".into(),
            (r.try_get::<i64, _>(2).unwrap_or(0) == 1).into(),
        );
        put(
            &mut e,
            "joinedAt",
            r.try_get::<Option<i64>, _>(3).ok().flatten(),
        );
        out.insert(key, e);
    }
    Ok(())
}
