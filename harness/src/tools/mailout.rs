//! The stack's T+90 `cutover-mailout`, judged: the dry run lists exactly the recipients the
//! contract defines and sends nothing; send mode — only ever against the suite's Resend
//! mock — mails each of them once, with the claim link, and nobody else.

use super::report::*;
use super::scratch::Frozen;
use super::{read_report, run, Tool, ToolSetup};
use crate::claim::mock::{Mail, ResendMock};
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use std::collections::{BTreeMap, BTreeSet, HashMap};

const SAMPLES: usize = 10;
/// The sender the suite names (any address of the stack's domain would do).
pub const FROM: &str = "Code for Philly <hello@codeforphilly.org>";

/// The recipients by the contract: non-deleted people not linked to GitHub whose profile
/// email does not end in `.invalid` (person id → (slug, email)).
pub fn expected(snap: &Snapshot, store: &PrivateStore) -> BTreeMap<String, (String, String)> {
    let email: HashMap<&str, &str> = store
        .profiles
        .iter()
        .map(|p| (p.value.person_id.as_str(), p.value.email.as_str()))
        .collect();
    snap.sheet("people")
        .iter()
        .filter(|r| !r.fields.contains_key("deletedAt") && !r.fields.contains_key("githubUserId"))
        .filter_map(|r| {
            let id = r.fields.get("id")?.as_str()?;
            let e = email.get(id)?;
            (!e.to_ascii_lowercase().ends_with(".invalid")).then(|| {
                (
                    id.to_string(),
                    (
                        r.fields
                            .get("slug")
                            .and_then(|v| v.as_str())
                            .unwrap_or("?")
                            .to_string(),
                        e.to_string(),
                    ),
                )
            })
        })
        .collect()
}

/// Who a person is, for evidence: slug, and why they should not be mailed.
fn why_not(snap: &Snapshot, id: &str) -> String {
    let r = snap
        .sheet("people")
        .iter()
        .find(|r| r.fields.get("id").and_then(|v| v.as_str()) == Some(id));
    match r {
        None => format!("{id}: no such person"),
        Some(r) => {
            let slug = r.fields.get("slug").and_then(|v| v.as_str()).unwrap_or("?");
            if r.fields.contains_key("githubUserId") {
                format!("{slug}: linked to GitHub")
            } else if r.fields.contains_key("deletedAt") {
                format!("{slug}: deactivated")
            } else {
                format!("{slug}: no deliverable profile email")
            }
        }
    }
}

fn compare_recipients(
    report: &MailoutReport,
    want: &BTreeMap<String, (String, String)>,
    snap: &Snapshot,
) -> Vec<String> {
    let got: BTreeSet<&str> = report
        .recipients
        .iter()
        .map(|r| r.person_id.as_str())
        .collect();
    let wanted: BTreeSet<&str> = want.keys().map(String::as_str).collect();
    let mut problems: Vec<String> = wanted
        .difference(&got)
        .take(SAMPLES)
        .map(|id| format!("missed: {}", want[*id].0))
        .collect();
    problems.extend(
        got.difference(&wanted)
            .take(SAMPLES)
            .map(|id| format!("mailed though it must not be: {}", why_not(snap, id))),
    );
    let dup = report.recipients.len() - got.len();
    if dup > 0 {
        problems.push(format!("{dup} recipient(s) listed twice"));
    }
    problems
}

/// The tools' environment for the mailout: its mail goes to the suite's Resend mock, with
/// the mock's key (which no real mail service accepts). A profile that points the tools at
/// another mail service keeps the mailout from running at all.
pub fn mock_mail_env(
    env: &crate::stack::env::StackEnv,
    resend: &ResendMock,
) -> Result<crate::stack::env::StackEnv, crate::Error> {
    use crate::stack::env::{RESEND_API_KEY, RESEND_BASE_URL};
    let mock = resend.uri();
    if let Some(other) = env
        .get(RESEND_BASE_URL)
        .filter(|u| u.trim_end_matches('/') != mock.trim_end_matches('/'))
    {
        return Err(crate::Error::missing(format!("the stack's tools send mail through {other}, not the suite's Resend mock, so the mailout is not run (no mail may reach a real address)")));
    }
    let mut e = env.clone();
    e.set(RESEND_BASE_URL, mock)
        .set(RESEND_API_KEY, resend.api_key.clone());
    Ok(e)
}

async fn mailout(
    setup: &ToolSetup,
    env: &crate::stack::env::StackEnv,
    mode: &str,
    public_url: &str,
    tmp: &std::path::Path,
) -> Result<(super::ToolRun, MailoutReport), crate::Error> {
    let file = tmp.join(format!("mailout-{mode}.json"));
    let args = vec![
        format!("--{mode}"),
        format!("--from={FROM}"),
        format!("--public-url={public_url}"),
        format!("--json={}", file.display()),
    ];
    let r = run(setup, Tool::Mailout, &args, env).await?;
    if r.status.is_none() || r.status == Some(2) {
        return Err(crate::Error::command(r.describe(), r.tail()));
    }
    let report = read_report(&r, &file)?;
    Ok((r, report))
}

/// The dry run lists exactly the contract's recipients and nothing reaches the mock.
pub async fn dry_run(
    setup: &ToolSetup,
    resend: &ResendMock,
    public_url: &str,
    repo: &crate::datarepo::DataRepo,
    private_store: &std::path::Path,
) -> Evidence {
    let tmp_dir = match super::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "the T+90 mailout dry run lists exactly the unclaimed, and sends nothing";
    let frozen = match Frozen::take(&repo.path, &repo.branch, private_store) {
        Ok(f) => f,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (snap, store) = (&frozen.snap, &frozen.store);
    let want = expected(snap, store);
    let before = resend.mark();
    let env = match mock_mail_env(&frozen.scratch.env(&setup.env), resend) {
        Ok(e) => e,
        Err(e) => return Evidence::not_run(check, e),
    };
    let (r, report) = match mailout(setup, &env, "dry-run", public_url, tmp).await {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let mut problems = compare_recipients(&report, &want, snap);
    let sent = resend.since(before).len();
    if sent > 0 || report.sent > 0 {
        problems.push(format!(
            "the dry run sent {sent} mail(s) (its report says {})",
            report.sent
        ));
    }
    if report.mode != "dry-run" {
        problems.push(format!(
            "report mode {:?}, expected \"dry-run\"",
            report.mode
        ));
    }
    if r.status != Some(0) {
        problems.push(r.describe());
    }
    let ev = if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "{}: {} recipients, exactly the contract's; nothing sent",
                r.describe(),
                report.recipients.len()
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!("{} problem(s) in the dry run", problems.len()),
        )
        .details(problems)
    };
    let reasons: BTreeMap<&str, usize> = report.skipped.iter().fold(BTreeMap::new(), |mut m, s| {
        *m.entry(s.reason.as_str()).or_default() += 1;
        m
    });
    ev.detail(format!("skipped by reason: {reasons:?}")).observed(serde_json::json!({"recipients": report.recipients.len(), "skipped": report.skipped.len()}))
}

/// Send mode against the Resend mock: one mail to each recipient's address, with the
/// contract's subject and the claim link, and to nobody else.
pub async fn send(
    setup: &ToolSetup,
    resend: &ResendMock,
    public_url: &str,
    repo: &crate::datarepo::DataRepo,
    private_store: &std::path::Path,
) -> Evidence {
    let tmp_dir = match super::tmp() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not("a scratch directory", e),
    };
    let tmp = tmp_dir.path();
    let check = "the T+90 mailout sends one mail to each unclaimed person, with the claim link";
    let frozen = match Frozen::take(&repo.path, &repo.branch, private_store) {
        Ok(f) => f,
        Err(e) => return Evidence::could_not(check, e),
    };
    let (snap, store) = (&frozen.snap, &frozen.store);
    let want = expected(snap, store);
    let before = resend.mark();
    let env = match mock_mail_env(&frozen.scratch.env(&setup.env), resend) {
        Ok(e) => e,
        Err(e) => return Evidence::not_run(check, e),
    };
    let (r, report) = match mailout(setup, &env, "send", public_url, tmp).await {
        Ok(x) => x,
        Err(e) => return Evidence::could_not(check, e),
    };
    let mails = resend.since(before);
    judge_send(check, &r, &report, &want, snap, &mails, public_url)
}

/// What the mock received and the tool reported, against the recipients the rules give.
fn judge_send(
    check: &str,
    r: &super::ToolRun,
    report: &MailoutReport,
    want: &BTreeMap<String, (String, String)>,
    snap: &Snapshot,
    mails: &[Mail],
    public_url: &str,
) -> Evidence {
    let mut problems = compare_recipients(report, want, snap);
    problems.extend(mail_problems(want, mails, public_url));
    if report.sent != want.len() || !report.failed.is_empty() || r.status != Some(0) {
        problems.push(format!(
            "{}: report says {} sent, {} failed, of {}",
            r.describe(),
            report.sent,
            report.failed.len(),
            want.len()
        ));
    }
    problems.truncate(SAMPLES * 2);
    if problems.is_empty() {
        Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "{} mails through the Resend mock, one per recipient, each with the claim link",
                mails.len()
            ),
        )
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!("{} problem(s) in send mode", problems.len()),
        )
        .details(problems)
    }
}

/// Mails to no recipient, without the subject or link, and recipients mailed not once.
fn mail_problems(
    want: &BTreeMap<String, (String, String)>,
    mails: &[Mail],
    public_url: &str,
) -> Vec<String> {
    let mut problems: Vec<String> = Vec::new();
    let by_address: HashMap<String, &str> = want
        .iter()
        .map(|(id, (_, e))| (e.to_lowercase(), id.as_str()))
        .collect();
    let mut per_person: BTreeMap<&str, usize> = BTreeMap::new();
    let link = format!("{}{MAILOUT_LINK_PATH}", public_url.trim_end_matches('/'));
    for m in mails {
        for to in &m.to {
            match by_address.get(&to.to_lowercase()) {
                Some(id) => *per_person.entry(id).or_default() += 1,
                None => problems.push("a mail went to an address that is no recipient's".into()),
            }
        }
        if m.subject != MAILOUT_SUBJECT || !m.text.contains(&link) {
            problems.push(format!(
                "mail {}: subject {:?}; the link {link} is {}",
                m.seq,
                m.subject,
                if m.text.contains(&link) {
                    "there"
                } else {
                    "missing"
                }
            ));
        }
    }
    let missed = want
        .keys()
        .filter(|id| !per_person.contains_key(id.as_str()))
        .count();
    let twice = per_person.values().filter(|n| **n > 1).count();
    if missed > 0 || twice > 0 {
        problems.push(format!(
            "{missed} recipient(s) got no mail, {twice} got more than one"
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::env::{StackEnv, RESEND_API_KEY, RESEND_BASE_URL};

    #[tokio::test]
    async fn mail_only_ever_goes_to_the_mock_with_its_own_key() {
        let mock = ResendMock::start(None, None).await.unwrap();
        let mut env = StackEnv::new(
            std::path::Path::new("/d"),
            "main",
            std::path::Path::new("/p"),
            "k",
        );
        env.set(RESEND_API_KEY, "re_a_real_looking_key");
        let safe = mock_mail_env(&env, &mock).unwrap();
        assert_eq!(safe.get(RESEND_BASE_URL), Some(mock.uri().as_str()));
        assert_eq!(safe.get(RESEND_API_KEY), Some(mock.api_key.as_str()));
        env.set(RESEND_BASE_URL, "https://api.resend.com");
        let err = mock_mail_env(&env, &mock).unwrap_err().to_string();
        assert!(
            err.contains("https://api.resend.com") && err.contains("not run"),
            "{err}"
        );
    }
}
