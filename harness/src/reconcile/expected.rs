//! laddr's side, people and projects: in-scope people and what the private store must
//! reflect of them, and the new-stack fields expected of every entity, read from laddr in ID
//! order with the columns each mapping needs.

use super::expected_content;
use crate::legacy::LegacyDb;
use crate::mapping::{self, SlugAllocator};
use crate::preflight::{Entity, PERSON_IN_SCOPE};
use crate::Error;
use serde_json::{Map, Value};
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

crate::legacy_row! {
    /// A row of the people query, as laddr's schema allows it.
    struct PersonRow {
        id: i64,
        username: String,
        email: Option<String>,
        password: Option<String>,
        newsletter: Option<i64>,
        first_name: String,
        last_name: String,
        preferred_name: Option<String>,
        about: Option<String>,
        account_level: Option<String>,
        created: Option<i64>,
    }
}

/// In-scope laddr people in ID order, with their expected new-stack fields.
pub async fn legacy_people(db: &LegacyDb) -> Result<Vec<LegacyPerson>, Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(ID AS SIGNED) AS id, Username AS username, Email AS email, Password AS password, \
         CAST(Newsletter AS SIGNED) AS newsletter, FirstName AS first_name, LastName AS last_name, \
         PreferredName AS preferred_name, About AS about, CAST(AccountLevel AS CHAR) AS account_level, \
         CAST(UNIX_TIMESTAMP(Created) AS SIGNED) AS created \
         FROM people u WHERE {PERSON_IN_SCOPE} ORDER BY ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading people", e))?;
    let mut slugs = SlugAllocator::default();
    let people: Vec<PersonRow> = db.decode("people", &rows)?;
    Ok(people
        .into_iter()
        .map(|r| {
            let mut e = Map::new();
            e.insert("slug".into(), slugs.person(&r.username, r.id as u64).into());
            e.insert(
                "fullName".into(),
                mapping::full_name(
                    r.preferred_name.as_deref(),
                    &r.first_name,
                    &r.last_name,
                    &r.username,
                )
                .into(),
            );
            put(&mut e, "firstName", opt_text(Some(r.first_name)));
            put(&mut e, "lastName", opt_text(Some(r.last_name)));
            put(&mut e, "bio", opt_text(r.about));
            e.insert(
                "accountLevel".into(),
                mapping::account_level(r.account_level.as_deref()).into(),
            );
            put(&mut e, "createdAt", r.created);
            LegacyPerson {
                id: r.id,
                username: r.username,
                email: opt_text(r.email),
                password: opt_text(r.password),
                newsletter: r.newsletter,
                expected: e,
            }
        })
        .collect())
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

crate::legacy_row! {
    /// A row of the projects query.
    struct ProjectRow {
        id: i64,
        handle: String,
        title: String,
        stage: Option<String>,
        users_url: Option<String>,
        developers_url: Option<String>,
        chat_channel: Option<String>,
        readme: Option<String>,
        maintainer: Option<i64>,
        created: Option<i64>,
    }
}

/// Projects by laddr id.
async fn projects(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(p.ID AS SIGNED) AS id, p.Handle AS handle, p.Title AS title, CAST(p.Stage AS CHAR) AS stage, \
         p.UsersUrl AS users_url, p.DevelopersUrl AS developers_url, p.ChatChannel AS chat_channel, p.README AS readme, \
         CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = p.MaintainerID AND {PERSON_IN_SCOPE}), p.MaintainerID, NULL) AS SIGNED) AS maintainer, \
         CAST(UNIX_TIMESTAMP(p.Created) AS SIGNED) AS created FROM projects p ORDER BY p.ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading projects", e))?;
    let mut slugs = SlugAllocator::default();
    for r in db.decode::<ProjectRow>("projects", &rows)? {
        let mut e = Map::new();
        e.insert("slug".into(), slugs.project(&r.handle, r.id as u64).into());
        e.insert(
            "title".into(),
            r.title.chars().take(200).collect::<String>().into(),
        );
        e.insert("stage".into(), mapping::stage(r.stage.as_deref()).into());
        put(
            &mut e,
            "usersUrl",
            mapping::https_only(r.users_url.as_deref()),
        );
        put(
            &mut e,
            "developersUrl",
            mapping::https_only(r.developers_url.as_deref()),
        );
        // Advisory: an http URL the mapping drops. Kept out of the compared fields.
        let dropped = [&r.users_url, &r.developers_url]
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
            mapping::chat_channel(r.chat_channel.as_deref()),
        );
        put(&mut e, "overview", opt_text(r.readme));
        put(&mut e, "maintainer", r.maintainer);
        put(&mut e, "createdAt", r.created);
        out.insert(r.id.to_string(), e);
    }
    Ok(())
}

crate::legacy_row! {
    /// A row of the memberships query.
    struct MembershipRow {
        key: String,
        role: Option<String>,
        is_maintainer: i64,
        joined: Option<i64>,
    }
}

/// Memberships of in-scope people, keyed by project and person.
async fn memberships(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CONCAT('project ', m.ProjectID, ' / person ', m.MemberID) AS `key`, m.Role AS role, \
         CAST(m.MemberID = COALESCE(p.MaintainerID, 0) AS SIGNED) AS is_maintainer, \
         CAST(UNIX_TIMESTAMP(m.Created) AS SIGNED) AS joined \
         FROM project_members m JOIN projects p ON p.ID = m.ProjectID JOIN people u ON u.ID = m.MemberID \
         WHERE {PERSON_IN_SCOPE} ORDER BY m.ProjectID, m.MemberID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading memberships", e))?;
    for r in db.decode::<MembershipRow>("memberships", &rows)? {
        let mut e = Map::new();
        put(&mut e, "role", opt_text(r.role));
        e.insert("isMaintainer".into(), (r.is_maintainer == 1).into());
        put(&mut e, "joinedAt", r.joined);
        out.insert(r.key, e);
    }
    Ok(())
}
