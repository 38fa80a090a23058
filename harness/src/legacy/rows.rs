//! laddr rows read by column name into structs. A column missing from the query's result, or
//! a value of another type (a NULL where the schema forbids one included), is an error that
//! names the table and the column, never a default.

use super::LegacyDb;
use crate::Error;
use sqlx::mysql::MySqlRow;

/// A struct of a row, decoded by column name: each field from the column of its name, a
/// missing column or another type an error (what `#[derive(sqlx::FromRow)]` generates for
/// such a struct, without building sqlx's macro crate, and a second tokio for it, on every
/// build).
#[macro_export]
macro_rules! legacy_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name { $($(#[$fmeta])* $fvis $field: $ty),* }

        impl<'r> $crate::__sqlx::FromRow<'r, $crate::__sqlx::mysql::MySqlRow> for $name {
            fn from_row(
                row: &'r $crate::__sqlx::mysql::MySqlRow,
            ) -> ::core::result::Result<Self, $crate::__sqlx::Error> {
                use $crate::__sqlx::Row as _;
                ::core::result::Result::Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

/// `people.Email: <why>`: what went wrong with one row of `table`, naming the column.
pub fn describe(table: &str, e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::ColumnNotFound(column) => {
            format!("{table}.{column}: not in the query's result (hint: alias the column as the field is named)")
        }
        // sqlx writes the index as `{:?}`: a name comes quoted.
        sqlx::Error::ColumnDecode { index, source } => {
            format!("{table}.{}: {source}", index.trim_matches('"'))
        }
        sqlx::Error::ColumnIndexOutOfBounds { index, len } => {
            format!("{table}: column {index} asked of a row of {len}")
        }
        other => format!("{table}: {other}"),
    }
}

impl LegacyDb {
    /// The error of a row of `table` that did not decode.
    pub fn row_err(&self, table: &str, source: sqlx::Error) -> Error {
        Error::LegacyRow {
            url: self.display.clone(),
            table: table.to_string(),
            source,
        }
    }

    /// Every row of `table` as a `T`, or the first that does not decode.
    pub fn decode<T>(&self, table: &str, rows: &[MySqlRow]) -> Result<Vec<T>, Error>
    where
        T: for<'r> sqlx::FromRow<'r, MySqlRow>,
    {
        rows.iter()
            .map(|r| T::from_row(r).map_err(|e| self.row_err(table, e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_is_named_with_its_table() {
        let e = sqlx::Error::ColumnNotFound("Email".into());
        let m = describe("people", &e);
        assert!(
            m.starts_with("people.Email: not in the query's result"),
            "{m}"
        );
    }

    #[test]
    fn a_value_of_another_type_is_named_with_its_table_and_why() {
        let e = sqlx::Error::ColumnDecode {
            index: format!("{:?}", "title"),
            source: "mismatched types; Rust type `String` is not compatible with SQL type `BIGINT`"
                .into(),
        };
        let err = Error::LegacyRow {
            url: "127.0.0.1:3306/laddr".into(),
            table: "projects".into(),
            source: e,
        };
        assert_eq!(
            err.to_string(),
            "legacy database at 127.0.0.1:3306/laddr: projects.title: mismatched types; Rust type `String` is not compatible with SQL type `BIGINT`"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}
