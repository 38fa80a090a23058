//! `report.html`: one self-contained page (no external assets) — the runbook view. The
//! verdict and waivers at the top, then features grouped by phase, every scenario and step
//! with status and time, and the evidence; filters show only failed or advisory findings.

use crate::{escape as e, RunReport};
use harness::evidence::{Outcome, ScenarioResult, Status, StepStatus};
use std::collections::BTreeMap;
use std::fmt::Write;

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

fn badge(class: &str, text: &str) -> String {
    format!("<span class=\"badge {class}\">{}</span>", e(text))
}

fn scenario(out: &mut String, s: &ScenarioResult) {
    let failed = s.status == Status::Failed;
    let advisory = s.evidence.iter().any(|ev| ev.outcome == Outcome::Advisory)
        || s.evidence
            .iter()
            .any(|ev| ev.details.iter().any(|d| d.starts_with("advisory")));
    let class = format!(
        "sc{}{}",
        if failed { " failed" } else { "" },
        if advisory { " advisory" } else { "" }
    );
    let _ =
        write!(
        out,
        "<details class=\"{class}\"{}><summary>{}{}{} <span class=\"dur\">{} ms</span></summary>",
        if failed { " open" } else { "" },
        if failed { badge("b-fail", "FAILED") } else { badge("b-pass", "passed") },
        if advisory { badge("b-adv", "advisory") } else { String::new() },
        e(&s.scenario),
        s.duration_ms
    );
    out.push_str("<ol class=\"steps\">");
    for st in &s.steps {
        let b = match st.status {
            StepStatus::Passed => badge("b-pass", "ok"),
            StepStatus::Failed => badge("b-fail", "failed"),
            StepStatus::Skipped => badge("b-skip", "undefined"),
        };
        let _ = write!(
            out,
            "<li>{b}<b>{}</b> {} <span class=\"dur\">{} ms</span>",
            e(&st.keyword),
            e(&st.text),
            st.duration_ms
        );
        if let Some(err) = &st.error {
            let _ = write!(out, "<pre>{}</pre>", e(err));
        }
        out.push_str("</li>");
    }
    out.push_str("</ol>");
    for ev in &s.evidence {
        let b = match ev.outcome {
            Outcome::Pass => badge("b-pass", "pass"),
            Outcome::Advisory => badge("b-adv", "advisory"),
            Outcome::Fail => badge("b-fail", "fail"),
            Outcome::NotChecked => badge("b-adv", "not checked"),
            Outcome::NotRun => badge("b-adv", "not run"),
        };
        let _ = write!(
            out,
            "<div class=\"ev\">{b}<b>{}</b><br>{}",
            e(&ev.check),
            e(&ev.headline)
        );
        if !ev.details.is_empty() {
            let _ = write!(out, "<pre>{}</pre>", e(&ev.details.join("\n")));
        }
        out.push_str("</div>");
    }
    if !s.stack_log.is_empty() {
        let _ = write!(
            out,
            "<div class=\"ev\"><b>the new stack's log while this ran</b><pre>{}</pre></div>",
            e(&s.stack_log.join("\n"))
        );
    }
    out.push_str("</details>");
}

pub fn render(r: &RunReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    header(&mut out, r);
    attention(&mut out, r);
    waivers(&mut out, r);
    failing(&mut out, r);
    budgets(&mut out, r);
    phases(&mut out, r);
    checked_against(&mut out, r);
    out.push_str("</main></body></html>\n");
    out
}

/// The document head and the verdict banner.
fn header(out: &mut String, r: &RunReport) {
    let (passed, failed) = r.counts();
    let head_class = match r.verdict {
        harness::evidence::Verdict::Go => "go",
        harness::evidence::Verdict::GoWithWaivers => "waived",
        harness::evidence::Verdict::NoGo => "nogo",
        harness::evidence::Verdict::CannotRun => "cannot",
    };
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Cutover {suite}: {verdict}</title><style>{STYLE}</style><script>{SCRIPT}</script></head><body>\
         <header class=\"{head_class}\"><h1 id=\"verdict\">{verdict}</h1>Cutover {suite} · profile {profile} · {passed} passed, {failed} failed · {started} → {finished}</header><main>",
        suite = e(&r.suite),
        verdict = e(&r.verdict.to_string()),
        profile = e(&r.profile),
        started = e(&r.started),
        finished = e(&r.finished),
    );
}

/// What needs attention, the phase and who signed.
fn attention(out: &mut String, r: &RunReport) {
    let attention = crate::signoff::attention(r);
    if !attention.is_empty() {
        out.push_str("<h2>What most needs a person's eyes</h2><ol>");
        for a in &attention {
            let _ = write!(out, "<li>{}</li>", e(a));
        }
        out.push_str("</ol>");
    }
    if let Some(p) = &r.phase {
        let _ = write!(out, "<p>Phase <b>{}</b></p>", e(p));
    }
    if let Some(s) = &r.signer {
        let _ = write!(
            out,
            "<p>Signed off by <b>{}</b> ({})</p>",
            e(&s.name),
            e(&s.role)
        );
    }
}

/// Waivers applied and expired, and writes to the legacy database.
fn waivers(out: &mut String, r: &RunReport) {
    if !r.decision.applied.is_empty() || !r.decision.expired.is_empty() {
        out.push_str("<h2>Waivers</h2><table><tr><th>scenario</th><th>reason</th><th>owner</th><th>expires</th><th>counted</th></tr>");
        for (w, counted) in r
            .decision
            .applied
            .iter()
            .map(|w| (w, "yes"))
            .chain(r.decision.expired.iter().map(|w| (w, "no — expired")))
        {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{counted}</td></tr>",
                e(&w.scenario),
                e(&w.reason),
                e(&w.owner),
                e(&w.expires)
            );
        }
        out.push_str("</table>");
    }
    for w in &r.legacy_writes {
        let _ = write!(
            out,
            "<p><b>The legacy database changed during the run:</b> {}</p>",
            e(&w.to_string())
        );
    }
}

/// The failing scenarios, first.
fn failing(out: &mut String, r: &RunReport) {
    let failing: Vec<&ScenarioResult> = r
        .scenarios
        .iter()
        .filter(|s| s.status == Status::Failed)
        .collect();
    if !failing.is_empty() {
        let _ = write!(out, "<h2>Why: {} failing scenario(s)</h2>", failing.len());
        for s in failing {
            let _ = write!(out, "<p><b>{}</b></p>", e(&s.feature));
            scenario(out, s);
        }
    }
}

/// Every feature with its phases, budget and the time measured; then the filters.
fn budgets(out: &mut String, r: &RunReport) {
    out.push_str("<h2>Features and budgets</h2>");
    out.push_str("<table><tr><th>feature</th><th>phases</th><th>budget</th><th>measured</th></tr>");
    for b in r.budgets() {
        let phases = r
            .features
            .iter()
            .find(|f| f.name == b.feature)
            .map(|f| f.phases.join(" "))
            .unwrap_or_default();
        let budget = b
            .budget_secs
            .map(|s| format!("{s} s"))
            .unwrap_or_else(|| "—".into());
        let over = if b.over { " <b>over budget</b>" } else { "" };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{budget}</td><td>{:.1} s{over}</td></tr>",
            e(&b.feature),
            e(&phases),
            b.measured_secs
        );
    }
    out.push_str("</table><div class=\"filters\"><label><input type=\"checkbox\" id=\"f-failed\" onchange=\"apply()\"> only failed</label><label><input type=\"checkbox\" id=\"f-adv\" onchange=\"apply()\"> only advisory</label></div>");
}

/// Every scenario, by phase and feature.
fn phases(out: &mut String, r: &RunReport) {
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
    for ((_, phase), features) in by_phase {
        let _ = write!(out, "<section class=\"phase\"><h2>Phase {}</h2>", e(&phase));
        for (feature, scenarios) in features {
            let _ = write!(out, "<h3>{}</h3>", e(feature));
            for s in scenarios {
                scenario(out, s);
            }
        }
        out.push_str("</section>");
    }
}

/// The suite commit and the identity checked against.
fn checked_against(out: &mut String, r: &RunReport) {
    out.push_str("<h2>What was checked against</h2><table><tr><th>suite commit</th><td>");
    out.push_str(&e(&r.suite_commit));
    let _ = write!(
        out,
        "</td></tr><tr><th>identity</th><td><pre>{}</pre></td></tr></table>",
        e(&serde_json::to_string_pretty(&r.identity).unwrap_or_default())
    );
}
