//! Step definitions and the cucumber runner. Steps are thin: they parse their words, call
//! the harness, and record the evidence it returns. [`run::run`] executes the features
//! against an environment for both `cutover` and `cargo test`.

pub mod index;
pub mod recorder;
pub mod run;
pub mod selection;
pub mod world;

mod after_cutover;
mod claim;
mod preflight;
mod reconciliation;
mod redirects;
mod runbook;
mod saml;
mod tools;
mod watch;
mod window;

pub use run::{run, RunOptions, RunOutcome};
pub use world::CutoverWorld;
