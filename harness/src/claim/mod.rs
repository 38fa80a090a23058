//! Sign-in and account claim (new-stack.md §5, laddr.md §3): every kind of legacy member gets
//! back in — by old password, by GitHub with a matching verified email, through staff review
//! when the email is dead — and nobody else does.
//!
//! * [`mock`] — GitHub and Resend played by wiremock; the stack under test is started with
//!   its GitHub and Resend base URLs pointed at them.
//! * [`stats`] — the timing comparison (Mann–Whitney U).
//! * [`checks`] — one function per scenario, each returning evidence.
//!
//! The people each scenario acts as are chosen here ([`Cast`]) from laddr (level, email, the
//! hash's format), the data repo (slug, deactivation, GitHub link, memberships) and the known
//! passwords (the rehearsal's fixture secrets, or an acceptance run's test accounts). Every
//! scenario acts as different people, so scenarios do not disturb each other.
//!
//! This module holds the cookie names; the rest is one concern a module: `setup` (what the
//! checks are given), `passwords` (known passwords and hash formats), `members` (laddr's
//! members joined to the data repo) and `cast` (who each scenario acts as).

mod cast;
pub mod checks;
mod members;
pub mod mock;
mod passwords;
mod setup;
pub mod stats;

pub use cast::{Cast, Role, Uncast};
pub use members::{members, Member};
pub use passwords::{read_passwords, HashKind, KnownPassword};
pub use setup::{ClaimSetup, EmailMatch, DEFAULT_TIMING_SAMPLES};

pub const CLAIM_COOKIE: &str = "cfp_claim";
pub const OAUTH_STATE_COOKIE: &str = "cfp_oauth_state";
pub const OAUTH_SESSION_COOKIE: &str = "cfp_oauth_session";
