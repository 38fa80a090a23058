//! The claim setup: everything the account-claim checks need besides the stack, and what
//! the site does when a verified GitHub email matches a legacy person.

use super::{mock, KnownPassword};
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

/// What the site does when a verified GitHub email matches one legacy person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmailMatch {
    /// The claim screen lists the person; the member confirms (the contract's flow).
    #[default]
    ClaimScreen,
    /// The callback links and signs in at once.
    AutoLink,
    /// Either is accepted; the evidence says which happened.
    Either,
}

impl std::str::FromStr for EmailMatch {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        match s {
            "claim-screen" => Ok(EmailMatch::ClaimScreen),
            "auto-link" => Ok(EmailMatch::AutoLink),
            "either" => Ok(EmailMatch::Either),
            o => Err(crate::Error::Invalid {
                what: format!("email_match {o:?}"),
                expected: "expected claim-screen, auto-link or either".into(),
            }),
        }
    }
}

/// Tries per group in the timing comparison when the profile does not say.
pub const DEFAULT_TIMING_SAMPLES: usize = 25;

/// Everything the account-claim checks need besides the stack.
#[derive(Clone, Debug)]
pub struct ClaimSetup {
    pub passwords: Vec<KnownPassword>,
    /// The only members the scenarios may act on (laddr IDs), when the run names them.
    pub test_accounts: Option<HashSet<i64>>,
    pub mocks: Option<Arc<mock::Mocks>>,
    /// The session key (to act as staff, and to mint an expired claim cookie).
    pub jwt_key: Option<Vec<u8>>,
    pub email_match: EmailMatch,
    /// Tries per group in the timing comparison.
    pub timing_samples: usize,
}

impl Default for ClaimSetup {
    fn default() -> Self {
        ClaimSetup {
            passwords: Vec::new(),
            test_accounts: None,
            mocks: None,
            jwt_key: None,
            email_match: EmailMatch::default(),
            timing_samples: DEFAULT_TIMING_SAMPLES,
        }
    }
}
