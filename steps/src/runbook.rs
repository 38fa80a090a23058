//! Steps of the phase pages (`features/phases/`): the runbook's own gates.

use crate::world::{could_not, not_set_up, CutoverWorld};
use cucumber::{given, then, when};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::runbook::{self, launch::Launch};
use std::sync::Arc;

pub(crate) fn launcher(w: &CutoverWorld, check: &str) -> Result<Arc<dyn Launch>, Failure> {
    w.env().runbook.launcher.clone().ok_or_else(|| {
        not_set_up(check, "the suite did not start the stack, so it cannot start a second instance (hint: [target] image or command, or --target-image)")
    })
}

#[when(regex = r"^the staged stack is asked what its secrets let it do$")]
async fn staged(w: &mut CutoverWorld) {
    let client_id = w
        .env()
        .claim
        .mocks
        .as_ref()
        .map(|m| m.github.client_id.clone());
    w.pending = Some(runbook::secrets::staged(&w.target, client_id.as_deref()).await);
}

#[when(regex = r"^the redirect map is generated from laddr and the new stack's data$")]
async fn map(w: &mut CutoverWorld) -> Result<(), Failure> {
    let map = w
        .env()
        .redirect_map(&w.ctx.slack_team_host)
        .await
        .map_err(|e| could_not("redirect map", e))?;
    w.pending = Some(harness::redirects::map::completeness(&map));
    Ok(())
}

#[given(regex = r"^the final laddr dump$")]
async fn dump(w: &mut CutoverWorld) -> Result<(), Failure> {
    let check = "the final laddr dump";
    match &w.env().runbook.dump {
        None => Err(not_set_up(
            check,
            "no dump named (hint: [legacy] dump or CUTOVER_LADDR_DUMP)",
        )),
        Some(p) if !p.is_file() => w.judge(Evidence::new(
            check,
            Outcome::Fail,
            format!("{} does not exist", p.display()),
        )),
        Some(p) => {
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            w.judge(Evidence::new(
                check,
                Outcome::Pass,
                format!("{} ({size} bytes)", p.display()),
            ))
        }
    }
}

#[when(regex = r"^it is restored into a scratch database$")]
async fn restore(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let dump = env
        .runbook
        .dump
        .clone()
        .ok_or_else(|| could_not("restore", "no dump"))?;
    let source = env
        .legacy_content()
        .await
        .map_err(|e| could_not("laddr's content", e))?;
    let (url, mut server) = runbook::dump::scratch_server(
        env.runbook.scratch_url.as_deref(),
        env.runbook.profile.as_ref(),
    )
    .await
    .map_err(|e| not_set_up("a scratch server", e))?;
    let restored = runbook::dump::restore(&dump, &url).await;
    if let Some(s) = server.as_mut() {
        s.shutdown().await;
    }
    w.pending = Some(runbook::dump::judge(&source, restored, &dump));
    Ok(())
}

#[when(regex = r"^a second instance of the stack is started without ([A-Z_]+)$")]
async fn without(w: &mut CutoverWorld, secret: String) -> Result<(), Failure> {
    let l = launcher(w, "a second instance")?;
    w.pending = Some(runbook::secrets::refuses_without(l.as_ref(), &secret).await);
    Ok(())
}

#[given(regex = r"^laddr's site in maintenance$")]
async fn site(w: &mut CutoverWorld) -> Result<(), Failure> {
    match &w.env().runbook.legacy_site {
        Some(_) => Ok(()),
        None => Err(not_set_up("laddr's site", "no legacy site named (hint: [legacy] site or CUTOVER_LADDR_SITE, laddr's address before the DNS flip)")),
    }
}

#[when(regex = r"^its pages are read and its write forms are posted to$")]
async fn maintenance(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let site = env.runbook.legacy_site.clone().unwrap_or_default();
    let people = env
        .legacy_people()
        .await
        .map_err(|e| could_not("laddr's people", e))?;
    let mut reads: Vec<String> = runbook::maintenance::READS
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(p) = people.iter().find(|p| !p.username.is_empty()) {
        reads.push(format!(
            "/people/{}",
            harness::redirects::map::seg(&p.username)
        ));
    }
    let probes = runbook::maintenance::probe(&site, &reads)
        .await
        .map_err(|e| could_not("maintenance", e))?;
    w.pending = Some(runbook::maintenance::judge(&site, &probes));
    Ok(())
}

#[when(regex = r"^a round of probes is made: .+$")]
async fn probes(w: &mut CutoverWorld) -> Result<(), Failure> {
    let snap = w
        .env()
        .snapshot()
        .await
        .map_err(|e| could_not("probes", e))?;
    let round = runbook::probes::round(&snap).map_err(|e| could_not("probes", e))?;
    w.pending = Some(runbook::probes::run(&w.target, &round).await);
    Ok(())
}

#[given(regex = r"^the public snapshot of the data repo$")]
async fn public_snapshot(w: &mut CutoverWorld) -> Result<(), Failure> {
    let check = "the public snapshot";
    let (location, branch) = w.env().runbook.public_snapshot.clone().ok_or_else(|| {
        not_set_up(
            check,
            "no public snapshot named (hint: [snapshot] repo or CUTOVER_PUBLIC_SNAPSHOT)",
        )
    })?;
    let repo =
        tokio::task::spawn_blocking(move || harness::datarepo::DataRepo::open(&location, &branch))
            .await
            .map_err(|e| could_not(check, e))?
            .map_err(|e| could_not(check, e))?;
    w.public_snapshot = Some(Arc::new(repo));
    Ok(())
}

#[when(regex = r"^every file in its history is searched for private data$")]
async fn scrubbed(w: &mut CutoverWorld) -> Result<(), Failure> {
    let repo = w
        .public_snapshot
        .clone()
        .ok_or_else(|| could_not("snapshot", "no snapshot opened"))?;
    let people = w
        .env()
        .legacy_people()
        .await
        .map_err(|e| could_not("laddr's people", e))?;
    let location = repo.path.display().to_string();
    let scanned = tokio::task::spawn_blocking(move || {
        let secrets = runbook::public_snapshot::Secrets::of(&people);
        runbook::public_snapshot::scan(&repo.path, &secrets)
    })
    .await
    .map_err(|e| could_not("snapshot", e))?;
    w.pending = Some(runbook::public_snapshot::judge(&location, scanned));
    Ok(())
}

#[when(regex = r"^a second instance of the stack is started on it with an empty private store$")]
async fn boots(w: &mut CutoverWorld) -> Result<(), Failure> {
    let repo = w
        .public_snapshot
        .clone()
        .ok_or_else(|| could_not("snapshot", "no snapshot opened"))?;
    let l = launcher(w, "a second instance")?;
    w.pending = Some(runbook::public_snapshot::boots(l.as_ref(), &repo.path, &repo.branch).await);
    Ok(())
}

#[when(regex = r"^the legacy credentials nobody has used since the import are counted$")]
async fn unused(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let what = "unused credentials";
    let people = env.legacy_people().await.map_err(|e| could_not(what, e))?;
    let snap = env.snapshot().await.map_err(|e| could_not(what, e))?;
    let store = env.private_store().await.map_err(|e| could_not(what, e))?;
    w.pending = Some(runbook::retire::unused(&people, &snap, &store));
    Ok(())
}

#[then(
    regex = r"^(?:it is ready, its GitHub sign-in starts at GitHub with the OAuth app's client id, and its SAML metadata carries a certificate|every public laddr URL has a target on the new site|every legacy table is there with laddr's rows, and nothing else differs|it refuses to become ready, naming [A-Z_]+|every page answers, and every write is refused with 503 and a Retry-After|every probe answers as the contract says|none is found|it becomes ready and serves a member's page and a project's page|each belongs to a live member whose hash it is, and their number is reported for retirement)$"
)]
async fn judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("runbook gate")
}
