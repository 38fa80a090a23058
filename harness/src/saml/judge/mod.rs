//! Evidence for each SAML scenario, judged from one [`SamlRun`]. Pure functions: the unit
//! tests feed them hand-made runs, the steps feed them the real one.
//!
//! This module holds the shared wording (a verdict over a list of problems, how a user is
//! named); each concern is judged in its own module:
//!
//! * `trust` — metadata, signatures, wrapping.
//! * `coverage` — who should be asserted, and the IdP-initiated launches.
//! * `identity` — NameID and email against laddr's, uniqueness, the data repo's NameIDs.
//! * `addressing` — Destination, Recipient, Audience and the validity window.
//! * `sp` — the SP-initiated and resume answers echo the request.
//! * `permissions` — refusals: another ACS, signed out, not permitted.
//! * `captured` — captured laddr assertions, field by field.
//! * `summary` — continuity per user and in all.

mod addressing;
mod captured;
mod coverage;
mod identity;
mod permissions;
mod sp;
mod summary;
#[cfg(test)]
mod tests;
mod trust;

pub use addressing::{addressing, window};
pub use captured::captures;
pub use coverage::{expectations, launch_coverage};
pub use identity::{data_name_ids, emails, name_ids, unique_name_ids};
pub use permissions::{anonymous_launch, foreign_acs, refused};
pub use sp::{resume, sp_initiated};
pub use summary::{continuity_by_user, summary};
pub use trust::{metadata, signatures, wrapping};

use super::flow::{Flow, Observation, SamlRun};
use crate::evidence::{Evidence, Outcome};

const SAMPLES: usize = 20;

fn listed(ev: Evidence, lines: &[String]) -> Evidence {
    let more = lines.len().saturating_sub(SAMPLES);
    let ev = ev.details(lines.iter().take(SAMPLES));
    if more > 0 {
        ev.detail(format!("… and {more} more"))
    } else {
        ev
    }
}

fn verdict(check: &str, problems: Vec<String>, checked: usize, what: &str) -> Evidence {
    if checked == 0 {
        return Evidence::new(
            check,
            Outcome::Fail,
            format!("nothing to check: no {what} was obtained"),
        );
    }
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!("{checked} {what} checked, all as expected"),
        )
    } else {
        listed(
            Evidence::new(
                check,
                Outcome::Fail,
                format!("{} of {checked} {what} wrong", problems.len()),
            ),
            &problems,
        )
    }
}

fn who(run: &SamlRun, o: &Observation) -> String {
    let flow = match o.flow {
        Flow::IdpInitiated => "launch",
        Flow::SpInitiated => "SP-initiated",
        Flow::SpResume => "resume",
    };
    match run.subject(o.legacy_id) {
        Some(s) => format!("{} [{flow}]", s.label()),
        None => format!("legacy {} [{flow}]", o.legacy_id),
    }
}

/// Observations that carried a readable document.
fn documents(run: &SamlRun) -> impl Iterator<Item = &Observation> {
    run.all().filter(|o| o.response.is_some())
}

/// What a paced run's sample covers, said in the evidence.
fn sample_note(run: &SamlRun) -> Option<String> {
    run.sampled_from.map(|total| {
        format!(
            "a paced run: {} of {total} members asserted through the IdP (awkward usernames first, then an even spread); every member's NameID proved from the data repo",
            run.idp.len()
        )
    })
}
