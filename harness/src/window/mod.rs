//! The cutover window at the edge: the public names in DNS (T-7d TTL, T-0 flip), their TLS
//! certificate and HTTP → HTTPS hop (T-0), the rollback drill (T-3d), and shadow agreement
//! between laddr's JSON and the new API (T-3d). Each module is one check; this one holds
//! what they need, read from the profile's `[window]`.

pub mod config;
pub mod dns;
pub mod drill;
pub mod https;
pub mod shadow;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// Why a window check could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    /// The profile does not give what the check needs: "not checked", naming the setting.
    #[error("{0}")]
    NotSetUp(String),
    /// A lookup, a handshake, a request or a flip that failed: a finding.
    #[error("{0}")]
    Failed(String),
}

impl From<String> for WindowError {
    fn from(why: String) -> Self {
        WindowError::Failed(why)
    }
}

impl From<&str> for WindowError {
    fn from(why: &str) -> Self {
        WindowError::Failed(why.into())
    }
}

impl WindowError {
    pub fn failed(why: impl std::fmt::Display) -> Self {
        WindowError::Failed(why.to_string())
    }
}

/// Longest answer body the window's checks read.
pub const MAX_BODY: usize = 4 << 20;

/// An answer's body, refused past `max` bytes (a hostile or broken site cannot exhaust
/// memory).
pub async fn bounded_body(mut r: reqwest::Response, max: usize) -> Result<Vec<u8>, WindowError> {
    let mut body = Vec::new();
    while let Some(chunk) = r
        .chunk()
        .await
        .map_err(|e| WindowError::failed(crate::target::describe(&e)))?
    {
        if body.len() + chunk.len() > max {
            return Err(WindowError::failed(format!("answer over {max} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The names the runbook flips.
pub const DEFAULT_NAMES: [&str; 2] = ["codeforphilly.org", "www.codeforphilly.org"];
/// The runbook lowers the TTL to 60 s a week ahead.
pub const DEFAULT_MAX_TTL: u32 = 60;
/// A certificate must outlast the first weeks after the flip.
pub const DEFAULT_MIN_CERT_DAYS: i32 = 14;
/// HSTS for at least 180 days.
pub const DEFAULT_HSTS_MIN_AGE: u64 = 180 * 24 * 3600;
/// The rollback's recovery-time objective.
pub const DEFAULT_RTO: Duration = Duration::from_secs(15 * 60);

/// What the window's checks need; each is optional, and a check without its part is
/// "not checked", naming the setting.
#[derive(Debug, Clone)]
pub struct WindowSetup {
    pub names: Vec<String>,
    /// The authoritative name server to ask.
    pub nameserver: Option<SocketAddr>,
    pub new_addresses: Vec<IpAddr>,
    pub legacy_addresses: Vec<IpAddr>,
    pub max_ttl: u32,
    /// Reach HTTPS and HTTP here instead of the address DNS gives (like curl's
    /// `--connect-to`): a rehearsal's edge on loopback, or a host not yet in DNS.
    pub connect_https: Option<SocketAddr>,
    pub connect_http: Option<SocketAddr>,
    /// A root to trust besides the system's (a rehearsal's local CA).
    pub ca_file: Option<PathBuf>,
    pub min_cert_days: i32,
    pub hsts_min_age: u64,
    /// Shell commands that point the names at the new side and back (the drill).
    pub flip_to_new: Option<String>,
    pub flip_back: Option<String>,
    pub rto: Duration,
    /// How long a flip may take to show in DNS (default: the budget).
    pub flip_wait: Duration,
    /// Share of shadowed records that must agree (1.0: all).
    pub shadow_threshold: f64,
    /// Records shadowed per kind (none: all in the redirect map).
    pub shadow_sample: Option<usize>,
    /// The drill may start with the names on the new side, flipping them back first
    /// (`[window] drill_from_new`): a staging stack already flipped, or a rehearsal.
    pub drill_from_new: bool,
    /// The `connect_*` addresses are an edge that follows the flips itself (the rehearsal's
    /// switch): only then can the drill read laddr's pages through them.
    pub edge_follows_flip: bool,
}

impl Default for WindowSetup {
    fn default() -> Self {
        WindowSetup {
            names: DEFAULT_NAMES.iter().map(|s| s.to_string()).collect(),
            nameserver: None,
            new_addresses: vec![],
            legacy_addresses: vec![],
            max_ttl: DEFAULT_MAX_TTL,
            connect_https: None,
            connect_http: None,
            ca_file: None,
            min_cert_days: DEFAULT_MIN_CERT_DAYS,
            hsts_min_age: DEFAULT_HSTS_MIN_AGE,
            flip_to_new: None,
            flip_back: None,
            rto: DEFAULT_RTO,
            flip_wait: DEFAULT_RTO,
            shadow_threshold: 1.0,
            shadow_sample: None,
            drill_from_new: false,
            edge_follows_flip: false,
        }
    }
}

impl WindowSetup {
    /// The name server, or why the DNS checks cannot run.
    pub fn nameserver(&self) -> Result<SocketAddr, WindowError> {
        self.nameserver.ok_or_else(|| {
            WindowError::NotSetUp(
                "no name server named (hint: [window] nameserver = \"<authoritative server>:53\")"
                    .into(),
            )
        })
    }

    /// Where to reach `name` over HTTPS and HTTP: the override, else the first address DNS
    /// gives on ports 443 and 80.
    pub async fn addresses(&self, name: &str) -> Result<(SocketAddr, SocketAddr), WindowError> {
        if let (Some(s), Some(p)) = (self.connect_https, self.connect_http) {
            return Ok((s, p));
        }
        let ns = self.nameserver().map_err(|_| {
            WindowError::NotSetUp(
                "neither a name server nor [window] connect_https/connect_http to reach the names"
                    .into(),
            )
        })?;
        let answers = dns::ask(ns, &[name.to_string()]).await?;
        let ip = answers
            .first()
            .and_then(|a| a.addresses.first().copied())
            .ok_or_else(|| WindowError::failed(format!("{name} has no address at {ns}")))?;
        Ok((
            self.connect_https.unwrap_or(SocketAddr::new(ip, 443)),
            self.connect_http.unwrap_or(SocketAddr::new(ip, 80)),
        ))
    }

    /// Both sides' addresses, or why the side checks cannot run.
    pub fn sides(&self) -> Result<(&[IpAddr], &[IpAddr]), WindowError> {
        if self.new_addresses.is_empty() {
            return Err(WindowError::NotSetUp(
                "the new side's addresses are not named (hint: [window] new_addresses)".into(),
            ));
        }
        Ok((&self.new_addresses, &self.legacy_addresses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_answer_past_the_bound_is_refused_not_read() {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 4096]))
            .mount(&server)
            .await;
        let get = || reqwest::get(server.uri());
        assert_eq!(
            bounded_body(get().await.unwrap(), 4096)
                .await
                .unwrap()
                .len(),
            4096
        );
        let err = bounded_body(get().await.unwrap(), 1024).await.unwrap_err();
        assert!(err.to_string().contains("over 1024 bytes"), "{err}");
    }
}
