//! Redirects: the map of every public laddr URL ([`map`]) and the checker that follows each
//! one by hand ([`check`]); [`evidence`] turns results into what a person reads.

pub mod check;
pub mod map;

use crate::evidence::{Evidence, Outcome};
use check::{Checked, Class};

/// Samples of failing URLs per class in the evidence.
pub const SAMPLES: usize = 8;

/// Evidence for a set of results: counts per class, and each failing URL's hop chain.
pub fn evidence(what: &str, results: &[Checked]) -> Evidence {
    let counts = check::summary(results);
    let failed: Vec<&Checked> = results.iter().filter(|r| r.class != Class::Ok).collect();
    let table = counts
        .iter()
        .map(|(c, n)| {
            format!(
                "{}={n}",
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let outcome = if results.is_empty() || !failed.is_empty() {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    let headline = if results.is_empty() {
        format!("{what}: no URL of this form in the map")
    } else {
        format!(
            "{what}: {} URLs, {} ok, {} failing ({table})",
            results.len(),
            results.len() - failed.len(),
            failed.len()
        )
    };
    let mut ev = Evidence::new(format!("{what} reach their targets"), outcome, headline)
        .observed(serde_json::to_value(&counts).unwrap_or_default());
    for class in counts.keys().filter(|c| **c != Class::Ok) {
        let of: Vec<&&Checked> = failed.iter().filter(|r| r.class == *class).collect();
        for r in of.iter().take(SAMPLES) {
            ev = ev.detail(format!("{:?}: {} ({})", r.class, r.chain(), r.detail));
        }
        if of.len() > SAMPLES {
            ev = ev.detail(format!("{:?}: … and {} more", class, of.len() - SAMPLES));
        }
    }
    ev
}
