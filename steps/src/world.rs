//! The World: one per scenario, sharing the run's environment.

use harness::env::Environment;
use harness::evidence::{Collector, Evidence, Failure};
use harness::target::TargetClient;
use std::sync::{Arc, RwLock};

/// What every scenario of one run shares.
pub struct RunContext {
    pub env: Arc<Environment>,
    /// Evidence by scenario key (`feature › rule › scenario`), read by the recorder.
    pub evidence: Collector,
    /// Policy: a GitHub-linked person holding a legacy password fails instead of advising.
    pub strict_drain: bool,
    /// A freeze recorded by an earlier run.
    pub freeze_file: Option<std::path::PathBuf>,
    /// The freeze scenario needs that file (a real run after T-7d).
    pub freeze_file_required: bool,
    /// Where steps write result files, if anywhere.
    pub report_dir: Option<std::path::PathBuf>,
    pub slack_team_host: String,
    /// Requests at once when a step checks many URLs.
    pub concurrency: usize,
    /// Feature tags (without `@`) of the features this run touches.
    pub selected: std::collections::HashSet<String>,
}

impl RunContext {
    pub fn new(
        env: Arc<Environment>,
        strict_drain: bool,
        freeze_file: Option<std::path::PathBuf>,
    ) -> Self {
        RunContext {
            env,
            evidence: Collector::default(),
            strict_drain,
            freeze_file,
            freeze_file_required: false,
            report_dir: None,
            slack_team_host: harness::config::DEFAULT_SLACK_TEAM_HOST.into(),
            concurrency: 16,
            selected: Default::default(),
        }
    }

    pub fn with_output(
        mut self,
        report_dir: Option<std::path::PathBuf>,
        slack_team_host: String,
        concurrency: usize,
    ) -> Self {
        self.report_dir = report_dir;
        self.slack_team_host = slack_team_host;
        self.concurrency = (concurrency * 8).clamp(8, 64);
        self
    }
}

impl RunContext {
    /// Before a scenario that makes the stack write: let the read-only collections it would
    /// disturb finish first. Linking a member changes the email their Slack assertion
    /// carries, so every member is asserted before any member is linked.
    pub async fn before_writes(&self, scenario: &str) {
        if self.selected.contains("saml") {
            let shared = self.env.saml_run(self.concurrency);
            let _ = self.env.ledger.waited(scenario, shared).await;
        }
    }
}

/// The run in progress. Set by [`crate::run`] before the features start; cucumber's World
/// constructor takes no arguments, so this is how a scenario finds its environment.
static CURRENT: RwLock<Option<Arc<RunContext>>> = RwLock::new(None);

pub(crate) fn set_current(ctx: Option<Arc<RunContext>>) {
    *CURRENT.write().expect("run context lock") = ctx;
}

#[derive(cucumber::World)]
#[world(init = Self::new)]
pub struct CutoverWorld {
    pub ctx: Arc<RunContext>,
    /// This scenario's HTTP client.
    pub target: TargetClient,
    /// Set by the before-hook: `feature › rule › scenario`.
    pub scenario: String,
    /// Evidence produced by a `When` and judged by the following `Then`.
    pub pending: Option<Evidence>,
    /// The legacy tables' state recorded at the freeze.
    pub freeze: Option<harness::freeze::FreezeState>,
    /// A second judgement the same `When` produced (reconcile's gate).
    pub gate: Option<Evidence>,
    /// The public snapshot a `Given` opened.
    pub public_snapshot: Option<Arc<harness::datarepo::DataRepo>>,
    /// What the zone's name server answered for the public names.
    pub dns: Option<Vec<harness::window::dns::Answer>>,
}

impl std::fmt::Debug for CutoverWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CutoverWorld")
            .field("scenario", &self.scenario)
            .finish()
    }
}

impl CutoverWorld {
    fn new() -> Result<Self, harness::Error> {
        let ctx = CURRENT
            .read()
            .expect("run context lock")
            .clone()
            .ok_or_else(|| {
                harness::Error::Config(
                    "no run in progress: start features through steps::run".into(),
                )
            })?;
        let target = ctx.env.target.clone();
        Ok(CutoverWorld {
            ctx,
            target,
            scenario: String::new(),
            pending: None,
            freeze: None,
            gate: None,
            public_snapshot: None,
            dns: None,
        })
    }

    pub fn env(&self) -> &Environment {
        &self.ctx.env
    }

    /// Keep a piece of evidence for the report.
    pub fn record(&self, ev: &Evidence) {
        self.ctx.evidence.record(&self.scenario, ev);
    }

    /// Judge the evidence a previous `When` left: `what` names the check if none did.
    pub fn judge_pending(&mut self, what: &str) -> Result<(), Failure> {
        let ev = self
            .pending
            .take()
            .ok_or_else(|| could_not(what, "no step before this one produced anything to judge"))?;
        self.judge(ev)
    }

    /// Record and turn into the step's result.
    pub fn judge(&self, ev: Evidence) -> Result<(), Failure> {
        self.record(&ev);
        ev.into_result().map(|_| ())
    }
}

/// A step whose check the run is not set up for: "not checked", saying what would set it up.
pub fn not_set_up(check: &str, why: impl std::fmt::Display) -> Failure {
    Failure(Box::new(Evidence::not_checked(check, why)))
}

/// A step that could not even check: a failure saying why.
pub fn could_not(check: &str, e: impl std::fmt::Display) -> Failure {
    Failure(Box::new(Evidence::could_not(check, e)))
}

/// The key the recorder and the World agree on.
pub fn scenario_key(feature: &str, rule: Option<&str>, scenario: &str) -> String {
    match rule {
        Some(r) => format!("{feature} › {r} › {scenario}"),
        None => format!("{feature} › {scenario}"),
    }
}
