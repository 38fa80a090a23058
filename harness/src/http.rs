//! A small browser for the new stack's session flows: keeps the cookies a flow is given,
//! never follows redirects, bounds every answer, measures each request, and respects rate
//! limits — it rotates its `X-Forwarded-For` identity per request in rehearsal, or paces
//! itself against a real stack, and when a 429 still comes back it waits as told and says so.

use crate::identity::{ClientPolicy, RequestClass, SendError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Answers larger than this are an error (a flow's answers are a few KiB; see
/// [`Browser::with_max_body`] for the one that lists people).
pub const MAX_BODY: usize = 1024 * 1024;
const TIMEOUT: Duration = Duration::from_secs(15);

/// One answer.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    /// Cookies set by this answer (values never reported).
    pub set_cookies: Vec<(String, String)>,
    pub json: Option<Value>,
    /// How long the request took, from send to the last byte of the body.
    pub elapsed: Duration,
    /// 429s waited out before this answer.
    pub rate_limited: usize,
}

impl Reply {
    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("error")?.get("code")?.as_str()
    }

    pub fn data(&self) -> Option<&Value> {
        self.json.as_ref()?.get("data")
    }

    pub fn sets(&self, cookie: &str) -> bool {
        self.set_cookies
            .iter()
            .any(|(n, v)| n == cookie && !v.is_empty())
    }

    /// `HTTP 401 invalid_credentials → /x`, for evidence.
    pub fn describe(&self) -> String {
        let mut s = format!("HTTP {}", self.status);
        if let Some(c) = self.error_code() {
            s.push_str(&format!(" {c}"));
        }
        if let Some(l) = &self.location {
            // Only the path: query strings can carry codes and states.
            s.push_str(&format!(" → {}", l.split('?').next().unwrap_or(l)));
        }
        s
    }

    /// The path of a relative or absolute Location.
    pub fn location_path(&self) -> Option<String> {
        let l = self.location.as_deref()?;
        let rest = l
            .split_once("://")
            .map(|(_, r)| r.find('/').map_or("/", |i| &r[i..]))
            .unwrap_or(l);
        Some(rest.split('?').next().unwrap_or(rest).to_string())
    }

    /// The JSON body without what differs on every answer (new-stack.md §5: `metadata`
    /// and `error.traceId`), to compare answers.
    pub fn body_without_per_request_fields(&self) -> Value {
        let mut v = self.json.clone().unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("metadata");
            if let Some(e) = o.get_mut("error").and_then(Value::as_object_mut) {
                e.remove("traceId");
            }
        }
        v
    }
}

/// A failed request, said plainly.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Failed(String),
    #[error("{what}: {message}")]
    RateLimited { what: String, message: String },
}

/// A cookie-keeping client for one flow.
#[derive(Clone)]
pub struct Browser {
    base: reqwest::Url,
    http: reqwest::Client,
    policy: ClientPolicy,
    max_body: usize,
    pub jar: BTreeMap<String, String>,
}

impl Browser {
    pub fn new(base_url: &str, policy: ClientPolicy) -> Result<Self, crate::Error> {
        let base = reqwest::Url::parse(base_url).map_err(|e| crate::Error::Target {
            url: base_url.into(),
            message: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| crate::Error::Target {
                url: base_url.into(),
                message: e.to_string(),
            })?;
        Ok(Browser {
            base,
            http,
            policy,
            max_body: MAX_BODY,
            jar: BTreeMap::new(),
        })
    }

    /// The same browser accepting answers up to `bytes` (a list of every recipient).
    pub fn with_max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// A new browser (empty cookie jar) sharing this one's client and identity.
    pub fn fresh(&self) -> Self {
        Browser {
            jar: BTreeMap::new(),
            ..self.clone()
        }
    }

    pub fn url(&self, path: &str) -> Result<reqwest::Url, HttpError> {
        self.base
            .join(path)
            .map_err(|e| HttpError::Failed(format!("{path}: {e}")))
    }

    pub async fn get(&self, path: &str) -> Result<Reply, HttpError> {
        let url = self.url(path)?;
        self.send(
            || self.http.get(url.clone()),
            &format!("GET {}", path.split('?').next().unwrap_or(path)),
        )
        .await
    }

    /// GET an absolute URL (a redirect target); the cookie jar is not sent off-site.
    pub async fn get_absolute(&self, url: &str) -> Result<Reply, HttpError> {
        let u =
            reqwest::Url::parse(url).map_err(|e| HttpError::Failed(format!("not a URL: {e}")))?;
        let same_site = u.origin() == self.base.origin();
        let what = format!("GET {}", u.path());
        if same_site {
            self.send(|| self.http.get(u.clone()), &what).await
        } else {
            let outsider = Browser {
                jar: BTreeMap::new(),
                ..self.clone()
            };
            outsider.send(|| self.http.get(u.clone()), &what).await
        }
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Reply, HttpError> {
        let url = self.url(path)?;
        self.send(
            || self.http.post(url.clone()).json(body),
            &format!("POST {path}"),
        )
        .await
    }

    /// POST bytes as they are (malformed or oversized bodies).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<Reply, HttpError> {
        let url = self.url(path)?;
        self.send(
            || {
                self.http
                    .post(url.clone())
                    .header("content-type", content_type)
                    .body(body.clone())
            },
            &format!("POST {path}"),
        )
        .await
    }

    /// Keep the cookies an answer set (an empty value or `Max-Age=0` removes one).
    pub fn keep(&mut self, r: &Reply) {
        for (n, v) in &r.set_cookies {
            if v.is_empty() {
                self.jar.remove(n);
            } else {
                self.jar.insert(n.clone(), v.clone());
            }
        }
    }

    async fn send(
        &self,
        make: impl Fn() -> reqwest::RequestBuilder,
        what: &str,
    ) -> Result<Reply, HttpError> {
        let cookie = (!self.jar.is_empty()).then(|| {
            self.jar
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        });
        let with_cookie = || match &cookie {
            Some(c) => make().header("cookie", c),
            None => make(),
        };
        let (method, path) = what.split_once(' ').unwrap_or(("GET", what));
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let class = RequestClass::of(&method, path);
        let started = Instant::now();
        let (mut resp, limited) = crate::identity::send(&self.policy, class, with_cookie)
            .await
            .map_err(|e| match e {
                SendError::Failed(e) => {
                    HttpError::Failed(format!("{what}: {}", crate::target::describe(&e)))
                }
                limited => HttpError::RateLimited {
                    what: what.to_string(),
                    message: limited.to_string(),
                },
            })?;
        {
            let status = resp.status().as_u16();
            let location = resp
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let set_cookies = set_cookies(resp.headers());
            let body = self.read_body(&mut resp, what).await?;
            let elapsed = started.elapsed();
            let json = serde_json::from_slice(&body).ok();
            Ok(Reply {
                status,
                location,
                set_cookies,
                json,
                elapsed,
                rate_limited: limited,
            })
        }
    }

    /// The answer's body, at most `max_body` bytes of it.
    async fn read_body(
        &self,
        resp: &mut reqwest::Response,
        what: &str,
    ) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            HttpError::Failed(format!(
                "{what}: reading the body: {}",
                crate::target::describe(&e)
            ))
        })? {
            if body.len() + chunk.len() > self.max_body {
                return Err(HttpError::Failed(format!(
                    "{what}: the answer is larger than {} bytes",
                    self.max_body
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The cookies an answer sets, by name; an expired one (`Max-Age=0`) with an empty value.
fn set_cookies(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    let mut set_cookies = Vec::new();
    for v in headers.get_all("set-cookie") {
        let Ok(s) = v.to_str() else { continue };
        let expired = s
            .split(';')
            .any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
        if let Some((n, v)) = s.split(';').next().and_then(|nv| nv.split_once('=')) {
            set_cookies.push((
                n.trim().to_string(),
                if expired {
                    String::new()
                } else {
                    v.trim().to_string()
                },
            ));
        }
    }
    set_cookies
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn a_lasting_429_is_reported_as_rate_limiting_and_a_passing_one_is_waited_out() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/always"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/once"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/once"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
            .mount(&server)
            .await;
        let b = Browser::new(&server.uri(), ClientPolicy::varied(&server.uri())).unwrap();
        let err = b
            .post_json("/always", &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::RateLimited { .. }) && err.to_string().contains("3 times"),
            "{err}"
        );
        assert!(err.to_string().contains("rate limited (HTTP 429)"), "{err}");
        let r = b.post_json("/once", &serde_json::json!({})).await.unwrap();
        assert_eq!((r.status, r.rate_limited), (200, 1));
        // Each request had its own identity.
        let ips: std::collections::HashSet<String> = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter_map(|r| {
                r.headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(ips.len(), 5);
    }

    #[tokio::test]
    async fn pacing_spaces_requests_and_cookies_follow_set_cookie() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/set"))
            .respond_with(
                ResponseTemplate::new(200)
                    .append_header("set-cookie", "a=1; Path=/")
                    .append_header("set-cookie", "b=2; Max-Age=0"),
            )
            .mount(&server)
            .await;
        // One read per 100 ms.
        let policy = ClientPolicy::paced(crate::identity::Limits {
            auth: 600,
            write: 600,
            read: 600,
        });
        let mut b = Browser::new(&server.uri(), policy).unwrap();
        b.jar.insert("b".into(), "old".into());
        let started = Instant::now();
        for _ in 0..3 {
            let r = b.get("/set").await.unwrap();
            b.keep(&r);
        }
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(b.jar.get("a").map(String::as_str), Some("1"));
        assert!(!b.jar.contains_key("b"));
    }
}
