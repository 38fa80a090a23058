//! Redirects: the map of every public laddr URL ([`map`]) and the checker that follows each
//! one by hand ([`check`]), with why a hop was not followed ([`unfollowed`]); [`evidence`]
//! turns results into what a person reads.

pub mod check;
pub mod map;
pub mod unfollowed;

use crate::evidence::{Evidence, Outcome};
use check::{Checked, Class};

/// Samples of failing URLs per class in the evidence.
pub const SAMPLES: usize = 8;

/// A run's redirect map and what following it found.
#[derive(Debug, Clone)]
pub struct RedirectRun {
    /// The map, shared with the environment's (one copy per run).
    pub map: std::sync::Arc<Vec<map::MapRow>>,
    pub results: Vec<Checked>,
    /// A paced run followed a sample: how many URLs the map holds in all.
    pub sampled_from: Option<usize>,
}

impl RedirectRun {
    /// What a paced run's sample covers, said in the evidence.
    pub fn note(&self) -> Option<String> {
        self.sampled_from.map(|total| {
            format!(
                "a paced run: {} of {total} legacy URLs followed (a fixed sample, every form represented, and every URL whose record has no twin); every expected target comes from the data repo",
                self.results.len()
            )
        })
    }
}

/// A fixed sample of about `n` rows: every row judged without a request (no twin, so no
/// target) and, per form, a share of the rest in proportion — at least one each — picked by
/// a hash of the URL, so the same map gives the same sample.
pub fn sample(rows: &[map::MapRow], n: usize) -> Vec<map::MapRow> {
    use sha2::{Digest, Sha256};
    let free =
        |r: &map::MapRow| r.expected_target.is_empty() && !matches!(r.expected_status, 404 | 410);
    let mut out: Vec<map::MapRow> = rows.iter().filter(|r| free(r)).cloned().collect();
    let mut by_form: std::collections::BTreeMap<&str, Vec<&map::MapRow>> = Default::default();
    for r in rows.iter().filter(|r| !free(r)) {
        by_form.entry(r.form.as_str()).or_default().push(r);
    }
    let total: usize = by_form.values().map(Vec::len).sum();
    for rows in by_form.values_mut() {
        rows.sort_by_key(|r| Sha256::digest(r.url.as_bytes()));
        let share = (rows.len() * n).div_ceil(total.max(1)).max(1);
        out.extend(rows.iter().take(share).map(|r| (*r).clone()));
    }
    out
}

/// Evidence for a set of results: counts per class, and each failing URL's hop chain.
pub fn evidence<'a, I>(what: &str, results: I) -> Evidence
where
    I: IntoIterator<Item = &'a Checked>,
    I::IntoIter: Clone,
{
    let results = results.into_iter();
    let counts = check::summary(results.clone());
    let total: usize = counts.values().sum();
    let failed: Vec<&Checked> = results
        .filter(|r| !matches!(r.class, Class::Ok | Class::NotChecked))
        .collect();
    let unchecked = counts.get(&Class::NotChecked).copied().unwrap_or(0);
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
    let outcome = if total == 0 || !failed.is_empty() {
        Outcome::Fail
    } else if unchecked > 0 {
        Outcome::NotChecked
    } else {
        Outcome::Pass
    };
    let headline = if total == 0 {
        format!("{what}: no URL of this form in the map")
    } else {
        let unchecked_note = if unchecked > 0 {
            format!(
                ", {unchecked} not followed: {}",
                crate::evidence::RATE_LIMIT_MARK
            )
        } else {
            String::new()
        };
        format!(
            "{what}: {total} URLs, {} ok, {} failing{unchecked_note} ({table})",
            total - failed.len() - unchecked,
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
