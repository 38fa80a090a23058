//! Steps of the T+1h watch: a short watch of the stack under test, the alarm test-fire on a
//! second instance, and the point of no return. The logic is `harness::watch`.

use crate::world::{could_not, CutoverWorld};
use cucumber::{then, when};
use harness::evidence::Failure;
use harness::watch::{self, alarm, no_return, triggers::Plan};
use std::time::Duration;

#[when(regex = r"^on call watches the new stack for (\d+) rounds?, (\d+) seconds? apart$")]
async fn watches(w: &mut CutoverWorld, rounds: usize, secs: u64) -> Result<(), Failure> {
    let snap = w
        .env()
        .snapshot()
        .await
        .map_err(|e| could_not("watch", e))?;
    let probes = watch::round_probes(&snap).map_err(|e| could_not("watch", e))?;
    let plan = Plan {
        rounds,
        interval: Duration::from_secs(secs),
    };
    let mut watch = watch::Watch::new(w.target.clone(), probes, plan);
    let call = watch.run(|_, _| {}).await;
    w.pending = Some(watch::evidence(&watch, &call));
    Ok(())
}

#[when(
    regex = r"^a second instance of the stack is watched and stops answering after the second round$"
)]
async fn test_fire(w: &mut CutoverWorld) -> Result<(), Failure> {
    let l = crate::runbook::launcher(w, "the alarm test-fire")?;
    let snap = w
        .env()
        .snapshot()
        .await
        .map_err(|e| could_not("alarm", e))?;
    w.pending = Some(alarm::test_fire(l.as_ref(), &snap).await);
    Ok(())
}

#[when(regex = r"^the data repo's commits and the private store since the import are read$")]
async fn since_import(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.pending = Some(since_import_evidence(w).await?);
    Ok(())
}

/// What was created on the new side since the import (the point of no return).
pub(crate) async fn since_import_evidence(
    w: &CutoverWorld,
) -> Result<harness::evidence::Evidence, Failure> {
    let env = w.env();
    let import = env
        .import_commit()
        .await
        .map_err(|e| could_not("point of no return", e))?;
    let (repo, live, copy) = (
        env.data_repo.clone(),
        env.private_store.clone(),
        env.import_private_store.clone(),
    );
    let ev = tokio::task::spawn_blocking(move || {
        no_return::report(&repo, import.as_deref(), live.as_deref(), copy.as_deref())
    })
    .await
    .map_err(|e| could_not("point of no return", e))?;
    Ok(ev)
}

#[then(
    regex = r#"^(?:the watch ends "hold", with a line for every round|the watch calls "roll back" within two failed probes of the break|it says whether anything was created on the new side, and what a rollback would replay)$"#
)]
async fn judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("watch")
}
