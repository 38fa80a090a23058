//! Steps of `features/saml_continuity.feature`. Every flow runs once per run (the
//! Background); each scenario judges one aspect of what came back.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::evidence::{Evidence, Failure, Outcome};
use harness::saml::{capture, flow::SamlRun, judge};
use std::sync::Arc;

async fn run(w: &CutoverWorld) -> Result<Arc<SamlRun>, Failure> {
    let env = w.env();
    env.ledger
        .waited(&w.scenario, env.saml_run(w.ctx.concurrency))
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

/// Examine one aspect of every flow; the following `Then` judges it.
async fn examined(
    w: &mut CutoverWorld,
    f: impl FnOnce(&harness::saml::SamlSetup, &SamlRun) -> Evidence,
) -> Result<(), Failure> {
    let r = run(w).await?;
    w.pending = Some(f(&w.env().saml, &r));
    Ok(())
}

#[when(regex = r"^Slack's view of the new IdP is read from its metadata$")]
async fn metadata_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, judge::metadata).await
}

#[when(regex = r"^each assertion's signature is checked with xmlsec$")]
async fn signatures_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::signatures(r)).await
}

#[when(regex = r"^each Response is reduced to what its signature covers$")]
async fn wrapping_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::wrapping(r)).await
}

#[when(regex = r"^each assertion's Destination, Recipient and Audience are read$")]
async fn addressing_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, judge::addressing).await
}

#[when(regex = r"^each assertion's validity window is read$")]
async fn window_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::window(r)).await
}

#[when(
    regex = r"^laddr's users who could reach Slack are matched to their twins in the new stack$"
)]
async fn expectations_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, judge::expectations).await
}

#[when(regex = r"^each eligible member's Slack launch is looked at$")]
async fn launch_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::launch_coverage(r)).await
}

#[when(regex = r"^each assertion's NameID is read from what its signature covers$")]
async fn name_ids_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, judge::name_ids).await
}

#[when(regex = r"^each assertion's User\.Email attribute is read$")]
async fn emails_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::emails(r)).await
}

#[when(regex = r"^every member's NameID is compared with every other's$")]
async fn unique_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::unique_name_ids(r)).await
}

#[when(regex = r"^a sample of signed-in members starts from Slack's side$")]
async fn sp_initiated_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::sp_initiated(r)).await
}

#[when(regex = r"^a sample of signed-out members starts from Slack's side$")]
async fn resume_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::resume(r)).await
}

#[when(regex = r"^an AuthnRequest names another ACS than Slack's$")]
async fn foreign_acs_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::foreign_acs(r)).await
}

#[when(regex = r"^a signed-out visitor opens the Slack launch link$")]
async fn anonymous_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::anonymous_launch(r)).await
}

#[when(
    regex = r"^deactivated people and laddr's Contact and Disabled users open the Slack launch link$"
)]
async fn refused_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::refused(r)).await
}

#[when(regex = r"^every eligible member's Slack account is classed by what the new IdP asserted$")]
async fn summary_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    examined(w, |_, r| judge::summary(r)).await
}

#[when(
    regex = r"^each captured laddr assertion is verified with laddr's certificate and set beside the new IdP's$"
)]
async fn captures_examined(w: &mut CutoverWorld) -> Result<(), Failure> {
    let r = run(w).await?;
    let setup = w.env().saml.clone();
    let read = tokio::task::spawn_blocking(move || capture::load(&setup))
        .await
        .map_err(|e| could_not("captures", e))?;
    let caps = read.map_err(|e| could_not("captured laddr assertions", e))?;
    w.pending = Some(judge::captures(&r, &caps));
    Ok(())
}

#[then(
    regex = r"^it names laddr's issuer, the certificate Slack holds, persistent NameIDs and an HTTP-POST endpoint$"
)]
async fn metadata(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every laddr user who could reach Slack has a twin in the new stack to assert$")]
async fn expectations(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every eligible member's launch answered with a signed-in form for Slack$")]
async fn launch(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every assertion's signature verifies against the certificate Slack holds$")]
async fn signatures(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^no assertion carries an unsigned Assertion beside the signed one$")]
async fn wrapping(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every NameID equals the member's laddr Username, byte for byte$")]
async fn name_ids(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every User\.Email attribute equals the member's laddr email, ignoring case$")]
async fn emails(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every Destination and Recipient is Slack's ACS and every Audience is Slack$")]
async fn addressing(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^every validity window contains now and lasts at most ten minutes$")]
async fn window(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^no NameID is asserted for two members, compared ignoring case$")]
async fn unique(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(
    regex = r"^each answer is a Success for that request, with InResponseTo and RelayState echoed$"
)]
async fn sp_initiated(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(
    regex = r"^each is sent to sign in and, once signed in, gets the answer to the original request$"
)]
async fn resume(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^the request is refused without an assertion$")]
async fn foreign_acs(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^the visitor is redirected to /login$")]
async fn anonymous(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(regex = r"^each is answered 403 saml_not_permitted$")]
async fn refused(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}

#[then(
    regex = r"^each capture's NameID, qualifiers, Issuer and email equal the new IdP's for that member$"
)]
async fn captures(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("captures")
}

#[then(regex = r"^every eligible member is continuous, and the summary counts each class$")]
async fn summary(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("SAML")
}
