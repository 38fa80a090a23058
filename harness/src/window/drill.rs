//! The rollback drill: from the legacy side, flip the names to the new side, run the T-0
//! smoke there, flip back, and prove that laddr serves what it served before (the hashes of
//! a sample of its pages, read through the public names), that laddr's database is unchanged,
//! and that the time from "roll back" to laddr answering is within the budget. The flips are
//! the profile's commands (a DNS provider's CLI on staging; the rehearsal's edge switch).

use super::dns::{self, Side};
use super::{WindowError, WindowSetup};
use crate::evidence::{Evidence, Outcome};
use crate::legacy::Checksums;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// Longest a flip command may run.
const FLIP_TIMEOUT: Duration = Duration::from_secs(120);
/// How often the side is asked while waiting for a flip to show.
const POLL: Duration = Duration::from_millis(250);

/// What the drill saw.
#[derive(Debug, Clone, Default)]
pub struct DrillRun {
    /// Sample page → sha256 of its body, read through the names before the flip.
    pub before: Vec<(String, Result<String, WindowError>)>,
    pub after: Vec<(String, Result<String, WindowError>)>,
    /// What the smoke on the new side found wrong.
    pub smoke: Vec<String>,
    pub sums_before: Option<Checksums>,
    pub sums_after: Option<Checksums>,
    /// From the flip back to laddr answering with its pages, at the zone's name server.
    pub rollback: Option<Duration>,
    /// The longest TTL on the names after the flip back: how much longer a resolver may
    /// keep sending members to the new side.
    pub ttl: Option<u32>,
    /// Anything that kept the drill from finishing.
    pub errors: Vec<WindowError>,
}

/// Run a flip command through `sh -c`, bounded.
pub async fn flip(command: &str) -> Result<(), WindowError> {
    let mut cmd = tokio::process::Command::new("sh");
    // Its own process group, so a timed-out DNS CLI is ended with the shell, not left to
    // land its flip after the drill has moved on.
    cmd.arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let child = cmd
        .spawn()
        .map_err(|e| WindowError::failed(format!("the flip could not start: {e}")))?;
    let group = child.id();
    match tokio::time::timeout(FLIP_TIMEOUT, child.wait_with_output()).await {
        Err(_) => {
            if let Some(pid) = group.and_then(|p| i32::try_from(p).ok()) {
                // SAFETY: signalling the process group this call started; no memory is shared.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            Err(WindowError::Failed(format!(
                "the flip did not finish in {} s (its processes were ended)",
                FLIP_TIMEOUT.as_secs()
            )))
        }
        Ok(Err(e)) => Err(WindowError::Failed(format!(
            "the flip could not start: {e}"
        ))),
        Ok(Ok(o)) if o.status.success() => Ok(()),
        Ok(Ok(o)) => Err(WindowError::Failed(format!(
            "the flip failed ({}): {}",
            o.status,
            crate::redact::redact(String::from_utf8_lossy(&o.stderr).trim())
        ))),
    }
}

/// Where the names point now, when a name server is named.
pub async fn side(w: &WindowSetup) -> Result<Side, WindowError> {
    let answers = dns::ask(w.nameserver()?, &w.names).await?;
    let (new, legacy) = w.sides()?;
    let sides: Vec<Side> = answers
        .iter()
        .map(|a| dns::side_of(a, new, legacy))
        .collect();
    Ok(match sides.first() {
        Some(s) if sides.iter().all(|x| x == s) => *s,
        _ => Side::Mixed,
    })
}

/// Wait (within the budget) until every name points at `want`.
async fn until_side(w: &WindowSetup, want: Side, deadline: Instant) -> Result<(), WindowError> {
    loop {
        let now = side(w).await?;
        if now == want {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(WindowError::Failed(format!(
                "the names still point at {now:?}, not {want:?}, {} s after the flip",
                w.flip_wait.as_secs()
            )));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn https_client(
    w: &WindowSetup,
    name: &str,
    at: std::net::SocketAddr,
) -> Result<reqwest::Client, WindowError> {
    super::https::client(name, at, at, w.ca_file.as_deref()).map(|(_, c)| c)
}

/// The sha256 of each page's body, read over HTTPS through the first name.
pub async fn hashes(
    w: &WindowSetup,
    pages: &[String],
) -> Vec<(String, Result<String, WindowError>)> {
    let name = &w.names[0];
    let client = match w
        .addresses(name)
        .await
        .and_then(|(s, _)| https_client(w, name, s))
    {
        Ok(c) => c,
        Err(e) => return pages.iter().map(|p| (p.clone(), Err(e.clone()))).collect(),
    };
    let mut out = Vec::new();
    for p in pages {
        let got = async {
            let r = client
                .get(format!("https://{name}{p}"))
                .send()
                .await
                .map_err(|e| crate::target::describe(&e))?;
            let status = r.status().as_u16();
            let body = super::bounded_body(r, super::MAX_BODY).await?;
            if status != 200 {
                return Err(WindowError::Failed(format!("answered {status}")));
            }
            Ok(hex::encode(Sha256::digest(&body)))
        };
        out.push((p.clone(), got.await));
    }
    out
}

/// The T-0 smoke on the new side: health, readiness and the home page answer 200.
pub async fn smoke(w: &WindowSetup) -> Vec<String> {
    let page = "/";
    let name = &w.names[0];
    let client = match w
        .addresses(name)
        .await
        .and_then(|(s, _)| https_client(w, name, s))
    {
        Ok(c) => c,
        Err(e) => return vec![e.to_string()],
    };
    let mut problems = Vec::new();
    for (path, want) in [
        (crate::routes::HEALTH, 200u16),
        (crate::routes::READY, 200),
        (page, 200),
    ] {
        match client.get(format!("https://{name}{path}")).send().await {
            Ok(r) if r.status().as_u16() == want => {}
            Ok(r) => problems.push(format!(
                "{path} answered {} on the new side (expected {want})",
                r.status()
            )),
            Err(e) => problems.push(format!("{path}: {}", crate::target::describe(&e))),
        }
    }
    problems
}

async fn flip_and_wait(
    w: &WindowSetup,
    command: Option<&String>,
    want: Side,
) -> Result<(), WindowError> {
    let command = command.ok_or(WindowError::NotSetUp(
        "no flip command (hint: [window] flip_to_new and flip_back)".into(),
    ))?;
    flip(command).await?;
    until_side(w, want, Instant::now() + w.flip_wait).await
}

/// Wait (within what is left of the budget) until every page answers 200 again.
async fn until_pages(
    w: &WindowSetup,
    pages: &[String],
    deadline: Instant,
) -> Vec<(String, Result<String, WindowError>)> {
    loop {
        let got = hashes(w, pages).await;
        if got.iter().all(|(_, h)| h.is_ok()) || Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn steps(
    w: &WindowSetup,
    legacy: &crate::legacy::LegacyDb,
    pages: &[String],
    d: &mut DrillRun,
    started_on: Side,
) -> Result<(), WindowError> {
    if started_on != Side::Legacy {
        flip_and_wait(w, w.flip_back.as_ref(), Side::Legacy).await?;
    }
    d.before = hashes(w, pages).await;
    d.sums_before = Some(legacy.checksums().await.map_err(|e| e.to_string())?);
    flip_and_wait(w, w.flip_to_new.as_ref(), Side::New).await?;
    d.smoke = smoke(w).await;
    let t = Instant::now();
    flip_and_wait(w, w.flip_back.as_ref(), Side::Legacy).await?;
    // laddr answering is part of the flip showing: waited for as long as a flip may take.
    d.after = until_pages(w, pages, t + w.flip_wait.min(w.rto)).await;
    d.rollback = Some(t.elapsed());
    d.ttl = dns::ask(w.nameserver()?, &w.names)
        .await?
        .iter()
        .filter_map(|a| a.ttl)
        .max();
    d.sums_after = Some(legacy.checksums().await.map_err(|e| e.to_string())?);
    Ok(())
}

/// Whether the drill may flip names found on `side`: from laddr's side always; from the
/// new side only where the profile says so (a flipped staging, a rehearsal); never from a
/// split. And never through fixed addresses that would not see the flip.
pub fn may_start(w: &WindowSetup, side: Side) -> Result<Side, WindowError> {
    if (w.connect_https.is_some() || w.connect_http.is_some()) && !w.edge_follows_flip {
        return Err(WindowError::NotSetUp("the drill reads laddr's pages where DNS points; with [window] connect_https or connect_http set it would read one address whatever the flip did (hint: leave them out of the drill's profile)".into()));
    }
    match side {
        Side::Legacy => Ok(side),
        Side::New if w.drill_from_new => Ok(side),
        Side::New => Err(WindowError::NotSetUp("the names already point at the new side: the drill is for staging before its flip, and would send members back to laddr and forth (hint: [window] drill_from_new = true on a staging profile only)".into())),
        Side::Mixed | Side::Nowhere => Err(WindowError::failed(format!("the names point at {side:?} sides: the drill needs both on one side before it flips anything"))),
    }
}

/// Put the names back on the side the drill found them on, whatever happened in between.
async fn restore(w: &WindowSetup, started_on: Side) -> Result<(), WindowError> {
    let (command, want) = match started_on {
        Side::New => (w.flip_to_new.as_ref(), Side::New),
        Side::Legacy => (w.flip_back.as_ref(), Side::Legacy),
        // Found split or pointing nowhere: no flip command restores that.
        Side::Mixed | Side::Nowhere => return Ok(()),
    };
    if side(w).await? == want {
        return Ok(());
    }
    flip_and_wait(w, command, want).await
}

/// Run the drill on `pages` (paths on laddr's site), and leave the names where they were.
pub async fn run(w: &WindowSetup, legacy: &crate::legacy::LegacyDb, pages: &[String]) -> DrillRun {
    let mut d = DrillRun::default();
    let started_on = match side(w).await.and_then(|s| may_start(w, s)) {
        Ok(s) => s,
        Err(e) => {
            d.errors.push(e);
            return d;
        }
    };
    if let Err(e) = steps(w, legacy, pages, &mut d, started_on).await {
        d.errors.push(e);
    }
    if let Err(e) = restore(w, started_on).await {
        d.errors
            .push(format!("putting the names back where they were ({started_on:?}): {e}").into());
    }
    d
}

fn page_problems(d: &DrillRun) -> Vec<String> {
    let mut out = Vec::new();
    for (path, before) in &d.before {
        let after = d.after.iter().find(|(p, _)| p == path).map(|(_, h)| h);
        match (before, after) {
            (Ok(b), Some(Ok(a))) if a == b => {}
            (Err(e), _) => out.push(format!("{path}: could not be read before the flip: {e}")),
            (Ok(_), Some(Ok(_))) => out.push(format!(
                "{path}: laddr serves a different page after the rollback"
            )),
            (Ok(_), Some(Err(e))) => out.push(format!("{path}: after the rollback {e}")),
            (Ok(_), None) if d.errors.is_empty() => {
                out.push(format!("{path}: not read after the rollback"))
            }
            (Ok(_), None) => {}
        }
    }
    out
}

/// The time until every member is back on laddr: the name server's change plus the TTL a
/// resolver may keep the old answer for.
pub fn worst(d: &DrillRun) -> Option<Duration> {
    d.rollback
        .map(|t| t + Duration::from_secs(u64::from(d.ttl.unwrap_or(0))))
}

fn time_problem(d: &DrillRun, rto: Duration) -> Option<String> {
    match worst(d) {
        Some(t) if t > rto => Some(format!(
            "the rollback takes {:.1} s at worst ({:.1} s at the name server, plus a {} s TTL), over the {} s budget",
            t.as_secs_f64(),
            d.rollback.unwrap_or_default().as_secs_f64(),
            d.ttl.unwrap_or(0),
            rto.as_secs()
        )),
        None if d.errors.is_empty() => Some("the rollback was not timed".into()),
        _ => None,
    }
}

/// The drill passes when it finished, the smoke was clean, every page is as it was, laddr's
/// tables are unchanged and the rollback took no longer than the budget.
pub fn judge(d: &DrillRun, rto: Duration) -> Evidence {
    let check = "the rollback drill: laddr is back as it was, within the recovery-time budget";
    let mut bad: Vec<String> = d.errors.iter().map(WindowError::to_string).collect();
    bad.extend(d.smoke.iter().map(|s| format!("smoke: {s}")));
    bad.extend(page_problems(d));
    if let (Some(b), Some(a)) = (&d.sums_before, &d.sums_after) {
        bad.extend(
            a.changes_since(b)
                .iter()
                .map(|c| format!("laddr's table {} changed during the drill", c.table)),
        );
    } else if d.errors.is_empty() {
        bad.push("laddr's checksums were not read".into());
    }
    bad.extend(time_problem(d, rto));
    if d.before.is_empty() && d.errors.is_empty() {
        bad.push("no laddr page was sampled".into());
    }
    let secs = d.rollback.map(|t| t.as_secs_f64());
    let outcome = if bad.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let headline = match outcome {
        Outcome::Pass => format!(
            "flipped, smoke clean, rolled back in {:.2} s at the name server and {:.0} s at worst with the {} s TTL resolvers may keep (budget {} s); {} pages as before, laddr's tables unchanged",
            secs.unwrap_or_default(),
            worst(d).map_or(0.0, |t| t.as_secs_f64()),
            d.ttl.unwrap_or(0),
            rto.as_secs(),
            d.before.len()
        ),
        _ => format!("{} problems: {}", bad.len(), bad.join("; ")),
    };
    Evidence::new(check, outcome, headline)
        .expected(serde_json::json!({ "rtoSeconds": rto.as_secs() }))
        .observed(serde_json::json!({
            "rollbackSeconds": secs,
            "ttlSeconds": d.ttl,
            "worstCaseSeconds": worst(d).map(|t| t.as_secs_f64()),
            "pages": d.before.len(),
        }))
        .details(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drill() -> DrillRun {
        let sums = Checksums([("people".to_string(), Some(7))].into_iter().collect());
        DrillRun {
            before: vec![("/".into(), Ok("aa".into()))],
            after: vec![("/".into(), Ok("aa".into()))],
            smoke: vec![],
            sums_before: Some(sums.clone()),
            sums_after: Some(sums),
            rollback: Some(Duration::from_secs(3)),
            ttl: Some(60),
            errors: vec![],
        }
    }

    #[test]
    fn the_drill_starts_only_from_laddrs_side_unless_told_and_never_through_fixed_addresses() {
        let mut w = WindowSetup::default();
        assert_eq!(may_start(&w, Side::Legacy), Ok(Side::Legacy));
        assert!(matches!(
            may_start(&w, Side::New),
            Err(WindowError::NotSetUp(_))
        ));
        assert!(matches!(
            may_start(&w, Side::Mixed),
            Err(WindowError::Failed(_))
        ));
        w.drill_from_new = true;
        assert_eq!(may_start(&w, Side::New), Ok(Side::New));
        w.connect_https = Some("127.0.0.1:8443".parse().unwrap());
        assert!(matches!(
            may_start(&w, Side::Legacy),
            Err(WindowError::NotSetUp(_))
        ));
        w.edge_follows_flip = true;
        assert_eq!(may_start(&w, Side::Legacy), Ok(Side::Legacy));
    }

    #[test]
    fn a_clean_drill_passes_and_each_lapse_fails() {
        let rto = Duration::from_secs(900);
        assert_eq!(judge(&drill(), rto).outcome, Outcome::Pass);
        let mut stale = drill();
        stale.after[0].1 = Ok("bb".into());
        assert_eq!(judge(&stale, rto).outcome, Outcome::Fail);
        let mut slow = drill();
        slow.rollback = Some(Duration::from_secs(901));
        assert_eq!(judge(&slow, rto).outcome, Outcome::Fail);
        let mut cached = drill();
        cached.ttl = Some(3600);
        assert_eq!(judge(&cached, rto).outcome, Outcome::Fail);
        let mut written = drill();
        written.sums_after = Some(Checksums(
            [("people".to_string(), Some(8))].into_iter().collect(),
        ));
        assert_eq!(judge(&written, rto).outcome, Outcome::Fail);
        let mut smoky = drill();
        smoky.smoke.push("/api/health answered 502".into());
        assert_eq!(judge(&smoky, rto).outcome, Outcome::Fail);
        let mut broken = DrillRun::default();
        broken.errors.push("the flip failed".into());
        assert_eq!(judge(&broken, rto).outcome, Outcome::Fail);
    }
}
