//! Running an SQL script (a fixture, or a `mariadb-dump` file) statement by statement.
//! Statements end with ";\n" and newlines inside values are escaped (as `mariadb-dump` and
//! the fixture writer both do), so the split is exact; `--` comment lines are dropped and a
//! statement that is only a comment (the dump's sandbox marker) is skipped.

use sqlx::{Executor, MySqlConnection};

/// The statements of `sql`, in order, without comment lines.
pub fn statements(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(";\n").filter_map(|stmt| {
        let body: String = stmt
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let t = body.trim();
        let only_comment = t.starts_with("/*") && t.ends_with("*/") && !t.starts_with("/*!");
        (!t.is_empty() && !only_comment).then_some(body)
    })
}

/// Run every statement of `sql` on `conn`; the error names the statement that failed.
pub async fn run(conn: &mut MySqlConnection, sql: &str) -> Result<usize, crate::Error> {
    let mut n = 0;
    for body in statements(sql) {
        conn.execute(sqlx::raw_sql(&body)).await.map_err(|e| {
            crate::Error::sql(
                format!(
                    "statement {} ({}…)",
                    n + 1,
                    body.chars().take(60).collect::<String>()
                ),
                e,
            )
        })?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_drop_comments_and_keep_conditional_ones() {
        let sql = "/*M!999999\\- enable the sandbox mode */;\n-- a comment\nCREATE TABLE t (a int);\n/*!40101 SET NAMES utf8 */;\nINSERT INTO t VALUES (1),(2);\n";
        let got: Vec<String> = statements(sql).collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(got[0].starts_with("CREATE TABLE"));
        assert!(got[1].starts_with("/*!40101"));
    }
}
