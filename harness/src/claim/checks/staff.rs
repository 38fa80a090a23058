//! Staff review: a member whose email is dead asks for review, staff approve from the queue,
//! and the person is linked keeping slug, memberships, updates, buzz and Slack NameID.

use super::flow::ClaimRun;
use super::judge::{kept_after_approval, Finding, Holdings, Landed};
use super::people::{github_id, labels, other_email};
use crate::claim::mock::GithubIdentity;
use crate::claim::{Member, Role};
use crate::evidence::Evidence;
use crate::http::Browser;
use crate::routes;
use crate::Error;
use serde_json::json;

/// Dead email: the member asks for staff review, the request reaches the queue, staff approve,
/// and the person is linked keeping slug, memberships, updates, buzz and Slack NameID.
pub async fn staff_review(run: &ClaimRun) -> Evidence {
    let check = "a member whose email is dead is linked after staff review and keeps everything";
    let (m, staff) = match (
        run.cast.one(Role::StaffReview).map_err(Error::from),
        run.staff_browser(),
    ) {
        (Ok(m), Ok(s)) => (m.clone(), s),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let slug = m.slug.clone().unwrap_or_default();
    let who = GithubIdentity {
        id: github_id("staff", m.laddr_id),
        login: slug.clone(),
        emails: vec![(other_email("dead"), true, true)],
    };
    let before = match run.fresh_holdings(&m).await {
        Ok(Some(h)) => h,
        Ok(None) => {
            return Finding::could_not(check, format!("{} is not in the data repo", m.label()))
        }
        Err(e) => return Finding::could_not(check, e),
    };
    f.note(format!(
        "{} before: {} membership(s), {} update(s), {} buzz item(s)",
        m.label(),
        before.memberships.len(),
        before.updates,
        before.buzz
    ));
    let mut b = run.browser();
    let (landed, log) = or_could_not!(check, run.github(&mut b, who.clone()).await);
    f.expect(log.complete(), format!("GitHub mock: {}", log.describe()));
    let names = labels(run);
    if landed != Landed::ClaimScreen {
        f.fail(format!(
            "GitHub sign-in with a dead email ended at {} instead of the claim screen",
            landed.describe(&names)
        ));
        return f.done("");
    }
    match b.post_json(routes::CLAIM_STAFF_REVIEW, &json!({"claimedSlug": slug, "evidence": "My old address is gone; I led the project nights in 2019."})).await {
        Ok(r) => f.expect(
            r.status == 202 && r.data().is_some_and(|d| d["delivered"] == true),
            format!("request staff review: {} (expected 202 delivered)", r.describe()),
        ),
        Err(e) => return Finding::could_not(check, e),
    };
    // The queue is a bare array (new-stack.md §5); the request is known by the slug it claims
    // and the GitHub login that asked (the queue carries no GitHub id).
    let queue = match staff.get(routes::STAFF_CLAIM_QUEUE).await {
        Ok(r) if r.status == 200 => r
            .data()
            .and_then(|d| d.as_array().cloned())
            .unwrap_or_default(),
        Ok(r) => {
            return Finding::could_not(check, format!("the staff queue answered {}", r.describe()))
        }
        Err(e) => return Finding::could_not(check, e),
    };
    let entry = queue.iter().find(|q| {
        q["claimedSlug"] == slug.as_str() && q["requesterGithubLogin"] == who.login.as_str()
    });
    f.expect(
        entry.is_some(),
        format!(
            "the request for {} is in the staff queue ({} open)",
            m.label(),
            queue.len()
        ),
    );
    let Some(id) = entry
        .and_then(|e| e["requestId"].as_str())
        .map(str::to_string)
    else {
        return f.done("");
    };
    approve_and_verify(run, f, &staff, &m, who, &before, &id).await
}

/// Staff approve request `id`; the person is linked keeping what they held `before`, and the
/// requester's next GitHub sign-in goes straight in.
async fn approve_and_verify(
    run: &ClaimRun,
    mut f: Finding,
    staff: &Browser,
    m: &Member,
    who: GithubIdentity,
    before: &Holdings,
    id: &str,
) -> Evidence {
    let pid = m.person_id.clone().unwrap_or_default();
    let names = labels(run);
    match staff
        .post_json(&routes::staff_claim_review(id, "approve"), &json!({}))
        .await
    {
        Ok(r) => f.expect(
            r.status == 200 && r.data().is_some_and(|d| d["status"] == "approved"),
            format!("staff approve: {}", r.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match run.fresh_holdings(m).await {
        Ok(Some(after)) => kept_after_approval(&mut f, &m.label(), who.id, before, &after),
        Ok(None) => f.fail(format!(
            "{} is gone from the data repo after approval",
            m.label()
        )),
        Err(e) => f.fail(format!("reading the data repo: {e}")),
    }
    let mut again = run.browser();
    match run.github(&mut again, who).await {
        Ok((l, _)) => f.expect(
            l == Landed::SignedIn(pid.clone()),
            format!(
                "the requester's next GitHub sign-in: {}",
                l.describe(&names)
            ),
        ),
        Err(e) => f.fail(e),
    }
    f.done(&format!("{}: staff review requested, queued, approved; linked with slug, NameID, memberships, updates and buzz kept", m.label()))
}
