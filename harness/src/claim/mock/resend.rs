//! The Resend mock: `POST /emails` with the API key; every mail is kept (in memory, never
//! reported) for the checks to read.
//!
//! Served by axum, not wiremock: wiremock 0.6 keeps every request a mock matched (headers
//! that still point into hyper's 8 KiB read buffer) even with request recording disabled,
//! and the mailout sends one mail per subscriber: at 31,000 people that held about 200 MB
//! for the rest of the run.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The mock stops by itself after this long, whatever happens to its owner.
const MAX_LIFETIME: Duration = Duration::from_secs(4 * 3600);

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

fn refusal(status: StatusCode, name: &str, message: &str) -> Response {
    let body = json!({"statusCode": status.as_u16(), "name": name, "message": message});
    (status, axum::Json(body)).into_response()
}

impl Resend {
    /// What Resend answers to one `POST /emails`.
    fn answer(&self, headers: &HeaderMap, body: &[u8]) -> Response {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {}", self.api_key) {
            return refusal(
                StatusCode::UNAUTHORIZED,
                "missing_api_key",
                "API key is invalid",
            );
        }
        let unprocessable = |m| refusal(StatusCode::UNPROCESSABLE_ENTITY, "validation_error", m);
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return unprocessable("body is not JSON");
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
            return unprocessable("from, to and subject are required");
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
        axum::Json(json!({"id": uuid::Uuid::new_v4().to_string()})).into_response()
    }
}

/// The Resend mock. Dropping it stops its server.
pub struct ResendMock {
    uri: String,
    pub api_key: String,
    mails: Arc<Mutex<Vec<Mail>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl std::fmt::Debug for ResendMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResendMock")
            .field("uri", &self.uri)
            .finish()
    }
}

/// A loopback listener on a free port, or on the address given.
async fn listener(listen: Option<&str>) -> Result<tokio::net::TcpListener, crate::Error> {
    let addr = listen.unwrap_or("127.0.0.1:0");
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| crate::Error::io(format!("cannot listen on {addr}"), e))
}

impl ResendMock {
    /// `api_key`: the key the stack was configured with (made up when the suite configures
    /// the stack itself).
    pub async fn start(
        listen: Option<&str>,
        api_key: Option<String>,
    ) -> Result<Self, crate::Error> {
        let listener = listener(listen).await?;
        let uri = format!(
            "http://{}",
            listener
                .local_addr()
                .map_err(|e| crate::Error::io("the Resend mock's address", e))?
        );
        let mails = Arc::new(Mutex::new(Vec::new()));
        let api_key = api_key.unwrap_or_else(|| format!("re_{}", super::token()));
        let resend = Arc::new(Resend {
            api_key: api_key.clone(),
            mails: mails.clone(),
        });
        let app = axum::Router::new().route(
            "/emails",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| async move {
                resend.answer(&headers, &body)
            }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let stop = async move {
                tokio::select! {
                    _ = stopped => {}
                    _ = tokio::time::sleep(MAX_LIFETIME) => {}
                }
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await;
        });
        Ok(ResendMock {
            uri,
            api_key,
            mails,
            _stop: stop,
        })
    }

    pub fn uri(&self) -> String {
        self.uri.clone()
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

#[cfg(test)]
mod tests {
    use super::*;

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
