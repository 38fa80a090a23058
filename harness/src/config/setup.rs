//! The setups built from a profile: the SAML settings with their certificates read, and the
//! sign-in settings with the known passwords read and the GitHub and Resend mocks started.

use super::Profile;
use crate::Error;
use std::path::PathBuf;

impl Profile {
    /// The SAML settings, with the certificates read. A certificate that cannot be read is an
    /// error naming the file.
    pub fn saml_setup(&self) -> Result<crate::saml::SamlSetup, Error> {
        let cert = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, Error> {
            let Some(p) = p else { return Ok(None) };
            let bytes =
                std::fs::read(p).map_err(|e| Error::Config(format!("{}: {e}", p.display())))?;
            crate::saml::verify::certificate_der(&bytes)
                .map(Some)
                .map_err(|source| Error::Certificate {
                    path: p.clone(),
                    source,
                })
        };
        let layout = self.state_layout();
        let or_beside =
            |given: &Option<PathBuf>, beside: fn(&crate::state_layout::StateLayout) -> PathBuf| {
                given
                    .clone()
                    .or_else(|| layout.as_ref().map(beside).filter(|p| p.exists()))
            };
        let certificate = or_beside(&self.saml.certificate, |l| l.idp_cert());
        let legacy_certificate = or_beside(&self.saml.legacy_certificate, |l| l.laddr_cert());
        let captures = or_beside(&self.saml.captures, |l| l.captures());
        Ok(crate::saml::SamlSetup {
            team_host: self.slack_team_host().to_string(),
            idp_entity_id: self
                .saml
                .idp_entity_id
                .clone()
                .unwrap_or_else(|| crate::saml::DEFAULT_IDP_ENTITY_ID.into()),
            trusted_cert: cert(&certificate)?,
            legacy_cert: cert(&legacy_certificate)?,
            captures: Some(captures.unwrap_or_else(|| PathBuf::from("fixtures/saml"))),
            jwt_key: self.jwt_signing_key().map(String::into_bytes),
            sp_sample: self.saml.sp_sample.unwrap_or(12),
            idp_sample: None,
        })
    }

    /// The sign-in settings, with the known passwords read and, when both addresses are
    /// given, the GitHub and Resend mocks listening on them.
    pub async fn claim_setup(&self) -> Result<crate::claim::ClaimSetup, Error> {
        let base = self
            .target
            .base_url
            .as_deref()
            .unwrap_or("http://127.0.0.1/");
        let callback = format!(
            "{}{}",
            base.trim_end_matches('/'),
            crate::routes::GITHUB_CALLBACK
        );
        self.claim_setup_inner(&callback, false).await
    }

    /// As [`Profile::claim_setup`] for a stack the suite starts: the mocks always run
    /// (on the profile's addresses, or on free loopback ports with credentials made up for
    /// the stack), sending GitHub's browser back to `callback`.
    pub async fn claim_setup_with_mocks(
        &self,
        callback: &str,
    ) -> Result<crate::claim::ClaimSetup, Error> {
        self.claim_setup_inner(callback, true).await
    }

    async fn claim_setup_inner(
        &self,
        callback: &str,
        always_mocks: bool,
    ) -> Result<crate::claim::ClaimSetup, Error> {
        let c = &self.claim;
        let passwords_file = c.passwords.clone().or_else(|| {
            self.state_layout()
                .map(|l| l.secrets())
                .filter(|p| p.exists())
        });
        let passwords = match &passwords_file {
            Some(p) => crate::claim::read_passwords(p)?,
            None => Vec::new(),
        };
        let email_match = match &c.email_match {
            Some(m) => m.parse().map_err(|e: Error| Error::Config(e.to_string()))?,
            None => Default::default(),
        };
        let mocks = match (&c.github_mock, &c.resend_mock) {
            (Some(g), Some(r)) => {
                let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
                let creds = crate::claim::mock::Credentials {
                    github_client: match (c.github_client_id.clone().filter(|s| !s.is_empty()), env("GITHUB_OAUTH_CLIENT_SECRET")) {
                        (Some(id), Some(secret)) => Some((id, secret)),
                        (None, None) => None,
                        _ => return Err(Error::Config("[claim] github_client_id and GITHUB_OAUTH_CLIENT_SECRET go together (hint: the values the stack was started with)".into())),
                    },
                    resend_key: env("RESEND_API_KEY"),
                };
                let m = crate::claim::mock::Mocks::start(Some(g), Some(r), callback, creds)
                    .await
                    .map_err(|e| Error::Config(format!("[claim] mocks: {e}")))?;
                Some(std::sync::Arc::new(m))
            }
            (None, None) if always_mocks => {
                let m = crate::claim::mock::Mocks::start(None, None, callback, Default::default())
                    .await
                    .map_err(|e| Error::Config(format!("mocks: {e}")))?;
                Some(std::sync::Arc::new(m))
            }
            (None, None) => None,
            _ => {
                return Err(Error::Config(
                    "[claim] github_mock and resend_mock go together (hint: set both, or neither)"
                        .into(),
                ))
            }
        };
        let d = crate::claim::ClaimSetup::default();
        Ok(crate::claim::ClaimSetup {
            passwords,
            test_accounts: self
                .run
                .test_accounts
                .as_ref()
                .map(|t| t.iter().copied().collect()),
            mocks,
            jwt_key: self.jwt_signing_key().map(String::into_bytes),
            email_match,
            timing_samples: c.timing_samples.unwrap_or(d.timing_samples),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn claim_settings_are_checked_and_the_mocks_listen_where_told() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Profile::default();
        p.claim.github_mock = Some("127.0.0.1:0".into());
        assert!(p
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains("go together"));
        let mut p = Profile::default();
        p.claim.email_match = Some("sometimes".into());
        assert!(p
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains("claim-screen, auto-link or either"));
        let mut p = Profile::default();
        std::fs::write(dir.path().join("pw.json"), "{\"personId\": 1}").unwrap();
        p.claim.passwords = Some(dir.path().join("pw.json"));
        let err = p.claim_setup().await.unwrap_err().to_string();
        assert!(
            err.contains("pw.json") && err.contains("JSON array"),
            "{err}"
        );
        // A free port, then both mocks on fixed addresses.
        let free = || {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .to_string()
        };
        let mut p = Profile::default();
        let (g, r) = (free(), free());
        p.claim.github_mock = Some(g.clone());
        p.claim.resend_mock = Some(r.clone());
        let setup = p.claim_setup().await.unwrap();
        let m = setup.mocks.unwrap();
        assert_eq!(
            (m.github.uri(), m.resend.uri()),
            (format!("http://{g}"), format!("http://{r}"))
        );
        let mut again = Profile::default();
        again.claim.github_mock = Some(g.clone());
        again.claim.resend_mock = Some(free());
        assert!(again
            .claim_setup()
            .await
            .unwrap_err()
            .to_string()
            .contains(&format!("cannot listen on {g}")));
    }
}
