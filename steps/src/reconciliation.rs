//! Steps of `features/reconciliation.feature`.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::accounts::{self, Class};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::preflight::Entity;

#[when(regex = r"^every (.+) record is compared field by field with its twin$")]
async fn compare_fields(w: &mut CutoverWorld, entity: String) -> Result<(), Failure> {
    let entity: Entity = entity.parse().map_err(|e| could_not("fields", e))?;
    let env = w.env();
    let read = async {
        Ok::<_, harness::Error>((
            env.legacy_expected(entity).await?,
            env.judged_snapshot().await?,
        ))
    };
    let (expected, snap) = read.await.map_err(|e| could_not(entity.label(), e))?;
    w.pending = Some(harness::reconcile::fields(entity, &expected, &snap));
    Ok(())
}

#[then(regex = r"^no field differs$")]
async fn no_field_differs(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("fields")
}

/// Run one private-store check with laddr's people, the snapshot and the store.
async fn with_accounts(
    w: &mut CutoverWorld,
    what: &str,
    check: impl FnOnce(
        &[harness::reconcile::LegacyPerson],
        &harness::datarepo::Snapshot,
        &harness::private::PrivateStore,
    ) -> Evidence,
) -> Result<(), Failure> {
    let env = w.env();
    let people = env.legacy_people().await.map_err(|e| could_not(what, e))?;
    let snap = env
        .judged_snapshot()
        .await
        .map_err(|e| could_not(what, e))?;
    let store = env.judged_store().await.map_err(|e| could_not(what, e))?;
    w.pending = Some(check(&people, &snap, &store));
    Ok(())
}

#[when(regex = r"^the profiles are compared with laddr's emails$")]
async fn emails(w: &mut CutoverWorld) -> Result<(), Failure> {
    with_accounts(w, "emails", accounts::emails).await
}

#[when(regex = r"^the stored credentials are compared with laddr's password hashes$")]
async fn passwords(w: &mut CutoverWorld) -> Result<(), Failure> {
    with_accounts(w, "credentials", accounts::passwords).await
}

/// For ever after the cutover: the live store, not the import.
#[when(regex = r"^every stored credential is traced back to laddr$")]
async fn foreign(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let people = env
        .legacy_people()
        .await
        .map_err(|e| could_not("credentials", e))?;
    let snap = env
        .snapshot()
        .await
        .map_err(|e| could_not("credentials", e))?;
    let store = env
        .private_store()
        .await
        .map_err(|e| could_not("credentials", e))?;
    w.pending = Some(accounts::no_foreign_credentials(&people, &snap, &store));
    Ok(())
}

#[when(regex = r"^laddr's newsletter choices are compared with the profiles$")]
async fn newsletter(w: &mut CutoverWorld) -> Result<(), Failure> {
    with_accounts(w, "newsletter", accounts::newsletter_continuity).await
}

#[when(
    regex = r"^the (persons without a profile|profiles without a person|newsletter inconsistencies|GitHub-linked persons holding a legacy password) are counted$"
)]
async fn count_class(w: &mut CutoverWorld, class: String) -> Result<(), Failure> {
    let c: Class = class.parse().map_err(|e| could_not("counter", e))?;
    let strict = w.ctx.strict_drain;
    with_accounts(w, "counter", move |l, s, p| {
        accounts::class(c, l, s, p, strict)
    })
    .await
}

#[then(
    regex = r"^(?:no member's email is missing, duplicated, changed or left in capitals|every member's hash is laddr's byte for byte, or was replaced at a recorded sign-in|each legacy credential belongs to a laddr member who had that hash|every member receives the newsletter after the cutover exactly when they did before|the counter is zero|none of them had an email in laddr|each is listed, and the counter must be zero only under the strict-drain policy)$"
)]
async fn as_expected(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("check")
}

#[given(regex = r"^the state of every legacy table is recorded at the freeze$")]
async fn freeze(w: &mut CutoverWorld) -> Result<(), Failure> {
    // At T-0 the freeze was recorded at T-7d by another run; otherwise record it now.
    if w.ctx.freeze_file.is_none() && w.ctx.freeze_file_required {
        return Err(crate::world::not_set_up(
            "freeze recorded",
            "no freeze file: recorded now, the freeze would prove only this run's minutes (hint: CUTOVER_FREEZE_FILE=t-7d.json, recorded at T-7d with `cutover freeze --out t-7d.json`)",
        ));
    }
    let (state, source) = match &w.ctx.freeze_file {
        Some(path) => (
            harness::freeze::FreezeState::load(path).map_err(|e| could_not("freeze", e))?,
            path.display().to_string(),
        ),
        None => (
            harness::freeze::record(&w.env().legacy)
                .await
                .map_err(|e| could_not("freeze", e))?,
            "this run".to_string(),
        ),
    };
    w.record(&Evidence::new(
        "freeze recorded",
        Outcome::Pass,
        format!(
            "{} tables at the freeze ({}, from {source})",
            state.tables.len(),
            state.recorded_at
        ),
    ));
    w.freeze = Some(state);
    Ok(())
}

#[when(regex = r"^the new stack serves a person, a project and its health$")]
async fn serve(w: &mut CutoverWorld) -> Result<(), Failure> {
    let snap = w
        .env()
        .snapshot()
        .await
        .map_err(|e| could_not("serve", e))?;
    let first = |sheet: &str| {
        snap.sheet(sheet)
            .first()
            .and_then(|r| r.fields.get("slug")?.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut answers = Vec::new();
    for path in [
        harness::routes::HEALTH.to_string(),
        harness::routes::person(&first("people")),
        harness::routes::project(&first("projects")),
    ] {
        let got = w.target.get(&path).await.map(|a| a.status);
        answers.push((path, got));
    }
    w.judge(harness::freeze::served(&answers))
}

#[then(regex = r"^no legacy table has been written since the freeze$")]
async fn nothing_written(w: &mut CutoverWorld) -> Result<(), Failure> {
    let before = w
        .freeze
        .clone()
        .ok_or_else(|| could_not("freeze", "no freeze was recorded first"))?;
    let now = harness::freeze::record(&w.env().legacy)
        .await
        .map_err(|e| could_not("freeze", e))?;
    w.judge(harness::freeze::compare(&before, &now))
}
