//! Steps of `features/preflight.feature`.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::preflight::Entity;

#[given(regex = r"^the legacy laddr database$")]
async fn legacy_database(w: &mut CutoverWorld) -> Result<(), Failure> {
    let check = "the legacy laddr database answers";
    let ev = match w.env().legacy.server_version().await {
        Ok(v) => Evidence::new(
            check,
            Outcome::Pass,
            format!("{} answers: server {v}", w.env().legacy.display),
        ),
        Err(e) => Evidence::new(check, Outcome::Fail, format!("no answer: {e}")),
    };
    w.judge(ev)
}

#[when(regex = r"^the suite tries to delete a row through its own connection$")]
async fn try_write(w: &mut CutoverWorld) {
    w.pending = Some(harness::legacy::prove_read_only(&w.env().legacy).await);
}

#[then(regex = r"^the server refuses the write$")]
async fn write_refused(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("read-only")
}

#[then(regex = r"^a checksum of every legacy table is on record for the end of the run$")]
async fn checksums_recorded(w: &mut CutoverWorld) -> Result<(), Failure> {
    let tables = w
        .env()
        .legacy
        .tables()
        .await
        .map_err(|e| could_not("checksums", e))?;
    let ev = harness::legacy::checksums_cover(&w.env().checksums_at_start, &tables);
    w.judge(ev)
}

#[when(regex = r"^the new stack is asked for its health$")]
async fn ask_health(w: &mut CutoverWorld) {
    w.pending = Some(w.target.health().await);
}

#[when(regex = r"^the new stack is asked whether it is ready$")]
async fn ask_ready(w: &mut CutoverWorld) {
    w.pending = Some(w.target.ready().await);
}

#[then(regex = r"^it answers that it is (?:healthy|ready)$")]
async fn answers(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("answer")
}

#[when(regex = r"^the (.+) the cutover carries are matched between laddr and the new stack$")]
async fn count(w: &mut CutoverWorld, entity: String) -> Result<(), Failure> {
    let entity: Entity = entity.parse().map_err(|e| could_not("coverage", e))?;
    let env = w.env();
    let read = async {
        Ok::<_, harness::Error>((env.legacy_keys(entity).await?, env.judged_snapshot().await?))
    };
    let (legacy, snap) = read.await.map_err(|e| could_not(entity.label(), e))?;
    w.pending = Some(harness::preflight::coverage(entity, &legacy, &snap));
    Ok(())
}

#[then(regex = r"^none is missing and none is there twice$")]
async fn exactly_once(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("coverage")
}
