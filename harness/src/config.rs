//! Profiles: where the legacy database and the new stack are, and how to run.
//!
//! Precedence, lowest first: built-in defaults → the profile file (TOML) → environment
//! variables → command-line flags (applied by the `cutover` binary). Every field is optional
//! in the file; the accessors supply the defaults.

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
}

/// Slack SAML continuity settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlConfig {
    /// PEM (or DER) of the IdP certificate Slack is configured with. Env: `CUTOVER_SAML_CERT`.
    pub certificate: Option<PathBuf>,
    /// PEM of laddr's signing certificate, to verify captured assertions.
    /// Env: `CUTOVER_SAML_LEGACY_CERT`.
    pub legacy_certificate: Option<PathBuf>,
    /// Directory of captured laddr SAMLResponses. Default `fixtures/saml`.
    /// Env: `CUTOVER_SAML_CAPTURES`.
    pub captures: Option<PathBuf>,
    /// The Issuer Slack expects. Default `codeforphilly.org` (laddr's).
    pub idp_entity_id: Option<String>,
    /// Members also taken through the SP-initiated flows. Default 12.
    pub sp_sample: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    /// A GitHub-linked person still holding a legacy password fails the run instead of being
    /// reported as advisory. Env: `CUTOVER_STRICT_DRAIN=1`.
    pub strict_drain: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyConfig {
    /// `mysql://user:password@host:port/database`. Env: `LADDR_DATABASE_URL`.
    pub url: Option<String>,
    /// Which providers to try, in order: `url`, `container`, `local`.
    pub providers: Option<Vec<ProviderKind>>,
    /// Image for the container provider. Env: `CUTOVER_MARIADB_IMAGE`.
    pub image: Option<String>,
    /// Container network: `bridge` (mapped port, the default) or `host`.
    /// Env: `CUTOVER_DOCKER_NETWORK`.
    pub network: Option<ContainerNetwork>,
    /// Path of the `mariadbd` binary for the local provider. Env: `MARIADBD`.
    pub mariadbd: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Url,
    Container,
    Local,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [ProviderKind::Url, ProviderKind::Container, ProviderKind::Local];

    pub fn parse(s: &str) -> Result<Self, Error> {
        match s.trim() {
            "url" => Ok(Self::Url),
            "container" => Ok(Self::Container),
            "local" => Ok(Self::Local),
            other => Err(Error::Config(format!(
                "unknown legacy provider {other:?} (hint: use url, container or local)"
            ))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerNetwork {
    #[default]
    Bridge,
    Host,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Base URL of the new stack. Env: `CUTOVER_TARGET_URL`.
    pub base_url: Option<String>,
    /// Bare data repo: a local path or a git URL. Env: `CUTOVER_DATA_REPO`.
    pub data_repo: Option<String>,
    /// Branch to read. Env: `CUTOVER_DATA_BRANCH`.
    pub branch: Option<String>,
    /// Directory holding `profiles.jsonl` and friends. Env: `CUTOVER_PRIVATE_STORE`.
    pub private_store: Option<PathBuf>,
    /// Slack team host the IdP asserts for.
    pub slack_team_host: Option<String>,
    /// Name of the environment variable holding the JWT signing key (rehearsal only; the key
    /// itself never goes in a profile). Default `CFP_JWT_SIGNING_KEY`.
    pub jwt_signing_key_env: Option<String>,
    /// Start the real new stack from this image instead of using `base_url`
    /// (e.g. `ghcr.io/codeforphilly/codeforphilly-ng:v1.4.0`).
    pub image: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Tag expression, e.g. `@T-0 and not @slow`.
    pub tags: Option<String>,
    /// Scenarios at once.
    pub concurrency: Option<usize>,
    /// Where reports go.
    pub report_dir: Option<PathBuf>,
    /// Where the feature files are.
    pub features: Option<PathBuf>,
    /// A freeze recorded earlier (`cutover freeze --out FILE`, e.g. at T-7d): the freeze
    /// scenario compares against it instead of recording its own. Env: `CUTOVER_FREEZE_FILE`.
    pub freeze_file: Option<PathBuf>,
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

    /// Environment beats file. `get` is injectable so tests need not touch the process env.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), Error> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        if let Some(v) = nonempty("LADDR_DATABASE_URL") {
            self.legacy.url = Some(v);
        }
        if let Some(v) = nonempty("CUTOVER_LEGACY_PROVIDERS") {
            self.legacy.providers =
                Some(v.split(',').map(ProviderKind::parse).collect::<Result<_, _>>()?);
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
        if let Some(v) = nonempty("CUTOVER_TARGET_IMAGE") {
            self.target.image = Some(v);
        }
        Ok(())
    }

    pub fn providers(&self) -> Vec<ProviderKind> {
        self.legacy.providers.clone().unwrap_or_else(|| ProviderKind::ALL.to_vec())
    }

    pub fn mariadb_image(&self) -> &str {
        self.legacy.image.as_deref().unwrap_or(DEFAULT_MARIADB_IMAGE)
    }

    pub fn branch(&self) -> &str {
        self.target.branch.as_deref().unwrap_or(DEFAULT_BRANCH)
    }

    pub fn slack_team_host(&self) -> &str {
        self.target.slack_team_host.as_deref().unwrap_or(DEFAULT_SLACK_TEAM_HOST)
    }

    pub fn concurrency(&self) -> usize {
        self.run.concurrency.unwrap_or(DEFAULT_CONCURRENCY).max(1)
    }

    pub fn strict_drain(&self) -> bool {
        self.policy.strict_drain.unwrap_or(false)
    }

    /// The SAML settings, with the certificates read. A certificate that cannot be read is an
    /// error naming the file.
    pub fn saml_setup(&self) -> Result<crate::saml::SamlSetup, Error> {
        let cert = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, Error> {
            let Some(p) = p else { return Ok(None) };
            let bytes = std::fs::read(p).map_err(|e| Error::Config(format!("{}: {e}", p.display())))?;
            crate::saml::verify::certificate_der(&bytes).map(Some).map_err(|e| Error::Config(format!("{}: {e}", p.display())))
        };
        Ok(crate::saml::SamlSetup {
            team_host: self.slack_team_host().to_string(),
            idp_entity_id: self.saml.idp_entity_id.clone().unwrap_or_else(|| crate::saml::DEFAULT_IDP_ENTITY_ID.into()),
            trusted_cert: cert(&self.saml.certificate)?,
            legacy_cert: cert(&self.saml.legacy_certificate)?,
            captures: Some(self.saml.captures.clone().unwrap_or_else(|| PathBuf::from("fixtures/saml"))),
            jwt_key: self.jwt_signing_key().map(String::into_bytes),
            sp_sample: self.saml.sp_sample.unwrap_or(12),
        })
    }

    pub fn jwt_signing_key(&self) -> Option<String> {
        let var = self.target.jwt_signing_key_env.as_deref().unwrap_or("CFP_JWT_SIGNING_KEY");
        std::env::var(var).ok().filter(|v| !v.is_empty())
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
        assert_eq!(p.target.base_url.as_deref(), Some("https://staging.example"));
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

        std::fs::write(dir.path().join("cert.pem"), "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n").unwrap();
        let mut p = Profile::default();
        p.saml.certificate = Some(dir.path().join("cert.pem"));
        let err = p.saml_setup().unwrap_err().to_string();
        assert!(err.contains("cert.pem") && err.contains("not a PEM certificate"), "{err}");
        p.saml.certificate = Some(dir.path().join("missing.pem"));
        assert!(p.saml_setup().unwrap_err().to_string().contains("missing.pem"));
    }
}
