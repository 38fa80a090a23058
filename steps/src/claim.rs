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

#[given(regex = r"^the new stack signs in through the GitHub and Resend stand-ins$")]
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

/// A scenario that is one check: its `When` makes the requests, its `Then` judges them.
macro_rules! check_step {
    ($when:ident, $then:ident, $w:literal, $t:literal, $f:expr) => {
        #[when(regex = $w)]
        async fn $when(w: &mut CutoverWorld) -> Result<(), Failure> {
            let r = run(w).await?;
            w.pending = Some($f(&r).await);
            Ok(())
        }

        #[then(regex = $t)]
        async fn $then(w: &mut CutoverWorld) -> Result<(), Failure> {
            w.judge_pending(stringify!($when))
        }
    };
}

check_step!(
    same_answer,
    same_answer_judged,
    r"^a wrong password, an unknown user and a hash laddr never wrote are tried$",
    r"^all of them get one identical 401 invalid_credentials answer$",
    checks::same_answer
);
check_step!(
    timing,
    timing_judged,
    r"^unknown users and wrong passwords are tried in turn, many times each$",
    r"^unknown users are answered as slowly as wrong passwords$",
    checks::timing
);
check_step!(
    levels,
    levels_judged,
    r"^a Disabled and a Contact member try their right passwords$",
    r"^both are refused$",
    checks::refused_levels
);
check_step!(
    github_email,
    github_email_judged,
    r"^a GitHub account whose verified email is a legacy person's signs in$",
    r"^it ends signed in as the legacy person, and stays linked$",
    checks::github_email
);
check_step!(
    github_username,
    github_username_judged,
    r"^a GitHub account whose login is a legacy username signs in$",
    r"^the person is only a candidate, confirming needs an email match, and the old password links them$",
    checks::github_username
);
check_step!(
    github_unverified,
    github_unverified_judged,
    r"^a GitHub account whose only matching email is unverified signs in$",
    r"^it is not offered the legacy person$",
    checks::github_unverified
);
check_step!(
    github_several,
    github_several_judged,
    r"^a GitHub account matching three people by two emails and its login signs in$",
    r"^it is offered exactly those three$",
    checks::github_several
);
check_step!(
    staff_review,
    staff_review_judged,
    r"^a member whose laddr email is dead asks for staff review, and staff approve$",
    r"^they are linked, keeping their slug, memberships, updates, buzz and Slack NameID$",
    checks::staff_review
);
check_step!(
    decline,
    decline_judged,
    r"^a GitHub account declines every candidate it is offered$",
    r"^a new person is signed in, and the legacy one is left unclaimed$",
    checks::decline
);
check_step!(
    second_claim,
    second_claim_judged,
    r"^a second GitHub account tries to claim a person already linked$",
    r"^it is not offered the person, and confirming or claiming by password is refused$",
    checks::second_claim
);
check_step!(
    reset,
    reset_judged,
    r"^resets are asked for a member, a member without email and an unknown address$",
    r"^all are answered 202, only the member is mailed, and the token works once$",
    checks::password_reset
);
check_step!(
    bad_input,
    bad_input_judged,
    r"^malformed JSON, oversized fields and forged or expired claim cookies are sent$",
    r"^each gets a 4xx, never a session, and the stack stays healthy$",
    checks::bad_input
);
