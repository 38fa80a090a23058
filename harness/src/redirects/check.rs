//! Following a legacy URL by hand: every hop recorded (status, Location, Cache-Control),
//! relative Locations resolved, at most [`MAX_HOPS`], loops detected, hostile Locations
//! refused; then the final page is proved to show the expected record through the API,
//! because the SPA answers 200 for anything.

use super::map::MapRow;
pub use super::unfollowed::RATE_LIMITED;
use super::unfollowed::{BadLocation, GetError, NoRecord};
use crate::identity::{ClientPolicy, RequestClass, SendError};
use futures::StreamExt;
use reqwest::Url;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore};

pub const MAX_HOPS: usize = 10;
/// Longest Location accepted.
pub const MAX_LOCATION: usize = 2048;
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    Ok,
    /// e.g. 302 where 301 is required, or 200 where 410 is.
    WrongStatus,
    /// Reached the target, in more than one hop.
    ExtraHops,
    WrongTarget,
    /// Ended on 404/410 (or a Location that cannot be followed).
    DeadEnd,
    Loop,
    /// 5xx, timeouts, connection failures.
    ServerError,
    /// The stack's rate limit kept the URL from being followed: no verdict either way.
    NotChecked,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub form: String,
    pub url: String,
    pub expected_status: u16,
    pub expected_target: String,
    pub class: Class,
    pub detail: String,
    pub hops: Vec<Hop>,
}

impl Checked {
    /// `/people/Ann --301--> /members/ann --200`
    pub fn chain(&self) -> String {
        let mut out = String::new();
        for (i, h) in self.hops.iter().enumerate() {
            if i == 0 {
                out.push_str(&h.url);
            }
            match &h.location {
                Some(l) => out.push_str(&format!(" --{}--> {}", h.status, l)),
                None => out.push_str(&format!(" --{}", h.status)),
            }
        }
        out
    }
}

#[derive(Clone)]
pub struct Checker {
    base: Url,
    http: reqwest::Client,
    per_host: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    host_limit: usize,
    /// Final pages and API answers, memoised: many legacy URLs share a target.
    memo: Arc<Mutex<HashMap<String, Result<(), NoRecord>>>>,
    policy: ClientPolicy,
    /// Hosts that refused connections through every retry: until one of them answers again,
    /// its connection errors are not retried (a stack that died mid-run fails each of 96,000
    /// URLs at once instead of after 400 ms of retries each).
    down: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

const DEFAULT_TIMEOUT: Duration = TIMEOUT;

fn is_redirect(s: u16) -> bool {
    matches!(s, 301 | 302 | 303 | 307 | 308)
}

impl Checker {
    pub fn new(
        base: &str,
        host_limit: usize,
        policy: Option<ClientPolicy>,
    ) -> Result<Self, crate::Error> {
        Self::with_timeout(base, host_limit, policy, DEFAULT_TIMEOUT)
    }

    /// As [`Checker::new`], with another limit on each request (a stalled answer is a
    /// server error once it passes).
    pub fn with_timeout(
        base: &str,
        host_limit: usize,
        policy: Option<ClientPolicy>,
        timeout: Duration,
    ) -> Result<Self, crate::Error> {
        let base = Url::parse(base).map_err(|e| crate::Error::Target {
            url: base.into(),
            message: e.to_string(),
        })?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(host_limit)
            .build()
            .map_err(|e| crate::Error::Target {
                url: base.to_string(),
                message: e.to_string(),
            })?;
        Ok(Checker {
            http,
            per_host: Arc::default(),
            host_limit: host_limit.max(1),
            memo: Arc::default(),
            down: Arc::default(),
            policy: policy.unwrap_or_else(|| ClientPolicy::varied(base.as_str())),
            base,
        })
    }

    /// One GET, headers only (the body is dropped unread, however large). Retries only
    /// connection errors; honours 429 Retry-After.
    async fn get(&self, url: &Url) -> Result<Hop, GetError> {
        let host = url.host_str().unwrap_or("").to_string();
        let sem = self
            .per_host
            .lock()
            .await
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(self.host_limit)))
            .clone();
        let _permit = sem.acquire_owned().await.map_err(|_| GetError::Closed)?;
        let mut connect_tries = 0;
        let class = RequestClass::of(&reqwest::Method::GET, url.path());
        loop {
            match crate::identity::send(&self.policy, class, || self.http.get(url.clone())).await {
                Ok((resp, _)) => {
                    self.mark(url, false);
                    let h = |n: &str| {
                        resp.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    return Ok(Hop {
                        url: path_of(url),
                        status: resp.status().as_u16(),
                        location: h("location"),
                        cache_control: h("cache-control"),
                    });
                }
                Err(SendError::Failed(e)) if e.is_connect() && connect_tries < 2 => {
                    if self.is_down(url) {
                        return Err(GetError::Failed(Arc::new(e)));
                    }
                    connect_tries += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(SendError::Failed(e)) if e.is_connect() => {
                    self.mark(url, true);
                    return Err(GetError::Failed(Arc::new(e)));
                }
                Err(SendError::Failed(e)) if e.is_timeout() => return Err(GetError::TimedOut),
                Err(SendError::Failed(e)) => return Err(GetError::Failed(Arc::new(e))),
                Err(limited) => return Err(GetError::RateLimited(Arc::new(limited))),
            }
        }
    }

    fn is_down(&self, url: &Url) -> bool {
        let host = url.host_str().unwrap_or("");
        self.down.lock().is_ok_and(|d| d.contains(host))
    }

    /// Record whether `url`'s host refused every retry (`true`) or answered (`false`).
    fn mark(&self, url: &Url, down: bool) {
        let host = url.host_str().unwrap_or("");
        if let Ok(mut d) = self.down.lock() {
            if down {
                d.insert(host.to_string());
            } else if !d.is_empty() {
                d.remove(host);
            }
        }
    }

    /// Prove the page at `path` shows a record: the API must know it (people and projects),
    /// and the page itself must answer 200.
    async fn resolve(&self, path: &str) -> Result<(), NoRecord> {
        if let Some(r) = self.memo.lock().await.get(path) {
            return r.clone();
        }
        let parts: Vec<&str> = path.split('?').next().unwrap_or("").split('/').collect();
        let api = match parts.as_slice() {
            ["", "members", slug] => Some(crate::routes::person(slug)),
            ["", "projects", slug, ..] => Some(crate::routes::project(slug)),
            _ => None,
        };
        let result = match api {
            Some(api) => match self.base.join(&api) {
                Ok(u) => match self.get(&u).await {
                    Ok(h) if h.status == 200 => Ok(()),
                    Ok(h) => Err(NoRecord::Answered {
                        api,
                        status: h.status,
                    }),
                    Err(source) => Err(NoRecord::Get { api, source }),
                },
                Err(e) => Err(NoRecord::Url(e.to_string())),
            },
            None => Ok(()),
        };
        self.memo
            .lock()
            .await
            .insert(path.to_string(), result.clone());
        result
    }

    pub async fn check(&self, row: &MapRow) -> Checked {
        let mut out = Checked {
            form: row.form.clone(),
            url: row.url.clone(),
            expected_status: row.expected_status,
            expected_target: row.expected_target.clone(),
            class: Class::Ok,
            detail: String::new(),
            hops: Vec::new(),
        };
        if row.expected_target.is_empty() && !matches!(row.expected_status, 404 | 410) {
            return finish(
                out,
                Class::WrongTarget,
                "the laddr record has no twin in the new stack (no record with its legacyId)",
            );
        }
        let Ok(url) = self.base.join(&row.url) else {
            return finish(out, Class::WrongTarget, "the map's URL is not a valid path");
        };
        let external = match self.follow(&mut out, url).await {
            Ok(external) => external,
            Err((class, detail)) => return finish(out, class, &detail),
        };
        let last = out.hops.last().expect("at least one hop").status;
        let redirects = out.hops.iter().filter(|h| is_redirect(h.status)).count();
        // Off-site targets (Slack): one hop with the expected status and Location.
        if let Some(ext) = external {
            return off_site(out, row, &ext, redirects);
        }
        if last >= 500 {
            return finish(
                out,
                Class::ServerError,
                &format!("the server answered {last}"),
            );
        }
        match row.expected_status {
            404 | 410 => self.expect_gone(out, row, last, redirects).await,
            _ => self.expect_target(out, row, last, redirects).await,
        }
    }

    /// Follow redirects from `url`, every hop recorded in `out`, until a non-redirect answer
    /// (`Ok(None)`) or a Location off the site (`Ok(Some(url))`); `Err` is the verdict when
    /// the chain cannot be followed.
    async fn follow(
        &self,
        out: &mut Checked,
        mut url: Url,
    ) -> Result<Option<String>, (Class, String)> {
        let mut seen = HashSet::new();
        loop {
            if !seen.insert(url.to_string()) {
                return Err((
                    Class::Loop,
                    "the redirects come back to a URL already visited".to_string(),
                ));
            }
            if out.hops.len() >= MAX_HOPS {
                return Err((Class::Loop, format!("more than {MAX_HOPS} hops")));
            }
            let hop = match self.get(&url).await {
                Ok(h) => h,
                Err(e @ GetError::RateLimited(_)) => {
                    return Err((Class::NotChecked, e.to_string()))
                }
                Err(e) => return Err((Class::ServerError, e.to_string())),
            };
            let (status, location) = (hop.status, hop.location.clone());
            out.hops.push(hop);
            if !is_redirect(status) {
                return Ok(None);
            }
            let next = next_url(&url, location).map_err(|e| (Class::DeadEnd, e.to_string()))?;
            if next.host_str() != self.base.host_str()
                || next.port_or_known_default() != self.base.port_or_known_default()
            {
                return Ok(Some(next.to_string()));
            }
            url = next;
        }
    }

    /// A row that must answer 404 or 410 (disabled people, retired pages).
    async fn expect_gone(
        &self,
        out: Checked,
        row: &MapRow,
        last: u16,
        redirects: usize,
    ) -> Checked {
        if last == row.expected_status && redirects == 0 {
            out
        } else if last == 404 || last == 410 {
            finish(
                out,
                Class::WrongStatus,
                &format!("{last} where {} is expected", row.expected_status),
            )
        } else {
            let final_path = out.hops.last().map(|h| h.url.clone()).unwrap_or_default();
            match self.resolve(&final_path).await {
                // A 200 page that shows no record is the SPA's not-found: acceptable for 404.
                Err(_) if row.expected_status == 404 && last == 200 => out,
                _ => finish(
                    out,
                    Class::WrongStatus,
                    &format!("{last} where {} is expected", row.expected_status),
                ),
            }
        }
    }

    /// A row that must reach its target on the site, in one permanent hop (or none for 200).
    async fn expect_target(
        &self,
        out: Checked,
        row: &MapRow,
        last: u16,
        redirects: usize,
    ) -> Checked {
        let final_path = out.hops.last().map(|h| h.url.clone()).unwrap_or_default();
        if last == 404 || last == 410 {
            return finish(
                out,
                Class::DeadEnd,
                &format!("ended on {last} at {final_path}"),
            );
        }
        if final_path != row.expected_target {
            return finish(
                out,
                Class::WrongTarget,
                &format!("ended at {final_path}, expected {}", row.expected_target),
            );
        }
        if let Err(e) = self.resolve(&final_path).await {
            return finish(out, Class::WrongTarget, &e.to_string());
        }
        if let Some(h) = out
            .hops
            .iter()
            .find(|h| is_redirect(h.status) && h.status != 301)
        {
            let s = h.status;
            return finish(
                out,
                Class::WrongStatus,
                &format!("{s} where a permanent 301 is required"),
            );
        }
        let wanted_hops = usize::from(row.expected_status == 301);
        if redirects > wanted_hops {
            return finish(
                out,
                Class::ExtraHops,
                &format!("{redirects} hops where {wanted_hops} is expected"),
            );
        }
        if redirects < wanted_hops {
            return finish(
                out,
                Class::WrongStatus,
                &format!("{last} where a 301 is expected"),
            );
        }
        out
    }

    /// Check many rows with bounded concurrency; results in map order.
    pub async fn check_all(&self, rows: &[MapRow], concurrency: usize) -> Vec<Checked> {
        let mut out: Vec<(usize, Checked)> = futures::stream::iter(rows.iter().enumerate())
            .map(|(i, r)| async move { (i, self.check(r).await) })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, c)| c).collect()
    }
}

fn path_of(u: &Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

/// Where a redirect's Location leads from `url`; `Err` says why it is never followed.
fn next_url(url: &Url, location: Option<String>) -> Result<Url, BadLocation> {
    let Some(loc) = location else {
        return Err(BadLocation::Missing);
    };
    if loc.len() > MAX_LOCATION {
        return Err(BadLocation::TooLong {
            length: loc.len(),
            limit: MAX_LOCATION,
        });
    }
    match url.join(&loc) {
        Ok(n) if n.scheme() == "http" || n.scheme() == "https" => Ok(n),
        Ok(n) => Err(BadLocation::Scheme(n.scheme().to_string())),
        Err(e) => Err(BadLocation::Unparsable(e.to_string())),
    }
}

/// An off-site target (Slack): the expected Location, with the expected status, in one hop.
fn off_site(out: Checked, row: &MapRow, ext: &str, redirects: usize) -> Checked {
    if ext != row.expected_target {
        finish(out, Class::WrongTarget, &format!("left the site for {ext}"))
    } else if out.hops[0].status != row.expected_status {
        let s = out.hops[0].status;
        finish(
            out,
            Class::WrongStatus,
            &format!("{s} where {} is required", row.expected_status),
        )
    } else if redirects > 1 {
        finish(out, Class::ExtraHops, &format!("{redirects} hops"))
    } else {
        out
    }
}

fn finish(mut c: Checked, class: Class, detail: &str) -> Checked {
    c.class = class;
    c.detail = detail.to_string();
    c
}

/// Counts per class.
pub fn summary<'a>(results: impl IntoIterator<Item = &'a Checked>) -> BTreeMap<Class, usize> {
    let mut m = BTreeMap::new();
    for r in results {
        *m.entry(r.class).or_default() += 1;
    }
    m
}

/// Results as CSV: url, form, class, detail, hop chain.
pub fn to_csv(results: &[Checked]) -> String {
    let mut out = Vec::new();
    let _ = write_csv(results, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`to_csv`] into a writer, a row at a time (96,000 results are never one string).
pub fn write_csv(results: &[Checked], out: impl std::io::Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "form",
        "url",
        "expected_status",
        "expected_target",
        "class",
        "detail",
        "hops",
    ])?;
    for r in results {
        let class = serde_json::to_value(r.class)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        w.write_record([
            &r.form,
            &r.url,
            &r.expected_status.to_string(),
            &r.expected_target,
            &class,
            &r.detail,
            &r.chain(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
