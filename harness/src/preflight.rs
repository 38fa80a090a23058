//! Record coverage between laddr and the new stack, per entity.
//!
//! Each entity has a *scope* on the laddr side (the SQL below: which rows the cutover must
//! carry, with the exclusions the preflight feature states) and a *key* that identifies a
//! record on both sides: the laddr ID (`legacyId` in the new stack), or for the join records
//! the pair of laddr IDs they connect. The comparison is of key sets, so a count that
//! happens to match while one record is missing and another duplicated still fails.

use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::legacy::LegacyDb;
use crate::Error;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// How many missing / extra keys a piece of evidence lists.
pub const SAMPLE: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    People,
    Projects,
    Memberships,
    Updates,
    Buzz,
    Tags,
    TagAssignments,
    BlogPosts,
}

impl Entity {
    pub const ALL: [Entity; 8] = [
        Entity::People,
        Entity::Projects,
        Entity::Memberships,
        Entity::Updates,
        Entity::Buzz,
        Entity::Tags,
        Entity::TagAssignments,
        Entity::BlogPosts,
    ];

    /// The words the feature files use.
    pub fn label(self) -> &'static str {
        match self {
            Entity::People => "people",
            Entity::Projects => "projects",
            Entity::Memberships => "memberships",
            Entity::Updates => "updates",
            Entity::Buzz => "buzz items",
            Entity::Tags => "tags",
            Entity::TagAssignments => "tag assignments",
            Entity::BlogPosts => "blog posts",
        }
    }

    /// The new stack's sheet holding this entity.
    pub fn sheet(self) -> &'static str {
        match self {
            Entity::People => "people",
            Entity::Projects => "projects",
            Entity::Memberships => "project-memberships",
            Entity::Updates => "project-updates",
            Entity::Buzz => "project-buzz",
            Entity::Tags => "tags",
            Entity::TagAssignments => "tag-assignments",
            Entity::BlogPosts => "blog-posts",
        }
    }
}

impl FromStr for Entity {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        Entity::ALL
            .into_iter()
            .find(|e| e.label() == s.trim())
            .ok_or_else(|| crate::Error::Unknown {
                what: "entity",
                value: s.to_string(),
                known: format!("known: {}", Entity::ALL.map(|e| e.label()).join(", ")),
            })
    }
}

pub const PERSON_CLASS: &str = r"Emergence\People\Person";
pub const PROJECT_CLASS: &str = r"Laddr\Project";
pub const BLOG_POST_CLASS: &str = r"Emergence\CMS\BlogPost";

/// People the cutover carries: they have a Username (contacts without one have no page and
/// no sign-in), and they are not Disabled (laddr answered 404 for them; their fate is a
/// policy decision, reported, not guessed). NULL AccountLevel reads as the default, User.
pub(crate) const PERSON_IN_SCOPE: &str =
    "u.Username IS NOT NULL AND u.Username <> '' AND COALESCE(u.AccountLevel, 'User') <> 'Disabled'";
/// Tags whose handle has one of the three namespaces the new stack knows.
const TAG_IN_SCOPE: &str =
    "LOCATE('.', t.Handle) > 1 AND SUBSTRING_INDEX(t.Handle, '.', 1) IN ('topic', 'tech', 'event')";

/// The SQL giving `(key, label)` rows for an entity's laddr scope.
pub fn scope_sql(entity: Entity) -> String {
    match entity {
        Entity::People => format!(
            "SELECT CAST(u.ID AS CHAR) AS `key`, u.Username AS label FROM people u WHERE {PERSON_IN_SCOPE} ORDER BY u.ID"
        ),
        Entity::Projects => "SELECT CAST(p.ID AS CHAR) AS `key`, p.Handle AS label FROM projects p ORDER BY p.ID".into(),
        Entity::Memberships => format!(
            "SELECT CONCAT('project ', m.ProjectID, ' / person ', m.MemberID) AS `key`, CONCAT(p.Handle, ' / ', u.Username) AS label \
             FROM project_members m JOIN projects p ON p.ID = m.ProjectID JOIN people u ON u.ID = m.MemberID \
             WHERE {PERSON_IN_SCOPE} ORDER BY m.ProjectID, m.MemberID"
        ),
        Entity::Updates => "SELECT CAST(x.ID AS CHAR) AS `key`, CONCAT(p.Handle, ' #', x.Number) AS label FROM project_updates x \
             JOIN projects p ON p.ID = x.ProjectID ORDER BY x.ID"
            .into(),
        Entity::Buzz => "SELECT CAST(b.ID AS CHAR) AS `key`, b.Handle AS label FROM project_buzz b \
             JOIN projects p ON p.ID = b.ProjectID ORDER BY b.ID"
            .into(),
        Entity::Tags => format!("SELECT CAST(t.ID AS CHAR) AS `key`, t.Handle AS label FROM tags t WHERE {TAG_IN_SCOPE} ORDER BY t.ID"),
        Entity::TagAssignments => format!(
            "SELECT CONCAT('tag ', ti.TagID, ' -> ', IF(ti.ContextClass = ?, 'project', 'person'), ' ', ti.ContextID) AS `key`, t.Handle AS label \
             FROM tag_items ti JOIN tags t ON t.ID = ti.TagID \
             WHERE {TAG_IN_SCOPE} AND ( \
               (ti.ContextClass = ? AND EXISTS (SELECT 1 FROM projects p WHERE p.ID = ti.ContextID)) \
               OR (ti.ContextClass = ? AND EXISTS (SELECT 1 FROM people u WHERE u.ID = ti.ContextID AND {PERSON_IN_SCOPE}))) \
             ORDER BY ti.TagID, ti.ContextClass, ti.ContextID"
        ),
        Entity::BlogPosts => "SELECT CAST(c.ID AS CHAR) AS `key`, c.Handle AS label FROM content c \
             WHERE c.Class = ? AND c.Status = 'Published' AND c.Visibility = 'Public' \
             AND (c.Published IS NULL OR c.Published <= NOW()) ORDER BY c.ID"
            .into(),
    }
}

crate::legacy_row! {
    /// One `(key, label)` row of [`scope_sql`].
    struct KeyRow {
        key: String,
        label: Option<String>,
    }
}

/// Key → label of every in-scope laddr record of `entity`.
pub async fn legacy_keys(db: &LegacyDb, entity: Entity) -> Result<BTreeMap<String, String>, Error> {
    let sql = scope_sql(entity);
    let mut q = sqlx::query(&sql);
    match entity {
        Entity::TagAssignments => q = q.bind(PROJECT_CLASS).bind(PROJECT_CLASS).bind(PERSON_CLASS),
        Entity::BlogPosts => q = q.bind(BLOG_POST_CLASS),
        _ => {}
    }
    let rows = q
        .fetch_all(db.pool())
        .await
        .map_err(|e| Error::LegacyDatabase {
            url: db.display.clone(),
            message: format!("reading {}: {e}", entity.label()),
        })?;
    let keyed: Vec<KeyRow> = db.decode(entity.label(), &rows)?;
    // A label is only for reading (a NULL in a CONCAT leaves none): empty then.
    Ok(keyed
        .into_iter()
        .map(|r| (r.key, r.label.unwrap_or_default()))
        .collect())
}

/// Key → labels (one per record: two labels mean a duplicate) on the new-stack side, and the
/// records that could not be keyed.
#[derive(Debug, Default)]
pub struct NewKeys {
    pub keys: BTreeMap<String, Vec<String>>,
    /// Records without a legacyId: created in the new stack, not compared.
    pub native: usize,
    pub unkeyed: Vec<String>,
}

fn int(fields: &toml::Table, k: &str) -> Option<i64> {
    fields.get(k)?.as_integer()
}
fn text<'a>(fields: &'a toml::Table, k: &str) -> Option<&'a str> {
    fields.get(k)?.as_str()
}

/// uuid → legacyId of one sheet.
pub(crate) fn legacy_ids(snap: &Snapshot, sheet: &str) -> HashMap<String, i64> {
    snap.sheet(sheet)
        .iter()
        .filter_map(|r| {
            Some((
                text(&r.fields, "id")?.to_string(),
                int(&r.fields, "legacyId")?,
            ))
        })
        .collect()
}

/// A membership's key: the laddr ids of its project and person, as the scope SQL writes it.
pub(crate) fn membership_key(project: i64, person: i64) -> String {
    format!("project {project} / person {person}")
}

pub fn new_keys(snap: &Snapshot, entity: Entity) -> NewKeys {
    let mut out = NewKeys::default();
    let records = snap.sheet(entity.sheet());
    match entity {
        Entity::Memberships => {
            let (projects, people) = (legacy_ids(snap, "projects"), legacy_ids(snap, "people"));
            for r in records {
                let p = text(&r.fields, "projectId").and_then(|id| projects.get(id));
                let u = text(&r.fields, "personId").and_then(|id| people.get(id));
                match (p, u) {
                    (Some(p), Some(u)) => {
                        let label = r
                            .path
                            .trim_start_matches("project-memberships/")
                            .trim_end_matches(".toml");
                        out.keys
                            .entry(membership_key(*p, *u))
                            .or_default()
                            .push(label.to_string());
                    }
                    _ if p.is_none() && u.is_none() => out.native += 1,
                    _ => out.unkeyed.push(r.path.clone()),
                }
            }
        }
        Entity::TagAssignments => {
            let tags = legacy_ids(snap, "tags");
            let by_type: HashMap<&str, HashMap<String, i64>> = [
                ("project", legacy_ids(snap, "projects")),
                ("person", legacy_ids(snap, "people")),
            ]
            .into_iter()
            .collect();
            for r in records {
                let tag = text(&r.fields, "tagId").and_then(|id| tags.get(id));
                let kind = text(&r.fields, "taggableType").unwrap_or("");
                let target = by_type
                    .get(kind)
                    .and_then(|m| text(&r.fields, "taggableId").and_then(|id| m.get(id)));
                match (tag, target) {
                    (Some(t), Some(x)) => {
                        out.keys
                            .entry(format!("tag {t} -> {kind} {x}"))
                            .or_default()
                            .push(r.path.clone());
                    }
                    _ => out.unkeyed.push(r.path.clone()),
                }
            }
        }
        _ => {
            for r in records {
                match int(&r.fields, "legacyId") {
                    Some(id) => {
                        let label = text(&r.fields, "slug").unwrap_or(&r.path).to_string();
                        out.keys.entry(id.to_string()).or_default().push(label);
                    }
                    None => out.native += 1,
                }
            }
        }
    }
    out
}

/// Compare the two key sets of one entity.
pub fn compare(entity: Entity, legacy: &BTreeMap<String, String>, new: &NewKeys) -> Evidence {
    let what = entity.label();
    let missing: Vec<String> = legacy
        .iter()
        .filter(|(k, _)| !new.keys.contains_key(*k))
        .map(|(k, label)| {
            format!(
                "missing in the new stack: legacy {} ({label})",
                key_words(entity, k)
            )
        })
        .collect();
    let extra: Vec<String> = new
        .keys
        .iter()
        .filter(|(k, _)| !legacy.contains_key(*k))
        .map(|(k, labels)| {
            format!(
                "not in laddr's scope: legacy {} ({})",
                key_words(entity, k),
                labels.join(", ")
            )
        })
        .collect();
    let dups: Vec<String> = new
        .keys
        .iter()
        .filter(|(_, labels)| labels.len() > 1)
        .map(|(k, labels)| {
            format!(
                "duplicated: legacy {} in {} records ({})",
                key_words(entity, k),
                labels.len(),
                labels.join(", ")
            )
        })
        .collect();
    let unkeyed: Vec<String> = new
        .unkeyed
        .iter()
        .map(|p| format!("cannot be matched to laddr (dangling reference): {p}"))
        .collect();
    let new_count: usize = new.keys.values().map(Vec::len).sum::<usize>() + new.unkeyed.len();
    let ok = missing.is_empty() && extra.is_empty() && dups.is_empty() && unkeyed.is_empty();
    let headline = format!(
        "{what}: laddr {} in scope, new stack {new_count} — {} missing, {} extra, {} duplicated, {} unmatched",
        legacy.len(),
        missing.len(),
        extra.len(),
        dups.len(),
        unkeyed.len()
    );
    let mut ev = Evidence::new(
        format!("every in-scope laddr {what} record is in the new stack once"),
        if ok { Outcome::Pass } else { Outcome::Fail },
        headline,
    )
    .expected(serde_json::json!({ "count": legacy.len() }))
    .observed(serde_json::json!({ "count": new_count, "newStackOnly": new.native }));
    for group in [missing, extra, dups, unkeyed] {
        let n = group.len();
        ev = ev.details(group.iter().take(SAMPLE));
        if n > SAMPLE {
            ev = ev.detail(format!("… and {} more", n - SAMPLE));
        }
    }
    ev
}

fn key_words(entity: Entity, key: &str) -> String {
    match entity {
        Entity::Memberships | Entity::TagAssignments => key.to_string(),
        _ => format!("id {key}"),
    }
}

/// The whole coverage check of one entity: laddr's in-scope keys ([`legacy_keys`]) against
/// the new stack's in the snapshot judged, and any data-repo file of the entity's sheet that
/// could not be read.
pub fn coverage(entity: Entity, legacy: &BTreeMap<String, String>, snap: &Snapshot) -> Evidence {
    let new = new_keys(snap, entity);
    with_sheet_problems(compare(entity, legacy, &new), snap, entity.sheet())
}

/// Fail `ev` if any file of `sheet` could not be read, naming each file and line.
pub fn with_sheet_problems(mut ev: Evidence, snap: &Snapshot, sheet: &str) -> Evidence {
    let prefix = format!("{sheet}/");
    let problems: Vec<String> = snap
        .problems
        .iter()
        .filter(|p| p.path.starts_with(&prefix))
        .map(|p| format!("unreadable record {p}"))
        .collect();
    if !problems.is_empty() {
        ev.outcome = Outcome::Fail;
        ev.headline = format!("{} — {} unreadable file(s)", ev.headline, problems.len());
        ev = ev.details(problems.iter().take(SAMPLE));
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datarepo::parse_tree;

    fn snap() -> Snapshot {
        let f = |p: &str, s: &str| (p.to_string(), s.as_bytes().to_vec());
        parse_tree(
            "c".into(),
            vec![
                f(".gitsheets/people.toml", "[gitsheet]\nroot='people'\npath='${{ slug }}'\n"),
                f(".gitsheets/projects.toml", "[gitsheet]\nroot='projects'\npath='${{ slug }}'\n"),
                f(".gitsheets/project-memberships.toml", "[gitsheet]\nroot='project-memberships'\npath='${{ projectSlug }}/${{ personSlug }}'\n"),
                f("people/ann.toml", "id='u1'\nlegacyId=7\nslug='ann'\n"),
                f("people/bob.toml", "id='u2'\nlegacyId=8\nslug='bob'\n"),
                f("people/bob-2.toml", "id='u3'\nlegacyId=8\nslug='bob-2'\n"),
                f("people/new.toml", "id='u4'\nslug='new'\n"),
                f("projects/x.toml", "id='p1'\nlegacyId=3\nslug='x'\n"),
                f("project-memberships/x/ann.toml", "projectId='p1'\npersonId='u1'\n"),
                f("project-memberships/x/ghost.toml", "projectId='p1'\npersonId='u9'\n"),
            ],
        )
    }

    #[test]
    fn missing_extra_and_duplicates_are_each_named() {
        let s = snap();
        let legacy = BTreeMap::from([
            ("7".to_string(), "Ann".to_string()),
            ("9".to_string(), "Cy".to_string()),
        ]);
        let new = new_keys(&s, Entity::People);
        assert_eq!(new.native, 1);
        let ev = compare(Entity::People, &legacy, &new);
        assert!(ev.failed());
        let text = ev.render();
        assert!(
            text.contains("missing in the new stack: legacy id 9 (Cy)"),
            "{text}"
        );
        assert!(text.contains("not in laddr's scope: legacy id 8"), "{text}");
        assert!(
            text.contains("duplicated: legacy id 8 in 2 records"),
            "{text}"
        );
    }

    #[test]
    fn equal_sets_pass() {
        let s = snap();
        let legacy = BTreeMap::from([("3".to_string(), "X".to_string())]);
        assert!(!compare(Entity::Projects, &legacy, &new_keys(&s, Entity::Projects)).failed());
    }

    #[test]
    fn memberships_are_keyed_by_the_legacy_pair() {
        let s = snap();
        let new = new_keys(&s, Entity::Memberships);
        assert!(new.keys.contains_key("project 3 / person 7"));
        assert_eq!(
            new.unkeyed,
            vec!["project-memberships/x/ghost.toml".to_string()]
        );
    }

    #[test]
    fn entity_words_round_trip() {
        for e in Entity::ALL {
            assert_eq!(e.label().parse::<Entity>().unwrap(), e);
        }
        assert!("persons".parse::<Entity>().is_err());
    }
}
