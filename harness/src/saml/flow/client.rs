//! The HTTP client for the SAML endpoints: every answer bounded in size and time, nothing
//! followed, each request under the run's request policy.

use super::{
    parse_form, Answer, FlowError, LAUNCH, METADATA, RESUME, RESUME_COOKIE, SESSION_COOKIE, SSO,
};
use crate::Error;
use std::sync::Arc;
use std::time::Duration;

/// Bodies larger than this are cut (a SAML form is a few KiB).
const MAX_BODY: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(15);

/// An HTTP client for the SAML endpoints.
#[derive(Clone)]
pub struct SamlClient {
    base: reqwest::Url,
    http: reqwest::Client,
    policy: crate::identity::ClientPolicy,
}

impl SamlClient {
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let base = reqwest::Url::parse(base_url).map_err(|e| Error::Target {
            url: base_url.into(),
            message: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| Error::Target {
                url: base_url.into(),
                message: e.to_string(),
            })?;
        Ok(SamlClient {
            policy: crate::identity::ClientPolicy::varied(base.as_str()),
            base,
            http,
        })
    }

    /// The same client under the run's request policy.
    pub fn with_policy(mut self, policy: crate::identity::ClientPolicy) -> Self {
        self.policy = policy;
        self
    }

    async fn send(&self, req: reqwest::RequestBuilder, what: &str) -> Result<Answer, FlowError> {
        let (method, path) = req
            .try_clone()
            .and_then(|r| r.build().ok())
            .map(|r| (r.method().clone(), r.url().path().to_string()))
            .unwrap_or((reqwest::Method::GET, String::new()));
        let class = crate::identity::RequestClass::of(&method, &path);
        let make = || {
            req.try_clone()
                .expect("SAML requests have cloneable bodies")
        };
        let (mut resp, _) = crate::identity::send(&self.policy, class, make)
            .await
            .map_err(|e| match e {
                crate::identity::SendError::Failed(e) => FlowError::Request {
                    what: what.into(),
                    source: Arc::new(e),
                },
                limited => FlowError::RateLimited {
                    what: what.into(),
                    source: Arc::new(limited),
                },
            })?;
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut cookie_values = Vec::new();
        for v in resp.headers().get_all("set-cookie") {
            if let Some((name, value)) = v
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|nv| nv.split_once('='))
            {
                cookie_values.push((name.trim().to_string(), value.trim().to_string()));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| FlowError::Body {
            what: what.into(),
            source: Arc::new(e),
        })? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(FlowError::TooLarge {
                    what: what.into(),
                    limit: MAX_BODY,
                });
            }
            body.extend_from_slice(&chunk);
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let error_code = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error")?.get("code")?.as_str().map(str::to_string));
        let form = if status == 200 {
            parse_form(&body)
        } else {
            None
        };
        Ok(Answer {
            status,
            location,
            cookies_set: cookie_values.iter().map(|(n, _)| n.clone()).collect(),
            cookie_values,
            error_code,
            form,
            body,
        })
    }

    pub(super) fn url(&self, path: &str) -> Result<reqwest::Url, FlowError> {
        self.base.join(path).map_err(|e| FlowError::Url {
            path: path.into(),
            message: e.to_string(),
        })
    }

    fn cookies(pairs: &[(&str, &str)]) -> String {
        pairs
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn metadata(&self) -> Result<Answer, FlowError> {
        self.send(self.http.get(self.url(METADATA)?), "GET metadata")
            .await
    }

    pub async fn launch(
        &self,
        session: Option<&str>,
        channel: Option<&str>,
    ) -> Result<Answer, FlowError> {
        let mut url = self.url(LAUNCH)?;
        if let Some(c) = channel {
            url.query_pairs_mut().append_pair("channel", c);
        }
        let mut req = self.http.get(url);
        if let Some(s) = session {
            req = req.header("cookie", Self::cookies(&[(SESSION_COOKIE, s)]));
        }
        self.send(req, "GET launch").await
    }

    pub async fn sso(
        &self,
        session: Option<&str>,
        saml_request: &str,
        relay_state: &str,
    ) -> Result<Answer, FlowError> {
        let mut req = self
            .http
            .post(self.url(SSO)?)
            .form(&[("SAMLRequest", saml_request), ("RelayState", relay_state)]);
        if let Some(s) = session {
            req = req.header("cookie", Self::cookies(&[(SESSION_COOKIE, s)]));
        }
        self.send(req, "POST sso").await
    }

    pub async fn resume(&self, session: &str, resume: Option<&str>) -> Result<Answer, FlowError> {
        let mut pairs = vec![(SESSION_COOKIE, session)];
        if let Some(r) = resume {
            pairs.push((RESUME_COOKIE, r));
        }
        self.send(
            self.http
                .get(self.url(RESUME)?)
                .header("cookie", Self::cookies(&pairs)),
            "GET resume",
        )
        .await
    }
}
