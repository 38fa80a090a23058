//! GitHub and Resend as the stack under test meets them, played by `wiremock` on loopback.
//!
//! GitHub: `GET /login/oauth/authorize` (what the browser is sent to; it checks the client
//! id, the redirect URI, the state and the PKCE S256 challenge, then answers like a consenting
//! user with a 302 back to the redirect URI), `POST /login/oauth/access_token` (checks the code,
//! the client secret, the redirect URI and that the verifier hashes to the challenge),
//! `GET /user` and `GET /user/emails` (the scripted identity). Each flow is scripted by its
//! `state` before the browser reaches the authorize page, and what happened is kept per flow.
//!
//! Resend: `POST /emails` with the API key; every mail is kept (in memory, never reported).
//!
//! This module starts both and holds what they share; each mock is its own module:
//! `github` (the mock the suite scripts and reads), `github_routes` (the OAuth and API
//! routes it answers) and `resend`.

mod github;
mod github_routes;
mod resend;

pub use github::{FlowLog, GithubIdentity, GithubMock, Refusal};
pub use resend::{Mail, ResendMock};

use base64::Engine;
use wiremock::MockServer;

fn token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

async fn serve(listen: Option<&str>) -> Result<MockServer, crate::Error> {
    match listen {
        // Requests are not recorded (the mock keeps what it needs). wiremock still keeps each
        // request a mock matched, so only the GitHub mock, which sees a few, is served by it.
        None => Ok(MockServer::builder()
            .disable_request_recording()
            .start()
            .await),
        Some(addr) => {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| crate::Error::io(format!("cannot listen on {addr}"), e))?;
            Ok(MockServer::builder()
                .listener(l)
                .disable_request_recording()
                .start()
                .await)
        }
    }
}

/// Both mocks, as one rehearsal or acceptance run uses them.
#[derive(Debug)]
pub struct Mocks {
    pub github: GithubMock,
    pub resend: ResendMock,
}

impl Mocks {
    /// Start both, on free loopback ports or on the addresses given.
    pub async fn start(
        github: Option<&str>,
        resend: Option<&str>,
        redirect_uri: &str,
        creds: Credentials,
    ) -> Result<Self, crate::Error> {
        Ok(Mocks {
            github: GithubMock::start(github, redirect_uri, creds.github_client).await?,
            resend: ResendMock::start(resend, creds.resend_key).await?,
        })
    }
}

/// The credentials a stack was started with, for the mocks to demand.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    pub github_client: Option<(String, String)>,
    pub resend_key: Option<String>,
}
