//! The harness's one error type. Messages name the thing and end with the fix.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("no legacy database could be provisioned:\n{tried}\n(hint: set LADDR_DATABASE_URL to a laddr MySQL/MariaDB; or start a Docker daemon; or install mariadb-server so `mariadbd` is on PATH)")]
    NoLegacyDatabase { tried: String },

    #[error("legacy database at {url}: {message}")]
    LegacyDatabase { url: String, message: String },

    /// A laddr row that does not decode: a column missing from the query or of another type.
    #[error(
        "legacy database at {url}: {}",
        crate::legacy::rows::describe(table, source)
    )]
    LegacyRow {
        url: String,
        table: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("profile {path}: {message}")]
    Profile { path: PathBuf, message: String },

    #[error("configuration: {0}")]
    Config(String),

    #[error("data repo {path}: {message}")]
    DataRepo { path: String, message: String },

    #[error("private store {path}: {message}")]
    PrivateStore { path: String, message: String },

    #[error("new stack at {url}: {message}")]
    Target { url: String, message: String },

    #[error("the new stack ({provider}): {message}{}", if log.is_empty() { String::new() } else { format!("\nits last log lines:\n{log}") })]
    Stack {
        provider: String,
        message: String,
        log: String,
    },

    /// Not a verdict: the stack's rate limit kept a check from being made.
    #[error("{what}: {message}")]
    RateLimited { what: String, message: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, Error::RateLimited { .. })
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
