//! The Resend mock: `POST /emails` with the API key; every mail is kept (in memory, never
//! reported) for the checks to read.

use super::{serve, token};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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
    pub async fn start(
        listen: Option<&str>,
        api_key: Option<String>,
    ) -> Result<Self, crate::Error> {
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
