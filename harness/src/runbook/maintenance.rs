//! T-0: laddr in maintenance. Its pages must still answer (members and search engines keep
//! reading), and every form that writes must be refused with 503 and a `Retry-After`, so no
//! change made between the final import and the DNS flip is lost. Only empty forms are
//! posted: laddr rejects them without writing even when it is not in maintenance.

use crate::evidence::{Evidence, Outcome};
use std::time::Duration;

/// Pages read: the home page, the browse pages, and (added by the caller) one member's page.
pub const READS: [&str; 3] = ["/", "/projects", "/people"];
/// laddr's forms that write: sign-in (it records the login), registration, new records.
pub const WRITES: [&str; 5] = [
    "/login",
    "/register",
    "/projects/create",
    "/project-updates/create",
    "/blog/create",
];

/// What one request got.
#[derive(Debug, Clone)]
pub struct Probe {
    pub method: &'static str,
    pub path: String,
    /// The status and `Retry-After`, or why there was no answer.
    pub result: Result<(u16, Option<String>), crate::target::NoAnswer>,
}

fn client() -> Result<reqwest::Client, crate::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| crate::Error::http("an HTTP client", e))
}

async fn one(http: &reqwest::Client, site: &str, method: &'static str, path: String) -> Probe {
    let url = format!("{}{path}", site.trim_end_matches('/'));
    let req = match method {
        "POST" => http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(""),
        _ => http.get(&url),
    };
    let result = match req.send().await {
        Ok(r) => Ok((
            r.status().as_u16(),
            r.headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
        )),
        Err(e) => Err(e.into()),
    };
    Probe {
        method,
        path,
        result,
    }
}

/// Read `reads` and post empty forms to [`WRITES`] on `site`.
pub async fn probe(site: &str, reads: &[String]) -> Result<Vec<Probe>, crate::Error> {
    let http = client()?;
    let mut out = Vec::new();
    for path in reads {
        out.push(one(&http, site, "GET", path.clone()).await);
    }
    for path in WRITES {
        out.push(one(&http, site, "POST", path.to_string()).await);
    }
    Ok(out)
}

/// `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3).
fn retry_after_ok(v: &str) -> bool {
    let v = v.trim();
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())) || v.ends_with(" GMT")
}

fn problem(p: &Probe) -> Option<String> {
    let what = format!("{} {}", p.method, p.path);
    match (&p.result, p.method) {
        (Err(e), _) => Some(format!("{what}: no answer ({e})")),
        (Ok((s, _)), "GET") if *s >= 400 => {
            Some(format!("{what}: {s}, but pages must still answer"))
        }
        (Ok(_), "GET") => None,
        (Ok((503, Some(r))), _) if retry_after_ok(r) => None,
        (Ok((503, Some(r))), _) => Some(format!(
            "{what}: 503 with Retry-After {r:?}, not seconds or a date"
        )),
        (Ok((503, None)), _) => Some(format!("{what}: 503 without Retry-After")),
        (Ok((s, _)), _) => Some(format!(
            "{what}: {s} — the write was not refused for maintenance"
        )),
    }
}

pub fn judge(site: &str, probes: &[Probe]) -> Evidence {
    let check =
        "laddr in maintenance: pages answer, every write is refused with 503 and Retry-After";
    let problems: Vec<String> = probes.iter().filter_map(problem).collect();
    let reads = probes.iter().filter(|p| p.method == "GET").count();
    let seen = probes.iter().map(|p| {
        let got = match &p.result {
            Ok((s, r)) => format!(
                "{s}{}",
                r.as_ref()
                    .map(|r| format!(" Retry-After: {r}"))
                    .unwrap_or_default()
            ),
            Err(e) => e.to_string(),
        };
        format!("{} {} → {got}", p.method, p.path)
    });
    let ev = if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "{reads} pages answered; {} writes refused with 503 and Retry-After",
                probes.len() - reads
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {} probes wrong: {}",
                problems.len(),
                probes.len(),
                problems[0]
            ),
        )
        .details(problems)
    };
    ev.detail(format!("site: {site}")).details(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(method: &'static str, status: u16, retry: Option<&str>) -> Probe {
        Probe {
            method,
            path: "/x".into(),
            result: Ok((status, retry.map(str::to_string))),
        }
    }

    #[test]
    fn writes_must_get_503_with_retry_after_and_reads_must_answer() {
        let good = [p("GET", 200, None), p("POST", 503, Some("3600"))];
        assert!(!judge("s", &good).failed());
        for bad in [
            p("POST", 200, None),
            p("POST", 503, None),
            p("POST", 503, Some("soon")),
            p("GET", 503, Some("60")),
        ] {
            assert!(judge("s", std::slice::from_ref(&bad)).failed(), "{bad:?}");
        }
        assert!(retry_after_ok("Wed, 21 Oct 2026 07:28:00 GMT"));
    }
}
