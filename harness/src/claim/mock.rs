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

use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A GitHub identity as `/user` and `/user/emails` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct GithubIdentity {
    pub id: i64,
    pub login: String,
    /// (address, verified, primary)
    pub emails: Vec<(String, bool, bool)>,
}

/// What one flow did at the mock.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowLog {
    /// `Ok` or why the authorize request was refused.
    pub authorize: Option<Result<(), String>>,
    /// `Ok` or why the code exchange was refused.
    pub exchange: Option<Result<(), String>>,
    pub user_read: bool,
    pub emails_read: bool,
}

impl FlowLog {
    /// One line for evidence.
    pub fn describe(&self) -> String {
        let part = |name: &str, r: &Option<Result<(), String>>| match r {
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

#[derive(Debug)]
struct Grant {
    state: String,
    challenge: String,
    redirect_uri: String,
    used: bool,
}

#[derive(Debug, Default)]
struct GithubState {
    scripts: HashMap<String, GithubIdentity>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, String>,
    logs: HashMap<String, FlowLog>,
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

struct Github {
    client_id: String,
    client_secret: String,
    redirect_uri: String,
    state: Arc<Mutex<GithubState>>,
    kind: Route,
}

#[derive(Clone, Copy)]
enum Route {
    Authorize,
    Token,
    User,
    Emails,
}

fn token() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

fn form(body: &[u8]) -> HashMap<String, String> {
    // GitHub takes the exchange as a form or as JSON.
    if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(body) {
        return o
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
            .collect();
    }
    reqwest::Url::parse(&format!("http://x/?{}", String::from_utf8_lossy(body)))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

impl Github {
    fn authorize(&self, req: &Request) -> ResponseTemplate {
        let q: HashMap<String, String> = req
            .url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
        let state_value = get("state").to_string();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let problem = if state_value.is_empty() {
            Some("no state".to_string())
        } else if !st.scripts.contains_key(&state_value) {
            Some("a state this rehearsal did not script".to_string())
        } else if get("client_id") != self.client_id {
            Some("another client id".to_string())
        } else if get("redirect_uri") != self.redirect_uri {
            Some(format!(
                "redirect URI {:?} is not the registered callback",
                get("redirect_uri").split('?').next().unwrap_or("")
            ))
        } else if get("code_challenge_method") != "S256" {
            Some(format!(
                "code_challenge_method {:?} (S256 required)",
                get("code_challenge_method")
            ))
        } else if get("code_challenge").len() != 43 {
            Some("no S256 code challenge".to_string())
        } else {
            None
        };
        if let Some(p) = problem {
            if let Some(log) = st.logs.get_mut(&state_value) {
                log.authorize = Some(Err(p.clone()));
            }
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": "invalid_request", "error_description": p}));
        }
        let code = token();
        st.codes.insert(
            code.clone(),
            Grant {
                state: state_value.clone(),
                challenge: get("code_challenge").into(),
                redirect_uri: get("redirect_uri").into(),
                used: false,
            },
        );
        st.logs.entry(state_value.clone()).or_default().authorize = Some(Ok(()));
        let mut to =
            reqwest::Url::parse(&self.redirect_uri).expect("checked when the mock started");
        to.query_pairs_mut()
            .append_pair("code", &code)
            .append_pair("state", &state_value);
        ResponseTemplate::new(302).insert_header("location", to.as_str())
    }

    fn exchange(&self, req: &Request) -> ResponseTemplate {
        let f = form(&req.body);
        let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let refuse = |why: &str| {
            ResponseTemplate::new(200)
                .set_body_json(json!({"error": "bad_verification_code", "error_description": why}))
        };
        let Some(grant) = st.codes.get_mut(get("code")) else {
            return refuse("unknown code");
        };
        let problem = if grant.used {
            Some("the code was already exchanged".to_string())
        } else if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            Some("wrong client id or secret".to_string())
        } else if get("redirect_uri") != grant.redirect_uri {
            Some("redirect URI differs from the authorize request's".to_string())
        } else if base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(get("code_verifier").as_bytes()))
            != grant.challenge
        {
            Some("PKCE verifier does not match the challenge".to_string())
        } else {
            None
        };
        grant.used = true;
        let state_value = grant.state.clone();
        if let Some(p) = problem {
            st.logs.entry(state_value).or_default().exchange = Some(Err(p.clone()));
            return refuse(&p);
        }
        let t = format!("gho_{}", token());
        st.tokens.insert(t.clone(), state_value.clone());
        st.logs.entry(state_value).or_default().exchange = Some(Ok(()));
        ResponseTemplate::new(200).set_body_json(
            json!({"access_token": t, "token_type": "bearer", "scope": "read:user,user:email"}),
        )
    }

    fn api(&self, req: &Request, emails: bool) -> ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let t = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("token "))
            .unwrap_or("");
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let Some(state_value) = st.tokens.get(t).cloned() else {
            return ResponseTemplate::new(401).set_body_json(json!({"message": "Bad credentials"}));
        };
        let who = st.scripts.get(&state_value).cloned();
        let log = st.logs.entry(state_value).or_default();
        let Some(who) = who else {
            return ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"}));
        };
        if emails {
            log.emails_read = true;
            let list: Vec<Value> = who.emails.iter().map(|(e, v, p)| json!({"email": e, "verified": v, "primary": p, "visibility": null})).collect();
            ResponseTemplate::new(200).set_body_json(list)
        } else {
            log.user_read = true;
            ResponseTemplate::new(200).set_body_json(
                json!({"id": who.id, "login": who.login, "name": null, "type": "User"}),
            )
        }
    }
}

impl Respond for Github {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        match self.kind {
            Route::Authorize => self.authorize(req),
            Route::Token => self.exchange(req),
            Route::User => self.api(req, false),
            Route::Emails => self.api(req, true),
        }
    }
}

async fn serve(listen: Option<&str>) -> Result<MockServer, String> {
    match listen {
        // Requests are not recorded (the mocks keep what they need): 31,000 reminder mails
        // would otherwise stay in memory twice.
        None => Ok(MockServer::builder()
            .disable_request_recording()
            .start()
            .await),
        Some(addr) => {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            Ok(MockServer::builder()
                .listener(l)
                .disable_request_recording()
                .start()
                .await)
        }
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
    ) -> Result<Self, String> {
        reqwest::Url::parse(redirect_uri)
            .map_err(|e| format!("redirect URI {redirect_uri:?}: {e}"))?;
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

/// One mail Resend was asked to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub seq: usize,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
}

struct Resend {
    api_key: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl Respond for Resend {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {}", self.api_key) {
            return ResponseTemplate::new(401).set_body_json(json!({"statusCode": 401, "name": "missing_api_key", "message": "API key is invalid"}));
        }
        let Ok(v) = serde_json::from_slice::<Value>(&req.body) else {
            return ResponseTemplate::new(422).set_body_json(json!({"statusCode": 422, "name": "validation_error", "message": "body is not JSON"}));
        };
        let to: Vec<String> = match &v["to"] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        };
        if to.is_empty() || v["from"].as_str().is_none() || v["subject"].as_str().is_none() {
            return ResponseTemplate::new(422).set_body_json(json!({"statusCode": 422, "name": "validation_error", "message": "from, to and subject are required"}));
        }
        let mut mails = self.mails.lock().unwrap_or_else(|p| p.into_inner());
        let seq = mails.len();
        let text = v["text"]
            .as_str()
            .or(v["html"].as_str())
            .unwrap_or_default()
            .to_string();
        mails.push(Mail {
            seq,
            to,
            subject: v["subject"].as_str().unwrap_or_default().into(),
            text,
        });
        ResponseTemplate::new(200).set_body_json(json!({"id": uuid::Uuid::new_v4().to_string()}))
    }
}

/// The Resend mock.
pub struct ResendMock {
    server: MockServer,
    pub api_key: String,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl std::fmt::Debug for ResendMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResendMock")
            .field("uri", &self.server.uri())
            .finish()
    }
}

impl ResendMock {
    /// `api_key`: the key the stack was configured with (made up when the suite configures
    /// the stack itself).
    pub async fn start(listen: Option<&str>, api_key: Option<String>) -> Result<Self, String> {
        let server = serve(listen).await?;
        let mails = Arc::new(Mutex::new(Vec::new()));
        let api_key = api_key.unwrap_or_else(|| format!("re_{}", token()));
        Mock::given(method("POST"))
            .and(path("/emails"))
            .respond_with(Resend {
                api_key: api_key.clone(),
                mails: mails.clone(),
            })
            .mount(&server)
            .await;
        Ok(ResendMock {
            server,
            api_key,
            mails,
        })
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// How many mails so far (a mark to count from).
    pub fn mark(&self) -> usize {
        self.mails.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Mails since `mark`.
    pub fn since(&self, mark: usize) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .skip(mark)
            .cloned()
            .collect()
    }

    /// Mails since `mark` addressed to `to` (case-insensitive).
    pub fn to(&self, mark: usize, to: &str) -> Vec<Mail> {
        self.since(mark)
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
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
    ) -> Result<Self, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

        // Unscripted state, plain method, another redirect URI: refused at authorize.
        assert_eq!(
            authorize(&m, "nobody", &challenge, "S256", cb)
                .await
                .status(),
            400
        );
        m.script("s1", who());
        assert_eq!(
            authorize(&m, "s1", &challenge, "plain", cb).await.status(),
            400
        );
        assert!(m.log("s1").authorize.unwrap().unwrap_err().contains("S256"));
        m.script("s2", who());
        assert_eq!(
            authorize(&m, "s2", &challenge, "S256", "http://evil.example/cb")
                .await
                .status(),
            400
        );
        assert!(m
            .log("s2")
            .authorize
            .unwrap()
            .unwrap_err()
            .contains("redirect URI"));

        // A wrong verifier is refused, and the code cannot be used again.
        m.script("s3", who());
        let r = authorize(&m, "s3", &challenge, "S256", cb).await;
        assert_eq!(r.status(), 302);
        let code = code_of(&r);
        let v = exchange(&m, &code, "another-verifier", cb).await;
        assert_eq!(v["error"], "bad_verification_code");
        assert!(m.log("s3").exchange.unwrap().unwrap_err().contains("PKCE"));
        assert_eq!(
            exchange(&m, &code, verifier, cb).await["error"],
            "bad_verification_code"
        );

        // The right verifier gets a token that reads the scripted identity.
        m.script("s4", who());
        let code = code_of(&authorize(&m, "s4", &challenge, "S256", cb).await);
        let v = exchange(&m, &code, verifier, cb).await;
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

    #[tokio::test]
    async fn the_resend_mock_wants_its_key_and_keeps_mails() {
        let m = ResendMock::start(None, None).await.unwrap();
        let c = reqwest::Client::new();
        let mail = json!({"from": "a@example.invalid", "to": ["B@example.invalid"], "subject": "s", "text": "t"});
        assert_eq!(
            c.post(format!("{}/emails", m.uri()))
                .bearer_auth("re_wrong")
                .json(&mail)
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        assert_eq!(
            c.post(format!("{}/emails", m.uri()))
                .bearer_auth(&m.api_key)
                .body("{")
                .send()
                .await
                .unwrap()
                .status(),
            422
        );
        let mark = m.mark();
        assert_eq!(
            c.post(format!("{}/emails", m.uri()))
                .bearer_auth(&m.api_key)
                .json(&mail)
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
        assert_eq!(m.to(mark, "b@example.invalid").len(), 1);
        assert_eq!(m.since(mark + 1).len(), 0);
    }
}
