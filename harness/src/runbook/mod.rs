//! The runbook's own gates, beyond the checks of the features' subjects: the final dump
//! proved by restoring it (T-1d), the stack refusing to run without a secret (T-1d), laddr in
//! maintenance (T-0), the staged secrets (T-7d), the probe round (T+1h), the public snapshot
//! (T+7d) and the legacy credentials left for retirement (T+180d). Each module is one gate.

pub mod dump;
pub mod launch;
pub mod maintenance;
pub mod probes;
pub mod public_snapshot;
pub mod retire;
pub mod secrets;

use std::path::PathBuf;
use std::sync::Arc;

/// What the runbook's gates need beyond the environment: each is optional, and a gate
/// without its part is "not checked", naming the setting.
#[derive(Clone, Default)]
pub struct RunbookSetup {
    /// How to start a second instance of the stack under test (its provider and environment).
    pub launcher: Option<Arc<dyn launch::Launch>>,
    /// The final laddr dump.
    pub dump: Option<PathBuf>,
    /// A server to restore the dump into (admin URL); none: start one.
    pub scratch_url: Option<String>,
    /// laddr's site, for the maintenance gate.
    pub legacy_site: Option<String>,
    /// The public snapshot: repository location and branch.
    pub public_snapshot: Option<(String, String)>,
    /// The profile, for starting a scratch server when no URL is given.
    pub profile: Option<crate::config::Profile>,
}

impl std::fmt::Debug for RunbookSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunbookSetup")
            .field("launcher", &self.launcher.as_ref().map(|l| l.describe()))
            .field("dump", &self.dump)
            .field("legacy_site", &self.legacy_site)
            .field("public_snapshot", &self.public_snapshot)
            .finish()
    }
}
