//! Where a migrated state keeps its parts on disk, as `cutover fixture state --out DIR` and
//! every rehearsal write it: the data repo and private store the stack boots on, and beside
//! them what a run against that stack needs — the IdP's key and certificate, laddr's SAML
//! certificate and captured laddr assertions, the session key, the fixture's passwords. A
//! run whose data repo is `DIR/data.git` finds the rest without extra profile lines.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct StateLayout {
    pub root: PathBuf,
}

impl StateLayout {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateLayout { root: root.into() }
    }

    /// The layout a data repo sits in, when it sits in one (its directory holds `saml/`).
    pub fn beside(data_repo: &Path) -> Option<Self> {
        let root = data_repo.parent()?;
        let l = StateLayout::new(root);
        (data_repo.file_name() == Some("data.git".as_ref()) && l.saml_dir().is_dir()).then_some(l)
    }

    pub fn data_repo(&self) -> PathBuf {
        self.root.join("data.git")
    }
    pub fn private_store(&self) -> PathBuf {
        self.root.join("private")
    }
    /// Rehearsal-only: the fixture's passwords. Never in a report.
    pub fn secrets(&self) -> PathBuf {
        self.root.join("secrets.json")
    }
    pub fn saml_dir(&self) -> PathBuf {
        self.root.join("saml")
    }
    /// The new IdP's signing key (`SAML_PRIVATE_KEY`), owner-only.
    pub fn idp_key(&self) -> PathBuf {
        self.saml_dir().join("idp-key.pem")
    }
    /// The certificate Slack is configured with for the new IdP (`SAML_CERTIFICATE`).
    pub fn idp_cert(&self) -> PathBuf {
        self.saml_dir().join("idp-cert.pem")
    }
    /// laddr's SAML signing certificate, to verify the captures.
    pub fn laddr_cert(&self) -> PathBuf {
        self.saml_dir().join("laddr-cert.pem")
    }
    pub fn captures(&self) -> PathBuf {
        self.saml_dir().join("captures")
    }
    /// `CFP_JWT_SIGNING_KEY`, owner-only.
    pub fn session_key(&self) -> PathBuf {
        self.root.join("session.key")
    }

    /// The session key, when the layout has one.
    pub fn read_session_key(&self) -> Option<String> {
        std::fs::read_to_string(self.session_key())
            .ok()
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_repo_is_beside_its_state_only_with_the_saml_folder() {
        let dir = tempfile::tempdir().unwrap();
        let l = StateLayout::new(dir.path());
        assert!(StateLayout::beside(&l.data_repo()).is_none());
        std::fs::create_dir_all(l.saml_dir()).unwrap();
        assert_eq!(
            StateLayout::beside(&l.data_repo()).unwrap().root,
            dir.path()
        );
        assert!(StateLayout::beside(&dir.path().join("other.git")).is_none());
    }
}
