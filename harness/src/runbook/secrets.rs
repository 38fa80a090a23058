//! The stack's secrets, judged by what the stack does with them (their values are never read):
//! staged at T-7d (ready, GitHub sign-in starts with the OAuth app's client id, the SAML
//! metadata carries a certificate), and missing at T-1d (a second instance started without
//! one refuses to become ready, and says which).

use super::launch::{self, Launch};
use crate::evidence::{Evidence, Outcome};
use crate::routes::{self, SAML_METADATA as METADATA};
use crate::target::TargetClient;
use std::time::{Duration, Instant};

/// How long a second instance without a secret is watched for its answer.
pub const REFUSAL_WATCH: Duration = Duration::from_secs(30);

/// Does the GitHub start redirect to an OAuth authorize endpoint with `client_id`?
fn github_problem(location: Option<&str>, client_id: Option<&str>) -> Option<String> {
    let Some(loc) = location else {
        return Some("GitHub sign-in start gave no redirect".into());
    };
    let Ok(url) = reqwest::Url::parse(loc) else {
        return Some(format!(
            "GitHub sign-in start redirects to {loc:?}, not a URL"
        ));
    };
    if !url.path().ends_with("/login/oauth/authorize") {
        return Some(format!(
            "GitHub sign-in start redirects to {}, not an OAuth authorize endpoint",
            url.path()
        ));
    }
    let got = url
        .query_pairs()
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned());
    match (got, client_id) {
        (None, _) => Some("GitHub sign-in start names no client_id".into()),
        (Some(g), Some(want)) if g != want => Some(format!(
            "GitHub sign-in starts with client_id {g:?}, the OAuth app is {want:?}"
        )),
        _ => None,
    }
}

/// T-7d: ready, GitHub sign-in configured, SAML metadata with a signing certificate.
pub async fn staged(target: &TargetClient, client_id: Option<&str>) -> Evidence {
    let check = "the staged stack's secrets are in place, judged by what they let it do";
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let ready = target.ready().await;
    seen.push(format!("readiness: {}", ready.headline));
    if ready.failed() {
        problems.push(ready.headline.clone());
    }
    match target.get(&routes::github_start("/")).await {
        Ok(a) if a.status == 302 || a.status == 303 => {
            seen.push(format!("GitHub sign-in start: {}", a.status));
            problems.extend(github_problem(a.location.as_deref(), client_id));
        }
        Ok(a) => problems.push(format!(
            "GitHub sign-in start answered {} (expected a 302 to GitHub)",
            a.status
        )),
        Err(e) => problems.push(format!("GitHub sign-in start: {e}")),
    }
    match target.get(METADATA).await {
        Ok(a) if a.status == 200 => match crate::saml::xml::read_metadata(&a.text) {
            Ok(md) if !md.signing_certificates.is_empty() => seen.push(format!(
                "SAML metadata: {} signing certificate(s)",
                md.signing_certificates.len()
            )),
            Ok(_) => problems.push("the SAML metadata carries no signing certificate".into()),
            Err(e) => problems.push(format!("the SAML metadata is unreadable: {e}")),
        },
        Ok(a) => problems.push(format!("GET {METADATA} answered {}", a.status)),
        Err(e) => problems.push(format!("GET {METADATA}: {e}")),
    }
    let outcome = if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = if problems.is_empty() {
        "ready, GitHub sign-in starts with the OAuth app, SAML metadata carries its certificate"
            .to_string()
    } else {
        format!("{} problem(s): {}", problems.len(), problems[0])
    };
    Evidence::new(check, outcome, headline)
        .details(problems)
        .details(seen)
}

/// Does `text` name `secret` (in any letter case)?
fn names(text: &str, secret: &str) -> bool {
    text.to_ascii_uppercase()
        .contains(&secret.to_ascii_uppercase())
}

/// What a second instance without `secret` did, as far as the watch saw.
enum Seen {
    Exited(String),
    Ready,
    NotReady(String),
    NoAnswer(String),
}

async fn watch(stack: &crate::stack::RunningStack, secret: &str) -> Seen {
    let client = match TargetClient::new(&stack.base_url) {
        Ok(c) => c,
        Err(e) => return Seen::NoAnswer(e.to_string()),
    };
    let started = Instant::now();
    let mut last = Seen::NoAnswer("no answer yet".into());
    while started.elapsed() < REFUSAL_WATCH {
        if let Some(why) = stack.exited() {
            return Seen::Exited(why);
        }
        match client.get(routes::READY).await {
            Ok(a) if a.status == 200 && a.data_status() == Some("ready") => return Seen::Ready,
            Ok(a) => {
                let answer = format!("{} {}", a.status, crate::redact::redact(&a.text));
                if names(&answer, secret) {
                    return Seen::NotReady(answer);
                }
                last = Seen::NotReady(answer);
            }
            Err(e) => last = Seen::NoAnswer(e.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    last
}

/// T-1d: a second instance without `secret` must not become ready, and must say why (in
/// its readiness answer or, when it exits, in its log).
pub async fn refuses_without(launcher: &dyn Launch, secret: &str) -> Evidence {
    let check = format!("the stack refuses to become ready without {secret}, and names it");
    let (_scratch, mut env) = match launch::prepare(launcher.base_env()) {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(&check, e),
    };
    env.remove(secret);
    let stack = match launch::spawn(launcher, env).await {
        Ok(s) => s,
        Err(e) => return Evidence::could_not(&check, e),
    };
    let seen = watch(&stack, secret).await;
    let log = stack.log.tail(crate::stack::TAIL_LINES).join("\n");
    stack.stop().await;
    let names = |t: &str| names(t, secret);
    let (outcome, headline) = match &seen {
        Seen::Ready => (
            Outcome::Fail,
            format!(
                "it became ready without {secret}: it would serve Slack assertions nobody trusts"
            ),
        ),
        Seen::Exited(why) if names(&log) => (
            Outcome::Pass,
            format!("it refused to start ({why}), naming {secret} in its log"),
        ),
        Seen::Exited(why) => (
            Outcome::Fail,
            format!("it exited ({why}) without saying {secret} is missing"),
        ),
        Seen::NotReady(answer) if names(answer) => (
            Outcome::Pass,
            format!(
                "readiness answers {}, naming {secret}",
                answer.split_whitespace().next().unwrap_or("?")
            ),
        ),
        Seen::NotReady(answer) => (
            Outcome::Fail,
            format!(
                "not ready, but its readiness answer does not name {secret}: {}",
                answer.chars().take(160).collect::<String>()
            ),
        ),
        Seen::NoAnswer(e) => (
            Outcome::Fail,
            format!(
                "no answer at {} within {} s ({e})",
                routes::READY,
                REFUSAL_WATCH.as_secs()
            ),
        ),
    };
    Evidence::new(check, outcome, headline).detail(format!("started with {}", launcher.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_github_start_must_name_the_oauth_app() {
        let ok =
            "http://127.0.0.1:9/login/oauth/authorize?client_id=abc&code_challenge_method=S256";
        assert_eq!(github_problem(Some(ok), Some("abc")), None);
        assert!(github_problem(Some(ok), Some("xyz"))
            .unwrap()
            .contains("\"xyz\""));
        assert!(github_problem(Some("/login?error=x"), None).is_some());
        assert!(github_problem(None, None).is_some());
        let no_id = "https://github.com/login/oauth/authorize?state=1";
        assert!(github_problem(Some(no_id), None)
            .unwrap()
            .contains("no client_id"));
    }
}
