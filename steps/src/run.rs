//! Run the feature files against an environment and return what happened.

use crate::recorder::Recorder;
use crate::world::{scenario_key, set_current, CutoverWorld, RunContext};
use cucumber::{World as _, WriterExt as _};
use harness::env::Environment;
use harness::evidence::{ScenarioResult, Status, Verdict};
use harness::legacy::ChecksumChange;
use harness::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// Scenarios that make the new stack write carry this tag (without `@`).
pub const WRITES_TAG: &str = "writes";

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub features: PathBuf,
    /// Tag expression (`@T-0 and not @slow`).
    pub tags: Option<String>,
    pub concurrency: usize,
    /// Fail (not advise) on GitHub-linked persons still holding a legacy password.
    pub strict_drain: bool,
    /// A freeze recorded by an earlier run, to compare against.
    pub freeze_file: Option<PathBuf>,
    /// Without a freeze file the freeze scenario is not checked (a real run after T-7d:
    /// recording the freeze at the start of the run would prove only the run's minutes).
    pub freeze_file_required: bool,
    /// Accepted known failures.
    pub waivers: Vec<harness::waiver::Waiver>,
    /// Scenarios tagged `@writes` run; otherwise each is reported as not run.
    pub allow_writes: bool,
    /// Where steps may write result files (redirect map and results).
    pub report_dir: Option<PathBuf>,
    /// Slack team host for the /chat expectation.
    pub slack_team_host: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RunOutcome {
    pub scenarios: Vec<ScenarioResult>,
    pub parse_errors: Vec<String>,
    /// Tables whose checksum changed during the run: the legacy database was written.
    pub checksum_changes: Vec<ChecksumChange>,
    /// The run itself went wrong (the new stack exited): NO-GO, said plainly.
    pub run_problems: Vec<String>,
    pub started: SystemTime,
    pub finished: SystemTime,
    pub decision: harness::waiver::Decision,
    /// Work shared between scenarios, by the subject that owns it.
    pub shared_work: Vec<harness::timing::Work>,
}

impl RunOutcome {
    pub fn failed(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.status == Status::Failed)
    }

    pub fn not_run(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios.iter().filter(|s| s.status == Status::NotRun)
    }

    pub fn not_checked(&self) -> impl Iterator<Item = &ScenarioResult> {
        self.scenarios
            .iter()
            .filter(|s| s.status == Status::NotChecked)
    }

    pub fn verdict(&self) -> Verdict {
        self.decision.verdict
    }
}

/// A write scenario the profile does not allow, as the reports show it.
fn not_run(l: crate::selection::Left) -> ScenarioResult {
    ScenarioResult {
        feature: l.feature,
        rule: l.rule,
        scenario: l.scenario,
        tags: l.tags,
        status: Status::NotRun,
        failed_step: None,
        message: Some(format!("{}writes not allowed by this profile (hint: [run] allow_writes = true with [run] test_accounts)", harness::evidence::NOT_RUN)),
        duration_ms: 0,
        peak_rss_kib: None,
        steps: Vec::new(),
        evidence: Vec::new(),
        stack_log: Vec::new(),
    }
}

/// Execute the features. Only one run may be in progress per process.
pub async fn run(env: Arc<Environment>, opts: &RunOptions) -> Result<RunOutcome, Error> {
    let (left_out, tags_filter) = selection(opts)?;
    let ctx = context(&env, opts, tags_filter.as_ref());
    env.prime().await;
    set_current(Some(ctx.clone()));
    let recorder = Recorder::new(ctx.clone()).measuring_memory(opts.concurrency <= 1);
    let (results, parse_errors) = (recorder.results.clone(), recorder.parse_errors.clone());
    let started = SystemTime::now();
    run_features(recorder, opts, tags_filter).await;
    set_current(None);
    let finished = SystemTime::now();
    let checksum_changes = env
        .legacy
        .checksums()
        .await?
        .changes_since(&env.checksums_at_start);
    let mut scenarios = std::mem::take(&mut *results.lock().expect("results lock"));
    scenarios.extend(left_out.into_iter().map(not_run));
    let parse_errors = std::mem::take(&mut *parse_errors.lock().expect("lock"));
    let run_problems = run_problems(&env, opts).await;
    let today = time::OffsetDateTime::now_utc().date();
    let decision = harness::waiver::decide(
        &scenarios,
        &opts.waivers,
        today,
        harness::waiver::RunState {
            broken: !checksum_changes.is_empty() || !run_problems.is_empty(),
            cannot_run: !parse_errors.is_empty(),
        },
    );
    Ok(RunOutcome {
        scenarios,
        parse_errors,
        checksum_changes,
        run_problems,
        started,
        finished,
        decision,
        shared_work: env.ledger.work_done(),
    })
}

/// The scenarios left out (writes not allowed) and the tag filter the run goes by.
fn selection(
    opts: &RunOptions,
) -> Result<
    (
        Vec<crate::selection::Left>,
        Option<gherkin::tagexpr::TagOperation>,
    ),
    Error,
> {
    if !opts.features.exists() {
        return Err(Error::Config(format!(
            "no feature files at {} (hint: run from the repository root or pass --features)",
            opts.features.display()
        )));
    }
    let parse = |t: &str| {
        t.parse::<gherkin::tagexpr::TagOperation>().map_err(|e| {
            Error::Config(format!(
                "tag expression {t:?}: {e} (hint: e.g. '@T-0 and not @slow')"
            ))
        })
    };
    let asked = opts.tags.as_deref().map(parse).transpose()?;
    // Writes not allowed: those scenarios are left out of the run and reported as not run.
    let left_out = if opts.allow_writes {
        Vec::new()
    } else {
        crate::selection::tagged(&opts.features, asked.as_ref(), WRITES_TAG)
    };
    let tags_filter = match (&opts.tags, opts.allow_writes) {
        (_, true) => asked.clone(),
        (Some(t), false) => Some(parse(&format!("({t}) and not @{WRITES_TAG}"))?),
        (None, false) => Some(parse(&format!("not @{WRITES_TAG}"))?),
    };
    Ok((left_out, tags_filter))
}

/// The run's context, knowing which features the filter selects.
fn context(
    env: &Arc<Environment>,
    opts: &RunOptions,
    tags_filter: Option<&gherkin::tagexpr::TagOperation>,
) -> Arc<RunContext> {
    let mut ctx = RunContext::new(env.clone(), opts.strict_drain, opts.freeze_file.clone())
        .with_output(
            opts.report_dir.clone(),
            opts.slack_team_host.clone(),
            opts.concurrency,
        );
    ctx.freeze_file_required = opts.freeze_file_required;
    ctx.selected = crate::selection::selected_feature_tags(&opts.features, tags_filter);
    Arc::new(ctx)
}

/// Run the selected scenarios through cucumber, each recorded by `recorder`.
async fn run_features(
    recorder: Recorder,
    opts: &RunOptions,
    tags_filter: Option<gherkin::tagexpr::TagOperation>,
) {
    let cli: cucumber::cli::Opts<_, _, _, cucumber::cli::Empty> = cucumber::cli::Opts {
        tags_filter,
        ..Default::default()
    };
    CutoverWorld::cucumber()
        .max_concurrent_scenarios(opts.concurrency.max(1))
        .with_writer(recorder.normalized())
        .fail_on_skipped()
        .with_cli(cli)
        .before(|feature, rule, scenario, world| {
            let key = scenario_key(&feature.name, rule.map(|r| r.name.as_str()), &scenario.name);
            let writes = scenario.tags.iter().any(|t| t == WRITES_TAG);
            Box::pin(async move {
                if writes {
                    world.ctx.before_writes(&key).await;
                }
                world.scenario = key;
            })
        })
        .run(opts.features.clone())
        .await;
}

/// What went wrong with the run itself: the stack exiting, writes outside test accounts.
async fn run_problems(env: &Environment, opts: &RunOptions) -> Vec<String> {
    let mut run_problems: Vec<String> = env
        .stack
        .as_ref()
        .and_then(|s| s.exited())
        .map(|why| {
            let tail = env
                .stack
                .as_ref()
                .map(|s| s.log.tail(5).join(" | "))
                .unwrap_or_default();
            format!("the new stack exited during the run ({why}); its last log lines: {tail}")
        })
        .into_iter()
        .collect();
    if opts.allow_writes {
        let outside = env.writes_outside_test_accounts().await;
        if !outside.is_empty() {
            run_problems.push(format!(
                "{} people who are not named test accounts were changed by the run: {}",
                outside.len(),
                outside
                    .iter()
                    .take(10)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    run_problems
}
