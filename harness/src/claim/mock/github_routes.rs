//! GitHub's OAuth and API routes as the stack meets them: authorize (client id, redirect
//! URI, state, PKCE S256), the code exchange (secret, redirect URI, verifier), `/user` and
//! `/user/emails`.

use super::github::{FlowLog, GithubIdentity, Refusal};
use super::token;
use base64::Engine;
use serde_json::{json, Value};
use sha2::Digest;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wiremock::{Request, Respond, ResponseTemplate};

#[derive(Debug)]
struct Grant {
    state: String,
    challenge: String,
    redirect_uri: String,
    used: bool,
}

/// What the routes share: the scripted identities and each flow's codes, tokens and log.
#[derive(Debug, Default)]
pub(super) struct GithubState {
    pub(super) scripts: HashMap<String, GithubIdentity>,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, String>,
    pub(super) logs: HashMap<String, FlowLog>,
}

/// One route's responder; every route shares the state.
pub(super) struct Github {
    pub(super) client_id: String,
    pub(super) client_secret: String,
    pub(super) redirect_uri: String,
    pub(super) state: Arc<Mutex<GithubState>>,
    pub(super) kind: Route,
}

#[derive(Clone, Copy)]
pub(super) enum Route {
    Authorize,
    Token,
    User,
    Emails,
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
            Some(Refusal::NoState)
        } else if !st.scripts.contains_key(&state_value) {
            Some(Refusal::UnscriptedState)
        } else if get("client_id") != self.client_id {
            Some(Refusal::OtherClientId)
        } else if get("redirect_uri") != self.redirect_uri {
            Some(Refusal::NotTheCallback(
                get("redirect_uri")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_string(),
            ))
        } else if get("code_challenge_method") != "S256" {
            Some(Refusal::NotS256(get("code_challenge_method").to_string()))
        } else if get("code_challenge").len() != 43 {
            Some(Refusal::NoChallenge)
        } else {
            None
        };
        if let Some(p) = problem {
            let body = json!({"error": "invalid_request", "error_description": p.to_string()});
            if let Some(log) = st.logs.get_mut(&state_value) {
                log.authorize = Some(Err(p));
            }
            return ResponseTemplate::new(400).set_body_json(body);
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
            Some(Refusal::CodeReused)
        } else if get("client_id") != self.client_id || get("client_secret") != self.client_secret {
            Some(Refusal::WrongClient)
        } else if get("redirect_uri") != grant.redirect_uri {
            Some(Refusal::RedirectDiffers)
        } else if base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(get("code_verifier").as_bytes()))
            != grant.challenge
        {
            Some(Refusal::VerifierMismatch)
        } else {
            None
        };
        grant.used = true;
        let state_value = grant.state.clone();
        if let Some(p) = problem {
            let why = p.to_string();
            st.logs.entry(state_value).or_default().exchange = Some(Err(p));
            return refuse(&why);
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
