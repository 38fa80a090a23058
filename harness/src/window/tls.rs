//! The certificate each public name presents at T-0: it must verify for that name against
//! the trusted roots (the system's, plus the profile's CA file in a rehearsal) and stay valid
//! for more than the stated number of days. Read with OpenSSL: once verifying, to learn
//! whether a browser would accept it, and once not, to read what it says even when it fails.

use super::WindowError;
use crate::evidence::{Evidence, Outcome};
use openssl::asn1::Asn1Time;
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::X509;
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// What one name's certificate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFacts {
    pub name: String,
    /// `Ok` when the chain and the name verify; else OpenSSL's reason.
    pub verified: Result<(), WindowError>,
    /// Whole days until `notAfter` (negative once expired).
    pub days_left: Option<i32>,
    pub dns_names: Vec<String>,
}

fn connect(addr: SocketAddr) -> Result<TcpStream, WindowError> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| WindowError::Failed(format!("cannot connect to {addr}: {e}")))?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
    Ok(s)
}

fn verify(name: &str, addr: SocketAddr, ca: Option<&Path>) -> Result<(), WindowError> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    if let Some(ca) = ca {
        b.set_ca_file(ca)
            .map_err(|e| WindowError::Failed(format!("the CA file {}: {e}", ca.display())))?;
    }
    let c = b.build();
    match c.connect(name, connect(addr)?) {
        Ok(_) => Ok(()),
        Err(HandshakeError::Failure(mid)) => {
            let v = mid.ssl().verify_result();
            Err(if v.as_raw() == 0 {
                WindowError::failed(mid.error())
            } else {
                WindowError::failed(v.error_string())
            })
        }
        Err(e) => Err(WindowError::failed(e)),
    }
}

fn peer(name: &str, addr: SocketAddr) -> Result<X509, WindowError> {
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    b.set_verify(SslVerifyMode::NONE);
    let s = b
        .build()
        .configure()
        .map_err(|e| e.to_string())?
        .verify_hostname(false)
        .connect(name, connect(addr)?)
        .map_err(|e| WindowError::Failed(format!("TLS with {addr} as {name}: {e}")))?;
    s.ssl()
        .peer_certificate()
        .ok_or_else(|| WindowError::Failed(format!("{addr} presented no certificate for {name}")))
}

/// Connect to `addr` as `name` and read its certificate (blocking: run off the runtime).
pub fn inspect(name: &str, addr: SocketAddr, ca: Option<&Path>) -> CertFacts {
    let verified = verify(name, addr, ca);
    let cert = peer(name, addr);
    let (days_left, dns_names) = match &cert {
        Ok(c) => (
            Asn1Time::days_from_now(0)
                .ok()
                .and_then(|now| now.diff(c.not_after()).ok())
                .map(|d| d.days),
            c.subject_alt_names()
                .map(|s| {
                    s.iter()
                        .filter_map(|n| n.dnsname().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Err(_) => (None, vec![]),
    };
    let verified = match (verified, cert) {
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(_)) => Ok(()),
    };
    CertFacts {
        name: name.into(),
        verified,
        days_left,
        dns_names,
    }
}

fn problem(f: &CertFacts, min_days: i32) -> Option<String> {
    if let Err(e) = &f.verified {
        return Some(format!("{}: does not verify: {e}", f.name));
    }
    match f.days_left {
        Some(d) if d > min_days => None,
        Some(d) => Some(format!(
            "{}: valid for {d} more days (needs more than {min_days})",
            f.name
        )),
        None => Some(format!("{}: its expiry could not be read", f.name)),
    }
}

/// Every name's certificate verifies for it and outlives `min_days`.
pub fn judge(facts: &[CertFacts], min_days: i32) -> Evidence {
    let check = format!(
        "the TLS certificate is valid for every public name, for more than {min_days} days"
    );
    let bad: Vec<String> = facts.iter().filter_map(|f| problem(f, min_days)).collect();
    let outcome = if bad.is_empty() && !facts.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = match outcome {
        Outcome::Pass => format!(
            "{} names, each certificate verifies and has {} days or more left",
            facts.len(),
            facts.iter().filter_map(|f| f.days_left).min().unwrap_or(0)
        ),
        _ => format!(
            "{} of {} names fail: {}",
            bad.len(),
            facts.len(),
            bad.join("; ")
        ),
    };
    Evidence::new(check, outcome, headline)
        .expected(serde_json::json!({ "minDays": min_days }))
        .details(facts.iter().map(|f| {
            format!(
                "{}: {} · {} days left · names {}",
                f.name,
                f.verified
                    .as_ref()
                    .map_or_else(|e| e.clone(), |_| "verifies".into()),
                f.days_left.map_or("?".into(), |d| d.to_string()),
                f.dns_names.join(", ")
            )
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(verified: Result<(), &str>, days: i32) -> CertFacts {
        CertFacts {
            name: "x.org".into(),
            verified: verified.map_err(WindowError::failed),
            days_left: Some(days),
            dns_names: vec!["x.org".into()],
        }
    }

    #[test]
    fn expired_misnamed_or_short_lived_certificates_fail() {
        assert_eq!(judge(&[facts(Ok(()), 80)], 14).outcome, Outcome::Pass);
        assert_eq!(judge(&[facts(Ok(()), 14)], 14).outcome, Outcome::Fail);
        let expired = judge(&[facts(Err("certificate has expired"), -1)], 14);
        assert_eq!(expired.outcome, Outcome::Fail);
        assert!(expired.headline.contains("expired"));
        assert_eq!(
            judge(&[facts(Err("hostname mismatch"), 80)], 14).outcome,
            Outcome::Fail
        );
        assert_eq!(judge(&[], 14).outcome, Outcome::Fail);
    }
}
