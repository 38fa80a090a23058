//! laddr's side, what projects say and what else is published: the new-stack fields
//! expected of updates, buzz, tags and public blog posts.

use super::expected::{err, opt_text, put};
use crate::legacy::LegacyDb;
use crate::mapping;
use crate::preflight::{BLOG_POST_CLASS, PERSON_IN_SCOPE};
use crate::Error;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

crate::legacy_row! {
    /// A row of the updates query.
    struct UpdateRow {
        id: i64,
        project: i64,
        number: i64,
        body: String,
        author: Option<i64>,
        created: Option<i64>,
    }
}

/// Updates by laddr id.
pub(super) async fn updates(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(x.ID AS SIGNED) AS id, CAST(x.ProjectID AS SIGNED) AS project, CAST(x.Number AS SIGNED) AS number, \
         x.Body AS body, \
         CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = x.CreatorID AND {PERSON_IN_SCOPE}), x.CreatorID, NULL) AS SIGNED) AS author, \
         CAST(UNIX_TIMESTAMP(x.Created) AS SIGNED) AS created FROM project_updates x JOIN projects p ON p.ID = x.ProjectID ORDER BY x.ID"
    ))
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading updates", e))?;
    for r in db.decode::<UpdateRow>("project_updates", &rows)? {
        let mut e = Map::new();
        e.insert("project".into(), r.project.into());
        e.insert("number".into(), r.number.into());
        e.insert("body".into(), r.body.into());
        put(&mut e, "author", r.author);
        put(&mut e, "createdAt", r.created);
        out.insert(r.id.to_string(), e);
    }
    Ok(())
}

crate::legacy_row! {
    /// A row of the buzz query.
    struct BuzzRow {
        id: i64,
        project: i64,
        handle: String,
        headline: String,
        url: String,
        published: Option<i64>,
        summary: Option<String>,
    }
}

/// Buzz by laddr id.
pub(super) async fn buzz(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(
        "SELECT CAST(b.ID AS SIGNED) AS id, CAST(b.ProjectID AS SIGNED) AS project, b.Handle AS handle, \
         b.Headline AS headline, b.URL AS url, CAST(UNIX_TIMESTAMP(b.Published) AS SIGNED) AS published, \
         b.Summary AS summary FROM project_buzz b JOIN projects p ON p.ID = b.ProjectID ORDER BY b.ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading buzz", e))?;
    for r in db.decode::<BuzzRow>("project_buzz", &rows)? {
        let mut e = Map::new();
        e.insert("project".into(), r.project.into());
        e.insert(
            "slug".into(),
            mapping::slugify(&r.handle, false, 80)
                .unwrap_or_else(|| format!("legacy-{}", r.id))
                .into(),
        );
        e.insert(
            "headline".into(),
            r.headline.chars().take(200).collect::<String>().into(),
        );
        e.insert("url".into(), mapping::buzz_url(&r.url).into());
        put(&mut e, "publishedAt", r.published);
        put(&mut e, "summary", opt_text(r.summary));
        out.insert(r.id.to_string(), e);
    }
    Ok(())
}

crate::legacy_row! {
    /// A row of the tags query.
    struct TagRow {
        id: i64,
        handle: String,
        title: Option<String>,
    }
}

/// Tags with a namespace, by laddr id.
pub(super) async fn tags(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(
        "SELECT CAST(ID AS SIGNED) AS id, Handle AS handle, Title AS title FROM tags ORDER BY ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading tags", e))?;
    for r in db.decode::<TagRow>("tags", &rows)? {
        let Some((ns, slug)) = mapping::tag_handle(&r.handle) else {
            continue;
        };
        let mut e = Map::new();
        e.insert("namespace".into(), ns.into());
        e.insert("slug".into(), slug.into());
        put(&mut e, "title", opt_text(r.title));
        out.insert(r.id.to_string(), e);
    }
    Ok(())
}

crate::legacy_row! {
    /// A row of the blog posts query.
    struct BlogPostRow {
        id: i64,
        handle: String,
        title: String,
        summary: Option<String>,
        author: Option<i64>,
        posted: Option<i64>,
    }
}

/// Public, published blog posts by laddr id.
pub(super) async fn blog_posts(
    db: &LegacyDb,
    out: &mut BTreeMap<String, Map<String, Value>>,
) -> Result<(), Error> {
    let rows = sqlx::query(&format!(
        "SELECT CAST(c.ID AS SIGNED) AS id, c.Handle AS handle, c.Title AS title, c.Summary AS summary, \
         CAST(IF(EXISTS (SELECT 1 FROM people u WHERE u.ID = c.AuthorID AND {PERSON_IN_SCOPE}), c.AuthorID, NULL) AS SIGNED) AS author, \
         CAST(UNIX_TIMESTAMP(COALESCE(c.Published, c.Created)) AS SIGNED) AS posted FROM content c \
         WHERE c.Class = ? AND c.Status = 'Published' AND c.Visibility = 'Public' \
         AND (c.Published IS NULL OR c.Published <= NOW()) ORDER BY c.ID"
    ))
    .bind(BLOG_POST_CLASS)
    .fetch_all(db.pool())
    .await
    .map_err(|e| err(db, "reading blog posts", e))?;
    for r in db.decode::<BlogPostRow>("content", &rows)? {
        let mut e = Map::new();
        e.insert(
            "slug".into(),
            mapping::slugify(&r.handle, false, 80)
                .unwrap_or_else(|| format!("legacy-{}", r.id))
                .into(),
        );
        e.insert("title".into(), r.title.into());
        put(&mut e, "summary", opt_text(r.summary));
        put(&mut e, "author", r.author);
        put(&mut e, "postedAt", r.posted);
        out.insert(r.id.to_string(), e);
    }
    Ok(())
}
