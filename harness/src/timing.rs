//! Whose time is it: work shared between scenarios (every member's SAML flows, every
//! redirect followed, the sign-in collection, the state read before the first scenario) is
//! done once, inside whichever scenario or hook first asks for it. The ledger records each
//! piece of shared work under the subject that owns it (the feature tag: `saml`,
//! `redirects`, …) and how long each scenario waited for shared work, so a feature's time is
//! its own scenarios' time without the waits, plus the shared work it owns.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

/// One piece of shared work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    /// The feature tag that owns it, without `@`.
    pub subject: String,
    pub what: String,
    pub secs: f64,
}

#[derive(Debug, Default)]
pub struct Ledger {
    work: Mutex<Vec<Work>>,
    waits: Mutex<HashMap<String, f64>>,
}

impl Ledger {
    /// Run `fut` as shared work owned by `subject`, and record its time.
    pub async fn work<T>(&self, subject: &str, what: &str, fut: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = fut.await;
        self.work.lock().expect("ledger lock").push(Work {
            subject: subject.into(),
            what: what.into(),
            secs: started.elapsed().as_secs_f64(),
        });
        out
    }

    /// Await shared work from `scenario`, and record how long it waited.
    pub async fn waited<T>(&self, scenario: &str, fut: impl Future<Output = T>) -> T {
        let started = Instant::now();
        let out = fut.await;
        *self
            .waits
            .lock()
            .expect("ledger lock")
            .entry(scenario.to_string())
            .or_default() += started.elapsed().as_secs_f64();
        out
    }

    /// Seconds `scenario` spent waiting for shared work.
    pub fn waits_of(&self, scenario: &str) -> f64 {
        self.waits
            .lock()
            .expect("ledger lock")
            .get(scenario)
            .copied()
            .unwrap_or(0.0)
    }

    pub fn work_done(&self) -> Vec<Work> {
        self.work.lock().expect("ledger lock").clone()
    }
}

/// Seconds of shared work owned by a feature with `tags` (`@saml`, …).
pub fn owned_secs(work: &[Work], tags: &[String]) -> f64 {
    work.iter()
        .filter(|w| tags.iter().any(|t| t.trim_start_matches('@') == w.subject))
        .fold(0.0, |sum, w| sum + w.secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_are_the_scenarios_and_work_is_its_owners() {
        let l = Ledger::default();
        let v = l
            .waited(
                "a › s",
                l.work("saml", "every member asserted", async {
                    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                    7
                }),
            )
            .await;
        assert_eq!(v, 7);
        assert!(l.waits_of("a › s") >= 0.03);
        assert_eq!(l.waits_of("b › t"), 0.0);
        let work = l.work_done();
        assert!(owned_secs(&work, &["@saml".into(), "@T-0".into()]) >= 0.03);
        assert_eq!(owned_secs(&work, &["@claim".into()]), 0.0);
    }
}
