//! Steps of `features/cutover_tools.feature`: each runs one of the stack's tools through
//! `harness::tools` and records what it found.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::tools::{self, ToolSetup};
use std::path::PathBuf;
use std::sync::Arc;

fn setup(w: &CutoverWorld) -> Result<(Arc<ToolSetup>, PathBuf), Failure> {
    let t = w.env().tools.clone().ok_or_else(|| {
        Failure(Box::new(Evidence::not_checked("the stack's tools", "the profile names no command for the stack's cutover tools (hint: [tools] reconcile = \"npm run -w apps/api script:reconcile --\", and the others; or leave them out with --tags 'not @tools')")))
    })?;
    let private = w.env().private_store.clone().ok_or_else(|| {
        could_not(
            "the stack's tools",
            "no private store (hint: [target] private_store)",
        )
    })?;
    if let Some(dir) = &w.ctx.report_dir {
        t.log_to(dir);
    }
    Ok((t, private))
}

#[when(regex = r"^the stack's reconcile runs on the state as it is$")]
async fn reconcile_live(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    let (frozen, run, report) = tools::reconcile::live(&t, &w.env().data_repo, &private)
        .await
        .map_err(|e| could_not("reconcile", e))?;
    let expected = tools::reconcile::expected(&frozen.snap, &frozen.store);
    let legacy = w
        .env()
        .legacy_people()
        .await
        .map_err(|e| could_not("reconcile", e))?;
    w.pending = Some(tools::reconcile::agree(
        &report,
        run.status,
        &expected,
        &frozen.snap,
    ));
    w.gate = Some(tools::reconcile::gate(
        &report,
        &legacy,
        &frozen.snap,
        w.ctx.strict_drain,
    ));
    Ok(())
}

#[then(
    regex = r"^its counters equal the suite's own count of the same classes, and its exit code says what its report says$"
)]
async fn reconcile_agrees(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("reconcile")
}

#[then(
    regex = r"^nothing stops the cutover, and the people laddr had no email for are counted for staff$"
)]
async fn reconcile_gate(w: &mut CutoverWorld) -> Result<(), Failure> {
    let ev = w
        .gate
        .take()
        .ok_or_else(|| could_not("reconcile gate", "the tool did not run"))?;
    w.judge(ev)
}

#[given(
    regex = r"^a copy of the state for each defect: one person's profile removed, one person with a credential linked to GitHub, one opted-in profile without its token$"
)]
async fn planted_copies(w: &mut CutoverWorld) -> Result<(), Failure> {
    setup(w)?;
    w.record(&Evidence::new(
        "planted defects",
        Outcome::Pass,
        "each defect is planted on its own throw-away copy; the live state is not touched",
    ));
    Ok(())
}

#[when(regex = r"^the stack's reconcile runs on each copy$")]
async fn reconcile_planted(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    w.pending = Some(tools::reconcile::planted(&t, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(regex = r"^it names exactly that person in exactly that class, and exits 1$")]
async fn reconcile_names_them(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("reconcile on planted defects")
}

#[given(
    regex = r"^a copy of the state with one profile's token removed and that person linked to GitHub$"
)]
async fn fix_copy(w: &mut CutoverWorld) -> Result<(), Failure> {
    setup(w)?;
    w.record(&Evidence::new(
        "planted defects",
        Outcome::Pass,
        "planted on a throw-away copy; the live state is not touched",
    ));
    Ok(())
}

#[when(regex = r"^the stack's reconcile runs with --fix on the copy$")]
async fn reconcile_fix(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    w.pending = Some(tools::reconcile::fix(&t, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(
    regex = r"^the token is minted and GitHub-linked people's credentials are deleted, orphans are left alone, and nothing else changes$"
)]
async fn fixed(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("reconcile --fix")
}

#[given(regex = r"^the Username, Email, Password extract of laddr's people table$")]
async fn extract(w: &mut CutoverWorld) -> Result<(), Failure> {
    let rows = tools::credentials::extract(&w.env().legacy)
        .await
        .map_err(|e| could_not("the extract", e))?;
    w.record(&Evidence::new(
        "credentials extract",
        Outcome::Pass,
        format!(
            "{} rows of laddr's people table (kept in an owner-only scratch file, deleted after)",
            rows.len()
        ),
    ));
    Ok(())
}

#[when(regex = r"^the stack's credentials import runs on it into a scratch directory$")]
async fn import(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    w.pending =
        Some(tools::credentials::import(&t, &w.env().legacy, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(
    regex = r"^every profile and credential it writes is what the contract's rules give, and every skipped row is explained$"
)]
async fn imported(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("credentials import")
}

#[given(regex = r"^a copy of the state where two people have signed in since the import$")]
async fn used_copy(w: &mut CutoverWorld) -> Result<(), Failure> {
    setup(w)?;
    w.record(&Evidence::new(
        "used credentials",
        Outcome::Pass,
        "two credentials are rehashed (argon2id, lastUsedAt) on a throw-away copy",
    ));
    Ok(())
}

#[when(regex = r"^the stack's credentials import runs again over that copy$")]
async fn rerun(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    w.pending =
        Some(tools::credentials::rerun(&t, &w.env().legacy, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(regex = r"^it changes only those two credentials, and each is named as lost$")]
async fn rerun_caught(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("credentials import re-run")
}

fn resend(w: &CutoverWorld) -> Result<Arc<harness::claim::mock::Mocks>, Failure> {
    w.env().claim.mocks.clone().ok_or_else(|| {
        Failure(Box::new(Evidence::not_run("mailout", "no Resend mock for the stack's mail, so the mailout is not run: no mail may reach a real address (hint: [claim] resend_mock)")))
    })
}

#[when(regex = r"^the stack's mailout runs in dry-run mode$")]
async fn mailout_dry(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    let mocks = resend(w)?;
    let base = w.env().target.base_url().to_string();
    w.pending =
        Some(tools::mailout::dry_run(&t, &mocks.resend, &base, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(regex = r"^it lists exactly the people the contract names, and no mail is sent$")]
async fn listed(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("mailout dry run")
}

#[when(regex = r"^the stack's mailout runs in send mode against the suite's mail stand-in$")]
async fn mailout_send(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (t, private) = setup(w)?;
    let mocks = resend(w)?;
    let base = w.env().target.base_url().to_string();
    w.pending =
        Some(tools::mailout::send(&t, &mocks.resend, &base, &w.env().data_repo, &private).await);
    Ok(())
}

#[then(regex = r"^each recipient gets one mail with the claim link, and nobody else gets any$")]
async fn mailed(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("mailout send")
}
