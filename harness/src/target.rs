//! The new stack over HTTP: a small client that reads the API envelope, bounds every
//! response, and turns health and readiness into evidence.

use crate::evidence::{Evidence, Outcome};
use crate::identity::{ClientPolicy, RequestClass};
use crate::Error;
use serde_json::Value;
use std::time::Duration;

/// Bodies larger than this are cut: no check needs more, and a hostile target cannot
/// exhaust memory.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Debug)]
pub struct TargetClient {
    base: reqwest::Url,
    http: reqwest::Client,
    /// How requests present themselves to the stack's rate limits.
    policy: ClientPolicy,
}

/// One HTTP answer, body parsed as JSON when it is JSON.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The `Location` header, for redirects.
    pub location: Option<String>,
    pub json: Option<Value>,
    pub text: String,
    pub truncated: bool,
}

impl Answer {
    /// `data.status` of the envelope, when there is one.
    pub fn data_status(&self) -> Option<&str> {
        self.json.as_ref()?.get("data")?.get("status")?.as_str()
    }

    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("error")?.get("code")?.as_str()
    }
}

impl TargetClient {
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let base = reqwest::Url::parse(base_url).map_err(|e| Error::Target {
            url: base_url.to_string(),
            message: format!("not a URL: {e} (hint: https://staging.codeforphilly.org)"),
        })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Error::Target {
                url: base_url.to_string(),
                message: e.to_string(),
            })?;
        Ok(TargetClient {
            policy: ClientPolicy::varied(base.as_str()),
            base,
            http,
        })
    }

    /// The same client under another request policy (the run's).
    pub fn with_policy(&self, policy: ClientPolicy) -> Self {
        TargetClient {
            policy,
            ..self.clone()
        }
    }

    pub fn policy(&self) -> &ClientPolicy {
        &self.policy
    }

    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Target {
            url: self.base.to_string(),
            message: message.into(),
        }
    }

    /// GET a path and read at most [`MAX_BODY`] bytes of the answer.
    pub async fn get(&self, path: &str) -> Result<Answer, Error> {
        let url = self
            .base
            .join(path)
            .map_err(|e| self.err(format!("{path}: {e}")))?;
        let class = RequestClass::of(&reqwest::Method::GET, url.path());
        let make = || {
            self.http
                .get(url.clone())
                .header("accept", "application/json")
        };
        let (mut resp, _) = crate::identity::send(&self.policy, class, make)
            .await
            .map_err(|e| match e {
                crate::identity::SendError::Failed(e) => {
                    self.err(format!("GET {path}: {}", describe(&e)))
                }
                limited => Error::RateLimited {
                    what: format!("GET {path}"),
                    message: limited.to_string(),
                },
            })?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| self.err(format!("GET {path}: {}", describe(&e))))?
        {
            let room = MAX_BODY - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        let json = if truncated {
            None
        } else {
            serde_json::from_str(&text).ok()
        };
        Ok(Answer {
            status,
            location,
            json,
            text,
            truncated,
        })
    }

    /// `GET /api/health` → 200 with `data.status = "ok"`.
    pub async fn health(&self) -> Evidence {
        self.expect_status(crate::routes::HEALTH, "health", "ok")
            .await
    }

    /// `GET /api/health/ready` → 200 with `data.status = "ready"`.
    pub async fn ready(&self) -> Evidence {
        self.expect_status(crate::routes::READY, "readiness", "ready")
            .await
    }

    async fn expect_status(&self, path: &str, what: &str, want: &str) -> Evidence {
        let check = format!("the new stack answers {path} with 200 and status {want:?}");
        match self.get(path).await {
            Err(e) => Evidence::new(&check, Outcome::Fail, format!("{what}: no answer: {e}")),
            Ok(a) if a.status == 200 && a.data_status() == Some(want) => {
                Evidence::new(&check, Outcome::Pass, format!("{what}: 200 {want}"))
                    .observed(a.json.unwrap_or(Value::Null))
            }
            Ok(a) => Evidence::new(
                &check,
                Outcome::Fail,
                format!(
                    "{what}: {} {} (expected 200 {want:?})",
                    a.status,
                    a.data_status()
                        .or(a.error_code())
                        .unwrap_or("without a status")
                ),
            )
            .detail(format!("GET {path} answered: {}", snippet(&a.text)))
            .observed(a.json.unwrap_or(Value::Null)),
        }
    }
}

/// A request that got no answer, kept as an observation (so it can be cloned), said as
/// [`describe`] says it.
#[derive(Debug, Clone)]
pub struct NoAnswer(pub std::sync::Arc<reqwest::Error>);

impl From<reqwest::Error> for NoAnswer {
    fn from(e: reqwest::Error) -> Self {
        NoAnswer(std::sync::Arc::new(e))
    }
}

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&describe(&self.0))
    }
}

impl std::error::Error for NoAnswer {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!("timed out after {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        match tls_reason(e) {
            Some(why) => format!("TLS refused: {why}"),
            None => "connection refused or unreachable".to_string(),
        }
    } else {
        e.to_string()
    }
}

/// The innermost cause of a connect error when it was the TLS handshake (a certificate
/// that is expired, for another name, or from an unknown issuer).
fn tls_reason(e: &reqwest::Error) -> Option<String> {
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c.to_string());
        cause = c.source();
    }
    last.filter(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("certificate") || m.contains("tls") || m.contains("handshake")
    })
}

fn snippet(text: &str) -> String {
    let t: String = text.chars().take(200).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}
