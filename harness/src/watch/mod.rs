//! The T+1h watch: probe rounds at a set interval over a bounded window — health and
//! readiness, a sample of legacy URLs and pages, a Slack launch and the SAML metadata, a
//! GitHub sign-in start — each round judged by the contract's answers, the runbook's
//! rollback triggers evaluated after every round ([`triggers`]), and the point of no return
//! reported ([`no_return`]). `cutover watch` prints a line per round and ends "hold" or
//! "roll back"; the T+1h scenarios drive the same [`Watch`].

pub mod alarm;
pub mod no_return;
pub mod setup;
pub mod triggers;

use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::routes;
use crate::runbook::probes::{self, Probe, Want};
use crate::target::TargetClient;
use serde::Serialize;
use std::time::{Duration, Instant};
use triggers::{Plan, Signals, Trigger};

/// Problems a round's line shows; the rest are counted.
const SHOWN_PROBLEMS: usize = 2;

/// Legacy ID redirects a round asks beyond the probe round's one.
pub const LEGACY_SAMPLE: usize = 3;

/// What a probe tells the watch about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Health,
    Oauth,
    Saml,
    Legacy,
}

fn signal(p: &Probe) -> Signal {
    match (&p.want, p.path.as_str()) {
        (_, path) if path.starts_with(routes::HEALTH) => Signal::Health,
        (Want::GithubAuthorize, _) => Signal::Oauth,
        (_, path) if path.starts_with(routes::SAML_PREFIX) => Signal::Saml,
        _ => Signal::Legacy,
    }
}

/// A watch round's probes, from the records the data repo holds: the on-call probe round,
/// an anonymous Slack launch, and legacy ID redirects of projects spread over the sheet.
pub fn round_probes(snap: &Snapshot) -> Result<Vec<Probe>, crate::Error> {
    let mut out = probes::round(snap)?;
    out.push(Probe {
        name: "a Slack launch",
        path: format!("{}?channel=general", routes::SAML_LAUNCH),
        want: Want::SignInFirst,
    });
    let projects: Vec<(String, i64)> = probes::live_from_laddr(snap, "projects").collect();
    let step = (projects.len() / (LEGACY_SAMPLE + 1)).max(1);
    for (slug, id) in projects.iter().skip(step).step_by(step).take(LEGACY_SAMPLE) {
        out.push(Probe {
            name: "a legacy ID redirect",
            path: format!("/projects?ID={id}"),
            want: Want::Redirect(301, format!("/projects/{slug}")),
        });
    }
    Ok(out)
}

/// One round as it is printed and kept.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub round: usize,
    /// Seconds since the watch started.
    pub at_secs: f64,
    pub took_ms: u64,
    pub signals: Signals,
    pub problems: Vec<String>,
}

impl Round {
    /// `round 3/6 +20s  health ok  sign-in ok  saml ok  legacy 6/6  (412 ms)`.
    pub fn line(&self, of: usize) -> String {
        let word = |s: Option<bool>| match s {
            Some(true) => "ok",
            Some(false) => "FAIL",
            None => "not checked",
        };
        let mut line = format!(
            "round {}/{of} +{:.0}s  health {}  sign-in {}  saml {}  legacy {}/{}  ({} ms)",
            self.round,
            self.at_secs,
            word(self.signals.health),
            word(self.signals.oauth),
            word(self.signals.saml),
            self.signals.legacy_ok,
            self.signals.legacy_asked,
            self.took_ms
        );
        for p in self.problems.iter().take(SHOWN_PROBLEMS) {
            line.push_str(&format!("\n    {p}"));
        }
        if self.problems.len() > SHOWN_PROBLEMS {
            line.push_str(&format!(
                "\n    … and {} more",
                self.problems.len() - SHOWN_PROBLEMS
            ));
        }
        line
    }
}

/// How a watch ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "call", rename_all = "kebab-case")]
pub enum Call {
    Hold,
    RollBack { triggers: Vec<Trigger> },
}

/// A watch in progress: the rounds so far, against one stack.
pub struct Watch {
    target: TargetClient,
    probes: Vec<Probe>,
    pub plan: Plan,
    pub rounds: Vec<Round>,
    started: Instant,
}

/// A signal's value from its probes: any failure is a failure; nothing answered (rate
/// limited) is unknown.
fn fold(seen: &[(Signal, Option<bool>)], which: Signal) -> Option<bool> {
    let mine: Vec<Option<bool>> = seen
        .iter()
        .filter(|(s, _)| *s == which)
        .map(|(_, ok)| *ok)
        .collect();
    if mine.contains(&Some(false)) {
        Some(false)
    } else if mine.is_empty() || mine.contains(&None) {
        None
    } else {
        Some(true)
    }
}

impl Watch {
    pub fn new(target: TargetClient, probes: Vec<Probe>, plan: Plan) -> Self {
        Watch {
            target,
            probes,
            plan,
            rounds: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Make one round of probes and keep it.
    pub async fn round(&mut self) -> &Round {
        let t = Instant::now();
        let mut seen = Vec::new();
        let mut problems = Vec::new();
        let mut unreachable = false;
        for p in &self.probes {
            // A stack that does not answer its health probes is down: the rest of the round
            // would only wait out their timeouts, and say nothing more.
            if unreachable && signal(p) != Signal::Health {
                seen.push((signal(p), None));
                continue;
            }
            let ok = match self.target.get(&p.path).await {
                Ok(a) => match probes::problem(&p.want, &a) {
                    None => Some(true),
                    Some(why) => {
                        problems.push(format!("{}: GET {} → {why}", p.name, p.path));
                        Some(false)
                    }
                },
                Err(e) if e.is_rate_limited() => None,
                Err(e) => {
                    problems.push(format!("{}: {e}", p.name));
                    unreachable |= signal(p) == Signal::Health;
                    Some(false)
                }
            };
            seen.push((signal(p), ok));
        }
        let legacy: Vec<_> = seen.iter().filter(|(s, _)| *s == Signal::Legacy).collect();
        let signals = Signals {
            health: fold(&seen, Signal::Health),
            oauth: fold(&seen, Signal::Oauth),
            saml: fold(&seen, Signal::Saml),
            legacy_ok: legacy.iter().filter(|(_, ok)| *ok == Some(true)).count(),
            legacy_asked: legacy.len(),
        };
        if unreachable {
            problems.push(
                "the rest of the round was not asked: the stack did not answer its health probes"
                    .into(),
            );
        }
        let problems = problems.iter().map(|p| crate::redact::redact(p)).collect();
        self.rounds.push(Round {
            round: self.rounds.len() + 1,
            at_secs: self.started.elapsed().as_secs_f64(),
            took_ms: t.elapsed().as_millis() as u64,
            signals,
            problems,
        });
        self.rounds.last().expect("just pushed")
    }

    /// The call the rounds so far make.
    pub fn call(&self) -> Call {
        let signals: Vec<Signals> = self.rounds.iter().map(|r| r.signals.clone()).collect();
        let triggers = triggers::evaluate(&signals, &self.plan);
        if triggers.is_empty() {
            Call::Hold
        } else {
            Call::RollBack { triggers }
        }
    }

    /// Round after round until the window ends or a trigger fires; `each` sees every round.
    pub async fn run(&mut self, mut each: impl FnMut(&Round, usize)) -> Call {
        let of = self.plan.rounds;
        for i in 0..of {
            let due = self.started + self.plan.interval * i as u32;
            tokio::time::sleep_until(due.into()).await;
            each(self.round().await, of);
            if let c @ Call::RollBack { .. } = self.call() {
                return c;
            }
        }
        Call::Hold
    }
}

/// What the watch's signals stand for, said in every result: the contract's runbook speaks
/// of callback and launch failure rates, which only the stack's own metrics have.
const STAND_INS: &str = "sign-in is the GitHub sign-in start (302 to GitHub's authorize), SAML the IdP metadata and an anonymous Slack launch (302 to sign-in): stand-ins for the OAuth-callback and SAML failure rates the stack's own metrics give";

/// The watch's result as evidence: hold passes (advisory when legacy URLs or pages failed,
/// which no trigger covers), roll back fails naming the triggers and the rounds that fired
/// them, and a watch whose probes the rate limit refused throughout is not checked.
pub fn evidence(w: &Watch, call: &Call) -> Evidence {
    let check = "the first-hour watch holds: no rollback trigger fires";
    let made = w.rounds.len();
    let lines = w.rounds.iter().map(|r| r.line(w.plan.rounds));
    let legacy_failed: usize = w
        .rounds
        .iter()
        .map(|r| r.signals.legacy_asked - r.signals.legacy_ok)
        .sum();
    let nothing_made = w.rounds.iter().all(|r| r.signals.health.is_none());
    let ev = match call {
        Call::Hold if nothing_made => Evidence::not_checked(
            check,
            format!(
                "no health probe of {made} round(s) could be made ({})",
                crate::evidence::RATE_LIMIT_MARK
            ),
        ),
        Call::Hold => Evidence::new(
            check,
            if legacy_failed > 0 {
                Outcome::Advisory
            } else {
                Outcome::Pass
            },
            format!(
                "hold: {made} round(s) at {} s, no trigger fired (sustained span {} rounds){}",
                w.plan.interval.as_secs(),
                w.plan.sustained_rounds(),
                if legacy_failed > 0 {
                    format!("; but {legacy_failed} legacy URL or page probe(s) failed, which no rollback trigger covers: look at them")
                } else {
                    String::new()
                }
            ),
        ),
        Call::RollBack { triggers } => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "roll back after round {made}: {}",
                triggers
                    .iter()
                    .map(|t| t.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
        .observed(serde_json::to_value(triggers).unwrap_or_default()),
    };
    ev.details(lines).detail(STAND_INS)
}

/// A plan from a window and an interval: as many rounds as fit, at least one.
pub fn plan(window: Duration, interval: Duration) -> Plan {
    let per = interval.as_secs_f64().max(0.001);
    Plan {
        rounds: ((window.as_secs_f64() / per).floor() as usize).max(1),
        interval,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_holds_as_many_rounds_as_fit() {
        let p = plan(Duration::from_secs(3600), Duration::from_secs(10));
        assert_eq!(p.rounds, 360);
        assert_eq!(
            plan(Duration::from_secs(5), Duration::from_secs(10)).rounds,
            1
        );
    }

    #[test]
    fn a_signal_fails_on_any_failure_and_is_unknown_when_unanswered() {
        let seen = [
            (Signal::Health, Some(true)),
            (Signal::Health, Some(false)),
            (Signal::Saml, Some(true)),
            (Signal::Saml, None),
            (Signal::Oauth, Some(true)),
        ];
        assert_eq!(fold(&seen, Signal::Health), Some(false));
        assert_eq!(fold(&seen, Signal::Saml), None);
        assert_eq!(fold(&seen, Signal::Oauth), Some(true));
        assert_eq!(fold(&seen, Signal::Legacy), None);
    }

    #[test]
    fn each_probe_feeds_the_signal_it_is_about() {
        let p = |path: &str, want| Probe {
            name: "x",
            path: path.into(),
            want,
        };
        assert_eq!(signal(&p("/api/health/ready", Want::Ok)), Signal::Health);
        assert_eq!(
            signal(&p("/api/auth/github/start", Want::GithubAuthorize)),
            Signal::Oauth
        );
        assert_eq!(
            signal(&p("/api/saml/slack/launch", Want::SignInFirst)),
            Signal::Saml
        );
        assert_eq!(signal(&p("/projects?ID=3", Want::Ok)), Signal::Legacy);
    }
}
