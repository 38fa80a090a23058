//! Reconciliation: record by record and field by field, laddr against the new stack.
//!
//! laddr is read in ID order with the columns each mapping needs; the expected new-stack
//! values are derived with [`crate::mapping`]; the new stack's records are matched by
//! `legacyId` (references between records, e.g. a project's maintainer, are compared as the
//! laddr ids they resolve to). Every difference is counted per field with samples that name
//! legacy ids and slugs — never an email or a hash.

use crate::datarepo::{Record, Snapshot};
use crate::evidence::{Evidence, Outcome};
use crate::legacy::LegacyDb;
use crate::mapping::{self, SlugAllocator};
use crate::preflight::{legacy_ids, membership_key, Entity, BLOG_POST_CLASS, PERSON_IN_SCOPE};
use crate::Error;
use serde_json::{json, Map, Value};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// Samples of differences kept per field.
pub const SAMPLES: usize = 5;
/// Fields holding times: compared as instants, whatever the zone or format.
const TIME_FIELDS: [&str; 4] = ["createdAt", "joinedAt", "publishedAt", "postedAt"];

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

fn err(db: &LegacyDb, what: &str, e: sqlx::Error) -> Error {
    Error::LegacyDatabase {
        url: db.display.clone(),
        message: format!("{what}: {e}"),
    }
}

fn opt_text(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

fn put(m: &mut Map<String, Value>, k: &str, v: Option<impl Into<Value>>) {
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
        Entity::Projects => {
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
                    mapping::stage(r.try_get::<Option<String>, _>(3).ok().flatten().as_deref())
                        .into(),
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
                    mapping::chat_channel(
                        r.try_get::<Option<String>, _>(6).ok().flatten().as_deref(),
                    ),
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
        }
        Entity::Memberships => {
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
        }
        Entity::Updates => {
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
        }
        Entity::Buzz => {
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
        }
        Entity::Tags => {
            let rows =
                sqlx::query("SELECT CAST(ID AS SIGNED), Handle, Title FROM tags ORDER BY ID")
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
        }
        Entity::BlogPosts => {
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
        }
        Entity::TagAssignments => {}
    }
    Ok(out)
}

/// The whole field check of one entity against an environment.
pub async fn fields(env: &crate::env::Environment, entity: Entity) -> Result<Evidence, Error> {
    let expected = match entity {
        Entity::People => env
            .legacy_people()
            .await?
            .iter()
            .map(|p| (p.id.to_string(), p.expected.clone()))
            .collect(),
        _ => legacy_expected(&env.legacy, entity).await?,
    };
    let snap = env.judged_snapshot().await?;
    Ok(crate::preflight::with_sheet_problems(
        compare_fields(entity, &expected, &snap),
        &snap,
        entity.sheet(),
    ))
}

/// A new-stack record reduced to the compared fields: references become laddr ids, times
/// become epoch seconds.
fn actual_fields(
    entity: Entity,
    r: &Record,
    people: &HashMap<String, i64>,
    projects: &HashMap<String, i64>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in &r.fields {
        let value = serde_json::to_value(v).unwrap_or(Value::Null);
        let resolve = |m: &HashMap<String, i64>| {
            v.as_str()
                .and_then(|id| m.get(id))
                .map(|n| Value::from(*n))
                .unwrap_or(Value::from(format!("unresolved {}", v)))
        };
        match k.as_str() {
            "maintainerId" | "authorId" => {
                out.insert(
                    if k == "maintainerId" {
                        "maintainer"
                    } else {
                        "author"
                    }
                    .into(),
                    resolve(people),
                );
            }
            "projectId" if matches!(entity, Entity::Updates | Entity::Buzz) => {
                out.insert("project".into(), resolve(projects));
            }
            k if TIME_FIELDS.contains(&k) => {
                let t = v.as_str().and_then(|s| {
                    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                        .ok()
                });
                out.insert(
                    k.into(),
                    t.map(|t| Value::from(t.unix_timestamp())).unwrap_or(value),
                );
            }
            _ => {
                out.insert(k.clone(), value);
            }
        }
    }
    out
}

/// New-stack records of an entity by the key laddr's side uses (several when duplicated).
fn new_by_key(snap: &Snapshot, entity: Entity) -> BTreeMap<String, Vec<&Record>> {
    let mut out: BTreeMap<String, Vec<&Record>> = BTreeMap::new();
    if entity == Entity::Memberships {
        let (projects, people) = (legacy_ids(snap, "projects"), legacy_ids(snap, "people"));
        for r in snap.sheet(entity.sheet()) {
            let p = r
                .fields
                .get("projectId")
                .and_then(|v| v.as_str())
                .and_then(|id| projects.get(id));
            let u = r
                .fields
                .get("personId")
                .and_then(|v| v.as_str())
                .and_then(|id| people.get(id));
            if let (Some(p), Some(u)) = (p, u) {
                out.entry(membership_key(*p, *u)).or_default().push(r);
            }
        }
    } else {
        for r in snap.sheet(entity.sheet()) {
            if let Some(id) = r.fields.get("legacyId").and_then(|v| v.as_integer()) {
                out.entry(id.to_string()).or_default().push(r);
            }
        }
    }
    out
}

fn shorten(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

/// Compare every mapped field of `entity`.
pub fn compare_fields(
    entity: Entity,
    expected: &BTreeMap<String, Map<String, Value>>,
    snap: &Snapshot,
) -> Evidence {
    let (people, projects) = (legacy_ids(snap, "people"), legacy_ids(snap, "projects"));
    let actual = new_by_key(snap, entity);
    let mut per_field: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut first_diff: Option<String> = None;
    let (mut compared, mut advisory_urls) = (0usize, 0usize);
    for (key, exp) in expected {
        let Some(candidates) = actual.get(key) else {
            continue;
        }; // coverage reports missing records
        compared += 1;
        advisory_urls += exp
            .get("~droppedHttpUrls")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        // With duplicates (which coverage reports), the twin is the closest candidate.
        let (rec, act, diffs) = candidates
            .iter()
            .map(|rec| {
                let act = actual_fields(entity, rec, &people, &projects);
                let diffs = diff_record(entity, exp, &act);
                (rec, act, diffs)
            })
            .min_by_key(|(_, _, d)| d.len())
            .expect("a key has at least one record");
        let label = format!("legacy {key} ({})", rec.path);
        for (field, want, got) in &diffs {
            let e = per_field.entry(field.clone()).or_default();
            e.0 += 1;
            if e.1.len() < SAMPLES {
                let want = want
                    .as_ref()
                    .map(shorten)
                    .unwrap_or_else(|| "no value".into());
                e.1.push(format!(
                    "{label}: {field} expected {want} got {}",
                    shorten(got)
                ));
            }
        }
        if first_diff.is_none() && !diffs.is_empty() {
            let exp_cmp: Map<String, Value> = exp
                .iter()
                .filter(|(k, _)| !k.starts_with('~'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let subset: Map<String, Value> = act
                .iter()
                .filter(|(k, _)| exp_cmp.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let cfg = assert_json_diff::Config::new(assert_json_diff::CompareMode::Strict);
            if let Err(diff) = assert_json_diff::assert_json_matches_no_panic(
                &Value::Object(subset),
                &Value::Object(exp_cmp),
                cfg,
            ) {
                first_diff = Some(format!("first differing record, {label}:\n{diff}"));
            }
        }
    }
    let total: usize = per_field.values().map(|(n, _)| n).sum();
    let what = entity.label();
    let mut ev = Evidence::new(
        format!("every mapped field of {what} carries laddr's value"),
        if total == 0 { Outcome::Pass } else { Outcome::Fail },
        format!(
            "{what}: {compared} records compared, {total} field difference(s){}",
            per_field.iter().map(|(f, (n, _))| format!(" {f}={n}")).collect::<String>()
        ),
    )
    .observed(json!({"compared": compared, "differences": per_field.iter().map(|(f, (n, _))| (f.clone(), json!(n))).collect::<Map<_, _>>()}));
    for (_, samples) in per_field.values() {
        ev = ev.details(samples);
    }
    if let Some(d) = first_diff {
        ev = ev.detail(d);
    }
    if advisory_urls > 0 {
        ev = ev.detail(format!("advisory: {advisory_urls} http project URL(s) dropped by the mapping (https only); ask the projects to update them"));
    }
    ev
}

/// (field, expected — None for "no value", actual) for every mapped field that differs.
fn diff_record(
    entity: Entity,
    exp: &Map<String, Value>,
    act: &Map<String, Value>,
) -> Vec<(String, Option<Value>, Value)> {
    let mut out = Vec::new();
    for (field, want) in exp.iter().filter(|(k, _)| !k.starts_with('~')) {
        let got = act.get(field).cloned().unwrap_or(Value::Null);
        if &got != want {
            out.push((field.clone(), Some(want.clone()), got));
        }
    }
    // Optional fields laddr has no value for must not appear from nowhere.
    for field in optional_fields(entity) {
        if !exp.contains_key(*field) {
            if let Some(got) = act.get(*field) {
                out.push((field.to_string(), None, got.clone()));
            }
        }
    }
    out
}

fn optional_fields(entity: Entity) -> &'static [&'static str] {
    match entity {
        Entity::People => &["firstName", "lastName", "bio"],
        Entity::Projects => &[
            "usersUrl",
            "developersUrl",
            "chatChannel",
            "overview",
            "maintainer",
        ],
        Entity::Memberships => &["role"],
        Entity::Updates => &["author"],
        Entity::Buzz => &["summary"],
        Entity::BlogPosts => &["summary", "author"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datarepo::parse_tree;

    fn snap(person: &str) -> Snapshot {
        parse_tree(
            "c".into(),
            vec![
                (
                    ".gitsheets/people.toml".into(),
                    b"[gitsheet]\nroot='people'\npath='${{ slug }}'\n".to_vec(),
                ),
                ("people/ann.toml".into(), person.as_bytes().to_vec()),
            ],
        )
    }

    fn expected() -> BTreeMap<String, Map<String, Value>> {
        let e = json!({"slug": "ann", "fullName": "Ann Lee", "accountLevel": "user", "createdAt": 1_600_000_000});
        BTreeMap::from([("7".to_string(), e.as_object().unwrap().clone())])
    }

    #[test]
    fn equal_records_pass_with_times_compared_as_instants() {
        let s = snap("id='u'\nlegacyId=7\nslug='ann'\nfullName='Ann Lee'\naccountLevel='user'\ncreatedAt='2020-09-13T08:26:40-04:00'\n");
        let ev = compare_fields(Entity::People, &expected(), &s);
        assert!(!ev.failed(), "{}", ev.render());
    }

    #[test]
    fn each_differing_field_is_counted_and_shown_as_a_json_diff() {
        let s = snap("id='u'\nlegacyId=7\nslug='ann'\nfullName='ann lee'\naccountLevel='staff'\ncreatedAt='2020-09-13T12:26:41Z'\nbio='new'\n");
        let ev = compare_fields(Entity::People, &expected(), &s);
        assert!(ev.failed());
        let text = ev.render();
        for f in ["accountLevel=1", "fullName=1", "createdAt=1", "bio=1"] {
            assert!(ev.headline.contains(f), "{f}: {text}");
        }
        assert!(
            text.contains(
                "legacy 7 (people/ann.toml): accountLevel expected \"user\" got \"staff\""
            ),
            "{text}"
        );
        assert!(text.contains("json atoms at path"), "{text}");
    }
}
