//! The laddr database, only ever read.
//!
//! [`LegacyDb`] is the harness's connection pool: every connection it opens is put in a
//! read-only transaction mode before use, so a write through it fails in the server (a test
//! proves it). [`provider`] finds a server to run against; [`Checksums`] prove the run changed
//! nothing.

pub mod content;
pub mod provider;
pub mod rows;
pub mod script;

use crate::Error;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::{Executor, Row};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

/// The harness's read-only view of a laddr database.
#[derive(Clone, Debug)]
pub struct LegacyDb {
    pool: MySqlPool,
    /// Host, port and database, with no credentials: safe to print.
    pub display: String,
}

impl LegacyDb {
    /// Connect with every session read-only. `url` is `mysql://user:pw@host:port/database`.
    pub async fn connect_read_only(url: &str) -> Result<Self, Error> {
        let display = display_url(url);
        let options = MySqlConnectOptions::from_str(url).map_err(|e| Error::LegacyDatabase {
            url: display.clone(),
            message: format!("not a MySQL URL: {e} (hint: mysql://user:password@host:3306/laddr)"),
        })?;
        let pool = MySqlPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // Statements in a read-only transaction cannot write any table, MyISAM
                    // included, nor run DDL: MariaDB answers error 1792.
                    conn.execute("SET SESSION TRANSACTION READ ONLY").await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| Error::LegacyDatabase {
                url: display.clone(),
                message: format!("cannot connect: {e}"),
            })?;
        Ok(LegacyDb { pool, display })
    }

    /// A pool *without* the read-only guard, so tests can prove that [`prove_read_only`]
    /// catches one. Never used by the suite itself.
    #[doc(hidden)]
    pub async fn connect_writable_for_tests(url: &str) -> Result<Self, Error> {
        let pool = MySqlPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .map_err(|e| Error::LegacyDatabase {
                url: display_url(url),
                message: e.to_string(),
            })?;
        Ok(LegacyDb {
            pool,
            display: display_url(url),
        })
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    fn err(&self, what: &str, e: sqlx::Error) -> Error {
        Error::LegacyDatabase {
            url: self.display.clone(),
            message: format!("{what}: {e}"),
        }
    }

    /// `SELECT VERSION()`, for the report's identity of the legacy database.
    pub async fn server_version(&self) -> Result<String, Error> {
        let row = sqlx::query("SELECT VERSION() AS version")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err("server version", e))?;
        row.try_get::<String, _>("version")
            .map_err(|e| self.err("server version", e))
    }

    /// Base tables of the current database, sorted.
    pub async fn tables(&self) -> Result<Vec<String>, Error> {
        let rows = sqlx::query(
            "SELECT TABLE_NAME AS name FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err("list tables", e))?;
        rows.iter()
            .map(|r| {
                r.try_get::<String, _>("name")
                    .map_err(|e| self.row_err("information_schema.TABLES", e))
            })
            .collect()
    }

    /// `CHECKSUM TABLE` of every base table.
    pub async fn checksums(&self) -> Result<Checksums, Error> {
        let tables = self.tables().await?;
        let mut sums = BTreeMap::new();
        for chunk in tables.chunks(64) {
            let list = chunk
                .iter()
                .map(|t| quote_ident(t))
                .collect::<Vec<_>>()
                .join(", ");
            let rows = sqlx::query(&format!("CHECKSUM TABLE {list}"))
                .fetch_all(&self.pool)
                .await
                .map_err(|e| self.err("checksum", e))?;
            for row in rows {
                // CHECKSUM TABLE's own column names.
                let qualified: String = row
                    .try_get("Table")
                    .map_err(|e| self.row_err("CHECKSUM TABLE", e))?;
                let sum: Option<i64> = row
                    .try_get("Checksum")
                    .map_err(|e| self.row_err("CHECKSUM TABLE", e))?;
                let sum = sum.map(|s| s as u64);
                let table = qualified
                    .rsplit_once('.')
                    .map(|(_, t)| t.to_string())
                    .unwrap_or(qualified);
                sums.insert(table, sum);
            }
        }
        Ok(Checksums(sums))
    }

    /// Row count of one table.
    pub async fn count(&self, table: &str) -> Result<u64, Error> {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {}", quote_ident(table)))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(&format!("count {table}"), e))?;
        let n: i64 = row.try_get("n").map_err(|e| self.row_err(table, e))?;
        Ok(n as u64)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Table → `CHECKSUM TABLE` value (None when the server could not compute one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checksums(pub BTreeMap<String, Option<u64>>);

/// One table whose checksum differs between two readings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChecksumChange {
    pub table: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
}

impl Checksums {
    /// Tables whose checksum changed, appeared or disappeared since `self`.
    pub fn changes_since(&self, before: &Checksums) -> Vec<ChecksumChange> {
        let mut out = Vec::new();
        let names: std::collections::BTreeSet<&String> =
            self.0.keys().chain(before.0.keys()).collect();
        for t in names {
            let b = before.0.get(t).copied().flatten();
            let a = self.0.get(t).copied().flatten();
            if before.0.contains_key(t) != self.0.contains_key(t) || a != b {
                out.push(ChecksumChange {
                    table: t.clone(),
                    before: b,
                    after: a,
                });
            }
        }
        out
    }
}

/// Backquote a MySQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A MySQL URL without its password, for messages.
pub fn display_url(url: &str) -> String {
    crate::redact::redact(url)
}

/// The same server with other credentials and database: `mysql://user:pw@host:port/db`.
pub fn rewrite_url(url: &str, user: &str, password: &str, database: &str) -> Result<String, Error> {
    let bad = |m: String| Error::LegacyDatabase {
        url: display_url(url),
        message: m,
    };
    let mut u = reqwest::Url::parse(url).map_err(|e| bad(format!("not a URL: {e}")))?;
    u.set_username(user)
        .map_err(|_| bad("cannot set user".into()))?;
    u.set_password(Some(password))
        .map_err(|_| bad("cannot set password".into()))?;
    u.set_path(&format!("/{database}"));
    Ok(u.to_string())
}

/// Try a write that would change nothing even if it ran, and pass only if the server refuses
/// it: read-only transaction (1792) or missing privilege (1142).
pub async fn prove_read_only(db: &LegacyDb) -> crate::evidence::Evidence {
    let tried = match sqlx::query("DELETE FROM people WHERE 1 = 0")
        .execute(db.pool())
        .await
    {
        Ok(_) => WriteTry::Accepted,
        Err(sqlx::Error::Database(e)) => WriteTry::Refused {
            number: e
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map(|m| m.number()),
            code: e.code().map(|c| c.to_string()).unwrap_or_default(),
            message: e.to_string(),
        },
        Err(e) => WriteTry::NotTried(e.to_string()),
    };
    judge_write(tried)
}

/// What the server did with the suite's write.
#[derive(Debug)]
enum WriteTry {
    Accepted,
    /// A database error: its MySQL error number, SQLSTATE and message.
    Refused {
        number: Option<u16>,
        code: String,
        message: String,
    },
    /// The write never reached the server as a statement.
    NotTried(String),
}

/// Pass only when the server refused the write for being read-only or unprivileged.
fn judge_write(tried: WriteTry) -> crate::evidence::Evidence {
    use crate::evidence::{Evidence, Outcome};
    let check = "a write through the suite's connection is refused by the server";
    match tried {
        WriteTry::Accepted => Evidence::new(
            check,
            Outcome::Fail,
            "the server accepted a DELETE through the suite's connection: it is not read-only",
        ),
        WriteTry::Refused {
            number,
            code,
            message,
        } => {
            let why = match number {
                Some(1792) => "the session is in a read-only transaction (error 1792)",
                Some(1142) => "the account may only SELECT (error 1142)",
                Some(1290) | Some(1836) => "the server is read-only (error 1290/1836)",
                _ => "",
            };
            if why.is_empty() {
                Evidence::new(
                    check,
                    Outcome::Fail,
                    format!("the write failed for another reason ({code}): {message}"),
                )
            } else {
                Evidence::new(check, Outcome::Pass, format!("refused: {why}"))
            }
        }
        WriteTry::NotTried(e) => {
            Evidence::new(check, Outcome::Fail, format!("could not try a write: {e}"))
        }
    }
}

/// Pass when every table has a checksum on record.
pub fn checksums_cover(sums: &Checksums, tables: &[String]) -> crate::evidence::Evidence {
    use crate::evidence::{Evidence, Outcome};
    let missing: Vec<&String> = tables.iter().filter(|t| !sums.0.contains_key(*t)).collect();
    let check = "every legacy table has a checksum taken before the first scenario";
    if tables.is_empty() {
        return Evidence::new(check, Outcome::Fail, "the legacy database has no tables");
    }
    if missing.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!("{} tables checksummed at start", sums.0.len()),
        )
        .observed(serde_json::to_value(&sums.0).unwrap_or_default())
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!("{} tables without a checksum", missing.len()),
        )
        .details(missing.iter().map(|t| format!("no checksum: {t}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_changes_name_the_table() {
        let before = Checksums(BTreeMap::from([
            ("people".into(), Some(1)),
            ("tags".into(), Some(2)),
        ]));
        let same = before.clone();
        assert!(same.changes_since(&before).is_empty());
        let after = Checksums(BTreeMap::from([
            ("people".into(), Some(9)),
            ("tags".into(), Some(2)),
            ("sessions".into(), Some(0)),
        ]));
        let changed: Vec<_> = after
            .changes_since(&before)
            .into_iter()
            .map(|c| c.table)
            .collect();
        assert_eq!(changed, vec!["people", "sessions"]);
    }

    #[test]
    fn display_url_hides_the_password() {
        assert_eq!(
            display_url("mysql://root:s3cret@127.0.0.1:3306/laddr"),
            "mysql://root:***@127.0.0.1:3306/laddr"
        );
    }

    #[test]
    fn a_write_the_server_accepts_or_refuses_for_another_reason_fails() {
        let refused = |number| WriteTry::Refused {
            number,
            code: "HY000".into(),
            message: "no".into(),
        };
        for n in [1792, 1142, 1290, 1836] {
            assert!(!judge_write(refused(Some(n))).failed(), "{n}");
        }
        assert!(judge_write(WriteTry::Accepted).failed());
        assert!(judge_write(refused(Some(1064))).failed());
        assert!(judge_write(refused(None)).failed());
        assert!(judge_write(WriteTry::NotTried("pool timed out".into())).failed());
    }
}
