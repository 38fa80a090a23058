//! The harness decides pass or fail. It knows nothing of cucumber: steps call it, tests reach
//! it directly.
//!
//! * [`config`] — profiles (TOML) with environment overrides.
//! * [`legacy`] — the laddr database: providers, the read-only pool, checksums, scoped reads.
//! * [`datarepo`] — the new stack's public data repo (bare git), read through git objects.
//! * [`target`] — the new stack over HTTP.
//! * [`preflight`] — record coverage between laddr and the new stack.
//! * [`saml`] — Slack SAML continuity: expected and actual assertions, verified.
//! * [`claim`] — sign-in and account claim against mocked GitHub and Resend.
//! * [`http`] — a cookie-keeping, rate-limit-aware client for session flows.
//! * [`identity`] — how every request presents itself to the stack's rate limits.
//! * [`stack`] — the new stack started by the suite (an image or a command).
//! * [`evidence`] — what every check saw, redacted when it is built.

pub mod accounts;
pub mod after_cutover;
pub mod claim;
pub mod config;
pub mod datarepo;
pub mod env;
pub mod error;
pub mod evidence;
pub mod exit;
pub mod external;
pub mod freeze;
pub mod http;
pub mod identity;
pub mod legacy;
pub mod mapping;
pub mod memory;
pub mod phase;
pub mod preflight;
pub mod private;
pub mod reconcile;
pub mod redact;
pub mod redirects;
pub mod routes;
pub mod runbook;
pub mod saml;
pub mod stack;
pub mod state_layout;
pub mod suite;
pub mod target;
pub mod timing;
pub mod tools;
pub mod waiver;
pub mod watch;
pub mod window;
pub mod write_guard;

pub use error::Error;

/// For [`legacy_row!`]: the sqlx its expansion names, whatever the calling crate imports.
#[doc(hidden)]
pub use sqlx as __sqlx;
