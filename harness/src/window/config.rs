//! The profile's `[window]`: how the suite reaches the public names and flips them.
//!
//! ```toml
//! [window]
//! names = ["codeforphilly.org", "www.codeforphilly.org"]
//! nameserver = "198.51.100.53:53"        # the zone's authoritative server
//! new_addresses = ["203.0.113.10"]
//! legacy_addresses = ["192.0.2.20"]
//! flip_to_new = "dnsctl point codeforphilly.org new"   # the drill only (staging)
//! flip_back = "dnsctl point codeforphilly.org legacy"
//! ```

use super::WindowSetup;
use crate::Error;
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The longest budget or wait a profile may set: a day.
const MAX_MINUTES: u64 = 24 * 60;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowConfig {
    /// The public names. Default: the apex and `www` of codeforphilly.org.
    pub names: Option<Vec<String>>,
    /// `ip:port` of the authoritative name server. Env: `CUTOVER_NAMESERVER`.
    pub nameserver: Option<String>,
    pub new_addresses: Option<Vec<String>>,
    pub legacy_addresses: Option<Vec<String>>,
    /// Default 60.
    pub max_ttl: Option<u32>,
    /// `ip:port` to reach HTTPS / HTTP at instead of the addresses DNS gives.
    pub connect_https: Option<String>,
    pub connect_http: Option<String>,
    /// A PEM root to trust besides the system's.
    pub ca_file: Option<PathBuf>,
    /// Default 14.
    pub min_cert_days: Option<i32>,
    /// Default 180 days.
    pub hsts_min_age: Option<u64>,
    pub flip_to_new: Option<String>,
    pub flip_back: Option<String>,
    /// The rollback's budget in minutes. Default 15.
    pub rto_minutes: Option<u64>,
    /// How long a flip may take to show in DNS, in seconds. Default: the budget.
    pub flip_wait_seconds: Option<u64>,
    /// Share of shadowed records that must agree, 0–1. Default 1.
    pub shadow_threshold: Option<f64>,
    /// Records shadowed per kind. Default: all.
    pub shadow_sample: Option<usize>,
    /// The drill may start with the names on the new side and flip them back first. Off by
    /// default: a drill is for staging before its flip, never for a flipped production.
    pub drill_from_new: Option<bool>,
}

fn addr(what: &str, v: &Option<String>) -> Result<Option<SocketAddr>, Error> {
    v.as_deref()
        .map(|s| {
            s.parse()
                .map_err(|_| Error::Config(format!("[window] {what} = {s:?} is not ip:port")))
        })
        .transpose()
}

fn ips(what: &str, v: &Option<Vec<String>>) -> Result<Vec<IpAddr>, Error> {
    v.iter()
        .flatten()
        .map(|s| {
            s.parse()
                .map_err(|_| Error::Config(format!("[window] {what}: {s:?} is not an IP address")))
        })
        .collect()
}

impl WindowConfig {
    /// The checks' setup, every value checked.
    pub fn setup(&self) -> Result<WindowSetup, Error> {
        let d = WindowSetup::default();
        let threshold = self.shadow_threshold.unwrap_or(d.shadow_threshold);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::Config(format!(
                "[window] shadow_threshold = {threshold} is not between 0 and 1"
            )));
        }
        let names = self.names.clone().unwrap_or(d.names);
        if names.is_empty() {
            return Err(Error::Config("[window] names is empty".into()));
        }
        let (rto, flip_wait) = self.durations(d.rto)?;
        Ok(WindowSetup {
            names,
            nameserver: addr("nameserver", &self.nameserver)?,
            new_addresses: ips("new_addresses", &self.new_addresses)?,
            legacy_addresses: ips("legacy_addresses", &self.legacy_addresses)?,
            max_ttl: self.max_ttl.unwrap_or(d.max_ttl),
            connect_https: addr("connect_https", &self.connect_https)?,
            connect_http: addr("connect_http", &self.connect_http)?,
            ca_file: self.ca_file.clone(),
            min_cert_days: self.min_cert_days.unwrap_or(d.min_cert_days),
            hsts_min_age: self.hsts_min_age.unwrap_or(d.hsts_min_age),
            flip_to_new: self.flip_to_new.clone(),
            flip_back: self.flip_back.clone(),
            rto,
            flip_wait,
            shadow_threshold: threshold,
            shadow_sample: self.shadow_sample,
            drill_from_new: self.drill_from_new.unwrap_or(false),
            edge_follows_flip: false,
        })
    }

    /// The rollback budget and the wait for a flip, each between a second and a day.
    fn durations(&self, default: Duration) -> Result<(Duration, Duration), Error> {
        let out_of_range = |what: &str, v: u64, max: u64| {
            Error::Config(format!("[window] {what} = {v} is not between 1 and {max}"))
        };
        let rto = match self.rto_minutes {
            None => default,
            Some(m) if (1..=MAX_MINUTES).contains(&m) => Duration::from_secs(m * 60),
            Some(m) => return Err(out_of_range("rto_minutes", m, MAX_MINUTES)),
        };
        let flip_wait = match self.flip_wait_seconds {
            None => rto,
            Some(s) if (1..=MAX_MINUTES * 60).contains(&s) => Duration::from_secs(s),
            Some(s) => return Err(out_of_range("flip_wait_seconds", s, MAX_MINUTES * 60)),
        };
        Ok((rto, flip_wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_named_and_defaults_hold() {
        let c: WindowConfig =
            toml::from_str("nameserver = '127.0.0.1:53'\nnew_addresses = ['192.0.2.1']").unwrap();
        let s = c.setup().unwrap();
        assert_eq!(s.names.len(), 2);
        assert_eq!(s.max_ttl, 60);
        assert_eq!(s.rto, Duration::from_secs(900));
        let bad: WindowConfig = toml::from_str("nameserver = 'ns1.example'").unwrap();
        assert!(bad.setup().unwrap_err().to_string().contains("nameserver"));
        let bad: WindowConfig = toml::from_str("shadow_threshold = 1.5").unwrap();
        assert!(bad.setup().is_err());
        for huge in ["rto_minutes = 9223372036854775807", "flip_wait_seconds = 0"] {
            let c: WindowConfig = toml::from_str(huge).unwrap();
            assert!(c.setup().is_err(), "{huge}");
        }
        assert!(toml::from_str::<WindowConfig>("nameservers = []").is_err());
    }
}
