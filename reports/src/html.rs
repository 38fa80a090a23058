//! `report.html`: one self-contained page (no external assets) — the runbook view. The
//! verdict and waivers at the top, then features grouped by phase, every scenario and step
//! with status and time, and the evidence; filters show only failed or advisory findings.
//!
//! Written with maud: every value put into the page is escaped unless it is marked as
//! markup, so a scenario name, an error or a stack log line can never become HTML.

use crate::RunReport;
use harness::evidence::{Outcome, ScenarioResult, Status, StepStatus};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::collections::BTreeMap;

const STYLE: &str = r#"
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{padding:20px 28px;color:#fff}
header.go{background:#1a7f37}header.nogo{background:#cf222e}header.waived{background:#9a6700}header.cannot{background:#57606a}
header h1{margin:0 0 4px;font-size:26px}main{padding:16px 28px}
table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;font-size:13px;vertical-align:top}
.phase{margin-top:22px}.phase>h2{font-size:18px;border-bottom:2px solid #d0d7de}
details.sc{background:#fff;border:1px solid #d0d7de;border-left:6px solid #1a7f37;margin:6px 0;padding:6px 10px;border-radius:4px}
details.sc.failed{border-left-color:#cf222e}details.sc summary{cursor:pointer}
.badge{display:inline-block;padding:0 6px;border-radius:10px;font-size:12px;color:#fff;margin-right:6px}
.b-pass{background:#1a7f37}.b-fail{background:#cf222e}.b-adv{background:#9a6700}.b-skip{background:#57606a}
ol.steps{margin:6px 0;padding-left:22px}ol.steps li{margin:2px 0}.dur{color:#57606a;font-size:12px}
.ev{border-top:1px dashed #d0d7de;margin-top:6px;padding-top:6px}.ev pre{background:#f6f8fa;padding:6px;white-space:pre-wrap;font-size:12px;margin:4px 0}
.filters{margin:10px 0}.filters label{margin-right:16px}
body.only-failed details.sc:not(.failed){display:none}body.only-advisory details.sc:not(.advisory){display:none}
"#;

const SCRIPT: &str = r#"
function apply(){document.body.classList.toggle('only-failed',document.getElementById('f-failed').checked);
document.body.classList.toggle('only-advisory',document.getElementById('f-adv').checked);}
"#;

fn badge(class: &str, text: &str) -> Markup {
    html! { span class={ "badge " (class) } { (text) } }
}

fn advisory(s: &ScenarioResult) -> bool {
    s.evidence.iter().any(|ev| {
        ev.outcome == Outcome::Advisory || ev.details.iter().any(|d| d.starts_with("advisory"))
    })
}

fn step_badge(status: StepStatus) -> Markup {
    match status {
        StepStatus::Passed => badge("b-pass", "ok"),
        StepStatus::Failed => badge("b-fail", "failed"),
        StepStatus::Skipped => badge("b-skip", "undefined"),
    }
}

fn outcome_badge(outcome: Outcome) -> Markup {
    match outcome {
        Outcome::Pass => badge("b-pass", "pass"),
        Outcome::Advisory => badge("b-adv", "advisory"),
        Outcome::Fail => badge("b-fail", "fail"),
        Outcome::NotChecked => badge("b-adv", "not checked"),
        Outcome::NotRun => badge("b-adv", "not run"),
    }
}

fn scenario(s: &ScenarioResult) -> Markup {
    let failed = s.status == Status::Failed;
    let advisory = advisory(s);
    html! {
        details.sc.failed[failed].advisory[advisory] open[failed] {
            summary {
                @if failed { (badge("b-fail", "FAILED")) } @else { (badge("b-pass", "passed")) }
                @if advisory { (badge("b-adv", "advisory")) }
                (s.scenario) " " span.dur { (s.duration_ms) " ms" }
            }
            ol.steps {
                @for st in &s.steps {
                    li {
                        (step_badge(st.status)) b { (st.keyword) } " " (st.text) " "
                        span.dur { (st.duration_ms) " ms" }
                        @if let Some(err) = &st.error { pre { (err) } }
                    }
                }
            }
            @for ev in &s.evidence {
                div.ev {
                    (outcome_badge(ev.outcome)) b { (ev.check) } br; (ev.headline)
                    @if !ev.details.is_empty() { pre { (ev.details.join("\n")) } }
                }
            }
            @if !s.stack_log.is_empty() {
                div.ev { b { "the new stack's log while this ran" } pre { (s.stack_log.join("\n")) } }
            }
        }
    }
}

pub fn render(r: &RunReport) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            (head(r))
            body {
                (banner(r))
                main {
                    (attention(r)) (waivers(r)) (failing(r)) (budgets(r)) (phases(r))
                    (checked_against(r))
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

fn head(r: &RunReport) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            title { "Cutover " (r.suite) ": " (r.verdict.to_string()) }
            style { (PreEscaped(STYLE)) }
            script { (PreEscaped(SCRIPT)) }
        }
    }
}

/// The verdict banner.
fn banner(r: &RunReport) -> Markup {
    let (passed, failed) = r.counts();
    let class = match r.verdict {
        harness::evidence::Verdict::Go => "go",
        harness::evidence::Verdict::GoWithWaivers => "waived",
        harness::evidence::Verdict::NoGo => "nogo",
        harness::evidence::Verdict::CannotRun => "cannot",
    };
    html! {
        header class=(class) {
            h1 id="verdict" { (r.verdict.to_string()) }
            "Cutover " (r.suite) " · profile " (r.profile) " · " (passed) " passed, " (failed)
            " failed · " (r.started) " → " (r.finished)
        }
    }
}

/// What needs attention, the phase and who signed.
fn attention(r: &RunReport) -> Markup {
    let attention = crate::signoff::attention(r);
    html! {
        @if !attention.is_empty() {
            h2 { "What most needs a person's eyes" }
            ol { @for a in &attention { li { (a) } } }
        }
        @if let Some(p) = &r.phase { p { "Phase " b { (p) } } }
        @if let Some(s) = &r.signer { p { "Signed off by " b { (s.name) } " (" (s.role) ")" } }
    }
}

/// Waivers applied and expired, and writes to the legacy database.
fn waivers(r: &RunReport) -> Markup {
    let d = &r.decision;
    let rows = d
        .applied
        .iter()
        .map(|w| (w, "yes"))
        .chain(d.expired.iter().map(|w| (w, "no — expired")));
    html! {
        @if !d.applied.is_empty() || !d.expired.is_empty() {
            h2 { "Waivers" }
            table {
                tr { th { "scenario" } th { "reason" } th { "owner" } th { "expires" } th { "counted" } }
                @for (w, counted) in rows {
                    tr { td { (w.scenario) } td { (w.reason) } td { (w.owner) } td { (w.expires) } td { (counted) } }
                }
            }
        }
        @for w in &r.legacy_writes {
            p { b { "The legacy database changed during the run:" } " " (w.to_string()) }
        }
    }
}

/// The failing scenarios, first.
fn failing(r: &RunReport) -> Markup {
    let failing: Vec<&ScenarioResult> = r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::Failed)
        .collect();
    html! {
        @if !failing.is_empty() {
            h2 { "Why: " (failing.len()) " failing scenario(s)" }
            @for s in failing { p { b { (s.feature) } } (scenario(s)) }
        }
    }
}

/// Every feature with its phases, budget and the time measured; then the filters.
fn budgets(r: &RunReport) -> Markup {
    let phases_of = |feature: &str| {
        r.features
            .iter()
            .find(|f| f.name == feature)
            .map(|f| f.phases.join(" "))
            .unwrap_or_default()
    };
    html! {
        h2 { "Features and budgets" }
        table {
            tr { th { "feature" } th { "phases" } th { "budget" } th { "measured" } }
            @for b in r.budgets() {
                tr {
                    td { (b.feature) } td { (phases_of(&b.feature)) }
                    td { @if let Some(s) = b.budget_secs { (s) " s" } @else { "—" } }
                    td { (format!("{:.1}", b.measured_secs)) " s" @if b.over { " " b { "over budget" } } }
                }
            }
        }
        div.filters {
            label { input type="checkbox" id="f-failed" onchange="apply()"; " only failed" }
            label { input type="checkbox" id="f-adv" onchange="apply()"; " only advisory" }
        }
    }
}

/// Every scenario, by phase and feature.
fn phases(r: &RunReport) -> Markup {
    let mut by_phase: BTreeMap<(usize, String), BTreeMap<&str, Vec<&ScenarioResult>>> =
        BTreeMap::new();
    for s in &r.scenarios {
        by_phase
            .entry(RunReport::phase_order(&r.phase_of(s)))
            .or_default()
            .entry(&s.feature)
            .or_default()
            .push(s);
    }
    html! {
        @for ((_, phase), features) in &by_phase {
            section.phase {
                h2 { "Phase " (phase) }
                @for (feature, scenarios) in features {
                    h3 { (feature) }
                    @for s in scenarios { (scenario(s)) }
                }
            }
        }
    }
}

/// The suite commit and the identity checked against.
fn checked_against(r: &RunReport) -> Markup {
    let identity = serde_json::to_string_pretty(&r.identity).unwrap_or_default();
    html! {
        h2 { "What was checked against" }
        table {
            tr { th { "suite commit" } td { (r.suite_commit) } }
            tr { th { "identity" } td { pre { (identity) } } }
        }
    }
}
