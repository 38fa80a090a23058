//! The alarm test-fire: a second instance of the stack under test is watched, stopped part
//! way through (its health stops answering, as a broken deployment's would), and the watch
//! must call a rollback within the stated detection time — two failed probes. Works with
//! every provider: the instance is the stack under test, started the same way.

use super::triggers::{Plan, DOWN_AFTER};
use super::{Call, Watch};
use crate::evidence::{Evidence, Outcome};
use crate::identity::ClientPolicy;
use crate::runbook::launch::{self, Launch};
use crate::target::TargetClient;
use std::time::Duration;

/// Rounds watched before the break, and the most the watch may take after it.
pub const BEFORE_BREAK: usize = 2;
pub const AFTER_BREAK: usize = 4;

/// Start a second instance, watch it, break it after [`BEFORE_BREAK`] rounds, and judge
/// whether the watch saw it within [`DOWN_AFTER`] failed probes.
pub async fn test_fire(launcher: &dyn Launch, snap: &crate::datarepo::Snapshot) -> Evidence {
    let check = "the watch sees health break within two failed probes and calls a rollback";
    let probes = match super::round_probes(snap) {
        Ok(p) => p,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (scratch, env) = match launch::prepare(launcher.base_env()) {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let stack = match launch::ready(launcher, env).await {
        Ok(s) => s,
        Err(e) => return Evidence::could_not(check, e),
    };
    let client = match TargetClient::new(&stack.base_url) {
        Ok(c) => c.with_policy(ClientPolicy::varied(&stack.base_url)),
        Err(e) => {
            stack.stop().await;
            return Evidence::could_not(check, e);
        }
    };
    let plan = Plan {
        rounds: BEFORE_BREAK + AFTER_BREAK,
        interval: Duration::from_millis(500),
    };
    let mut watch = Watch::new(client, probes, plan);
    let mut call = Call::Hold;
    for i in 0..plan.rounds {
        if i == BEFORE_BREAK {
            stack.stop().await;
        }
        watch.round().await;
        // Only the health rules say whether the alarm saw the break; a sign-in or SAML
        // trigger (a stack without a GitHub app, say) is not what is tested here.
        call = health_only(watch.call());
        if call != Call::Hold {
            break;
        }
        tokio::time::sleep(plan.interval).await;
    }
    stack.stop().await;
    drop(scratch);
    judge(&watch, &call, launcher.describe())
}

fn health_only(call: Call) -> Call {
    match call {
        Call::RollBack { triggers } => {
            let health: Vec<_> = triggers
                .into_iter()
                .filter(|t| t.rule.starts_with("health"))
                .collect();
            if health.is_empty() {
                Call::Hold
            } else {
                Call::RollBack { triggers: health }
            }
        }
        hold => hold,
    }
}

/// Pass when the first trigger is "health down", fired by the rounds right after the break
/// and no later than [`DOWN_AFTER`] failed probes; the rounds before the break held.
pub fn judge(watch: &Watch, call: &Call, provider: String) -> Evidence {
    let check = "the watch sees health break within two failed probes and calls a rollback";
    let lines = watch.rounds.iter().map(|r| r.line(watch.plan.rounds));
    let broke_at = BEFORE_BREAK + 1;
    let outcome = match call {
        Call::RollBack { triggers } => {
            let t = &triggers[0];
            let fired_after = t.last_round + 1 - broke_at;
            if t.rule == "health down" && t.first_round == broke_at && fired_after <= DOWN_AFTER {
                Ok(format!(
                    "the alarm fired: stopped after round {BEFORE_BREAK}, rollback called at round {} after {fired_after} failed probe(s) ({})",
                    t.last_round, t.detail
                ))
            } else {
                Err(format!(
                    "rollback called, but not for the break: {} at rounds {}–{} (the stack was stopped after round {BEFORE_BREAK})",
                    t.rule, t.first_round, t.last_round
                ))
            }
        }
        Call::Hold => Err(format!(
            "the watch held through {} round(s) although the stack stopped answering after round {BEFORE_BREAK}: the alarm would not fire",
            watch.rounds.len()
        )),
    };
    let (o, headline) = match outcome {
        Ok(h) => (Outcome::Pass, h),
        Err(h) => (Outcome::Fail, h),
    };
    Evidence::new(check, o, headline)
        .details(lines)
        .detail(format!("instance started with {provider}"))
}
