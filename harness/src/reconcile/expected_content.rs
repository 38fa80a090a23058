//! laddr's side, what projects say and what else is published: the new-stack fields
//! expected of updates, buzz, tags and public blog posts.

use super::expected::{err, opt_text, put};
use crate::legacy::LegacyDb;
use crate::mapping;
use crate::preflight::{BLOG_POST_CLASS, PERSON_IN_SCOPE};
use crate::Error;
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::BTreeMap;

/// Updates by laddr id.
pub(super) async fn updates(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(x.ID AS SIGNED), CAST(x.ProjectID AS SIGNED), CAST(x.Number AS SIGNED), x.Body, \
         CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = x.CreatorID AND {PERSON_IN_SCOPE}), x.CreatorID, NULL) AS SIGNED), \
         CAST(UNIX_TIMESTAMP(x.Created) AS SIGNED) FROM project_updates x JOIN projects p ON p.ID = x.ProjectID ORDER BY x.ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading updates", e))?;
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "updates", e))?;
        let mut e = Map::new();
        e.insert("project".into(), r.try_get::<i64, _>(1).unwrap_or(0).into());
        e.insert("number".into(), r.try_get::<i64, _>(2).unwrap_or(0).into());
        e.insert(
            "body".into(),
            r.try_get::<String, _>(3).unwrap_or_default().into(),
        );
        put(
            &mut e,
            "author",
            r.try_get::<Option<i64>, _>(4).ok().flatten(),
        );
        put(
            &mut e,
            "createdAt",
            r.try_get::<Option<i64>, _>(5).ok().flatten(),
        );
        out.insert(id.to_string(), e);
    }
    Ok(())
}

/// Buzz by laddr id.
pub(super) async fn buzz(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(
        "SELECT CAST(b.ID AS SIGNED), CAST(b.ProjectID AS SIGNED), b.Handle, b.Headline, b.URL, \
         CAST(UNIX_TIMESTAMP(b.Published) AS SIGNED), b.Summary FROM project_buzz b JOIN projects p ON p.ID = b.ProjectID ORDER BY b.ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading buzz", e))?;
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "buzz", e))?;
        let handle: String = r.try_get(2).unwrap_or_default();
        let headline: String = r.try_get(3).unwrap_or_default();
        let mut e = Map::new();
        e.insert("project".into(), r.try_get::<i64, _>(1).unwrap_or(0).into());
        e.insert(
            "slug".into(),
            mapping::slugify(&handle, false, 80)
                .unwrap_or_else(|| format!("legacy-{id}"))
                .into(),
        );
        e.insert(
            "headline".into(),
            headline.chars().take(200).collect::<String>().into(),
        );
        e.insert(
            "url".into(),
            mapping::buzz_url(&r.try_get::<String, _>(4).unwrap_or_default()).into(),
        );
        put(
            &mut e,
            "publishedAt",
            r.try_get::<Option<i64>, _>(5).ok().flatten(),
        );
        put(&mut e, "summary", opt_text(r.try_get(6).ok().flatten()));
        out.insert(id.to_string(), e);
    }
    Ok(())
}

/// Tags with a namespace, by laddr id.
pub(super) async fn tags(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query("SELECT CAST(ID AS SIGNED), Handle, Title FROM tags ORDER BY ID")
        .fetch_all(db.pool())
        .await
        .map_err(|e| err(db, "reading tags", e))?;
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "tags", e))?;
        let handle: String = r.try_get(1).unwrap_or_default();
        let Some((ns, slug)) = mapping::tag_handle(&handle) else {
            continue;
        };
        let mut e = Map::new();
        e.insert("namespace".into(), ns.into());
        e.insert("slug".into(), slug.into());
        put(&mut e, "title", opt_text(r.try_get(2).ok().flatten()));
        out.insert(id.to_string(), e);
    }
    Ok(())
}

/// Public, published blog posts by laddr id.
pub(super) async fn blog_posts(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(c.ID AS SIGNED), c.Handle, c.Title, c.Summary, \
         CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = c.AuthorID AND {PERSON_IN_SCOPE}), c.AuthorID, NULL) AS SIGNED), \
         CAST(UNIX_TIMESTAMP(COALESCE(c.Published, c.Created)) AS SIGNED) FROM content c \
         WHERE c.Class = ? AND c.Status = 'Published' AND c.Visibility = 'Public' \
         AND (c.Published IS NULL OR c.Published <= NOW()) ORDER BY c.ID"
    ))
    .bind(BLOG_POST_CLASS)
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading blog posts", e))?;
    for r in rows {
        let id: i64 = r.try_get(0).map_err(|e| err(db, "blog posts", e))?;
        let handle: String = r.try_get(1).unwrap_or_default();
        let mut e = Map::new();
        e.insert(
            "slug".into(),
            mapping::slugify(&handle, false, 80)
                .unwrap_or_else(|| format!("legacy-{id}"))
                .into(),
        );
        e.insert(
            "title".into(),
            r.try_get::<String, _>(2).unwrap_or_default().into(),
        );
        put(&mut e, "summary", opt_text(r.try_get(3).ok().flatten()));
        put(
            &mut e,
            "author",
            r.try_get::<Option<i64>, _>(4).ok().flatten(),
        );
        put(
            &mut e,
            "postedAt",
            r.try_get::<Option<i64>, _>(5).ok().flatten(),
        );
        out.insert(id.to_string(), e);
    }
    Ok(())
}
