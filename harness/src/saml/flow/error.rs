//! Why a SAML request got no answer to judge. Kept in the run as data (the metadata, the
//! signed-out launch, another ACS, each refusal), so it is `Clone` and serialises as its
//! message: the evidence reads as it did when these were strings.

use crate::saml::xml::SamlError;
use serde::Serialize;
use std::sync::Arc;

/// Why a SAML request (or the check around it) has no answer to judge.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum FlowError {
    /// The request was not answered (refused, timed out, TLS).
    #[error("{what}: {}", crate::target::describe(source))]
    Request {
        what: String,
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// The stack's rate limit kept the request from being made: not a verdict.
    #[error("{what}: {source}")]
    RateLimited {
        what: String,
        #[source]
        source: Arc<crate::identity::SendError>,
    },

    #[error("{what}: reading the body: {}", crate::target::describe(source))]
    Body {
        what: String,
        #[source]
        source: Arc<reqwest::Error>,
    },

    #[error("{what}: the answer is larger than {limit} bytes")]
    TooLarge { what: String, limit: usize },

    /// An endpoint path that does not join onto the base URL (`url`'s error is not
    /// nameable here without another dependency, so its message).
    #[error("{path}: {message}")]
    Url { path: String, message: String },

    /// The answer came, but not the one the step reads (`HTTP 404 not_found`).
    #[error("{0}")]
    Answered(String),

    /// The document answered is not one Slack would accept.
    #[error(transparent)]
    Document(#[from] SamlError),

    /// No session could be made for the person to ask as.
    #[error(transparent)]
    Session(Arc<crate::Error>),

    #[error("no user to try it with")]
    NoUser,

    #[error("not asked")]
    NotAsked,
}

impl From<crate::Error> for FlowError {
    fn from(e: crate::Error) -> Self {
        FlowError::Session(Arc::new(e))
    }
}

impl Serialize for FlowError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_serialises_as_the_message_it_had_as_a_string() {
        let r: Result<(), FlowError> = Err(FlowError::NotAsked);
        assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"Err":"not asked"}"#);
        let e = FlowError::TooLarge {
            what: "GET launch".into(),
            limit: 1024,
        };
        assert_eq!(
            e.to_string(),
            "GET launch: the answer is larger than 1024 bytes"
        );
    }
}
