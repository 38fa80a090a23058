//! Steps of `features/redirects.feature`.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::redirects::{self, map};

/// The map and every URL in it followed, once per run.
async fn all(w: &CutoverWorld) -> Result<std::sync::Arc<redirects::RedirectRun>, Failure> {
    let env = w.env();
    let shared = env.redirects(&w.ctx.slack_team_host, w.ctx.concurrency);
    env.ledger
        .waited(&w.scenario, shared)
        .await
        .map_err(|e| could_not("redirects", e))
}

#[given(regex = r"^the redirect map generated from laddr and the new stack's data$")]
async fn the_map(w: &mut CutoverWorld) -> Result<(), Failure> {
    let all = all(w).await?;
    if let Some(dir) = &w.ctx.report_dir {
        // The map staff can read and edit, and every result with its hop chain, each written
        // as it is read (not built as one string first).
        let _ = std::fs::write(dir.join("redirect-map.csv"), map::to_csv(&all.map));
        let file = |name: &str| std::fs::File::create(dir.join(name)).map(std::io::BufWriter::new);
        if let Ok(f) = file("redirects.csv") {
            let _ = redirects::check::write_csv(&all.results, f);
        }
        if let Ok(mut f) = file("redirects.json") {
            let _ = serde_json::to_writer_pretty(&mut f, &all.results);
            let _ = std::io::Write::flush(&mut f);
        }
    }
    let ev = Evidence::new(
        "redirect map",
        Outcome::Pass,
        format!("{} legacy URLs in the map", all.map.len()),
    );
    w.record(&match all.note() {
        Some(n) => ev.detail(n),
        None => ev,
    });
    Ok(())
}

#[when(regex = r#"^every "([a-z0-9-]+)" URL in the map is followed$"#)]
async fn follow_form(w: &mut CutoverWorld, form: String) -> Result<(), Failure> {
    let all = all(w).await?;
    let of = all.results.iter().filter(|c| c.form == form);
    let ev = redirects::evidence(&format!("{form} URLs"), of);
    w.pending = Some(match all.note() {
        Some(n) => ev.detail(n),
        None => ev,
    });
    Ok(())
}

#[when(regex = r"^every URL in the redirect map is followed$")]
async fn follow_all(w: &mut CutoverWorld) -> Result<(), Failure> {
    let all = all(w).await?;
    let mut ev = redirects::evidence("all legacy URLs", &all.results);
    if let Some(n) = all.note() {
        ev = ev.detail(n);
    }
    let counts = redirects::check::summary(&all.results);
    ev = ev.detail("outcome | URLs");
    for (class, n) in counts {
        ev = ev.detail(format!("{:?} | {n}", class));
    }
    w.pending = Some(ev);
    Ok(())
}

/// The map row says what each URL must answer; the words say it for the reader.
#[then(
    regex = r"^each (?:reaches its expected target|answers 404 Not Found|answers 410 Gone|launches Slack with a 302 to its channel)$"
)]
async fn reaches(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("redirects")
}
