//! The environment the suite gives a new stack it starts (new-stack.md §7), by the names the
//! real stack reads, plus the mocks' base URLs under documented names for a stack that reads
//! them. The reference target (`cutover serve`) reads exactly these.

use std::collections::BTreeMap;
use std::path::Path;

pub const DATA_REPO_PATH: &str = "CFP_DATA_REPO_PATH";
/// Not in the contract: the branch the reference target serves (default `main`).
pub const DATA_BRANCH: &str = "CFP_DATA_BRANCH";
pub const STORAGE_BACKEND: &str = "STORAGE_BACKEND";
pub const PRIVATE_STORAGE_PATH: &str = "CFP_PRIVATE_STORAGE_PATH";
pub const JWT_SIGNING_KEY: &str = "CFP_JWT_SIGNING_KEY";
pub const PORT: &str = "PORT";
pub const HOST: &str = "HOST";
pub const NODE_ENV: &str = "NODE_ENV";
pub const SAML_PRIVATE_KEY: &str = "SAML_PRIVATE_KEY";
pub const SAML_CERTIFICATE: &str = "SAML_CERTIFICATE";
pub const SLACK_TEAM_HOST: &str = "SLACK_TEAM_HOST";
pub const GITHUB_CLIENT_ID: &str = "GITHUB_OAUTH_CLIENT_ID";
pub const GITHUB_CLIENT_SECRET: &str = "GITHUB_OAUTH_CLIENT_SECRET";
pub const RESEND_API_KEY: &str = "RESEND_API_KEY";
pub const PUBLIC_URL: &str = "CFP_PUBLIC_URL";
/// The mocks: GitHub's authorize and access_token host, its API host, and Resend's API.
pub const GITHUB_OAUTH_BASE_URL: &str = "GITHUB_OAUTH_BASE_URL";
pub const GITHUB_API_BASE_URL: &str = "GITHUB_API_BASE_URL";
pub const RESEND_BASE_URL: &str = "RESEND_BASE_URL";
/// Reference target only: the faults to switch on, comma-separated.
pub const FAULTS: &str = "CUTOVER_FAULTS";
/// Reference target only: where the `legacy-write` fault writes (the rehearsal's own server).
pub const FAULT_LEGACY_URL: &str = "CUTOVER_FAULT_LEGACY_URL";

/// Names whose values are secrets: never printed, and masked in the stack's log.
const SECRET_NAMES: [&str; 6] = [
    JWT_SIGNING_KEY,
    SAML_PRIVATE_KEY,
    GITHUB_CLIENT_SECRET,
    RESEND_API_KEY,
    FAULT_LEGACY_URL,
    "S3_SECRET_ACCESS_KEY",
];

/// One stack's environment, built in the contract's vocabulary.
#[derive(Clone, Default)]
pub struct StackEnv {
    vars: BTreeMap<String, String>,
}

impl std::fmt::Debug for StackEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.vars.keys()).finish()
    }
}

impl StackEnv {
    /// The storage every stack needs: the bare data repo and branch, the private store on the
    /// filesystem, the session key, and production mode.
    pub fn new(data_repo: &Path, branch: &str, private_store: &Path, jwt_key: &str) -> Self {
        let mut e = StackEnv::default();
        e.set(DATA_REPO_PATH, data_repo.display().to_string());
        e.set(DATA_BRANCH, branch);
        e.set(STORAGE_BACKEND, "filesystem");
        e.set(PRIVATE_STORAGE_PATH, private_store.display().to_string());
        e.set(JWT_SIGNING_KEY, jwt_key);
        e.set(NODE_ENV, "production");
        e
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.vars.insert(name.to_string(), value.into());
        self
    }

    /// Set `name` only when `value` is there.
    pub fn set_opt(&mut self, name: &str, value: Option<impl Into<String>>) -> &mut Self {
        if let Some(v) = value {
            self.set(name, v);
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    pub fn remove(&mut self, name: &str) -> Option<String> {
        self.vars.remove(name)
    }

    /// Where the stack listens, and the mocks it should talk to.
    pub fn listen(&mut self, host: &str, port: u16) -> &mut Self {
        self.set(HOST, host).set(PORT, port.to_string())
    }

    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The values that must never appear in a log or report (each at least 8 characters, so
    /// masking cannot eat ordinary words).
    pub fn secrets(&self) -> Vec<String> {
        SECRET_NAMES
            .iter()
            .filter_map(|n| self.get(n))
            .flat_map(|v| {
                // A PEM is masked line by line too: logs print keys a line at a time.
                std::iter::once(v.to_string()).chain(v.lines().map(str::to_string))
            })
            .filter(|v| v.trim().len() >= 8 && !v.starts_with("-----"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_names_and_secrets_only_by_name() {
        let mut e = StackEnv::new(
            Path::new("/s/data.git"),
            "main",
            Path::new("/s/private"),
            "0123456789abcdef",
        );
        e.listen("127.0.0.1", 4000)
            .set(RESEND_API_KEY, "re_abcdefgh")
            .set_opt(GITHUB_CLIENT_ID, None::<String>);
        assert_eq!(e.get(STORAGE_BACKEND), Some("filesystem"));
        assert_eq!(e.get(PORT), Some("4000"));
        assert_eq!(e.get(GITHUB_CLIENT_ID), None);
        assert_eq!(
            e.secrets(),
            vec!["0123456789abcdef".to_string(), "re_abcdefgh".into()]
        );
        assert!(!format!("{e:?}").contains("0123456789abcdef"));
    }
}
