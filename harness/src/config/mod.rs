//! Profiles: where the legacy database and the new stack are, and how to run.
//!
//! Precedence, lowest first: built-in defaults → the profile file (TOML) → environment
//! variables → command-line flags (applied by the `cutover` binary). Every field is optional
//! in the file; the accessors supply the defaults.
//!
//! This module holds the profile, its defaults and the accessors; the rest is one concern a
//! module: `sections` (the `*Config` structs), `env` (the environment's overrides) and
//! `setup` (the SAML and sign-in setups built from a profile).

mod env;
mod sections;
mod setup;

pub use sections::{
    ClaimConfig, ContainerNetwork, LegacyConfig, PolicyConfig, ProviderKind, RunConfig, SamlConfig,
    SnapshotConfig, TargetConfig, ToolsConfig,
};

use crate::Error;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The official MariaDB image, used by the container provider unless told otherwise.
pub const DEFAULT_MARIADB_IMAGE: &str = "mariadb:11.4";
/// Scenarios run at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Branch of the data repo the new stack serves in production.
pub const DEFAULT_BRANCH: &str = "main";
/// The Slack team whose SAML identities must survive.
pub const DEFAULT_SLACK_TEAM_HOST: &str = "codeforphilly.slack.com";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A label for reports ("staging acceptance", "rehearsal").
    pub name: Option<String>,
    #[serde(default)]
    pub legacy: LegacyConfig,
    #[serde(default)]
    pub target: TargetConfig,
    #[serde(default)]
    pub run: RunConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub saml: SamlConfig,
    #[serde(default)]
    pub claim: ClaimConfig,
    #[serde(default)]
    pub tools: ToolsConfig,
    #[serde(default)]
    pub snapshot: SnapshotConfig,
    /// The public names, their DNS and TLS, the flip and the drill.
    #[serde(default)]
    pub window: crate::window::config::WindowConfig,
}

impl Profile {
    /// Read a profile file, then apply environment overrides.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Profile {
            path: path.to_path_buf(),
            message: format!("cannot read: {e}"),
        })?;
        let mut profile: Profile = toml::from_str(&text).map_err(|e| Error::Profile {
            path: path.to_path_buf(),
            message: format!("{e}").trim_end().to_string(),
        })?;
        profile.apply_env(|k| std::env::var(k).ok())?;
        Ok(profile)
    }

    /// The built-in defaults with environment overrides (no file).
    pub fn from_env() -> Result<Self, Error> {
        let mut p = Profile::default();
        p.apply_env(|k| std::env::var(k).ok())?;
        Ok(p)
    }

    pub fn providers(&self) -> Vec<ProviderKind> {
        self.legacy
            .providers
            .clone()
            .unwrap_or_else(|| ProviderKind::ALL.to_vec())
    }

    pub fn mariadb_image(&self) -> &str {
        self.legacy
            .image
            .as_deref()
            .unwrap_or(DEFAULT_MARIADB_IMAGE)
    }

    pub fn branch(&self) -> &str {
        self.target.branch.as_deref().unwrap_or(DEFAULT_BRANCH)
    }

    pub fn slack_team_host(&self) -> &str {
        self.target
            .slack_team_host
            .as_deref()
            .unwrap_or(DEFAULT_SLACK_TEAM_HOST)
    }

    /// How long a started stack may take to answer ready.
    pub fn ready_timeout(&self) -> std::time::Duration {
        self.target.ready_timeout.map_or(
            crate::stack::DEFAULT_READY_TIMEOUT,
            std::time::Duration::from_secs,
        )
    }

    /// The stack the suite starts, when the profile names one (an image or a command, not
    /// both).
    pub fn stack_provider(&self) -> Result<Option<crate::stack::Provider>, Error> {
        match (&self.target.image, &self.target.command) {
            (Some(_), Some(_)) => Err(Error::Config(
                "[target] image and command are two ways to start the stack (hint: give one)"
                    .into(),
            )),
            (Some(i), None) => Ok(Some(crate::stack::Provider::Image(i.clone()))),
            (None, Some(c)) => Ok(Some(crate::stack::Provider::Command(c.clone()))),
            (None, None) => Ok(None),
        }
    }

    pub fn concurrency(&self) -> usize {
        self.run.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }

    /// The budgets a paced run keeps to: the contract's, with `[claim] per_minute` for auth.
    pub fn limits(&self) -> Result<crate::identity::Limits, Error> {
        let base = crate::identity::Limits::from_env().map_err(|e| Error::Config(e.to_string()))?;
        Ok(crate::identity::Limits {
            auth: self.claim.per_minute.unwrap_or(base.auth),
            ..base
        })
    }

    /// Whether write scenarios may run: a rehearsal (the suite's own stack) unless the profile
    /// says no; a real run only when the profile says so and names test accounts.
    pub fn allow_writes(&self, rehearsal: bool) -> Result<bool, Error> {
        match (self.run.allow_writes, rehearsal) {
            (Some(false), _) => Ok(false),
            (None, true) | (Some(true), true) => Ok(true),
            (None, false) => Ok(false),
            (Some(true), false) if self.run.test_accounts.as_ref().is_some_and(|t| !t.is_empty()) => Ok(true),
            (Some(true), false) => Err(Error::Config(
                "[run] allow_writes needs [run] test_accounts: the laddr IDs of the test accounts write scenarios may act on (never members chosen from laddr)".into(),
            )),
        }
    }

    pub fn vary_client_ip(&self) -> bool {
        self.run.vary_client_ip.unwrap_or(false)
    }

    /// The state directory the data repo sits in, when it sits in one
    /// (`cutover fixture state`): its SAML material, passwords and session key are defaults.
    pub fn state_layout(&self) -> Option<crate::state_layout::StateLayout> {
        let repo = self.target.data_repo.as_deref()?;
        crate::state_layout::StateLayout::beside(Path::new(repo))
    }

    /// The new IdP's signing key and certificate (PEM) for a stack the suite starts:
    /// `SAML_PRIVATE_KEY`/`SAML_CERTIFICATE` from the environment, else beside the state.
    pub fn saml_signing_pems(&self) -> (Option<String>, Option<String>) {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let layout = self.state_layout();
        let file = |p: Option<PathBuf>| p.and_then(|p| std::fs::read_to_string(p).ok());
        (
            env("SAML_PRIVATE_KEY").or_else(|| file(layout.as_ref().map(|l| l.idp_key()))),
            env("SAML_CERTIFICATE").or_else(|| file(layout.as_ref().map(|l| l.idp_cert()))),
        )
    }

    pub fn strict_drain(&self) -> bool {
        self.policy.strict_drain.unwrap_or(false)
    }

    /// The session key: from the environment variable the profile names
    /// (`CFP_JWT_SIGNING_KEY`), else `session.key` beside the state.
    pub fn jwt_signing_key(&self) -> Option<String> {
        let var = self
            .target
            .jwt_signing_key_env
            .as_deref()
            .unwrap_or("CFP_JWT_SIGNING_KEY");
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.state_layout()?.read_session_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_beats_file_and_defaults_fill_in() {
        let mut p: Profile = toml::from_str(
            "name = 'staging'\n[legacy]\nurl = 'mysql://a@h/laddr'\n[target]\nbase_url = 'https://staging.example'\n",
        )
        .unwrap();
        p.apply_env(|k| match k {
            "LADDR_DATABASE_URL" => Some("mysql://b@h/laddr".into()),
            "CUTOVER_LEGACY_PROVIDERS" => Some("url,local".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(p.legacy.url.as_deref(), Some("mysql://b@h/laddr"));
        assert_eq!(p.providers(), vec![ProviderKind::Url, ProviderKind::Local]);
        assert_eq!(p.branch(), DEFAULT_BRANCH);
        assert_eq!(p.mariadb_image(), DEFAULT_MARIADB_IMAGE);
        assert_eq!(
            p.target.base_url.as_deref(),
            Some("https://staging.example")
        );
    }

    #[test]
    fn unknown_fields_and_bad_values_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[legacy]\nurll = 'x'\n").unwrap();
        let err = Profile::load(&path).unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains("urll"), "{err}");

        let mut p = Profile::default();
        let err = p.apply_env(|k| (k == "CUTOVER_DOCKER_NETWORK").then(|| "overlay".into()));
        assert!(err.unwrap_err().to_string().contains("bridge or host"));

        std::fs::write(
            dir.path().join("cert.pem"),
            "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let mut p = Profile::default();
        p.saml.certificate = Some(dir.path().join("cert.pem"));
        let err = p.saml_setup().unwrap_err().to_string();
        assert!(
            err.contains("cert.pem") && err.contains("not a PEM certificate"),
            "{err}"
        );
        p.saml.certificate = Some(dir.path().join("missing.pem"));
        assert!(p
            .saml_setup()
            .unwrap_err()
            .to_string()
            .contains("missing.pem"));
    }
}
