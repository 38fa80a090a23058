//! The GitHub mock as the suite drives it: the identity each flow signs in as (scripted by
//! its `state`), and what each flow did at the mock.

use super::github_routes::{Github, GithubState, Route};
use super::{serve, token};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

/// A GitHub identity as `/user` and `/user/emails` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubIdentity {
    pub id: i64,
    pub login: String,
    /// (address, verified, primary)
    pub emails: Vec<(String, bool, bool)>,
}

/// Why the mock refused an authorize request or a code exchange: what the stack got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no state")]
    NoState,
    #[error("a state this rehearsal did not script")]
    UnscriptedState,
    #[error("another client id")]
    OtherClientId,
    /// The redirect URI named, without its query.
    #[error("redirect URI {0:?} is not the registered callback")]
    NotTheCallback(String),
    #[error("code_challenge_method {0:?} (S256 required)")]
    NotS256(String),
    #[error("no S256 code challenge")]
    NoChallenge,
    #[error("the code was already exchanged")]
    CodeReused,
    #[error("wrong client id or secret")]
    WrongClient,
    #[error("redirect URI differs from the authorize request's")]
    RedirectDiffers,
    #[error("PKCE verifier does not match the challenge")]
    VerifierMismatch,
}

/// What one flow did at the mock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowLog {
    /// `Ok` or why the authorize request was refused.
    pub authorize: Option<Result<(), Refusal>>,
    /// `Ok` or why the code exchange was refused.
    pub exchange: Option<Result<(), Refusal>>,
    pub user_read: bool,
    pub emails_read: bool,
}

impl FlowLog {
    /// One line for evidence.
    pub fn describe(&self) -> String {
        let part = |name: &str, r: &Option<Result<(), Refusal>>| match r {
            None => format!("{name}: not reached"),
            Some(Ok(())) => format!("{name}: ok"),
            Some(Err(e)) => format!("{name}: refused ({e})"),
        };
        format!(
            "{}; {}; /user {}; /user/emails {}",
            part(
                "authorize (client id, redirect URI, state, PKCE S256)",
                &self.authorize
            ),
            part(
                "code exchange (secret, redirect URI, verifier)",
                &self.exchange
            ),
            if self.user_read { "read" } else { "not read" },
            if self.emails_read { "read" } else { "not read" }
        )
    }

    pub fn complete(&self) -> bool {
        self.authorize == Some(Ok(()))
            && self.exchange == Some(Ok(()))
            && self.user_read
            && self.emails_read
    }
}

/// The GitHub mock.
pub struct GithubMock {
    server: MockServer,
    pub client_id: String,
    pub client_secret: String,
    /// The callback the stack must name (`<stack>/api/auth/github/callback`).
    pub redirect_uri: String,
    state: Arc<Mutex<GithubState>>,
}

impl std::fmt::Debug for GithubMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubMock")
            .field("uri", &self.server.uri())
            .finish()
    }
}

impl GithubMock {
    /// Start on a free loopback port, or on `listen` (an address the stack was configured with).
    /// `client`: the OAuth app's id and secret the stack was configured with (made up when
    /// the suite configures the stack itself).
    pub async fn start(
        listen: Option<&str>,
        redirect_uri: &str,
        client: Option<(String, String)>,
    ) -> Result<Self, crate::Error> {
        reqwest::Url::parse(redirect_uri).map_err(|e| crate::Error::Invalid {
            what: format!("redirect URI {redirect_uri:?}"),
            expected: e.to_string(),
        })?;
        let server = serve(listen).await?;
        let state = Arc::new(Mutex::new(GithubState::default()));
        let (client_id, client_secret) = client.unwrap_or_else(|| {
            (
                format!("Iv1.{}", &uuid::Uuid::new_v4().simple().to_string()[..16]),
                token(),
            )
        });
        for (m, p, kind) in [
            ("GET", "/login/oauth/authorize", Route::Authorize),
            ("POST", "/login/oauth/access_token", Route::Token),
            ("GET", "/user", Route::User),
            ("GET", "/user/emails", Route::Emails),
        ] {
            let r = Github {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                redirect_uri: redirect_uri.into(),
                state: state.clone(),
                kind,
            };
            Mock::given(method(m))
                .and(path(p))
                .respond_with(r)
                .mount(&server)
                .await;
        }
        Ok(GithubMock {
            server,
            client_id,
            client_secret,
            redirect_uri: redirect_uri.into(),
            state,
        })
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// The identity the flow with this `state` signs in as.
    pub fn script(&self, state: &str, who: GithubIdentity) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.scripts.insert(state.to_string(), who);
        st.logs.insert(state.to_string(), FlowLog::default());
    }

    pub fn log(&self, state: &str) -> FlowLog {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .logs
            .get(state)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::Value;
    use sha2::Digest;

    fn who() -> GithubIdentity {
        GithubIdentity {
            id: 42,
            login: "Octo".into(),
            emails: vec![("o@example.invalid".into(), true, true)],
        }
    }

    async fn authorize(
        m: &GithubMock,
        state: &str,
        challenge: &str,
        method: &str,
        redirect: &str,
    ) -> reqwest::Response {
        let mut u = reqwest::Url::parse(&format!("{}/login/oauth/authorize", m.uri())).unwrap();
        u.query_pairs_mut()
            .append_pair("client_id", &m.client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", method);
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(u)
            .send()
            .await
            .unwrap()
    }

    async fn exchange(m: &GithubMock, code: &str, verifier: &str, redirect: &str) -> Value {
        reqwest::Client::new()
            .post(format!("{}/login/oauth/access_token", m.uri()))
            .header("accept", "application/json")
            .form(&[
                ("client_id", m.client_id.as_str()),
                ("client_secret", m.client_secret.as_str()),
                ("code", code),
                ("redirect_uri", redirect),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    fn code_of(r: &reqwest::Response) -> String {
        let l = reqwest::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
        l.query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    }

    #[tokio::test]
    async fn the_github_mock_checks_pkce_state_and_redirect_uri() {
        let cb = "http://127.0.0.1:9/api/auth/github/callback";
        let m = GithubMock::start(None, cb, None).await.unwrap();
        let verifier = "a-verifier-of-enough-length-for-pkce-0123456789";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));

        refused_at_authorize(&m, &challenge, cb).await;
        a_wrong_verifier_is_refused_once_and_for_all(&m, &challenge, verifier, cb).await;
        the_right_verifier_reads_the_scripted_identity(&m, &challenge, verifier, cb).await;
    }

    async fn refused_at_authorize(m: &GithubMock, challenge: &str, cb: &str) {
        // Unscripted state, plain method, another redirect URI: refused at authorize.
        assert_eq!(
            authorize(m, "nobody", challenge, "S256", cb).await.status(),
            400
        );
        m.script("s1", who());
        assert_eq!(
            authorize(m, "s1", challenge, "plain", cb).await.status(),
            400
        );
        assert_eq!(
            m.log("s1").authorize,
            Some(Err(Refusal::NotS256("plain".into())))
        );
        m.script("s2", who());
        assert_eq!(
            authorize(m, "s2", challenge, "S256", "http://evil.example/cb")
                .await
                .status(),
            400
        );
        assert_eq!(
            m.log("s2").authorize,
            Some(Err(Refusal::NotTheCallback(
                "http://evil.example/cb".into()
            )))
        );
    }

    async fn a_wrong_verifier_is_refused_once_and_for_all(
        m: &GithubMock,
        challenge: &str,
        verifier: &str,
        cb: &str,
    ) {
        // A wrong verifier is refused, and the code cannot be used again.
        m.script("s3", who());
        let r = authorize(m, "s3", challenge, "S256", cb).await;
        assert_eq!(r.status(), 302);
        let code = code_of(&r);
        let v = exchange(m, &code, "another-verifier", cb).await;
        assert_eq!(v["error"], "bad_verification_code");
        assert_eq!(m.log("s3").exchange, Some(Err(Refusal::VerifierMismatch)));
        assert_eq!(
            exchange(m, &code, verifier, cb).await["error"],
            "bad_verification_code"
        );
    }

    async fn the_right_verifier_reads_the_scripted_identity(
        m: &GithubMock,
        challenge: &str,
        verifier: &str,
        cb: &str,
    ) {
        // The right verifier gets a token that reads the scripted identity.
        m.script("s4", who());
        let code = code_of(&authorize(m, "s4", challenge, "S256", cb).await);
        let v = exchange(m, &code, verifier, cb).await;
        let t = v["access_token"].as_str().unwrap().to_string();
        let user: Value = reqwest::Client::new()
            .get(format!("{}/user", m.uri()))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (user["id"].as_i64(), user["login"].as_str()),
            (Some(42), Some("Octo"))
        );
        let emails: Value = reqwest::Client::new()
            .get(format!("{}/user/emails", m.uri()))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(emails[0]["verified"], true);
        assert!(m.log("s4").complete(), "{}", m.log("s4").describe());
        let bad = reqwest::Client::new()
            .get(format!("{}/user", m.uri()))
            .bearer_auth("gho_forged")
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 401);
    }
}
