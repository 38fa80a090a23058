//! How every request of a run presents itself to the new stack's rate limits (new-stack.md
//! §5: per client IP from the first `X-Forwarded-For` entry; auth routes 10/min, writes
//! 30/min, reads 60/min), and the one place a 429 is waited out.
//!
//! * [`ClientPolicy::Varied`] — the suite started the stack (or the profile says the ingress
//!   trusts the header): each request carries its own client address from 198.18.0.0/15 and
//!   `X-Forwarded-Host`/`-Proto` matching the base URL, so the stack builds the absolute
//!   URLs (OAuth `redirect_uri`, SAML `return`) a browser would see.
//! * [`ClientPolicy::Paced`] — a real stack behind its own ingress: no headers, and one
//!   shared [`Pacer`] spaces the whole run's requests to the contract's limits per class.
//!
//! A 429 waits for `Retry-After` (at most [`MAX_RETRY_AFTER`]) and retries; one that
//! persists is [`SendError::RateLimited`] — "could not check", never a failed check.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 429s retried per request before it is reported as rate limited.
pub const RETRIES_ON_429: usize = 2;
/// The longest a `Retry-After` is honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(65);

/// The contract's per-IP budgets, per minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub auth: u32,
    pub write: u32,
    pub read: u32,
}

pub const CONTRACT_LIMITS: Limits = Limits {
    auth: 10,
    write: 30,
    read: 60,
};

/// Where other budgets are given (tests that rehearse pacing at a faster scale): the same
/// variable sets the suite's pacer and the reference target's limiter.
pub const LIMITS_ENV: &str = "CUTOVER_RATE_LIMITS";

impl std::str::FromStr for Limits {
    type Err = crate::Error;
    /// `auth/write/read` per minute, e.g. `10/30/60`.
    fn from_str(s: &str) -> Result<Self, crate::Error> {
        let invalid = |expected: &str| crate::Error::Invalid {
            what: format!("{LIMITS_ENV}={s:?}"),
            expected: expected.into(),
        };
        let n: Vec<u32> = s
            .split('/')
            .map(|p| p.trim().parse::<u32>().ok().filter(|n| *n > 0))
            .collect::<Option<_>>()
            .ok_or_else(|| invalid("expected auth/write/read per minute, e.g. 10/30/60"))?;
        match n.as_slice() {
            [auth, write, read] => Ok(Limits {
                auth: *auth,
                write: *write,
                read: *read,
            }),
            _ => Err(invalid("expected three numbers, auth/write/read")),
        }
    }
}

impl Limits {
    /// The contract's, or those in [`LIMITS_ENV`].
    pub fn from_env() -> Result<Self, crate::Error> {
        match std::env::var(LIMITS_ENV).ok().filter(|v| !v.is_empty()) {
            Some(v) => v.parse(),
            None => Ok(CONTRACT_LIMITS),
        }
    }
}

/// Which budget a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestClass {
    Auth,
    Write,
    Read,
}

impl RequestClass {
    /// Auth routes are every path under `/api/auth`; writes are every other non-GET.
    pub fn of(method: &reqwest::Method, path: &str) -> Self {
        if path.starts_with(crate::routes::AUTH_PREFIX) {
            RequestClass::Auth
        } else if matches!(*method, reqwest::Method::GET | reqwest::Method::HEAD) {
            RequestClass::Read
        } else {
            RequestClass::Write
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One budget per class, shared by every client of a run: requests of a class go at most
/// `limit` a minute (with a little room, as the stack's window starts at its first request).
#[derive(Debug)]
pub struct Pacer {
    intervals: [Duration; 3],
    next: [tokio::sync::Mutex<Instant>; 3],
}

impl Pacer {
    pub fn new(limits: Limits) -> Arc<Self> {
        let every = |n: u32| Duration::from_millis(61_000 / u64::from(n.max(1)));
        let now = Instant::now();
        Arc::new(Pacer {
            intervals: [every(limits.auth), every(limits.write), every(limits.read)],
            next: [now, now, now].map(tokio::sync::Mutex::new),
        })
    }

    pub async fn wait(&self, class: RequestClass) {
        let mut next = self.next[class.index()].lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep(*next - now).await;
        }
        *next = Instant::now() + self.intervals[class.index()];
    }

    /// How many requests of `class` fit in `window` (for planning a paced run).
    pub fn fits(&self, class: RequestClass, window: Duration) -> u64 {
        (window.as_millis() / self.intervals[class.index()].as_millis().max(1)) as u64
    }
}

#[derive(Debug, Clone)]
pub struct Forwarded {
    host: String,
    proto: String,
}

#[derive(Debug, Clone)]
pub enum ClientPolicy {
    Varied {
        next: Arc<AtomicUsize>,
        forwarded: Option<Arc<Forwarded>>,
    },
    Paced(Arc<Pacer>),
}

impl ClientPolicy {
    /// A fresh client address per request, and the forwarded host of `base_url`.
    pub fn varied(base_url: &str) -> Self {
        let forwarded = reqwest::Url::parse(base_url).ok().and_then(|u| {
            let host = match u.port() {
                Some(p) => format!("{}:{p}", u.host_str()?),
                None => u.host_str()?.to_string(),
            };
            Some(Arc::new(Forwarded {
                host,
                proto: u.scheme().to_string(),
            }))
        });
        ClientPolicy::Varied {
            next: Arc::new(AtomicUsize::new(0)),
            forwarded,
        }
    }

    pub fn paced(limits: Limits) -> Self {
        ClientPolicy::Paced(Pacer::new(limits))
    }

    pub fn is_paced(&self) -> bool {
        matches!(self, ClientPolicy::Paced(_))
    }

    pub fn pacer(&self) -> Option<&Pacer> {
        match self {
            ClientPolicy::Paced(p) => Some(p),
            ClientPolicy::Varied { .. } => None,
        }
    }

    /// The next address of 198.18.0.0/15 (RFC 2544's benchmarking range: 130,048 addresses,
    /// only ever a header value, never contacted).
    fn address(n: usize) -> String {
        let (second, third, host) = (18 + (n / (254 * 256)) % 2, (n / 254) % 256, n % 254 + 1);
        format!("198.{second}.{third}.{host}")
    }

    /// Wait for the budget (paced) or add the headers (varied).
    pub async fn prepare(
        &self,
        req: reqwest::RequestBuilder,
        class: RequestClass,
    ) -> reqwest::RequestBuilder {
        match self {
            ClientPolicy::Paced(p) => {
                p.wait(class).await;
                req
            }
            ClientPolicy::Varied { next, forwarded } => {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let req = req.header("x-forwarded-for", Self::address(n));
                match forwarded {
                    Some(f) => req
                        .header("x-forwarded-host", &f.host)
                        .header("x-forwarded-proto", &f.proto),
                    None => req,
                }
            }
        }
    }
}

/// A request that got no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Failed(reqwest::Error),
    #[error("rate limited (HTTP 429) {tries} times in a row — the stack's limit, not a verdict on the check (hint: pace the run with [claim] per_minute, or set [run] vary_client_ip where the ingress trusts X-Forwarded-For)")]
    RateLimited { tries: usize },
}

impl SendError {
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, SendError::RateLimited { .. })
    }
}

fn retry_after(resp: &reqwest::Response) -> Duration {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(5), Duration::from_secs)
        .min(MAX_RETRY_AFTER)
}

/// Send the request `make` builds under `policy`, waiting out 429s. Returns the first answer
/// that is not a 429, and how many 429s came before it.
pub async fn send(
    policy: &ClientPolicy,
    class: RequestClass,
    make: impl Fn() -> reqwest::RequestBuilder,
) -> Result<(reqwest::Response, usize), SendError> {
    let mut limited = 0;
    loop {
        let req = policy.prepare(make(), class).await;
        let resp = req.send().await.map_err(SendError::Failed)?;
        if resp.status().as_u16() != 429 {
            return Ok((resp, limited));
        }
        limited += 1;
        if limited > RETRIES_ON_429 {
            return Err(SendError::RateLimited { tries: limited });
        }
        tokio::time::sleep(retry_after(&resp)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classed_as_the_contract_counts_them() {
        use reqwest::Method;
        assert_eq!(
            RequestClass::of(&Method::POST, "/api/auth/login"),
            RequestClass::Auth
        );
        assert_eq!(
            RequestClass::of(&Method::GET, "/api/auth/me"),
            RequestClass::Auth
        );
        assert_eq!(
            RequestClass::of(&Method::POST, "/api/account-claim/confirm"),
            RequestClass::Write
        );
        assert_eq!(
            RequestClass::of(&Method::GET, "/people/Ann"),
            RequestClass::Read
        );
    }

    #[test]
    fn addresses_stay_in_the_benchmarking_range() {
        assert_eq!(ClientPolicy::address(0), "198.18.0.1");
        assert_eq!(ClientPolicy::address(254 * 256), "198.19.0.1");
        assert_eq!(ClientPolicy::address(2 * 254 * 256), "198.18.0.1");
    }

    #[tokio::test]
    async fn a_pacer_spaces_each_class_on_its_own() {
        let p = Pacer::new(Limits {
            auth: 600,
            write: 600,
            read: 60_000,
        });
        let t = Instant::now();
        for _ in 0..3 {
            p.wait(RequestClass::Auth).await;
        }
        p.wait(RequestClass::Read).await;
        let took = t.elapsed();
        assert!(
            took >= Duration::from_millis(200) && took < Duration::from_millis(400),
            "{took:?}"
        );
        assert_eq!(p.fits(RequestClass::Auth, Duration::from_secs(60)), 594);
    }
}
