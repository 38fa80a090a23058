//! Steps of the cutover window: the public names in DNS, their certificate and HTTPS hop,
//! the rollback drill, and shadow agreement. The logic is `harness::window`.

use crate::world::{could_not, not_set_up, CutoverWorld};
use cucumber::{then, when};
use harness::evidence::Failure;
use harness::window::{dns, drill, https, shadow, tls, WindowError, WindowSetup};

/// "Not checked" when the profile lacks a setting; a failure when the check was made.
fn refused(check: &str, e: WindowError) -> Failure {
    match e {
        WindowError::NotSetUp(why) => not_set_up(check, why),
        WindowError::Failed(why) => could_not(check, why),
    }
}

fn window(w: &CutoverWorld) -> WindowSetup {
    w.env().window.clone()
}

async fn looked_up(w: &CutoverWorld) -> Result<Vec<dns::Answer>, Failure> {
    let win = window(w);
    let ns = win.nameserver().map_err(|e| refused("DNS", e))?;
    dns::ask(ns, &win.names)
        .await
        .map_err(|e| refused("DNS", e))
}

#[when(regex = r"^the public names are looked up at the zone's name server$")]
async fn lookup(w: &mut CutoverWorld) -> Result<(), Failure> {
    let answers = looked_up(w).await?;
    w.dns = Some(answers);
    Ok(())
}

#[then(regex = r"^every name answers, with a TTL no longer than the limit$")]
async fn ttl(w: &mut CutoverWorld) -> Result<(), Failure> {
    let answers = w
        .dns
        .take()
        .ok_or_else(|| could_not("DNS", "nothing was looked up"))?;
    w.judge(dns::judge_ttl(&answers, window(w).max_ttl))
}

#[then(regex = r"^every name points at the new side only$")]
async fn new_side(w: &mut CutoverWorld) -> Result<(), Failure> {
    let answers = w
        .dns
        .take()
        .ok_or_else(|| could_not("DNS", "nothing was looked up"))?;
    let win = window(w);
    let (new, legacy) = win.sides().map_err(|e| refused("DNS", e))?;
    w.judge(dns::judge_side(&answers, new, legacy, dns::Side::New))
}

#[when(regex = r"^each public name's certificate is read$")]
async fn certificates(w: &mut CutoverWorld) -> Result<(), Failure> {
    let win = window(w);
    let mut facts = Vec::new();
    for name in &win.names {
        let (at, _) = win.addresses(name).await.map_err(|e| refused("TLS", e))?;
        let (n, ca) = (name.clone(), win.ca_file.clone());
        let f = tokio::task::spawn_blocking(move || tls::inspect(&n, at, ca.as_deref()))
            .await
            .map_err(|e| could_not("TLS", e))?;
        facts.push(f);
    }
    w.pending = Some(tls::judge(&facts, win.min_cert_days));
    Ok(())
}

#[then(regex = r"^each verifies for its name and stays valid past the limit$")]
async fn certificates_judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("TLS")
}

#[when(regex = r"^each public name is asked over HTTP and over HTTPS$")]
async fn hops(w: &mut CutoverWorld) -> Result<(), Failure> {
    let win = window(w);
    let mut hops = Vec::new();
    for name in &win.names {
        let (s, p) = win.addresses(name).await.map_err(|e| refused("HTTPS", e))?;
        hops.push(https::hop(name, p, s, win.ca_file.as_deref()).await);
    }
    w.pending = Some(https::judge(&hops, win.hsts_min_age));
    Ok(())
}

#[then(
    regex = r"^HTTP answers one permanent redirect to HTTPS, and HTTPS carries Strict-Transport-Security$"
)]
async fn hops_judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("HTTPS")
}

/// laddr's pages the drill hashes: the home page, a member's and a project's page, and
/// the member's record as JSON.
async fn drill_pages(w: &CutoverWorld) -> Result<Vec<String>, Failure> {
    let map = w
        .env()
        .redirect_map(&w.ctx.slack_team_host)
        .await
        .map_err(|e| could_not("the drill's pages", e))?;
    let mut pages = vec!["/".to_string()];
    for form in ["username", "project-handle"] {
        if let Some(r) = map.iter().find(|r| r.form == form) {
            pages.push(r.url.clone());
        }
    }
    if let Some(p) = pages.get(1).cloned() {
        pages.push(format!("{p}?format=json"));
    }
    Ok(pages)
}

#[when(regex = r"^the names are flipped to the new side, smoke-tested there, and flipped back$")]
async fn drilled(w: &mut CutoverWorld) -> Result<(), Failure> {
    let win = window(w);
    let check = "the rollback drill";
    if win.flip_to_new.is_none() || win.flip_back.is_none() {
        return Err(not_set_up(
            check,
            "no flip commands (hint: [window] flip_to_new and flip_back, on staging only)",
        ));
    }
    win.nameserver().map_err(|e| refused(check, e))?;
    win.sides().map_err(|e| refused(check, e))?;
    let pages = drill_pages(w).await?;
    let run = drill::run(&win, &w.env().legacy, &pages).await;
    if let (Some(t), Some(worst)) = (run.rollback, drill::worst(&run)) {
        println!(
            "drill: rolled back in {:.2} s at the name server, {:.0} s at worst with the TTL (budget {} s)",
            t.as_secs_f64(),
            worst.as_secs_f64(),
            win.rto.as_secs()
        );
    }
    w.pending = Some(drill::judge(&run, win.rto));
    Ok(())
}

#[then(
    regex = r"^laddr serves the pages it served before, its tables are unchanged, and the rollback took less than the budget$"
)]
async fn drill_judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("the rollback drill")
}

#[when(
    regex = r"^the redirect map's people and projects are read from laddr's JSON and from the new API$"
)]
async fn shadowed(w: &mut CutoverWorld) -> Result<(), Failure> {
    let env = w.env();
    let site = env.runbook.legacy_site.clone().ok_or_else(|| {
        not_set_up(
            "shadow agreement",
            "no legacy site named (hint: [legacy] site or CUTOVER_LADDR_SITE)",
        )
    })?;
    let map = env
        .redirect_map(&w.ctx.slack_team_host)
        .await
        .map_err(|e| could_not("shadow agreement", e))?;
    let pairs = shadow::pairs(&map, env.window.shadow_sample);
    let results = shadow::collect(&site, &w.target, pairs, w.ctx.concurrency)
        .await
        .map_err(|e| refused("shadow agreement", e))?;
    w.pending = Some(shadow::judge(&results, env.window.shadow_threshold));
    Ok(())
}

#[then(
    regex = r"^they agree field by field at or above the threshold, and every disagreement is listed$"
)]
async fn shadow_judged(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("shadow agreement")
}

#[then(regex = r"^what was created on the new side since the import is listed for replay$")]
async fn created(w: &mut CutoverWorld) -> Result<(), Failure> {
    let ev = crate::watch::since_import_evidence(w).await?;
    w.judge(ev)
}
