//! Steps of `features/after_cutover.feature`: the import compared with the data as it is now.

use crate::world::{could_not, CutoverWorld};
use cucumber::{then, when};
use harness::after_cutover as after;
use harness::evidence::Failure;

#[when(regex = r"^the import commit is looked up on the data repo's branch$")]
async fn lookup(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let import = env
        .import_commit()
        .await
        .map_err(|e| could_not("import commit", e))?;
    let head = env
        .snapshot()
        .await
        .map_err(|e| could_not("import commit", e))?
        .commit
        .clone();
    let in_history = match &import {
        Some(c) => env
            .data_repo
            .in_history(c)
            .map_err(|e| could_not("import commit", e))?,
        None => false,
    };
    w.pending = Some(after::import_in_history(
        import.as_deref(),
        in_history,
        &head,
    ));
    Ok(())
}

#[then(regex = r"^it is there, and the branch's history still contains it$")]
async fn in_history(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("import commit")
}

async fn both(
    w: &CutoverWorld,
) -> Result<
    (
        std::sync::Arc<harness::datarepo::Snapshot>,
        std::sync::Arc<harness::datarepo::Snapshot>,
    ),
    Failure,
> {
    let env = w.env();
    let import = env
        .judged_snapshot()
        .await
        .map_err(|e| could_not("the import", e))?;
    let now = env
        .snapshot()
        .await
        .map_err(|e| could_not("the data now", e))?;
    Ok((import, now))
}

#[when(regex = r"^the records of the import are compared with the data as it is now$")]
async fn records(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (import, now) = both(w).await?;
    w.pending = Some(after::legacy_records_kept(&import, &now));
    Ok(())
}

#[then(
    regex = r"^every record from laddr is still there with its legacyId, and no legacyId is held twice$"
)]
async fn records_kept(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("legacy records")
}

#[when(regex = r"^each person's Slack NameID at the import is compared with theirs now$")]
async fn name_ids(w: &mut CutoverWorld) -> Result<(), Failure> {
    let (import, now) = both(w).await?;
    w.pending = Some(after::name_ids_kept(&import, &now));
    Ok(())
}

#[then(regex = r"^every NameID is unchanged$")]
async fn name_ids_kept(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("NameIDs")
}

#[when(regex = r"^the profiles of the import are compared with the profiles now$")]
async fn profiles(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let (_, head) = both(w).await?;
    // The store as imported when there is a copy of it; else laddr says who must have one.
    let import = env.judged_store().await.ok();
    let legacy = env
        .legacy_people()
        .await
        .map_err(|e| could_not("laddr's people", e))?;
    let holders = after::profile_holders(import.as_deref(), &legacy, &head);
    let now = env
        .private_store()
        .await
        .map_err(|e| could_not("profiles now", e))?;
    w.pending = Some(after::profiles_kept(&holders, &now, &head));
    Ok(())
}

#[then(regex = r"^everyone who had a profile at the import still has one$")]
async fn profiles_kept(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("profiles")
}
