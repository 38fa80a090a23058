//! A cucumber writer that turns events into [`ScenarioResult`]s and prints one plain line
//! per scenario (progress `[done/total]`, and the failing step's evidence), fit for a
//! terminal and for CI logs alike.

use crate::world::{scenario_key, CutoverWorld, RunContext};
use cucumber::event::{self, Cucumber, Feature, Rule, Scenario, Step};
use cucumber::{cli, parser, Event, Writer};
use harness::evidence::{ScenarioResult, Status, StepResult, StepStatus};
use harness::redact::redact;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Default)]
struct Partial {
    started: Option<Instant>,
    started_at: Option<std::time::SystemTime>,
    step_started: Option<Instant>,
    failed_step: Option<String>,
    message: Option<String>,
    steps: Vec<StepResult>,
}

impl Partial {
    fn step_done(&mut self, step: &gherkin::Step, status: StepStatus, error: Option<String>) {
        let duration_ms = self
            .step_started
            .take()
            .map(|s| s.elapsed().as_millis() as u64)
            .unwrap_or(0);
        self.steps.push(StepResult {
            keyword: step.keyword.trim().to_string(),
            text: step.value.clone(),
            status,
            duration_ms,
            error: error.map(|e| redact(&e)),
        });
    }
}

pub struct Recorder {
    ctx: Arc<RunContext>,
    pub results: Arc<Mutex<Vec<ScenarioResult>>>,
    pub parse_errors: Arc<Mutex<Vec<String>>>,
    total: usize,
    partial: HashMap<String, Partial>,
    /// Scenarios run one at a time: each one's peak memory is its own.
    measure_memory: bool,
}

impl Recorder {
    pub fn new(ctx: Arc<RunContext>) -> Self {
        Recorder {
            ctx,
            results: Arc::default(),
            parse_errors: Arc::default(),
            total: 0,
            partial: HashMap::new(),
            measure_memory: false,
        }
    }

    /// Record each scenario's peak memory (only meaningful when scenarios run one at a time).
    pub fn measuring_memory(mut self, on: bool) -> Self {
        self.measure_memory = on && harness::memory::reset_peak();
        self
    }

    fn scenario(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        ev: Scenario<CutoverWorld>,
    ) {
        let key = scenario_key(&feature.name, rule.map(|r| r.name.as_str()), &sc.name);
        let part = self.partial.entry(key.clone()).or_default();
        match ev {
            Scenario::Started => {
                if self.measure_memory {
                    harness::memory::reset_peak();
                }
                part.started = Some(Instant::now());
                part.started_at = Some(std::time::SystemTime::now());
            }
            Scenario::Step(_, Step::Started) | Scenario::Background(_, Step::Started) => {
                part.step_started = Some(Instant::now())
            }
            Scenario::Step(step, Step::Passed(..))
            | Scenario::Background(step, Step::Passed(..)) => {
                part.step_done(&step, StepStatus::Passed, None)
            }
            Scenario::Step(step, Step::Failed(_, _, _, err))
            | Scenario::Background(step, Step::Failed(_, _, _, err)) => {
                let message = describe(&err);
                part.step_done(&step, StepStatus::Failed, Some(message.clone()));
                if part.failed_step.is_none() {
                    part.failed_step = Some(format!("{}{}", step.keyword, step.value));
                    part.message = Some(message);
                }
            }
            Scenario::Step(step, Step::Skipped) | Scenario::Background(step, Step::Skipped) => {
                part.step_done(
                    &step,
                    StepStatus::Skipped,
                    Some("no step definition matches this step".into()),
                );
                if part.failed_step.is_none() {
                    part.failed_step = Some(format!("{}{}", step.keyword, step.value));
                    part.message = Some("no step definition matches this step".into());
                }
            }
            Scenario::Hook(_, event::Hook::Failed(_, info)) => {
                part.message
                    .get_or_insert_with(|| format!("hook failed: {}", panic_text(&info)));
                part.failed_step.get_or_insert_with(|| "(hook)".into());
            }
            Scenario::Finished => self.finished(feature, rule, sc, &key),
            _ => {}
        }
    }

    /// A scenario finished: its result, with the stack's log if it did not pass, printed
    /// and recorded.
    fn finished(
        &mut self,
        feature: &gherkin::Feature,
        rule: Option<&gherkin::Rule>,
        sc: &gherkin::Scenario,
        key: &str,
    ) {
        let part = self.partial.remove(key).unwrap_or_default();
        let evidence = self.ctx.evidence.take(key);
        let tags = feature
            .tags
            .iter()
            .chain(rule.iter().flat_map(|r| r.tags.iter()))
            .chain(sc.tags.iter())
            .map(|t| format!("@{t}"))
            .collect();
        let result = ScenarioResult {
            feature: feature.name.clone(),
            rule: rule.map(|r| r.name.clone()),
            scenario: sc.name.clone(),
            tags,
            status: match (&part.failed_step, &part.message) {
                (None, _) => Status::Passed,
                (Some(_), Some(m)) if m.starts_with(harness::evidence::NOT_CHECKED) => {
                    Status::NotChecked
                }
                (Some(_), Some(m)) if m.starts_with(harness::evidence::NOT_RUN) => Status::NotRun,
                (Some(_), _) => Status::Failed,
            },
            failed_step: part.failed_step,
            message: part.message.map(|m| redact(&m)),
            // Its own time: what it waited for shared work is its owner's.
            duration_ms: part.started.map_or(0, |s| {
                let waited = self.ctx.env.ledger.waits_of(key);
                ((s.elapsed().as_secs_f64() - waited).max(0.0) * 1000.0) as u64
            }),
            peak_rss_kib: self
                .measure_memory
                .then(harness::memory::peak_kib)
                .flatten(),
            steps: part.steps,
            evidence,
            stack_log: Vec::new(),
        };
        let mut result = result;
        if result.status != Status::Passed {
            result.stack_log = self.stack_lines(part.started_at);
        }
        let mut results = self.results.lock().expect("results lock");
        let done = results.len() + 1;
        print_line(&result, done, self.total);
        results.push(result);
    }
}

/// Stack log lines shown beside a failure.
const STACK_LINES: usize = 20;

impl Recorder {
    /// The stack's log lines since a scenario started, when the suite started the stack.
    fn stack_lines(&self, since: Option<std::time::SystemTime>) -> Vec<String> {
        match (&self.ctx.env.stack, since) {
            (Some(stack), Some(t)) => stack.log.since(t, STACK_LINES),
            _ => Vec::new(),
        }
    }
}

fn print_line(r: &ScenarioResult, done: usize, total: usize) {
    let status = match r.status {
        Status::Passed => "PASS",
        Status::Failed => "FAIL",
        Status::NotChecked => "NOT CHECKED",
        Status::NotRun => "NOT RUN",
    };
    let rule = r
        .rule
        .as_deref()
        .map(|x| format!(" › {x}"))
        .unwrap_or_default();
    let phases: Vec<&str> = harness::phase::Phase::of_tags(&r.tags)
        .into_iter()
        .map(|p| p.tag())
        .collect();
    let phase = if phases.is_empty() {
        "-".to_string()
    } else {
        phases.join(",")
    };
    println!(
        "{status} [{done}/{total}] {phase} {}{rule} › {} ({} ms)",
        r.feature, r.scenario, r.duration_ms
    );
    if matches!(r.status, Status::Failed | Status::NotChecked) {
        println!("     step: {}", r.failed_step.as_deref().unwrap_or("?"));
        for line in r.message.as_deref().unwrap_or("").lines() {
            println!("     {line}");
        }
        for line in r.stack_log.iter().rev().take(5).rev() {
            println!("     stack: {line}");
        }
    }
}

fn panic_text(info: &event::Info) -> String {
    (**info)
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| (**info).downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".into())
}

fn describe(err: &event::StepError) -> String {
    match err {
        event::StepError::Panic(info) => {
            let text = panic_text(info);
            // cucumber wraps a step's Err as "Step failed: ..."; keep only the evidence.
            text.strip_prefix("Step failed: ")
                .map(str::to_string)
                .unwrap_or(text)
        }
        event::StepError::NotFound => "no step definition matches this step".into(),
        other => other.to_string(),
    }
}

impl Writer<CutoverWorld> for Recorder {
    type Cli = cli::Empty;

    async fn handle_event(
        &mut self,
        ev: parser::Result<Event<Cucumber<CutoverWorld>>>,
        _: &Self::Cli,
    ) {
        match ev {
            Err(e) => self.parse_errors.lock().expect("lock").push(e.to_string()),
            Ok(ev) => match ev.value {
                Cucumber::ParsingFinished {
                    scenarios,
                    parser_errors,
                    ..
                } => {
                    self.total = scenarios;
                    if parser_errors > 0 {
                        println!("{parser_errors} feature file(s) could not be parsed");
                    }
                }
                Cucumber::Feature(f, Feature::Scenario(s, sc)) => {
                    self.scenario(&f, None, &s, sc.event)
                }
                Cucumber::Feature(f, Feature::Rule(r, Rule::Scenario(s, sc))) => {
                    self.scenario(&f, Some(&r), &s, sc.event)
                }
                _ => {}
            },
        }
    }
}
