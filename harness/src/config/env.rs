//! The environment's overrides of a profile: environment beats file. Each section's
//! variables are read in the same order as ever, so the first bad value is the one named.

use super::{ContainerNetwork, Profile, ProviderKind};
use crate::Error;
use std::path::PathBuf;

impl Profile {
    /// Environment beats file. `get` is injectable so tests need not touch the process env.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        self.legacy_env(&nonempty)?;
        self.target_and_run_env(&nonempty)?;
        self.policy_saml_and_claim_env(&nonempty);
        self.stack_env(&nonempty)
    }

    /// The window's nameserver, and `[legacy]`.
    fn legacy_env(&mut self, nonempty: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
        if let Some(v) = nonempty("CUTOVER_NAMESERVER") {
            self.window.nameserver = Some(v);
        }
        if let Some(v) = nonempty("LADDR_DATABASE_URL") {
            self.legacy.url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_LEGACY_PROVIDERS") {
            self.legacy.providers = Some(
                v.split(',')
                    .map(ProviderKind::parse)
                    .collect::<Result<_, _>>()?,
            );
        }
        if let Some(v) = nonempty("CUTOVER_MARIADB_IMAGE") {
            self.legacy.image = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DOCKER_NETWORK") {
            self.legacy.network = Some(match v.as_str() {
                "host" => ContainerNetwork::Host,
                "bridge" => ContainerNetwork::Bridge,
                other => {
                    return Err(Error::Config(format!(
                        "CUTOVER_DOCKER_NETWORK={other:?} (hint: bridge or host)"
                    )))
                }
            });
        }
        if let Some(v) = nonempty("MARIADBD") {
            self.legacy.mariadbd = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_LADDR_DUMP") {
            self.legacy.dump = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SCRATCH_DATABASE_URL") {
            self.legacy.scratch_url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_LADDR_SITE") {
            self.legacy.site = Some(v);
        }
        Ok(())
    }

    /// `[snapshot]`, where `[target]` is, and `[run]`.
    fn target_and_run_env(
        &mut self,
        nonempty: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), Error> {
        if let Some(v) = nonempty("CUTOVER_PUBLIC_SNAPSHOT") {
            self.snapshot.repo = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_TARGET_URL") {
            self.target.base_url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DATA_REPO") {
            self.target.data_repo = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_DATA_BRANCH") {
            self.target.branch = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_PRIVATE_STORE") {
            self.target.private_store = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_FREEZE_FILE") {
            self.run.freeze_file = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_VARY_CLIENT_IP") {
            self.run.vary_client_ip = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_IMPORT_COMMIT") {
            self.run.import_commit = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_IMPORT_PRIVATE_STORE") {
            self.run.import_private_store = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_ALLOW_WRITES") {
            self.run.allow_writes = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_TEST_ACCOUNTS") {
            self.run.test_accounts = Some(
                v.split(',')
                    .map(|n| n.trim().parse::<i64>())
                    .collect::<Result<_, _>>()
                    .map_err(|_| {
                        Error::Config(format!(
                            "CUTOVER_TEST_ACCOUNTS={v:?}: laddr IDs, comma-separated"
                        ))
                    })?,
            );
        }
        Ok(())
    }

    /// `[policy]`, `[saml]` and `[claim]`.
    fn policy_saml_and_claim_env(&mut self, nonempty: &dyn Fn(&str) -> Option<String>) {
        if let Some(v) = nonempty("CUTOVER_STRICT_DRAIN") {
            self.policy.strict_drain = Some(matches!(v.as_str(), "1" | "true" | "yes"));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_CERT") {
            self.saml.certificate = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_LEGACY_CERT") {
            self.saml.legacy_certificate = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_SAML_CAPTURES") {
            self.saml.captures = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_CLAIM_PASSWORDS") {
            self.claim.passwords = Some(PathBuf::from(v));
        }
        if let Some(v) = nonempty("CUTOVER_GITHUB_CLIENT_ID") {
            self.claim.github_client_id = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_GITHUB_MOCK") {
            self.claim.github_mock = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_RESEND_MOCK") {
            self.claim.resend_mock = Some(v);
        }
    }

    /// How `[target]`'s stack is started.
    fn stack_env(&mut self, nonempty: &dyn Fn(&str) -> Option<String>) -> Result<(), Error> {
        if let Some(v) = nonempty("CUTOVER_TARGET_IMAGE") {
            self.target.image = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_TARGET_COMMAND") {
            self.target.command = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_READY_TIMEOUT") {
            self.target.ready_timeout = Some(v.parse().map_err(|_| {
                Error::Config(format!(
                    "CUTOVER_READY_TIMEOUT={v:?} is not a number of seconds"
                ))
            })?);
        }
        Ok(())
    }
}
