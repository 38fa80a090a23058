//! T+1h (and T+1d): one round of the probes on-call watches — health, readiness, a member's
//! page, a project's page, a legacy ID redirect, the SAML metadata, the GitHub sign-in start —
//! each judged by the contract's answer, with its time.

use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::routes;
use crate::target::{Answer, TargetClient};
use std::time::Instant;

/// One probe: what is asked, and what the contract says it must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub name: &'static str,
    pub path: String,
    pub want: Want,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    /// 200 with `data.status` = this.
    Status(&'static str),
    /// 200.
    Ok,
    /// This redirect status, to a Location ending with this.
    Redirect(u16, String),
    /// 302 to GitHub's OAuth authorize endpoint.
    GithubAuthorize,
    /// 302 to the new site's sign-in (`/login?return=…`): what an anonymous Slack launch
    /// gets.
    SignInFirst,
}

/// Every live record of a sheet that came from laddr, as (slug, legacyId). A deactivated
/// record's page is gone by design, so probes use live ones.
pub fn live_from_laddr<'a>(
    snap: &'a Snapshot,
    sheet: &str,
) -> impl Iterator<Item = (String, i64)> + 'a {
    snap.sheet(sheet)
        .iter()
        .filter(|r| !r.fields.contains_key("deletedAt"))
        .filter_map(|r| {
            Some((
                r.fields.get("slug")?.as_str()?.to_string(),
                r.fields.get("legacyId")?.as_integer()?,
            ))
        })
}

fn slug_and_legacy(snap: &Snapshot, sheet: &str) -> Option<(String, i64)> {
    live_from_laddr(snap, sheet).next()
}

/// The round, from the records the data repo holds.
pub fn round(snap: &Snapshot) -> Result<Vec<Probe>, crate::Error> {
    let missing =
        |what: &str| crate::Error::missing(format!("the data repo has no {what} from laddr"));
    let (person, _) = slug_and_legacy(snap, "people").ok_or_else(|| missing("person"))?;
    let (project, id) = slug_and_legacy(snap, "projects").ok_or_else(|| missing("project"))?;
    let p = |name, path: String, want| Probe { name, path, want };
    Ok(vec![
        p("health", routes::HEALTH.into(), Want::Status("ok")),
        p("readiness", routes::READY.into(), Want::Status("ready")),
        p("a member's page", routes::person(&person), Want::Ok),
        p("a project's page", routes::project(&project), Want::Ok),
        p(
            "a legacy ID redirect",
            format!("/projects?ID={id}"),
            Want::Redirect(301, format!("/projects/{project}")),
        ),
        p("the SAML metadata", routes::SAML_METADATA.into(), Want::Ok),
        p(
            "the GitHub sign-in start",
            routes::github_start("/"),
            Want::GithubAuthorize,
        ),
    ])
}

/// Why `a` is not what `want` says, if it is not.
pub fn problem(want: &Want, a: &Answer) -> Option<String> {
    match want {
        Want::Status(s) if a.status == 200 && a.data_status() == Some(s) => None,
        Want::Status(s) => Some(format!(
            "{} {} (expected 200 {s:?})",
            a.status,
            a.data_status().or(a.error_code()).unwrap_or("")
        )),
        Want::Ok if a.status == 200 => None,
        Want::Ok => Some(format!("{} (expected 200)", a.status)),
        Want::Redirect(code, to)
            if a.status == *code
                && a.location
                    .as_deref()
                    .is_some_and(|l| l.ends_with(to.as_str())) =>
        {
            None
        }
        Want::Redirect(code, to) => Some(format!(
            "{} to {} (expected {code} to {to})",
            a.status,
            a.location.as_deref().unwrap_or("no Location")
        )),
        Want::GithubAuthorize
            if a.status == 302
                && a.location
                    .as_deref()
                    .is_some_and(|l| l.contains("/login/oauth/authorize")) =>
        {
            None
        }
        Want::GithubAuthorize => Some(format!(
            "{} to {} (expected 302 to GitHub's authorize)",
            a.status,
            a.location.as_deref().unwrap_or("no Location")
        )),
        Want::SignInFirst
            if a.status == 302
                && a.location
                    .as_deref()
                    .is_some_and(|l| l.contains("/login?return=")) =>
        {
            None
        }
        Want::SignInFirst => Some(format!(
            "{} to {} (expected 302 to /login?return=…)",
            a.status,
            a.location.as_deref().unwrap_or("no Location")
        )),
    }
}

/// Make the round and judge it.
pub async fn run(target: &TargetClient, probes: &[Probe]) -> Evidence {
    let check = "a round of on-call probes answers as the contract says";
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for p in probes {
        let t = Instant::now();
        let got = target.get(&p.path).await;
        let ms = t.elapsed().as_millis();
        match got {
            Ok(a) => {
                seen.push(format!(
                    "{}: GET {} → {} in {ms} ms",
                    p.name, p.path, a.status
                ));
                if let Some(why) = problem(&p.want, &a) {
                    problems.push(format!("{}: GET {} → {why}", p.name, p.path));
                }
            }
            Err(e) => problems.push(format!("{}: GET {}: {e}", p.name, p.path)),
        }
    }
    let ev = if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!("all {} probes answered as the contract says", probes.len()),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {} probes failed: {}",
                problems.len(),
                probes.len(),
                problems[0]
            ),
        )
        .details(problems)
    };
    ev.details(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, location: Option<&str>, json: serde_json::Value) -> Answer {
        Answer {
            status,
            location: location.map(str::to_string),
            json: Some(json),
            text: String::new(),
            truncated: false,
        }
    }

    #[test]
    fn each_probe_is_judged_by_the_contract() {
        let ok = answer(200, None, serde_json::json!({"data": {"status": "ready"}}));
        assert_eq!(problem(&Want::Status("ready"), &ok), None);
        assert!(problem(&Want::Status("ok"), &ok).is_some());
        let moved = answer(301, Some("/projects/p"), serde_json::json!(null));
        assert_eq!(
            problem(&Want::Redirect(301, "/projects/p".into()), &moved),
            None
        );
        let temp = answer(302, Some("/projects/p"), serde_json::json!(null));
        assert!(problem(&Want::Redirect(301, "/projects/p".into()), &temp).is_some());
        let gh = answer(
            302,
            Some("https://github.com/login/oauth/authorize?client_id=x"),
            serde_json::json!(null),
        );
        assert_eq!(problem(&Want::GithubAuthorize, &gh), None);
        assert!(problem(&Want::GithubAuthorize, &moved).is_some());
    }
}
