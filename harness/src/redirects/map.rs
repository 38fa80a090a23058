//! The redirect map: every public laddr URL with what the new stack must answer. URLs come
//! from laddr's rows (usernames, IDs, handles as stored); targets come from the legacyId
//! join with the new stack's data repo, never from rewriting the URL's own text. The map is
//! a CSV staff can read and edit: `form,url,expected_status,expected_target`.

use crate::datarepo::Snapshot;
use crate::legacy::LegacyDb;
use crate::preflight::{BLOG_POST_CLASS, PERSON_IN_SCOPE};
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapRow {
    /// The URL form (one scenario checks each form): `username`, `person-id`, …
    pub form: String,
    /// Path and query, as laddr served it.
    pub url: String,
    pub expected_status: u16,
    /// Path (and query) on the new site, or an absolute URL for off-site targets (Slack).
    pub expected_target: String,
}

impl MapRow {
    fn new(form: &str, url: String, status: u16, target: String) -> Self {
        MapRow {
            form: form.into(),
            url,
            expected_status: status,
            expected_target: target,
        }
    }
}

/// Percent-encode one path segment (RFC 3986 unreserved characters stay).
pub fn seg(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn by_legacy(
    snap: &Snapshot,
    sheet: &str,
    f: impl Fn(&crate::datarepo::Record) -> Option<String>,
) -> HashMap<i64, String> {
    snap.sheet(sheet)
        .iter()
        .filter_map(|r| Some((r.fields.get("legacyId")?.as_integer()?, f(r)?)))
        .collect()
}

fn field(r: &crate::datarepo::Record, k: &str) -> Option<String> {
    r.fields.get(k)?.as_str().map(str::to_string)
}

/// Every URL laddr served for a public record has a target on the new site: a row that
/// must redirect (or answer) but has no target is a record the import lost.
pub fn completeness(rows: &[MapRow]) -> crate::evidence::Evidence {
    use crate::evidence::{Evidence, Outcome};
    let check = "every public laddr URL has a target on the new site";
    let must_reach = |r: &&MapRow| matches!(r.expected_status, 200 | 301);
    let lost: Vec<&MapRow> = rows
        .iter()
        .filter(must_reach)
        .filter(|r| r.expected_target.is_empty())
        .collect();
    let mut forms: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for r in rows.iter().filter(must_reach) {
        let e = forms.entry(r.form.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.expected_target.is_empty());
    }
    let table = forms
        .iter()
        .map(|(f, (n, l))| format!("{f}: {n} URLs, {l} without a target"));
    let ev = if lost.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "{} URLs in {} forms, every one with a target",
                rows.len(),
                forms.len()
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {} URLs have no target on the new site",
                lost.len(),
                rows.len()
            ),
        )
        .details(
            lost.iter()
                .take(crate::preflight::SAMPLE)
                .map(|r| format!("{} ({}): no target", r.url, r.form)),
        )
    };
    ev.details(table)
}

/// Pages retired at the cutover: 410 Gone.
pub const RETIRED: [&str; 4] = ["/checkin", "/bigscreen", "/search", "/exports/people.csv"];

/// Build the map from laddr and the new stack's data repo.
pub async fn generate(
    db: &LegacyDb,
    snap: &Snapshot,
    slack_team_host: &str,
) -> Result<Vec<MapRow>, Error> {
    let mut rows = Vec::new();
    people_rows(db, snap, &mut rows).await?;
    let handles = project_rows(db, snap, &mut rows).await?;
    update_rows(db, snap, &handles, &mut rows).await?;
    buzz_rows(db, snap, &mut rows).await?;
    tag_rows(db, snap, &mut rows).await?;
    blog_rows(db, snap, &mut rows).await?;
    retired_rows(&mut rows);
    slug_history_rows(snap, &mut rows);
    rows.push(MapRow::new(
        "chat",
        "/chat?channel=general".into(),
        302,
        format!("https://{slack_team_host}/channels/general"),
    ));
    Ok(rows)
}

/// A failed query against laddr, named by what it was reading.
fn fail<'a>(db: &'a LegacyDb, what: &'a str) -> impl Fn(sqlx::Error) -> Error + 'a {
    move |e| Error::LegacyDatabase {
        url: db.display.clone(),
        message: format!("{what}: {e}"),
    }
}

crate::legacy_row! {
    /// A laddr record's ID and Handle (projects, buzz, tags, content: Handle is NOT NULL).
    struct HandleRow {
        id: i64,
        handle: String,
    }
}

crate::legacy_row! {
    /// A person of the redirect map: `public` is 1 when laddr served their page.
    struct PersonRow {
        id: i64,
        username: String,
        public: i64,
    }
}

crate::legacy_row! {
    /// A project update, under its project's ID, with its number.
    struct UpdateRow {
        id: i64,
        project_id: i64,
        number: i64,
    }
}

/// The new stack's slug for each legacy ID in a sheet.
fn slugs(snap: &Snapshot, sheet: &str) -> HashMap<i64, String> {
    by_legacy(snap, sheet, |r| field(r, "slug"))
}

/// People: username (and its case variants), ID and members alias; disabled people 404.
async fn people_rows(db: &LegacyDb, snap: &Snapshot, rows: &mut Vec<MapRow>) -> Result<(), Error> {
    let people = slugs(snap, "people");
    let q = format!(
        "SELECT CAST(u.ID AS SIGNED) AS id, u.Username AS username, CAST(({PERSON_IN_SCOPE}) AS SIGNED) AS public FROM people u \
         WHERE u.Username IS NOT NULL AND u.Username <> '' ORDER BY u.ID"
    );
    let rs = sqlx::query(&q)
        .fetch_all(db.pool())
        .await
        .map_err(fail(db, "people"))?;
    for r in db.decode::<PersonRow>("people", &rs)? {
        let (id, username) = (r.id, r.username);
        let public = r.public == 1;
        if !public {
            // Disabled: laddr answered 404, so must the new site.
            rows.push(MapRow::new(
                "disabled",
                format!("/people/{}", seg(&username)),
                404,
                String::new(),
            ));
            continue;
        }
        // No twin in the new stack: an empty target, which no answer can satisfy.
        let target = people
            .get(&id)
            .map(|slug| format!("/members/{slug}"))
            .unwrap_or_default();
        person_rows(id, &username, target, rows);
    }
    Ok(())
}

/// The rows of one public person, all to `target`.
fn person_rows(id: i64, username: &str, target: String, rows: &mut Vec<MapRow>) {
    rows.push(MapRow::new(
        "username",
        format!("/people/{}", seg(username)),
        301,
        target.clone(),
    ));
    if username.chars().any(|c| c.is_ascii_uppercase()) {
        rows.push(MapRow::new(
            "username-case",
            format!("/people/{}", seg(&username.to_lowercase())),
            301,
            target.clone(),
        ));
        rows.push(MapRow::new(
            "username-case",
            format!("/people/{}", seg(&username.to_uppercase())),
            301,
            target.clone(),
        ));
    }
    rows.push(MapRow::new(
        "person-id",
        format!("/people/{id}"),
        301,
        target.clone(),
    ));
    let alias = format!("/members/{}", seg(username));
    let status = if alias == target { 200 } else { 301 };
    rows.push(MapRow::new("members-alias", alias, status, target));
}

/// Projects: handle, ID and `?ID=` query. Returns each project's laddr handle by ID.
async fn project_rows(
    db: &LegacyDb,
    snap: &Snapshot,
    rows: &mut Vec<MapRow>,
) -> Result<HashMap<i64, String>, Error> {
    let projects = slugs(snap, "projects");
    let rs =
        sqlx::query("SELECT CAST(ID AS SIGNED) AS id, Handle AS handle FROM projects ORDER BY ID")
            .fetch_all(db.pool())
            .await
            .map_err(fail(db, "projects"))?;
    let mut handles = HashMap::new();
    for HandleRow { id, handle } in db.decode("projects", &rs)? {
        handles.insert(id, handle.clone());
        let target = projects
            .get(&id)
            .map(|slug| format!("/projects/{slug}"))
            .unwrap_or_default();
        let url = format!("/projects/{}", seg(&handle));
        rows.push(MapRow::new(
            "project-handle",
            url.clone(),
            if url == target { 200 } else { 301 },
            target.clone(),
        ));
        rows.push(MapRow::new(
            "project-id",
            format!("/projects/{id}"),
            301,
            target.clone(),
        ));
        rows.push(MapRow::new(
            "project-query-id",
            format!("/projects?ID={id}"),
            301,
            target,
        ));
    }
    Ok(handles)
}

/// Project updates: by project handle and number, by ID, and the per-project query.
async fn update_rows(
    db: &LegacyDb,
    snap: &Snapshot,
    handles: &HashMap<i64, String>,
    rows: &mut Vec<MapRow>,
) -> Result<(), Error> {
    let projects = slugs(snap, "projects");
    let updates = by_legacy(snap, "project-updates", |r| {
        Some(format!(
            "{}/updates/{}",
            field(r, "projectSlug")?,
            r.fields.get("number")?.as_integer()?
        ))
    });
    let rs = sqlx::query("SELECT CAST(ID AS SIGNED) AS id, CAST(ProjectID AS SIGNED) AS project_id, CAST(Number AS SIGNED) AS number FROM project_updates ORDER BY ID")
        .fetch_all(db.pool())
        .await
        .map_err(fail(db, "updates"))?;
    let mut with_updates = std::collections::BTreeSet::new();
    for r in db.decode::<UpdateRow>("project_updates", &rs)? {
        let (id, pid, n) = (r.id, r.project_id, r.number);
        let Some(handle) = handles.get(&pid) else {
            continue;
        };
        let target = updates
            .get(&id)
            .map(|u| format!("/projects/{u}"))
            .unwrap_or_default();
        let url = format!("/projects/{}/updates/{n}", seg(handle));
        rows.push(MapRow::new(
            "project-update",
            url.clone(),
            if url == target { 200 } else { 301 },
            target.clone(),
        ));
        rows.push(MapRow::new(
            "update-id",
            format!("/project-updates/{id}"),
            301,
            target,
        ));
        with_updates.insert(pid);
    }
    for pid in with_updates {
        if let Some(slug) = projects.get(&pid) {
            rows.push(MapRow::new(
                "update-query",
                format!("/project-updates?ProjectID={pid}"),
                301,
                format!("/projects/{slug}"),
            ));
        }
    }
    Ok(())
}

/// Project buzz: by handle and by ID.
async fn buzz_rows(db: &LegacyDb, snap: &Snapshot, rows: &mut Vec<MapRow>) -> Result<(), Error> {
    let buzz = by_legacy(snap, "project-buzz", |r| {
        Some(format!(
            "/projects/{}/buzz/{}",
            field(r, "projectSlug")?,
            field(r, "slug")?
        ))
    });
    let rs = sqlx::query(
        "SELECT CAST(ID AS SIGNED) AS id, Handle AS handle FROM project_buzz ORDER BY ID",
    )
    .fetch_all(db.pool())
    .await
    .map_err(fail(db, "buzz"))?;
    for HandleRow { id, handle } in db.decode("project_buzz", &rs)? {
        let target = buzz.get(&id).cloned().unwrap_or_default();
        rows.push(MapRow::new(
            "buzz-handle",
            format!("/project-buzz/{}", seg(&handle)),
            301,
            target.clone(),
        ));
        rows.push(MapRow::new(
            "buzz-id",
            format!("/project-buzz/{id}"),
            301,
            target.clone(),
        ));
    }
    Ok(())
}

/// Tags carried to the new stack: by handle and by ID.
async fn tag_rows(db: &LegacyDb, snap: &Snapshot, rows: &mut Vec<MapRow>) -> Result<(), Error> {
    let tags = by_legacy(snap, "tags", |r| {
        Some(format!(
            "/tags/{}/{}",
            field(r, "namespace")?,
            field(r, "slug")?
        ))
    });
    let rs = sqlx::query("SELECT CAST(ID AS SIGNED) AS id, Handle AS handle FROM tags ORDER BY ID")
        .fetch_all(db.pool())
        .await
        .map_err(fail(db, "tags"))?;
    for HandleRow { id, handle } in db.decode("tags", &rs)? {
        if crate::mapping::tag_handle(&handle).is_none() {
            continue; // not carried: no namespace (stated in the preflight)
        }
        let target = tags.get(&id).cloned().unwrap_or_default();
        rows.push(MapRow::new(
            "tag-handle",
            format!("/tags/{}", seg(&handle)),
            301,
            target.clone(),
        ));
        rows.push(MapRow::new(
            "tag-id",
            format!("/tags/{id}"),
            301,
            target.clone(),
        ));
    }
    Ok(())
}

/// Published public blog posts: by handle and by ID.
async fn blog_rows(db: &LegacyDb, snap: &Snapshot, rows: &mut Vec<MapRow>) -> Result<(), Error> {
    let posts = slugs(snap, "blog-posts");
    let rs = sqlx::query(
        "SELECT CAST(ID AS SIGNED) AS id, Handle AS handle FROM content WHERE Class = ? AND Status = 'Published' AND Visibility = 'Public' \
         AND (Published IS NULL OR Published <= NOW()) ORDER BY ID",
    )
    .bind(BLOG_POST_CLASS)
    .fetch_all(db.pool())
    .await
    .map_err(fail(db, "blog posts"))?;
    for HandleRow { id, handle } in db.decode("content", &rs)? {
        let target = posts
            .get(&id)
            .map(|slug| format!("/blog/{slug}"))
            .unwrap_or_default();
        let url = format!("/blog/{}", seg(&handle));
        rows.push(MapRow::new(
            "blog-handle",
            url.clone(),
            if url == target { 200 } else { 301 },
            target.clone(),
        ));
        rows.push(MapRow::new("blog-id", format!("/blog/{id}"), 301, target));
    }
    Ok(())
}

/// Retired pages: 410 Gone.
fn retired_rows(rows: &mut Vec<MapRow>) {
    for path in RETIRED {
        rows.push(MapRow::new("retired", path.into(), 410, String::new()));
    }
}

/// Old project and person slugs the new stack renamed: 301 to the new slug.
fn slug_history_rows(snap: &Snapshot, rows: &mut Vec<MapRow>) {
    for r in snap.sheet("slug-history") {
        let (Some(kind), Some(old), Some(new)) = (
            field(r, "entityType"),
            field(r, "oldSlug"),
            field(r, "newSlug"),
        ) else {
            continue;
        };
        let prefix = match kind.as_str() {
            "project" => "/projects",
            "person" => "/members",
            _ => continue,
        };
        rows.push(MapRow::new(
            "slug-history",
            format!("{prefix}/{old}"),
            301,
            format!("{prefix}/{new}"),
        ));
    }
}

/// The map as CSV.
pub fn to_csv(rows: &[MapRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        let _ = w.serialize(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Read a map; a malformed row is reported with its line, and the rest is read.
pub fn from_csv(text: &str) -> (Vec<MapRow>, Vec<String>) {
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    for (i, rec) in r.deserialize::<MapRow>().enumerate() {
        match rec {
            Ok(row) if row.url.starts_with('/') => rows.push(row),
            Ok(row) => bad.push(format!("line {}: url {:?} is not a path", i + 2, row.url)),
            Err(e) => bad.push(format!("line {}: {e}", i + 2)),
        }
    }
    (rows, bad)
}

/// Expectations for a bare list of URLs (e.g. the most visited, from access logs): each URL
/// is looked up among the generated rows; URLs of no known form are reported, not guessed.
pub fn derive(urls: &str, generated: &[MapRow]) -> (Vec<MapRow>, Vec<String>) {
    let index: HashMap<&str, &MapRow> = generated.iter().map(|r| (r.url.as_str(), r)).collect();
    let lower: HashMap<String, &MapRow> = generated
        .iter()
        .filter(|r| r.form == "username")
        .map(|r| (r.url.to_lowercase(), r))
        .collect();
    let mut rows = Vec::new();
    let mut unknown = Vec::new();
    for (i, line) in urls.lines().enumerate() {
        let raw = line.trim();
        if raw.is_empty() || raw.starts_with('#') {
            continue;
        }
        let path = raw
            .split_once("://")
            .map(|(_, rest)| rest.find('/').map(|p| &rest[p..]).unwrap_or("/"))
            .unwrap_or(raw);
        match index
            .get(path)
            .copied()
            .or_else(|| lower.get(&path.to_lowercase()).copied())
        {
            Some(r) => rows.push(MapRow {
                url: path.to_string(),
                ..r.clone()
            }),
            None => unknown.push(format!(
                "line {}: {path}: no laddr record behind this URL",
                i + 1
            )),
        }
    }
    (rows, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_and_malformed_rows_are_named() {
        let rows = vec![MapRow::new(
            "username",
            "/people/Ann".into(),
            301,
            "/members/ann".into(),
        )];
        let text = to_csv(&rows);
        assert!(
            text.starts_with("form,url,expected_status,expected_target\n"),
            "{text}"
        );
        assert_eq!(from_csv(&text).0, rows);
        let (ok, bad) = from_csv("form,url,expected_status,expected_target\nx,/a,301,/b\nx,/c,three-oh-one,/d\nx,nopath,301,/e\n");
        assert_eq!(ok.len(), 1);
        assert!(
            bad[0].starts_with("line 3:") && bad[1].contains("not a path"),
            "{bad:?}"
        );
    }

    #[test]
    fn bare_urls_take_their_expectation_from_the_records_behind_them() {
        let generated = vec![MapRow::new(
            "username",
            "/people/Ann".into(),
            301,
            "/members/ann".into(),
        )];
        let (rows, unknown) = derive(
            "https://codeforphilly.org/people/ann\n/people/Nobody\n# comment\n",
            &generated,
        );
        assert_eq!(rows[0].expected_target, "/members/ann");
        assert_eq!(rows[0].url, "/people/ann");
        assert_eq!(unknown.len(), 1);
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(seg("john.doe"), "john.doe");
        assert_eq!(seg("José M"), "Jos%C3%A9%20M");
    }
}
