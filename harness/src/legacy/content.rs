//! A table's content as a checksum of its values, independent of the server, its version
//! and its storage (unlike `CHECKSUM TABLE`): the row count, and the XOR of a 64-bit MD5 of
//! each row's values (hex, so binary and text compare alike; NULL distinct from every
//! value). Two tables with the same rows, in any order, on any server, agree.

use crate::legacy::quote_ident;
use sqlx::{MySqlConnection, Row};
use std::collections::BTreeMap;

/// Tables the suite itself keeps in a rehearsal database (not laddr's).
pub const SUITE_TABLE_PREFIX: &str = "_cutover";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Content {
    pub rows: u64,
    pub sum: u64,
}

/// Base tables of `database` (laddr's own, not the suite's), sorted.
async fn tables(conn: &mut MySqlConnection, database: &str) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
    )
    .bind(database)
    .fetch_all(&mut *conn)
    .await?;
    let names = rows
        .iter()
        .map(|r| r.try_get::<String, _>("name"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names
        .into_iter()
        .filter(|t| !t.starts_with(SUITE_TABLE_PREFIX))
        .collect())
}

async fn columns(
    conn: &mut MySqlConnection,
    database: &str,
    table: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
    .bind(database)
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("name")).collect()
}

/// The query giving (rows, sum) of one table.
pub fn sum_sql(database: &str, table: &str, columns: &[String]) -> String {
    let values: Vec<String> = columns
        .iter()
        .map(|c| format!("IFNULL(HEX({}), 'N')", quote_ident(c)))
        .collect();
    format!(
        "SELECT COUNT(*) AS `rows`, BIT_XOR(CAST(CONV(SUBSTRING(MD5(CONCAT_WS('|', {})), 1, 16), 16, 10) AS UNSIGNED)) AS sum FROM {}.{}",
        values.join(", "),
        quote_ident(database),
        quote_ident(table)
    )
}

/// The content of every laddr table of `database`.
pub async fn of_database(
    conn: &mut MySqlConnection,
    database: &str,
) -> Result<BTreeMap<String, Content>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for table in tables(conn, database).await? {
        let cols = columns(conn, database, &table).await?;
        let row = sqlx::query(&sum_sql(database, &table, &cols))
            .fetch_one(&mut *conn)
            .await?;
        let rows: i64 = row.try_get("rows")?;
        let sum: u64 = row.try_get("sum")?;
        out.insert(
            table,
            Content {
                rows: rows as u64,
                sum,
            },
        );
    }
    Ok(out)
}

/// The name of the database `conn` is using.
pub async fn current_database(conn: &mut MySqlConnection) -> Result<String, sqlx::Error> {
    sqlx::query("SELECT DATABASE() AS name")
        .fetch_one(&mut *conn)
        .await?
        .try_get::<Option<String>, _>("name")
        .map(Option::unwrap_or_default)
}
