//! Steps of `features/account_claim.feature`: each calls one check in `harness::claim::checks`
//! and records its evidence.

use crate::world::{could_not, CutoverWorld};
use cucumber::{given, then, when};
use harness::claim::checks::{self, ClaimRun};
use harness::claim::Role;
use harness::evidence::{Evidence, Failure, Outcome};
use std::sync::Arc;

async fn run(w: &CutoverWorld) -> Result<Arc<ClaimRun>, Failure> {
    w.env()
        .claim_run()
        .await
        .map_err(|e| could_not("sign-in cast", e))
}

#[given(regex = r"^the new stack signs in through the GitHub and Resend mocks$")]
async fn mocked(w: &mut CutoverWorld) -> Result<(), Failure> {
    let r = run(w).await?;
    let ev = match &r.setup.mocks {
        Some(m) => Evidence::new("GitHub and Resend mocks", Outcome::Pass, format!("GitHub mock at {}, Resend mock at {}", m.github.uri(), m.resend.uri())),
        None => Evidence::new("GitHub and Resend mocks", Outcome::Fail, "no mocks: GitHub and Resend are not under the suite's control (hint: [claim] github_mock and resend_mock)"),
    };
    w.judge(ev)
}

#[when(
    regex = r"^members with (SHA-1|bcrypt \$2y\$) hashes sign in by username, swapped-case username, and email in either case$"
)]
async fn sign_in(w: &mut CutoverWorld, kind: String) -> Result<(), Failure> {
    let r = run(w).await?;
    let (role, scheme) = if kind == "SHA-1" {
        (Role::Sha1Login, "SHA-1")
    } else {
        (Role::BcryptLogin, "bcrypt $2y$")
    };
    w.pending = Some(checks::password_sign_in(&r, role, scheme).await);
    Ok(())
}

#[then(
    regex = r"^each of them is in, now holds an argon2id hash with lastUsedAt set, and signs in again with it$"
)]
async fn rehashed(w: &mut CutoverWorld) -> Result<(), Failure> {
    w.judge_pending("password sign-in")
}

/// Steps that are one check each.
macro_rules! check_step {
    ($name:ident, $re:literal, $f:expr) => {
        #[then(regex = $re)]
        async fn $name(w: &mut CutoverWorld) -> Result<(), Failure> {
            let r = run(w).await?;
            let ev = $f(&r).await;
            w.judge(ev)
        }
    };
}

check_step!(
    same_answer,
    r"^a wrong password, an unknown user and a hash laddr never wrote all get one identical 401 invalid_credentials$",
    checks::same_answer
);
check_step!(
    timing,
    r"^unknown users are answered as slowly as wrong passwords$",
    checks::timing
);
check_step!(
    levels,
    r"^a Disabled and a Contact member are refused even with their right passwords$",
    checks::refused_levels
);
check_step!(
    github_email,
    r"^a GitHub account with that verified email ends signed in as the legacy person, and stays linked$",
    checks::github_email
);
check_step!(
    github_username,
    r"^the person is only a candidate, confirming needs an email match, and the old password links them$",
    checks::github_username
);
check_step!(
    github_unverified,
    r"^a GitHub account whose matching email is unverified is not offered the legacy person$",
    checks::github_unverified
);
check_step!(
    github_several,
    r"^a GitHub account matching three people by two emails and its login is offered exactly those three$",
    checks::github_several
);
check_step!(
    staff_review,
    r"^their review request reaches the staff queue, and approval links them keeping slug, memberships, updates, buzz and Slack NameID$",
    checks::staff_review
);
check_step!(
    decline,
    r"^declining every candidate signs in a new person and leaves the legacy one unclaimed$",
    checks::decline
);
check_step!(
    second_claim,
    r"^a second GitHub account is not offered the linked person, and confirming or claiming it by password is refused$",
    checks::second_claim
);
check_step!(
    reset,
    r"^reset requests for a member, a member without email and an unknown address are all 202, only the member is mailed, and the token works once$",
    checks::password_reset
);
check_step!(
    bad_input,
    r"^malformed JSON, oversized fields and forged or expired claim cookies get a 4xx, never a session, and the stack stays healthy$",
    checks::bad_input
);
