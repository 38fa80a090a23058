//! Process exit codes, mapped once in the `cutover` binary.

/// Every scenario passed: the cutover may proceed.
pub const GO: i32 = 0;
/// At least one scenario failed, or the legacy database changed during the run.
pub const NO_GO: i32 = 1;
/// The suite could not run (no database, bad config, target unreachable at start).
pub const CANNOT_RUN: i32 = 2;
/// `cutover verify`: the bundle fails verification (a changed byte, an edited manifest, the
/// wrong key). Distinct from NO-GO, which a bundle that verifies may well say.
pub const BUNDLE_INVALID: i32 = 3;
