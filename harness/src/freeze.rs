//! The write freeze: every legacy table's row count, latest Created/Modified and checksum
//! (`CHECKSUM TABLE`, so an in-place UPDATE that changes no count or timestamp is seen too),
//! recorded once and compared later (within a run, or across runs through a file).

use crate::evidence::{Evidence, Outcome};
use crate::legacy::{quote_ident, LegacyDb};
use crate::Error;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TableState {
    pub rows: u64,
    pub max_created: Option<i64>,
    pub max_modified: Option<i64>,
    /// `CHECKSUM TABLE` (a freeze file recorded before checksums were kept has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreezeState {
    /// When it was recorded (RFC 3339), for the evidence.
    #[serde(default)]
    pub recorded_at: String,
    pub tables: BTreeMap<String, TableState>,
}

impl FreezeState {
    /// Read a state recorded by an earlier run (`cutover freeze --out FILE`).
    pub fn load(path: &std::path::Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("freeze file {}", path.display()), e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::Config(format!("freeze file {}: {e}", path.display())))
    }

    pub fn save(&self, path: &std::path::Path) -> Result<(), Error> {
        let text = serde_json::to_string_pretty(self).expect("serialises");
        std::fs::write(path, text + "\n")
            .map_err(|e| Error::io(format!("freeze file {}", path.display()), e))
    }
}

crate::legacy_row! {
    /// A table that has a `Created` or `Modified` column.
    struct ColumnRow {
        table_name: String,
        column_name: String,
    }
}

crate::legacy_row! {
    /// A table's row count and latest timestamps (NULL when it has no such column or no row).
    struct TableRow {
        rows: i64,
        max_created: Option<i64>,
        max_modified: Option<i64>,
    }
}

/// Record the state of every table now.
pub async fn record(db: &LegacyDb) -> Result<FreezeState, Error> {
    let cols = sqlx::query(
        "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('Created', 'Modified')",
    )
    .fetch_all(db.pool())
    .await
    .map_err(|e| Error::LegacyDatabase {
        url: db.display.clone(),
        message: format!("freeze columns: {e}"),
    })?;
    let mut has: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in db.decode::<ColumnRow>("information_schema.COLUMNS", &cols)? {
        has.entry(c.table_name).or_default().push(c.column_name);
    }
    let sums = db.checksums().await?;
    let mut tables = BTreeMap::new();
    for t in db.tables().await? {
        let col = |name: &str| {
            if has.get(&t).is_some_and(|c| c.iter().any(|x| x == name)) {
                format!("CAST(UNIX_TIMESTAMP(MAX(`{name}`)) AS SIGNED)")
            } else {
                "NULL".into()
            }
        };
        let sql = format!(
            "SELECT COUNT(*) AS `rows`, {} AS max_created, {} AS max_modified FROM {}",
            col("Created"),
            col("Modified"),
            quote_ident(&t)
        );
        let r =
            sqlx::query(&sql)
                .fetch_one(db.pool())
                .await
                .map_err(|e| Error::LegacyDatabase {
                    url: db.display.clone(),
                    message: format!("freeze {t}: {e}"),
                })?;
        let read = TableRow::from_row(&r).map_err(|e| db.row_err(&t, e))?;
        let checksum = sums.0.get(&t).copied().flatten();
        tables.insert(
            t,
            TableState {
                rows: read.rows as u64,
                max_created: read.max_created,
                max_modified: read.max_modified,
                checksum,
            },
        );
    }
    let recorded_at = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    Ok(FreezeState {
        recorded_at,
        tables,
    })
}

/// Pass when nothing changed since `before`.
pub fn compare(before: &FreezeState, now: &FreezeState) -> Evidence {
    let mut changes = Vec::new();
    for (t, b) in &before.tables {
        let same_shape = |n: &TableState| {
            (n.rows, n.max_created, n.max_modified) == (b.rows, b.max_created, b.max_modified)
        };
        match now.tables.get(t) {
            None => changes.push(format!("{t}: table gone")),
            Some(n) if !same_shape(n) => changes.push(format!(
                "{t}: rows {} -> {}, latest Created {:?} -> {:?}, latest Modified {:?} -> {:?}",
                b.rows, n.rows, b.max_created, n.max_created, b.max_modified, n.max_modified
            )),
            Some(n) if b.checksum.is_some() && n.checksum != b.checksum => changes.push(format!(
                "{t}: changed in place — rows and timestamps as at the freeze, checksum {:?} -> {:?}",
                b.checksum, n.checksum
            )),
            _ => {}
        }
    }
    for t in now
        .tables
        .keys()
        .filter(|t| !before.tables.contains_key(*t))
    {
        changes.push(format!("{t}: new table"));
    }
    Evidence::new(
        "no legacy table has been written since the freeze",
        if changes.is_empty() {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        format!(
            "{} tables compared, {} changed since the freeze at {}",
            before.tables.len(),
            changes.len(),
            before.recorded_at
        ),
    )
    .details(changes)
}

/// The stack serving while the legacy database is frozen: each answer recorded, and
/// anything but a success fails (a freeze proven while the stack errored proves nothing).
pub fn served(answers: &[(String, Result<u16, Error>)]) -> Evidence {
    let lines: Vec<String> = answers
        .iter()
        .map(|(path, r)| match r {
            Ok(s) => format!("GET {path} -> {s}"),
            Err(e) => format!("GET {path} -> no answer: {e}"),
        })
        .collect();
    let bad = answers
        .iter()
        .filter(|(_, r)| !matches!(r, Ok(200)))
        .count();
    Evidence::new(
        "the new stack served a person, a project and its health",
        if bad == 0 {
            Outcome::Pass
        } else {
            Outcome::Fail
        },
        format!(
            "{} of {} requests answered 200",
            answers.len() - bad,
            answers.len()
        ),
    )
    .details(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_row_or_a_touched_record_is_named() {
        let st = |rows, m| TableState {
            rows,
            max_created: Some(10),
            max_modified: m,
            checksum: Some(1),
        };
        let before = FreezeState {
            recorded_at: String::new(),
            tables: BTreeMap::from([
                ("people".into(), st(5, Some(20))),
                ("tags".into(), st(2, None)),
            ]),
        };
        assert!(!compare(&before, &before.clone()).failed());
        let mut after = before.clone();
        after.tables.insert("people".into(), st(5, Some(21)));
        after.tables.insert("sessions".into(), st(1, None));
        let ev = compare(&before, &after);
        assert!(ev.failed());
        assert!(
            ev.render().contains("people: rows 5 -> 5")
                && ev.render().contains("sessions: new table"),
            "{}",
            ev.render()
        );
        // An UPDATE that leaves counts and timestamps alone shows in the checksum.
        let mut in_place = before.clone();
        in_place.tables.get_mut("tags").unwrap().checksum = Some(2);
        let ev = compare(&before, &in_place);
        assert!(
            ev.failed() && ev.render().contains("tags: changed in place"),
            "{}",
            ev.render()
        );
    }

    #[test]
    fn a_freeze_file_from_before_checksums_still_reads() {
        let old = r#"{"recorded_at":"x","tables":{"people":{"rows":1,"maxCreated":null,"maxModified":null}}}"#;
        let f: FreezeState = serde_json::from_str(old).unwrap();
        assert_eq!(f.tables["people"].checksum, None);
    }
}
