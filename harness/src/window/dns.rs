//! The public names in DNS, asked of the configured name server with a real resolver
//! (hickory): at T-7d their TTL must be short enough for a flip to take effect within a
//! minute; at T-0 both names must point at the new side and nowhere else.

use super::WindowError;
use crate::evidence::{Evidence, Outcome};
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::TokioResolver;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// What the name server said for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub name: String,
    pub addresses: Vec<IpAddr>,
    /// The shortest TTL on the answer's records (a CNAME's counts too): what a cache holds.
    pub ttl: Option<u32>,
    pub error: Option<String>,
}

fn resolver(ns: SocketAddr) -> Result<TokioResolver, WindowError> {
    let mut conn = ConnectionConfig::udp();
    conn.port = ns.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = ns.port();
    let server = NameServerConfig::new(ns.ip(), true, vec![conn, tcp]);
    let config = ResolverConfig::from_parts(None, vec![], vec![server]);
    let mut opts = ResolverOpts::default();
    opts.cache_size = 0;
    opts.attempts = 2;
    opts.timeout = Duration::from_secs(3);
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| WindowError::failed(format!("a resolver for {ns}: {e}")))
}

/// Ask `ns` for each of `names` (an absolute name: no search domain is tried).
pub async fn ask(ns: SocketAddr, names: &[String]) -> Result<Vec<Answer>, WindowError> {
    let r = resolver(ns)?;
    let mut out = Vec::new();
    for name in names {
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        out.push(match r.lookup_ip(fqdn.as_str()).await {
            Ok(found) => Answer {
                name: name.clone(),
                addresses: found.iter().collect(),
                ttl: found.as_lookup().answers().iter().map(|r| r.ttl).min(),
                error: None,
            },
            Err(e) => Answer {
                name: name.clone(),
                addresses: vec![],
                ttl: None,
                error: Some(e.to_string()),
            },
        });
    }
    Ok(out)
}

fn line(a: &Answer) -> String {
    match &a.error {
        Some(e) => format!("{}: no answer ({e})", a.name),
        None => format!(
            "{}: {} (TTL {} s)",
            a.name,
            a.addresses
                .iter()
                .map(IpAddr::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            a.ttl.map_or("?".into(), |t| t.to_string())
        ),
    }
}

/// T-7d: every name answers, with a TTL of at most `max` seconds.
pub fn judge_ttl(answers: &[Answer], max: u32) -> Evidence {
    let check = format!("the DNS TTL of every public name is at most {max} s");
    let bad: Vec<String> = answers
        .iter()
        .filter(|a| a.error.is_some() || a.ttl.is_none_or(|t| t > max))
        .map(line)
        .collect();
    let outcome = if bad.is_empty() && !answers.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = match outcome {
        Outcome::Pass => format!("{} names, every TTL ≤ {max} s", answers.len()),
        _ => format!(
            "{} of {} names answer with a TTL over {max} s or not at all: a flip would take that long to reach everyone",
            bad.len(),
            answers.len()
        ),
    };
    Evidence::new(check, outcome, headline)
        .expected(serde_json::json!({ "maxTtlSeconds": max }))
        .details(answers.iter().map(line))
}

/// Which side an answer points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    New,
    Legacy,
    /// Addresses of both, or of neither.
    Mixed,
    Nowhere,
}

pub fn side_of(a: &Answer, new: &[IpAddr], legacy: &[IpAddr]) -> Side {
    if a.addresses.is_empty() {
        return Side::Nowhere;
    }
    let all_new = a.addresses.iter().all(|ip| new.contains(ip));
    let all_legacy = a.addresses.iter().all(|ip| legacy.contains(ip));
    match (all_new, all_legacy) {
        (true, false) => Side::New,
        (false, true) => Side::Legacy,
        _ => Side::Mixed,
    }
}

/// Every name points at `want` and nowhere else.
pub fn judge_side(answers: &[Answer], new: &[IpAddr], legacy: &[IpAddr], want: Side) -> Evidence {
    let which = if want == Side::New { "new" } else { "legacy" };
    let check = format!("every public name points at the {which} side");
    let off: Vec<String> = answers
        .iter()
        .filter(|a| side_of(a, new, legacy) != want)
        .map(|a| format!("{} → {:?}", line(a), side_of(a, new, legacy)))
        .collect();
    let outcome = if off.is_empty() && !answers.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = match outcome {
        Outcome::Pass => format!("{} names point at the {which} side only", answers.len()),
        _ => format!(
            "{} of {} names do not point at the {which} side only",
            off.len(),
            answers.len()
        ),
    };
    let ips = |v: &[IpAddr]| v.iter().map(IpAddr::to_string).collect::<Vec<_>>();
    Evidence::new(check, outcome, headline)
        .expected(serde_json::json!({ "new": ips(new), "legacy": ips(legacy) }))
        .details(off)
        .details(answers.iter().map(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, ips: &[&str], ttl: u32) -> Answer {
        Answer {
            name: name.into(),
            addresses: ips.iter().map(|s| s.parse().unwrap()).collect(),
            ttl: Some(ttl),
            error: None,
        }
    }

    #[test]
    fn a_long_ttl_or_a_silent_name_fails() {
        let ok = [
            a("x.org", &["192.0.2.1"], 60),
            a("www.x.org", &["192.0.2.1"], 30),
        ];
        assert_eq!(judge_ttl(&ok, 60).outcome, Outcome::Pass);
        let long = [
            a("x.org", &["192.0.2.1"], 60),
            a("www.x.org", &["192.0.2.1"], 3600),
        ];
        assert_eq!(judge_ttl(&long, 60).outcome, Outcome::Fail);
        let mut silent = a("x.org", &[], 60);
        silent.error = Some("no records".into());
        silent.ttl = None;
        assert_eq!(judge_ttl(&[silent], 60).outcome, Outcome::Fail);
        assert_eq!(judge_ttl(&[], 60).outcome, Outcome::Fail);
    }

    #[test]
    fn a_name_left_on_the_old_side_or_split_fails() {
        let new: Vec<IpAddr> = vec!["192.0.2.10".parse().unwrap()];
        let old: Vec<IpAddr> = vec!["192.0.2.20".parse().unwrap()];
        let flipped = [
            a("x.org", &["192.0.2.10"], 60),
            a("www.x.org", &["192.0.2.10"], 60),
        ];
        assert_eq!(
            judge_side(&flipped, &new, &old, Side::New).outcome,
            Outcome::Pass
        );
        assert_eq!(
            judge_side(&flipped, &new, &old, Side::Legacy).outcome,
            Outcome::Fail
        );
        let left = [
            a("x.org", &["192.0.2.10"], 60),
            a("www.x.org", &["192.0.2.20"], 60),
        ];
        assert_eq!(
            judge_side(&left, &new, &old, Side::New).outcome,
            Outcome::Fail
        );
        let split = a("x.org", &["192.0.2.10", "192.0.2.20"], 60);
        assert_eq!(side_of(&split, &new, &old), Side::Mixed);
        let elsewhere = a("x.org", &["198.51.100.1"], 60);
        assert_eq!(side_of(&elsewhere, &new, &old), Side::Mixed);
    }
}
