//! Why a hop of a legacy URL's chain was not followed, or its final page not proved. Each
//! ends up as a result's `detail`, so each message is what the detail said before.

use std::sync::Arc;

/// How a URL that could not be followed because of the stack's rate limit is marked.
pub const RATE_LIMITED: &str = "could not check: rate limited";

/// One GET of the chain that got no answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum GetError {
    /// The per-host limit was shut (the checker is going away).
    #[error("semaphore closed")]
    Closed,

    #[error("no answer in time (timed out)")]
    TimedOut,

    #[error("request failed: {0}")]
    Failed(#[source] Arc<reqwest::Error>),

    /// The stack's rate limit: no verdict either way.
    #[error("{RATE_LIMITED}: {0}")]
    RateLimited(#[source] Arc<crate::identity::SendError>),
}

/// Why the page a chain ended on is not proved to show its record.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum NoRecord {
    #[error("the page shows no record: {api} answered {status}")]
    Answered { api: String, status: u16 },

    #[error("{api}: {source}")]
    Get {
        api: String,
        #[source]
        source: GetError,
    },

    /// The API path does not join onto the base URL (`url`'s error, as its message).
    #[error("{0}")]
    Url(String),
}

/// Why a redirect's Location is never followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadLocation {
    #[error("a redirect without a Location")]
    Missing,

    #[error("a Location of {length} characters (limit {limit})")]
    TooLong { length: usize, limit: usize },

    #[error("a Location with scheme {0:?} is never followed")]
    Scheme(String),

    #[error("an unparsable Location: {0}")]
    Unparsable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_reads_as_the_detail_did_when_it_was_a_string() {
        let limited = GetError::RateLimited(Arc::new(crate::identity::SendError::RateLimited {
            tries: 3,
        }));
        assert!(limited.to_string().starts_with(RATE_LIMITED), "{limited}");
        let page = NoRecord::Get {
            api: "/api/people/ann".into(),
            source: GetError::TimedOut,
        };
        assert_eq!(
            page.to_string(),
            "/api/people/ann: no answer in time (timed out)"
        );
        assert_eq!(
            BadLocation::TooLong {
                length: 5001,
                limit: 2048
            }
            .to_string(),
            "a Location of 5001 characters (limit 2048)"
        );
        assert_eq!(
            BadLocation::Scheme("javascript".into()).to_string(),
            "a Location with scheme \"javascript\" is never followed"
        );
    }
}
