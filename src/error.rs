//! What keeps a command from starting, as the binary says it once (`exit_with::cannot_run`).

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Harness(Box<harness::Error>),

    #[error(transparent)]
    Fixtures(Box<fixtures::Error>),

    #[error(transparent)]
    Reports(#[from] reports::Error),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// The signing key file that does not load (its error names the file).
    #[error("{0}")]
    SigningKey(#[source] std::io::Error),

    /// A flag given wrong, or two that do not go together; the message says what to give.
    #[error("{0}")]
    Usage(String),
}

impl From<harness::Error> for Error {
    fn from(e: harness::Error) -> Self {
        Error::Harness(Box::new(e))
    }
}

impl From<fixtures::Error> for Error {
    fn from(e: fixtures::Error) -> Self {
        Error::Fixtures(Box::new(e))
    }
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
