//! Steps of `features/saml_continuity.feature`. Every flow runs once per run (the
//! Background); each scenario judges one aspect of what came back.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::saml::{capture, flow::SamlRun, judge};
use std::sync::Arc;

async fn run(w: &CutoverWorld) -> Result<Arc<SamlRun>, Failure> {
    w.env()
        .saml_run(w.ctx.concurrency)
        .await
        .map_err(|e| could_not("SAML flows", e))
}

#[given(regex = r"^every eligible laddr member has been taken through the new IdP$")]
async fn taken_through(w: &mut CutoverWorld) -> Result<(), Failure> {
    let r = run(w).await?;
    w.record(&Evidence::new(
        "SAML flows",
        Outcome::Pass,
        format!(
            "{} launches, {} SP-initiated and {} resumed sign-ins in {:.2} s",
            r.idp.len(),
            r.sp.len(),
            r.resume.len(),
            r.seconds
        ),
    ));
    Ok(())
}

/// Judge one aspect of the run.
async fn judged(
    w: &mut CutoverWorld,
    f: impl FnOnce(&harness::saml::SamlSetup, &SamlRun) -> Evidence,
) -> Result<(), Failure> {
    let r = run(w).await?;
    let ev = f(&w.env().saml, &r);
    w.judge(ev)
}

#[then(
    regex = r"^it names laddr's issuer, the certificate Slack holds, persistent NameIDs and an HTTP-POST endpoint$"
)]
async fn metadata(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, judge::metadata).await
}

#[then(regex = r"^every laddr user who could reach Slack has a twin in the new stack to assert$")]
async fn expectations(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, judge::expectations).await
}

#[then(regex = r"^every eligible member's launch answered with a signed-in form for Slack$")]
async fn launch(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::launch_coverage(r)).await
}

#[then(regex = r"^every assertion's signature verifies against the certificate Slack holds$")]
async fn signatures(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::signatures(r)).await
}

#[then(regex = r"^no assertion carries an unsigned Assertion beside the signed one$")]
async fn wrapping(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::wrapping(r)).await
}

#[then(regex = r"^every NameID equals the member's laddr Username, byte for byte$")]
async fn name_ids(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, judge::name_ids).await
}

#[then(regex = r"^every User\.Email attribute equals the member's laddr email, ignoring case$")]
async fn emails(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::emails(r)).await
}

#[then(regex = r"^every Destination and Recipient is Slack's ACS and every Audience is Slack$")]
async fn addressing(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, judge::addressing).await
}

#[then(regex = r"^every validity window contains now and lasts at most ten minutes$")]
async fn window(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::window(r)).await
}

#[then(regex = r"^no NameID is asserted for two members, compared ignoring case$")]
async fn unique(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::unique_name_ids(r)).await
}

#[then(
    regex = r"^each answer is a Success for that request, with InResponseTo and RelayState echoed$"
)]
async fn sp_initiated(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::sp_initiated(r)).await
}

#[then(
    regex = r"^each is sent to sign in and, once signed in, gets the answer to the original request$"
)]
async fn resume(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::resume(r)).await
}

#[then(regex = r"^the request is refused without an assertion$")]
async fn foreign_acs(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::foreign_acs(r)).await
}

#[then(regex = r"^the visitor is redirected to /login$")]
async fn anonymous(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::anonymous_launch(r)).await
}

#[then(regex = r"^each is answered 403 saml_not_permitted$")]
async fn refused(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::refused(r)).await
}

#[then(
    regex = r"^each capture's NameID, qualifiers, Issuer and email equal the new IdP's for that member$"
)]
async fn captures(w: &mut CutoverWorld) -> Result<(), Failure> {
    let r = run(w).await?;
    let setup = w.env().saml.clone();
    let read = tokio::task::spawn_blocking(move || capture::load(&setup))
        .await
        .map_err(|e| could_not("captures", e))?;
    let caps = read.map_err(|e| could_not("captured laddr assertions", e))?;
    w.judge(judge::captures(&r, &caps))
}

#[then(regex = r"^every eligible member is continuous, and the summary counts each class$")]
async fn summary(w: &mut CutoverWorld) -> Result<(), Failure> {
    judged(w, |_, r| judge::summary(r)).await
}
