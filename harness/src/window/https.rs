//! Plain HTTP on each public name must reach HTTPS in one permanent redirect to the same
//! host and path, and the HTTPS answer must carry HSTS, so that a browser asks for HTTPS
//! from then on. Asked at the address DNS gives (or the profile's `connect` override).

use super::WindowError;
use crate::evidence::{Evidence, Outcome};
use reqwest::header::{LOCATION, STRICT_TRANSPORT_SECURITY};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// The path asked for: the contract's health route answers 200 on the new side.
pub const PATH: &str = crate::routes::HEALTH;

/// What one name did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    pub name: String,
    /// The plain-HTTP answer: status and `Location`.
    pub http: Result<(u16, Option<String>), WindowError>,
    /// The HTTPS answer: status and `Strict-Transport-Security`.
    pub https: Result<(u16, Option<String>), WindowError>,
}

/// A client that reaches `name` at the given addresses and trusts `ca` besides the system.
pub fn client(
    name: &str,
    http: SocketAddr,
    https: SocketAddr,
    ca: Option<&Path>,
) -> Result<(reqwest::Client, reqwest::Client), WindowError> {
    let base = |addr: SocketAddr| -> Result<reqwest::Client, WindowError> {
        let mut b = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .resolve(name, addr);
        if let Some(ca) = ca {
            let pem = std::fs::read(ca)
                .map_err(|e| WindowError::Failed(format!("the CA file {}: {e}", ca.display())))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| WindowError::Failed(format!("the CA file {}: {e}", ca.display())))?;
            b = b.add_root_certificate(cert);
        }
        b.build().map_err(WindowError::failed)
    };
    Ok((base(http)?, base(https)?))
}

async fn get(
    c: &reqwest::Client,
    url: &str,
    header: reqwest::header::HeaderName,
) -> Result<(u16, Option<String>), WindowError> {
    let r = c
        .get(url)
        .send()
        .await
        .map_err(|e| crate::target::describe(&e))?;
    let v = r
        .headers()
        .get(header)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((r.status().as_u16(), v))
}

/// Ask `name` over HTTP, then over HTTPS.
pub async fn hop(name: &str, http: SocketAddr, https: SocketAddr, ca: Option<&Path>) -> Hop {
    let (plain, tls) = match client(name, http, https, ca) {
        Ok(c) => c,
        Err(e) => {
            return Hop {
                name: name.into(),
                http: Err(e.clone()),
                https: Err(e),
            }
        }
    };
    Hop {
        name: name.into(),
        http: get(&plain, &format!("http://{name}{PATH}"), LOCATION).await,
        https: get(
            &tls,
            &format!("https://{name}{PATH}"),
            STRICT_TRANSPORT_SECURITY,
        )
        .await,
    }
}

/// `max-age` of an HSTS value, when it has one.
pub fn max_age(hsts: &str) -> Option<u64> {
    hsts.split(';').find_map(|d| {
        let (k, v) = d.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())?
    })
}

/// The plain-HTTP answer: one permanent redirect to HTTPS, same path, on any public name
/// (www may send people to the apex in the same hop).
fn http_problem(h: &Hop, names: &[&str]) -> Option<String> {
    let to_https = |l: &str| names.iter().any(|n| l == format!("https://{n}{PATH}"));
    match &h.http {
        Ok((301 | 308, Some(l))) if to_https(l) => None,
        Ok((s, l)) => Some(format!(
            "{}: http:// answered {s}{}, not one permanent redirect to https://{}{PATH}",
            h.name,
            l.as_ref().map(|l| format!(" → {l}")).unwrap_or_default(),
            h.name
        )),
        Err(e) => Some(format!("{}: http:// {e}", h.name)),
    }
}

/// The HTTPS answer: the health route answering (not a redirect, not an error page), with
/// HSTS.
fn https_problem(h: &Hop, min_age: u64) -> Option<String> {
    match &h.https {
        Ok((s, _)) if (300..400).contains(s) => Some(format!(
            "{}: https:// answered {s}: more than one hop",
            h.name
        )),
        Ok((s, _)) if !(200..300).contains(s) => Some(format!(
            "{}: https://{}{PATH} answered {s}, not the new site's health",
            h.name, h.name
        )),
        Ok((_, None)) => Some(format!(
            "{}: no Strict-Transport-Security on https://",
            h.name
        )),
        Ok((_, Some(v))) if max_age(v).is_none_or(|a| a < min_age) => Some(format!(
            "{}: Strict-Transport-Security {v:?} is under max-age={min_age}",
            h.name
        )),
        Ok(_) => None,
        Err(e) => Some(format!("{}: https:// {e}", h.name)),
    }
}

fn problems(h: &Hop, names: &[&str], min_age: u64) -> Vec<String> {
    http_problem(h, names)
        .into_iter()
        .chain(https_problem(h, min_age))
        .collect()
}

/// Every name: HTTP → HTTPS in one permanent redirect, and HSTS on the HTTPS answer.
pub fn judge(hops: &[Hop], min_age: u64) -> Evidence {
    let check = "plain HTTP reaches HTTPS in one 301 and HTTPS sets HSTS, on every public name";
    let names: Vec<&str> = hops.iter().map(|h| h.name.as_str()).collect();
    let bad: Vec<String> = hops
        .iter()
        .flat_map(|h| problems(h, &names, min_age))
        .collect();
    let outcome = if bad.is_empty() && !hops.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = match outcome {
        Outcome::Pass => format!(
            "{} names: one 301 to HTTPS, HSTS max-age ≥ {min_age}",
            hops.len()
        ),
        _ => format!("{} problems: {}", bad.len(), bad.join("; ")),
    };
    Evidence::new(check, outcome, headline)
        .expected(serde_json::json!({ "httpStatus": [301, 308], "hstsMinAge": min_age }))
        .details(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(http: (u16, Option<&str>), https: (u16, Option<&str>)) -> Hop {
        Hop {
            name: "x.org".into(),
            http: Ok((http.0, http.1.map(str::to_string))),
            https: Ok((https.0, https.1.map(str::to_string))),
        }
    }

    #[test]
    fn one_hop_and_hsts_pass_and_each_lapse_fails() {
        let to = Some("https://x.org/api/health");
        let hsts = Some("max-age=31536000; includeSubDomains");
        assert_eq!(
            judge(&[hop((301, to), (200, hsts))], 86400).outcome,
            Outcome::Pass
        );
        assert_eq!(
            judge(&[hop((200, None), (200, hsts))], 86400).outcome,
            Outcome::Fail
        );
        assert_eq!(
            judge(&[hop((302, to), (200, hsts))], 86400).outcome,
            Outcome::Fail
        );
        let elsewhere = Some("https://other.org/api/health");
        assert_eq!(
            judge(&[hop((301, elsewhere), (200, hsts))], 86400).outcome,
            Outcome::Fail
        );
        assert_eq!(
            judge(&[hop((301, to), (200, None))], 86400).outcome,
            Outcome::Fail
        );
        assert_eq!(
            judge(&[hop((301, to), (200, Some("max-age=60")))], 86400).outcome,
            Outcome::Fail
        );
        assert_eq!(
            judge(&[hop((301, to), (301, hsts))], 86400).outcome,
            Outcome::Fail
        );
    }

    #[test]
    fn max_age_is_read_in_any_case_and_order() {
        assert_eq!(max_age("includeSubDomains; Max-Age=\"600\""), Some(600));
        assert_eq!(max_age("preload"), None);
    }
}
