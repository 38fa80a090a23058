//! The runbook's rollback triggers, judged over the rounds a watch has made so far:
//! health or readiness down (two failed probes in a row) or flapping; GitHub sign-in or
//! Slack SAML failing for more than half of attempts over a sustained span (the runbook's
//! 5 minutes of its hour, scaled to the watch's window). Pure: the rounds in, the triggers out.

use serde::Serialize;
use std::time::Duration;

/// What one round saw, per signal. `None`: the probe could not be made (rate limited), so it
/// counts neither way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Signals {
    pub health: Option<bool>,
    pub oauth: Option<bool>,
    pub saml: Option<bool>,
    /// Legacy URLs and pages that answered as the contract says, of those asked.
    pub legacy_ok: usize,
    pub legacy_asked: usize,
}

/// How long the watch is and how often it probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub rounds: usize,
    pub interval: Duration,
}

/// The runbook's sustained span (5 minutes) as a share of its watch (60 minutes).
const SUSTAINED_SHARE: (u32, u32) = (5, 60);

/// Failed health probes in a row that call a rollback: the alarm's detection time.
pub const DOWN_AFTER: usize = 2;

/// Up/down changes of health within the window that count as flapping.
pub const FLAP_CHANGES: usize = 3;

impl Plan {
    /// Rounds that make the sustained span: 5/60 of the window, at least two.
    pub fn sustained_rounds(&self) -> usize {
        let window = self.interval * self.rounds as u32;
        let span = window * SUSTAINED_SHARE.0 / SUSTAINED_SHARE.1;
        let per = self.interval.as_secs_f64().max(0.001);
        ((span.as_secs_f64() / per).ceil() as usize).max(2)
    }
}

/// A trigger that fired: which rule, over which rounds (1-based, inclusive), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub rule: &'static str,
    pub first_round: usize,
    pub last_round: usize,
    pub detail: String,
}

/// Every trigger the rounds so far fire.
pub fn evaluate(rounds: &[Signals], plan: &Plan) -> Vec<Trigger> {
    let span = plan.sustained_rounds();
    let mut out = Vec::new();
    out.extend(health_down(rounds));
    out.extend(flapping(rounds, span.max(FLAP_CHANGES + 1)));
    out.extend(sustained(rounds, span, "GitHub sign-in", |s| s.oauth));
    out.extend(sustained(rounds, span, "Slack SAML", |s| s.saml));
    out
}

/// Two failed health probes in a row; a probe that could not be made (rate limited) neither
/// breaks nor extends the run.
fn health_down(rounds: &[Signals]) -> Option<Trigger> {
    let mut failed: Vec<usize> = Vec::new();
    for (i, s) in rounds.iter().enumerate() {
        match s.health {
            Some(false) => failed.push(i + 1),
            Some(true) => failed.clear(),
            None => {}
        }
        if failed.len() == DOWN_AFTER {
            let (first, last) = (failed[0], i + 1);
            return Some(Trigger {
                rule: "health down",
                first_round: first,
                last_round: last,
                detail: format!(
                    "health or readiness failed {DOWN_AFTER} probes in a row (rounds {first}–{last})"
                ),
            });
        }
    }
    None
}

/// Health changing between up and down [`FLAP_CHANGES`] times within one span of `span`
/// rounds: isolated blips an hour apart are not flapping.
fn flapping(rounds: &[Signals], span: usize) -> Option<Trigger> {
    let seen: Vec<(usize, bool)> = rounds
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.health.map(|h| (i + 1, h)))
        .collect();
    // Each change: (the round before it, the round it showed in).
    let changes: Vec<(usize, usize)> = seen
        .windows(2)
        .filter(|w| w[0].1 != w[1].1)
        .map(|w| (w[0].0, w[1].0))
        .collect();
    changes.windows(FLAP_CHANGES).find_map(|w| {
        let (first, last) = (w[0].0, w[FLAP_CHANGES - 1].1);
        (last - first < span).then(|| Trigger {
            rule: "health flapping",
            first_round: first,
            last_round: last,
            detail: format!(
                "health changed between up and down {FLAP_CHANGES} times within {span} rounds (rounds {first}–{last})"
            ),
        })
    })
}

/// More than half of the attempts made in some span of `span` rounds failed, where at
/// least half of the span's probes could be made (a rate-limited probe is no attempt).
fn sustained(
    rounds: &[Signals],
    span: usize,
    what: &'static str,
    pick: impl Fn(&Signals) -> Option<bool>,
) -> Option<Trigger> {
    if rounds.len() < span {
        return None;
    }
    rounds.windows(span).enumerate().find_map(|(start, w)| {
        let tried: Vec<bool> = w.iter().filter_map(&pick).collect();
        let failed = tried.iter().filter(|ok| !**ok).count();
        (tried.len() * 2 >= span && failed * 2 > tried.len()).then(|| Trigger {
            rule: if what == "Slack SAML" {
                "SAML failures sustained"
            } else {
                "OAuth failures sustained"
            },
            first_round: start + 1,
            last_round: start + span,
            detail: format!(
                "{what} failed {failed} of {} attempts over rounds {}–{} (more than half, for the runbook's 5 minutes of its hour scaled to this watch: {span} rounds)",
                tried.len(),
                start + 1,
                start + span
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up() -> Signals {
        Signals {
            health: Some(true),
            oauth: Some(true),
            saml: Some(true),
            legacy_ok: 3,
            legacy_asked: 3,
        }
    }

    fn health(ok: Option<bool>) -> Signals {
        Signals { health: ok, ..up() }
    }

    fn plan(rounds: usize, secs: u64) -> Plan {
        Plan {
            rounds,
            interval: Duration::from_secs(secs),
        }
    }

    #[test]
    fn the_sustained_span_is_five_minutes_of_the_hour_scaled_and_never_below_two() {
        assert_eq!(plan(360, 10).sustained_rounds(), 30); // the runbook's hour: 5 min
        assert_eq!(plan(60, 60).sustained_rounds(), 5);
        assert_eq!(plan(6, 1).sustained_rounds(), 2);
    }

    #[test]
    fn two_failed_health_probes_in_a_row_call_a_rollback_one_does_not() {
        let p = plan(10, 1);
        let once = [up(), health(Some(false)), up(), up()];
        assert!(evaluate(&once, &p).is_empty());
        let twice = [up(), up(), health(Some(false)), health(Some(false))];
        let t = evaluate(&twice, &p);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].rule, t[0].first_round, t[0].last_round),
            ("health down", 3, 4)
        );
    }

    #[test]
    fn a_health_probe_that_could_not_be_made_counts_neither_way() {
        let p = plan(10, 1);
        let rounds = [health(Some(false)), health(None), up()];
        assert!(evaluate(&rounds, &p).is_empty());
        // Down, refused, down is still two failed probes in a row.
        let rounds = [up(), health(Some(false)), health(None), health(Some(false))];
        let t = evaluate(&rounds, &p);
        assert_eq!(
            (t[0].rule, t[0].first_round, t[0].last_round),
            ("health down", 2, 4)
        );
    }

    #[test]
    fn blips_far_apart_are_not_flapping() {
        let p = plan(360, 10); // span 30 rounds
        let mut rounds = vec![up(); 100];
        rounds[10] = health(Some(false));
        rounds[80] = health(Some(false));
        let t = evaluate(&rounds, &p);
        assert!(t.is_empty(), "{t:?}");
    }

    #[test]
    fn health_that_goes_up_and_down_three_times_is_flapping() {
        let p = plan(10, 1);
        let rounds = [up(), health(Some(false)), up(), health(Some(false)), up()];
        let t = evaluate(&rounds, &p);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].rule, "health flapping");
        assert_eq!((t[0].first_round, t[0].last_round), (1, 4), "{t:?}");
    }

    #[test]
    fn sign_in_failing_more_than_half_over_the_span_fires_half_does_not() {
        let p = plan(48, 10); // span: 4 rounds
        assert_eq!(p.sustained_rounds(), 4);
        let bad = |oauth| Signals { oauth, ..up() };
        let half = [bad(Some(false)), up(), bad(Some(false)), up(), up()];
        assert!(evaluate(&half, &p).is_empty());
        let most = [
            up(),
            bad(Some(false)),
            bad(Some(false)),
            up(),
            bad(Some(false)),
        ];
        let t = evaluate(&most, &p);
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(
            (t[0].rule, t[0].first_round, t[0].last_round),
            ("OAuth failures sustained", 2, 5)
        );
        // A probe that could not be made is no attempt; the attempts made still decide…
        let unknown = [
            bad(Some(false)),
            bad(None),
            bad(Some(false)),
            bad(Some(true)),
        ];
        let t = evaluate(&unknown, &p);
        assert_eq!(t[0].rule, "OAuth failures sustained", "{t:?}");
        // …as long as at least half of the span's probes were made.
        let mostly_refused = [bad(Some(false)), bad(None), bad(None), bad(None)];
        assert!(evaluate(&mostly_refused, &p).is_empty());
    }

    #[test]
    fn saml_failures_have_their_own_rule() {
        let p = plan(6, 1);
        let bad = Signals {
            saml: Some(false),
            ..up()
        };
        let t = evaluate(&[bad.clone(), bad], &p);
        assert_eq!(t[0].rule, "SAML failures sustained");
    }
}
