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

    /// A configured certificate file that does not hold a certificate.
    #[error("configuration: {}: {source}", path.display())]
    Certificate {
        path: PathBuf,
        #[source]
        source: crate::saml::verify::CertError,
    },

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

    /// A statement on a server the suite provisions or restores into (not laddr's pool).
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: sqlx::Error,
    },

    #[error("the dump does not restore: {0}")]
    Restore(#[source] Box<Error>),

    #[error("{context}: {}", crate::target::describe(source))]
    Http {
        context: String,
        #[source]
        source: reqwest::Error,
    },

    #[error("{context}: {source}")]
    Container {
        context: String,
        #[source]
        source: Box<testcontainers::TestcontainersError>,
    },

    #[error("{context}: {source}")]
    Json {
        context: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("{context}: {source}")]
    Toml {
        context: String,
        #[source]
        source: toml::de::Error,
    },

    #[error("{context}: {source}")]
    TomlWrite {
        context: String,
        #[source]
        source: toml::ser::Error,
    },

    #[error("{context}: {source}")]
    Csv {
        context: String,
        #[source]
        source: csv::Error,
    },

    /// A program the suite runs (git, a stack tool, a server) that failed; `message` is what
    /// it said.
    #[error("{program}: {message}")]
    Command { program: String, message: String },

    #[error("a worker task did not finish: {0}")]
    Task(#[from] tokio::task::JoinError),

    /// A name that is none of the known ones; `known` lists them.
    #[error("unknown {what} {value:?} ({known})")]
    Unknown {
        what: &'static str,
        value: String,
        known: String,
    },

    /// A value that does not parse; `expected` says what would.
    #[error("{what}: {expected}")]
    Invalid { what: String, expected: String },

    /// What a check needs and does not have (a mock, a key, a record to act on), with the fix.
    #[error("{0}")]
    Missing(String),

    #[error(transparent)]
    Uncast(#[from] crate::claim::Uncast),

    /// A request of a session flow that failed (not a rate limit: that is [`Error::RateLimited`]).
    #[error(transparent)]
    Request(crate::http::HttpError),

    /// The stack or a server answered other than the check needs.
    #[error("{what} answered {answer}")]
    Answered { what: String, answer: String },
}

impl From<crate::http::HttpError> for Error {
    fn from(e: crate::http::HttpError) -> Self {
        match e {
            crate::http::HttpError::RateLimited { what, message } => {
                Error::RateLimited { what, message }
            }
            failed => Error::Request(failed),
        }
    }
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

    pub fn sql(context: impl Into<String>, source: sqlx::Error) -> Self {
        Error::Sql {
            context: context.into(),
            source,
        }
    }

    pub fn http(context: impl Into<String>, source: reqwest::Error) -> Self {
        Error::Http {
            context: context.into(),
            source,
        }
    }

    pub fn json(context: impl Into<String>, source: serde_json::Error) -> Self {
        Error::Json {
            context: context.into(),
            source,
        }
    }

    pub fn command(program: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Command {
            program: program.into(),
            message: message.into(),
        }
    }

    pub fn missing(what: impl Into<String>) -> Self {
        Error::Missing(what.into())
    }
}
