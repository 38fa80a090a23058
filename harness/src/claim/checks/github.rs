//! GitHub matching: a verified email reaches its person, a login match needs the old
//! password, an unverified email matches nobody, and several matches are all listed.

use super::flow::ClaimRun;
use super::judge::{Finding, Landed};
use super::people::{github_id, github_identity, labels, other_email, swap_case};
use crate::claim::mock::GithubIdentity;
use crate::claim::{EmailMatch, Member, Role};
use crate::evidence::Evidence;
use crate::http::Browser;
use crate::routes;
use crate::saml::flow::SESSION_COOKIE;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// A verified GitHub email equal to a legacy person's reaches that person (auto-link or the
/// claim screen, per the profile), and the link holds at the next sign-in.
pub async fn github_email(run: &ClaimRun) -> Evidence {
    let check = "a verified GitHub email matching a legacy person reaches that person";
    let m = or_could_not!(check, run.cast.one(Role::GithubEmail)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "email",
        m.laddr_id,
        vec![(
            m.email.clone().unwrap_or_default().to_uppercase(),
            true,
            true,
        )],
    );
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let pid = m.person_id.clone().unwrap_or_default();
    let names = labels(run);
    let how = match &landed {
        Landed::SignedIn(id) if *id == pid => Some("auto-linked at the callback"),
        Landed::ClaimScreen => {
            confirm_on_screen(run, &mut b, &mut f, &m, &pid).await;
            Some("linked through the claim screen")
        }
        other => {
            f.fail(format!(
                "GitHub sign-in ended at {}",
                other.describe(&names)
            ));
            None
        }
    };
    if let Some(how) = how {
        f.note(format!("what happened: {how}"));
        let wanted = match run.setup.email_match {
            EmailMatch::ClaimScreen => matches!(landed, Landed::ClaimScreen),
            EmailMatch::AutoLink => matches!(landed, Landed::SignedIn(_)),
            EmailMatch::Either => true,
        };
        f.expect(
            wanted,
            format!(
                "the profile expects {:?}; the site {how}",
                run.setup.email_match
            ),
        );
        signed_in_as(run, &b, &mut f, &pid, &names).await;
        linked_in_data(run, &mut f, &m, who.id).await;
        // The next GitHub sign-in goes straight in.
        let mut again = run.browser();
        match run.github(&mut again, who).await {
            Ok((l, _)) => f.expect(
                l == Landed::SignedIn(pid.clone()),
                format!("the next GitHub sign-in: {}", l.describe(&names)),
            ),
            Err(e) => f.fail(format!("the next GitHub sign-in: {e}")),
        }
    }
    f.done(&format!(
        "{} reached through a verified GitHub email",
        m.label()
    ))
}

/// On the claim screen: exactly `m` is listed, and confirming them signs in.
async fn confirm_on_screen(
    run: &ClaimRun,
    b: &mut Browser,
    f: &mut Finding,
    m: &Member,
    pid: &str,
) {
    match run.candidates(b).await {
        Ok(c) => f.expect(
            c.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>() == vec![pid],
            format!(
                "the claim screen lists exactly {} ({} candidate(s))",
                m.label(),
                c.len()
            ),
        ),
        Err(e) => f.fail(e),
    }
    match b
        .post_json(routes::CLAIM_CONFIRM, &json!({"personId": pid}))
        .await
    {
        Ok(r) => {
            b.keep(&r);
            f.expect(
                r.status == 200 && r.sets(SESSION_COOKIE),
                format!("confirm {}: {}", m.label(), r.describe()),
            );
        }
        Err(e) => f.fail(e.to_string()),
    }
}

/// The browser is signed in as `pid`.
async fn signed_in_as(
    run: &ClaimRun,
    b: &Browser,
    f: &mut Finding,
    pid: &str,
    names: &HashMap<String, String>,
) {
    match run.me(b).await {
        Ok(id) => f.expect(
            id == pid,
            format!(
                "signed in as {}",
                names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| "another person".into())
            ),
        ),
        Err(e) => f.fail(e),
    }
}

/// The data repo shows the person linked to `github_id`, slug kept.
async fn linked_in_data(run: &ClaimRun, f: &mut Finding, m: &Member, github_id: i64) {
    match run.fresh_holdings(m).await {
        Err(e) => f.fail(format!("reading the data repo: {e}")),
        Ok(None) => f.fail(format!("{} is no longer in the data repo", m.label())),
        Ok(Some(h)) => {
            f.expect(
                h.github_id == Some(github_id),
                format!("{} carries the GitHub id in the data repo", m.label()),
            );
            f.expect(h.slug == m.slug, format!("{} kept its slug", m.label()));
        }
    }
}

/// A GitHub login equal to a legacy slug (another letter case) is only a candidate: confirming
/// needs an email match, and the old password links it.
pub async fn github_username(run: &ClaimRun) -> Evidence {
    let check = "a GitHub login matching a legacy username needs the old password to link";
    let m = or_could_not!(check, run.cast.one(Role::GithubUsername)).clone();
    let mut f = Finding::new(check);
    let slug = m.slug.clone().unwrap_or_default();
    let who = GithubIdentity {
        id: github_id("login", m.laddr_id),
        login: swap_case(&slug),
        emails: vec![(other_email("login"), true, true)],
    };
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let names = labels(run);
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "a login-only match ended at {} instead of the claim screen",
            landed.describe(&names)
        ));
        return f.done("");
    }
    let pid = m.person_id.clone().unwrap_or_default();
    match run.candidates(&b).await {
        Ok(c) => f.expect(
            c == vec![(pid.clone(), "username".to_string())],
            format!(
                "the claim screen lists exactly {} as a username match",
                m.label()
            ),
        ),
        Err(e) => f.fail(e),
    }
    let post = |path: &'static str, body: Value| {
        let b = b.clone();
        async move { b.post_json(path, &body).await.map_err(|e| e.to_string()) }
    };
    match post(routes::CLAIM_CONFIRM, json!({"personId": pid})).await {
        Ok(r) => f.expect(
            r.status == 403
                && r.error_code() == Some("email_match_required")
                && !r.sets(SESSION_COOKIE),
            format!("confirm without an email match: {}", r.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match post(
        routes::CLAIM_BY_PASSWORD,
        json!({"slug": slug, "password": format!("wrong-{}", uuid::Uuid::new_v4().simple())}),
    )
    .await
    {
        Ok(r) => f.expect(
            r.status == 401
                && r.error_code() == Some("claim_credentials_invalid")
                && !r.sets(SESSION_COOKIE),
            format!("claim with a wrong password: {}", r.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match post(
        routes::CLAIM_BY_PASSWORD,
        json!({"slug": slug, "password": m.password.clone().unwrap_or_default()}),
    )
    .await
    {
        Ok(r) => {
            b.keep(&r);
            f.expect(
                r.status == 200 && r.sets(SESSION_COOKIE),
                format!("claim with the old password: {}", r.describe()),
            );
        }
        Err(e) => f.fail(e),
    }
    signed_in_as(run, &b, &mut f, &pid, &names).await;
    linked_in_data(run, &mut f, &m, who.id).await;
    f.done(&format!("{}: listed for its GitHub login, refused without an email match, linked by the old password", m.label()))
}

/// An unverified GitHub email never matches.
pub async fn github_unverified(run: &ClaimRun) -> Evidence {
    let check = "an unverified GitHub email never matches a legacy person";
    let m = or_could_not!(check, run.cast.one(Role::GithubUnverified)).clone();
    let mut f = Finding::new(check);
    let who = github_identity(
        "unverified",
        m.laddr_id,
        vec![
            (m.email.clone().unwrap_or_default(), false, true),
            (other_email("verified"), true, false),
        ],
    );
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let pid = m.person_id.clone().unwrap_or_default();
    let names = labels(run);
    match &landed {
        Landed::SignedIn(id) => f.expect(
            *id != pid,
            format!("GitHub sign-in: {}", landed.describe(&names)),
        ),
        Landed::ClaimScreen => match run.candidates(&b).await {
            Ok(c) => f.expect(
                !c.iter().any(|(id, _)| *id == pid),
                format!(
                    "the claim screen {} {}",
                    if c.iter().any(|(id, _)| *id == pid) {
                        "lists"
                    } else {
                        "does not list"
                    },
                    m.label()
                ),
            ),
            Err(e) => f.fail(e),
        },
        Landed::Error(e) => f.fail(format!("GitHub sign-in failed: {e}")),
    }
    f.done(&format!(
        "{}'s address, unverified at GitHub, matched nobody",
        m.label()
    ))
}

/// Two verified emails and the login each match a different person: exactly those three are
/// listed (a fourth person's address, unverified, is not).
pub async fn github_several(run: &ClaimRun) -> Evidence {
    let check = "several matching people are all listed, and only they";
    let (three, extra) = match (
        run.cast.get(Role::Several),
        run.cast.one(Role::SeveralUnverified),
    ) {
        (Ok(t), Ok(x)) => (t.to_vec(), x.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let who = GithubIdentity {
        id: github_id("several", three[0].laddr_id),
        login: three[2].slug.clone().unwrap_or_default(),
        emails: vec![
            (three[0].email.clone().unwrap_or_default(), true, true),
            (
                three[1].email.clone().unwrap_or_default().to_uppercase(),
                true,
                false,
            ),
            (extra.email.clone().unwrap_or_default(), false, false),
        ],
    };
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "GitHub sign-in ended at {} instead of the claim screen",
            landed.describe(&labels(run))
        ));
        return f.done("");
    }
    match run.candidates(&b).await {
        Err(e) => f.fail(e),
        Ok(c) => {
            let got: BTreeSet<&str> = c.iter().map(|(id, _)| id.as_str()).collect();
            let want: BTreeSet<&str> = three
                .iter()
                .filter_map(|m| m.person_id.as_deref())
                .collect();
            for m in &three {
                f.expect(
                    got.contains(m.person_id.as_deref().unwrap_or_default()),
                    format!("{} is listed", m.label()),
                );
            }
            f.expect(
                !got.contains(extra.person_id.as_deref().unwrap_or_default()),
                format!(
                    "{} (address unverified at GitHub) is not listed",
                    extra.label()
                ),
            );
            let others = got.difference(&want).count();
            f.expect(others == 0, format!("{others} other person(s) listed"));
        }
    }
    f.done(&format!(
        "exactly {} candidates: {}",
        three.len(),
        three
            .iter()
            .map(Member::label)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
