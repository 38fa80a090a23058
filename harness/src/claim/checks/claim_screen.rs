//! What the claim screen decides beyond matching: declining makes a fresh person, and a
//! person already linked cannot be claimed again.

use super::flow::ClaimRun;
use super::judge::{Finding, Landed};
use super::people::{github_identity, labels};
use crate::claim::{Member, Role};
use crate::evidence::Evidence;
use crate::http::Browser;
use crate::routes;
use crate::saml::flow::SESSION_COOKIE;
use serde_json::json;

/// Declining every candidate makes a fresh person and leaves the legacy one unclaimed.
pub async fn decline(run: &ClaimRun) -> Evidence {
    let check = "declining the claim makes a fresh person";
    let m = or_could_not!(check, run.cast.one(Role::Decline)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "decline",
        m.laddr_id,
        vec![(m.email.clone().unwrap_or_default(), true, true)],
    );
    let mut b = run.browser();
    match run.github(&mut b, who).await {
        Ok((Landed::ClaimScreen, log)) => {
            f.expect(log.complete(), format!("GitHub mock: {}", log.describe()))
        }
        Ok((other, _)) => {
            // With auto-link there is no screen to decline from.
            f.fail(format!(
                "GitHub sign-in ended at {} instead of the claim screen",
                other.describe(&labels(run))
            ));
            return f.done("");
        }
        Err(e) => return Finding::could_not(check, e),
    }
    let pid = m.person_id.clone().unwrap_or_default();
    match b.post_json(routes::CLAIM_DECLINE, &json!({})).await {
        Ok(r) => {
            b.keep(&r);
            let new_id = r
                .data()
                .and_then(|d| d["person"]["id"].as_str())
                .map(str::to_string);
            f.expect(
                r.status == 201 && r.sets(SESSION_COOKIE),
                format!("decline: {}", r.describe()),
            );
            f.expect(
                new_id.as_ref().is_some_and(|n| *n != pid),
                "the new person is not the legacy one",
            );
        }
        Err(e) => return Finding::could_not(check, e),
    }
    match run.me(&b).await {
        Ok(id) => f.expect(id != pid, "signed in as the fresh person"),
        Err(e) => f.fail(e),
    }
    match run.fresh_holdings(&m).await {
        Ok(Some(h)) => f.expect(
            h.github_id.is_none(),
            format!("{} stays unlinked", m.label()),
        ),
        Ok(None) => f.fail(format!("{} is gone from the data repo", m.label())),
        Err(e) => f.fail(e),
    }
    f.done(&format!(
        "declining {} made a fresh person and left the legacy one unclaimed",
        m.label()
    ))
}

/// Once linked, a person cannot be claimed again: not listed, and confirm / by-password → 409.
pub async fn second_claim(run: &ClaimRun) -> Evidence {
    let check = "a person already linked cannot be claimed again";
    let (p, q) = match (
        run.cast.one(Role::SecondLinked),
        run.cast.one(Role::SecondOther),
    ) {
        (Ok(p), Ok(q)) => (p.clone(), q.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let pid = p.person_id.clone().unwrap_or_default();
    // First claim: P's own GitHub account links P.
    let first = github_identity(
        "first",
        p.laddr_id,
        vec![(p.email.clone().unwrap_or_default(), true, true)],
    );
    let mut b = run.browser();
    match run.github(&mut b, first).await {
        Ok((Landed::ClaimScreen, _)) => match b
            .post_json(routes::CLAIM_CONFIRM, &json!({"personId": pid}))
            .await
        {
            Ok(r) => f.expect(
                r.status == 200,
                format!("first claim of {}: {}", p.label(), r.describe()),
            ),
            Err(e) => return Finding::could_not(check, e),
        },
        Ok((Landed::SignedIn(id), _)) if id == pid => {
            f.note(format!("first claim of {}: auto-linked", p.label()))
        }
        Ok((other, _)) => {
            return Finding::could_not(
                check,
                format!("the first claim ended at {}", other.describe(&labels(run))),
            )
        }
        Err(e) => return Finding::could_not(check, e),
    }
    // Second claim: another GitHub account with P's address (and Q's, so there is a screen).
    let second = github_identity(
        "second",
        p.laddr_id,
        vec![
            (p.email.clone().unwrap_or_default(), true, true),
            (q.email.clone().unwrap_or_default(), true, false),
        ],
    );
    let mut b = run.browser();
    match run.github(&mut b, second).await {
        Ok((Landed::ClaimScreen, _)) => {}
        Ok((other, _)) => {
            f.fail(format!(
                "the second GitHub account ended at {} instead of the claim screen",
                other.describe(&labels(run))
            ));
            return f.done("");
        }
        Err(e) => return Finding::could_not(check, e),
    }
    match run.candidates(&b).await {
        Ok(c) => f.expect(
            !c.iter().any(|(id, _)| *id == pid),
            format!("{} (already linked) is not listed", p.label()),
        ),
        Err(e) => f.fail(e),
    }
    refused_again(&b, &mut f, &p).await;
    f.done(&format!(
        "{} linked once; a second GitHub account was refused (403 not_a_candidate, 401 by password)",
        p.label()
    ))
}

/// A linked person is no candidate: confirm is 403 not_a_candidate, and by-password fails
/// like any wrong password (new-stack.md §5).
async fn refused_again(b: &Browser, f: &mut Finding, p: &Member) {
    let pid = p.person_id.clone().unwrap_or_default();
    for (path, body, status, code) in [
        (
            routes::CLAIM_CONFIRM,
            json!({"personId": pid}),
            403,
            "not_a_candidate",
        ),
        (
            routes::CLAIM_BY_PASSWORD,
            json!({"slug": p.slug, "password": "not-needed-to-see-the-refusal"}),
            401,
            "claim_credentials_invalid",
        ),
    ] {
        match b.post_json(path, &body).await {
            Ok(r) => f.expect(
                r.status == status && r.error_code() == Some(code) && !r.sets(SESSION_COOKIE),
                format!(
                    "{path} for {}: {} (expected {status} {code})",
                    p.label(),
                    r.describe()
                ),
            ),
            Err(e) => f.fail(e.to_string()),
        }
    }
}
