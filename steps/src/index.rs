//! The runbook index (`features/README.md`): phase by phase, what happens, and every
//! scenario the phase runs with its owners and tags, generated from the feature files so it
//! cannot drift from them (`cutover index` writes it; a test compares).

use crate::selection::{scenarios, ScenarioRef};
use harness::phase::{Owner, Phase};
use std::fmt::Write;
use std::path::Path;

/// Tags the index shows in their own columns or not at all.
fn plain_tag(t: &str) -> bool {
    t.parse::<Phase>().is_err()
        && !Owner::all().any(|o| o.tag() == t)
        && !t.starts_with("budget-")
        && !t.starts_with("paced-budget-")
        && t != "phase"
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A phase page's description: what happens, who does it, what stops the cutover.
fn what_happens(dir: &Path, phase: Phase) -> Option<(String, String)> {
    crate::selection::feature_files(dir)
        .into_iter()
        .find_map(|path| {
            let f = gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()).ok()?;
            if !(f.tags.iter().any(|t| t == "phase") && f.tags.iter().any(|t| t == phase.tag())) {
                return None;
            }
            let text = f
                .description
                .as_deref()?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            Some((text, rel))
        })
}

fn row(out: &mut String, dir: &Path, s: &ScenarioRef) {
    let owners: Vec<&str> = Owner::of_tags(&s.tags)
        .into_iter()
        .map(Owner::tag)
        .collect();
    let mut tags: Vec<String> = s
        .tags
        .iter()
        .filter(|t| plain_tag(t))
        .map(|t| format!("@{t}"))
        .collect();
    tags.sort();
    tags.dedup();
    let file = s
        .file
        .strip_prefix(dir)
        .unwrap_or(&s.file)
        .display()
        .to_string();
    let _ = writeln!(
        out,
        "| {} | {} | [{}]({file}) | {} | {} |",
        cell(&s.scenario),
        cell(&s.feature),
        cell(&file),
        owners.join(", "),
        tags.join(" ")
    );
}

/// The words the pages use that a newcomer may not know.
const GLOSSARY: [(&str, &str); 21] = [
    ("laddr", "the old site (PHP + MySQL) being replaced; its database is only ever read"),
    ("the new stack", "the rewrite: a data repo, a private store and an API"),
    ("data repo", "the git repository of public records (TOML files) the new stack serves"),
    ("private store", "the new stack's non-public files: each member's email, newsletter choice and password hash"),
    ("legacyId, twin", "a record's laddr ID, kept by the new stack; the record carrying it is laddr's record's twin"),
    ("reconcile", "the new stack's own script that counts orphans and inconsistencies (run by the data owner)"),
    ("Contact, Disabled", "laddr account levels: a Contact never had a sign-in; a Disabled account was switched off"),
    ("drain", "deleting a member's legacy password once they sign in another way; strict drain makes a left one NO-GO"),
    ("NameID", "the identity the IdP asserts to Slack; Slack accounts are bound to laddr's (the Username, as stored)"),
    ("IdP, ACS, RelayState", "the new site as Slack's identity provider; Slack's address assertions are posted to; Slack's own state, echoed back"),
    ("xmlsec, signature wrapping", "the tool checking assertion signatures; an attack that hides an unsigned assertion beside a signed one"),
    ("PKCE", "the proof a GitHub sign-in carries that it was started by the same browser"),
    (".invalid", "a reserved domain that can never receive mail: a profile email ending in it is a placeholder, never mailed"),
    ("stand-ins", "the suite's own GitHub and Resend (mail) services the stack is pointed at, so no real account or mailbox is touched"),
    ("TTL, HSTS", "how long resolvers may cache a DNS answer; the header that keeps browsers on HTTPS for the site"),
    ("flip, rollback drill", "pointing the public names at the new side; rehearsing the flip back to laddr on staging, timed against the 15-minute budget"),
    ("shadow agreement", "laddr's JSON and the new API giving the same fields for the same record, after the importer's mapping"),
    ("@needs-dns, @needs-edge, @needs-drill", "scenarios that need the zone's name server, a way to reach the public names, or the flip commands ([window] in the profile); without them \"not checked\""),
    ("@writes", "a scenario that makes the stack write; run only on named test accounts, else reported as not run"),
    ("@timing", "the statistical comparison of sign-in response times, the slowest claim scenario (dozens of bcrypt checks); `--tags 'not @timing'` leaves it out of a quick run"),
    ("GO / NO-GO / cannot run", "exit 0 / 1 / 2: every scenario passed / something failed / the run could not judge (the message says what to fix)"),
];

/// The index of the features under `dir`.
pub fn render(dir: &Path) -> String {
    let all = scenarios(dir);
    let mut out = String::from("# The cutover runbook, phase by phase\n\n");
    out.push_str("Generated from the feature files by `cargo run -- index`; do not edit by hand (a test keeps it true).\n");
    out.push_str("Run one phase with `cutover run --profile <profile> --phase <phase>`; a rehearsal with `cutover rehearse --phase <phase>`.\n\n");
    out.push_str("| owner tag | who |\n|---|---|\n");
    for o in Owner::all() {
        let _ = writeln!(out, "| @{} | {} |", o.tag(), o.role());
    }
    out.push_str("\n| word | meaning |\n|---|---|\n");
    for (word, meaning) in GLOSSARY {
        let _ = writeln!(out, "| {word} | {meaning} |");
    }
    for phase in Phase::all() {
        let _ = writeln!(out, "\n## {phase} — {}\n", phase.summary());
        if let Some((text, page)) = what_happens(dir, phase) {
            let _ = writeln!(out, "{text} ([phase page]({page}))\n");
        }
        // The phase's own page first, then the other pages in file order.
        let mut mine: Vec<&ScenarioRef> = all
            .iter()
            .filter(|s| Phase::of_tags(&s.tags).contains(&phase))
            .collect();
        mine.sort_by_key(|s| !s.feature_tags.iter().any(|t| t == "phase"));
        let _ = writeln!(out, "{} scenarios.\n", mine.len());
        out.push_str("| scenario | page | file | owners | tags |\n|---|---|---|---|---|\n");
        for s in mine {
            row(&mut out, dir, s);
        }
    }
    let orphans: Vec<&ScenarioRef> = all
        .iter()
        .filter(|s| Phase::of_tags(&s.tags).is_empty())
        .collect();
    if !orphans.is_empty() {
        let _ = writeln!(out, "\n## Not in any phase\n");
        out.push_str("| scenario | page | file | owners | tags |\n|---|---|---|---|---|\n");
        for s in orphans {
            row(&mut out, dir, s);
        }
    }
    out
}

/// What keeps a scenario from reading as a runbook step: no When (its action), no Then (its
/// verdict), no phase, no owner, or an Examples column nothing uses.
pub fn lint(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for path in crate::selection::feature_files(dir) {
        let f = match gherkin::Feature::parse_path(&path, gherkin::GherkinEnv::default()) {
            Ok(f) => f,
            Err(e) => {
                out.push(format!("{}: does not parse: {e}", path.display()));
                continue;
            }
        };
        let in_rules = f
            .rules
            .iter()
            .flat_map(|r| r.scenarios.iter().map(move |s| (Some(r), s)));
        for (r, s) in f.scenarios.iter().map(|s| (None, s)).chain(in_rules) {
            out.extend(
                lint_scenario(&f, r, s)
                    .into_iter()
                    .map(|p| format!("{} › {}: {p}", f.name, s.name)),
            );
        }
    }
    out
}

fn lint_scenario(
    f: &gherkin::Feature,
    r: Option<&gherkin::Rule>,
    s: &gherkin::Scenario,
) -> Vec<String> {
    use gherkin::StepType;
    let background = f
        .background
        .iter()
        .chain(r.and_then(|r| r.background.as_ref()))
        .flat_map(|b| b.steps.iter());
    let steps: Vec<&gherkin::Step> = background.chain(s.steps.iter()).collect();
    let has = |t: StepType| s.steps.iter().any(|st| st.ty == t);
    let mut out = Vec::new();
    if !has(StepType::When) {
        out.push("no When of its own".to_string());
    }
    if !has(StepType::Then) {
        out.push("no Then".to_string());
    }
    let tags: Vec<String> = f
        .tags
        .iter()
        .chain(r.iter().flat_map(|r| r.tags.iter()))
        .chain(s.tags.iter())
        .cloned()
        .collect();
    if Phase::of_tags(&tags).is_empty() {
        out.push("no phase tag".to_string());
    }
    if Owner::of_tags(&tags).is_empty() {
        out.push("no owner tag".to_string());
    }
    for e in &s.examples {
        let Some(header) = e.table.as_ref().and_then(|t| t.rows.first()) else {
            continue;
        };
        for col in header {
            let used = format!("<{col}>");
            let in_steps = steps.iter().any(|st| st.value.contains(&used));
            if !in_steps && !s.name.contains(&used) {
                out.push(format!("Examples column {col:?} is used by no step"));
            }
        }
    }
    out
}
