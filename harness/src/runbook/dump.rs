//! T-1d: the final laddr dump is a backup only once it has been restored. It is restored into
//! a database of its own on a scratch server (never the legacy server), each table's content
//! there is compared with laddr's as it was when the run began ([`crate::legacy::content`];
//! a write during the run is the run's own NO-GO), and the database is dropped.

use crate::evidence::{Evidence, Outcome};
use crate::legacy::content::{self, Content};
use crate::legacy::LegacyDb;
use crate::Error;
use sqlx::{Connection, Executor, MySqlConnection};
use std::collections::BTreeMap;
use std::path::Path;

pub type Tables = BTreeMap<String, Content>;

/// laddr's own tables, read through the suite's read-only connection.
pub async fn source(legacy: &LegacyDb) -> Result<Tables, Error> {
    let fail = |e: sqlx::Error| Error::LegacyDatabase {
        url: legacy.display.clone(),
        message: format!("content checksums: {e}"),
    };
    let mut conn = legacy.pool().acquire().await.map_err(fail)?;
    let db = content::current_database(&mut conn).await.map_err(fail)?;
    content::of_database(&mut conn, &db).await.map_err(fail)
}

/// Restore `dump` into a fresh database on the server at `admin_url`, read its content, and
/// drop the database again (also when the restore fails).
pub async fn restore(dump: &Path, admin_url: &str) -> Result<Tables, Error> {
    let sql = std::fs::read_to_string(dump)
        .map_err(|e| Error::io(format!("cannot read the dump {}", dump.display()), e))?;
    let mut conn = MySqlConnection::connect(admin_url).await.map_err(|e| {
        Error::sql(
            format!(
                "cannot connect to the scratch server {}",
                crate::legacy::display_url(admin_url)
            ),
            e,
        )
    })?;
    let db = format!(
        "cutover_restore_{}",
        &crate::legacy::provider::random_token()[..12]
    );
    let q = crate::legacy::quote_ident(&db);
    conn.execute(format!("CREATE DATABASE {q}").as_str())
        .await
        .map_err(|e| Error::sql("cannot create a scratch database", e))?;
    let restored = async {
        conn.execute(format!("USE {q}").as_str())
            .await
            .map_err(|e| Error::sql(format!("USE {q}"), e))?;
        let n = crate::legacy::script::run(&mut conn, &sql)
            .await
            .map_err(|e| Error::Restore(Box::new(e)))?;
        if n == 0 {
            return Err(Error::missing("the dump holds no statement"));
        }
        content::of_database(&mut conn, &db)
            .await
            .map_err(|e| Error::sql("reading the restored database", e))
    }
    .await;
    let _ = conn.execute(format!("DROP DATABASE {q}").as_str()).await;
    let _ = conn.close().await;
    restored
}

/// A server to restore into: the one named, else one started for this (a container, else a
/// local `mariadbd`), returned so the caller shuts it down.
pub async fn scratch_server(
    named: Option<&str>,
    profile: Option<&crate::config::Profile>,
) -> Result<(String, Option<crate::legacy::provider::LegacyServer>), Error> {
    if let Some(url) = named {
        return Ok((url.to_string(), None));
    }
    let mut p = profile.cloned().unwrap_or_default();
    p.legacy.url = None;
    p.legacy.providers = Some(vec![
        crate::config::ProviderKind::Container,
        crate::config::ProviderKind::Local,
    ]);
    let server = crate::legacy::provider::provision(&p).await?;
    Ok((server.url.clone(), Some(server)))
}

/// Compare the restored tables with laddr's.
pub fn judge(source: &Tables, restored: Result<Tables, Error>, dump: &Path) -> Evidence {
    let check = "the final laddr dump restores, and holds exactly laddr's tables and rows";
    let restored = match restored {
        Ok(r) => r,
        Err(e) => {
            return Evidence::new(check, Outcome::Fail, e.to_string())
                .detail(format!("dump: {}", dump.display()))
        }
    };
    let mut problems = Vec::new();
    for (table, want) in source {
        match restored.get(table) {
            None => problems.push(format!("{table}: not in the dump")),
            Some(got) if got.rows != want.rows => problems.push(format!(
                "{table}: {} rows restored, laddr has {}",
                got.rows, want.rows
            )),
            Some(got) if got.sum != want.sum => problems.push(format!(
                "{table}: {} rows, but their content differs from laddr's",
                got.rows
            )),
            Some(_) => {}
        }
    }
    for table in restored.keys().filter(|t| !source.contains_key(*t)) {
        problems.push(format!("{table}: in the dump, not in laddr"));
    }
    let rows: u64 = source.values().map(|c| c.rows).sum();
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "{} tables, {rows} rows restored, every table's content equal to laddr's",
                source.len()
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {} tables differ after the restore",
                problems.len(),
                source.len()
            ),
        )
        .details(problems)
    }
    .detail(format!("dump: {}", dump.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(rows: &[(&str, u64, u64)]) -> Tables {
        rows.iter()
            .map(|(n, r, s)| (n.to_string(), Content { rows: *r, sum: *s }))
            .collect()
    }

    #[test]
    fn a_restore_must_equal_laddr_table_by_table() {
        let laddr = t(&[("people", 3, 7), ("tags", 2, 9)]);
        let dump = Path::new("final.sql");
        assert!(!judge(&laddr, Ok(laddr.clone()), dump).failed());
        let short = judge(&laddr, Ok(t(&[("people", 2, 7), ("tags", 2, 9)])), dump);
        assert!(
            short.failed()
                && short
                    .render()
                    .contains("people: 2 rows restored, laddr has 3")
        );
        let changed = judge(&laddr, Ok(t(&[("people", 3, 8), ("tags", 2, 9)])), dump);
        assert!(changed.render().contains("content differs"));
        let missing = judge(&laddr, Ok(t(&[("people", 3, 7)])), dump);
        assert!(missing.render().contains("tags: not in the dump"));
        let broken = judge(
            &laddr,
            Err(Error::missing("the dump holds no statement")),
            dump,
        );
        assert!(broken.failed());
    }
}
