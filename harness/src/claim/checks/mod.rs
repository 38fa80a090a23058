//! One function per account-claim scenario. Each acts as its own people (see [`super::Cast`]),
//! through a fresh [`Browser`](crate::http::Browser), and returns evidence naming people by
//! laddr id and slug only: no email, password, token or cookie is ever written.
//!
//! * `flow` — [`ClaimRun`] and the HTTP flows against the stack.
//! * `judge` — pure judgements: [`Landed`], the finding that becomes evidence, readers of
//!   observed data.
//! * `people` — who the scenarios act as: labels, made-up GitHub identities.
//! * `password`, `sameness`, `refusals`, `github`, `staff`, `claim_screen`, `reset` — the
//!   scenarios, by concern.

/// The value, or the scenario's evidence that it could not check (and why).
macro_rules! or_could_not {
    ($check:expr, $e:expr) => {
        match $e {
            Ok(x) => x,
            Err(e) => return Finding::could_not($check, e),
        }
    };
}

mod claim_screen;
mod flow;
mod github;
mod judge;
mod password;
mod people;
mod refusals;
mod reset;
mod sameness;
mod staff;

pub use claim_screen::{decline, second_claim};
pub use flow::ClaimRun;
pub use github::{github_email, github_several, github_unverified, github_username};
pub use judge::Landed;
pub use password::password_sign_in;
pub use refusals::{bad_input, refused_levels};
pub use reset::password_reset;
pub use sameness::{same_answer, timing};
pub use staff::staff_review;
