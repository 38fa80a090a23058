//! Password reset: always accepted, mailed only to a known address, and the mailed token
//! works once.

use super::flow::ClaimRun;
use super::judge::{token_in, Finding};
use super::people::swap_case;
use crate::claim::Role;
use crate::evidence::Evidence;
use crate::http::Browser;
use crate::routes;
use crate::Error;
use serde_json::json;
use std::time::Duration;

/// How long to wait for a mail that should come (they are sent before the 202 by the
/// reference target; a real stack may queue them).
const MAIL_WAIT: Duration = Duration::from_secs(5);

/// Always 202; a mail only when the address resolves; the token works once.
pub async fn password_reset(run: &ClaimRun) -> Evidence {
    let check =
        "a password reset is always accepted, mailed only to a known address, and works once";
    let (r, none, mocks) = match (
        run.cast.one(Role::Reset).map_err(Error::from),
        run.cast.one(Role::ResetNoEmail).map_err(Error::from),
        run.mocks(),
    ) {
        (Ok(r), Ok(n), Ok(m)) => (r.clone(), n.clone(), m),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return Finding::could_not(check, e),
    };
    let mut f = Finding::new(check);
    let email = r.email.clone().unwrap_or_default();
    let unknown = format!(
        "nobody-{}@example.invalid",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mark = mocks.resend.mark();
    let b = run.browser();
    for (what, login) in [
        ("unknown address", unknown.clone()),
        (
            format!("{} (no email) by username", none.label()).as_str(),
            none.username.clone(),
        ),
        (
            &format!("{} by swapped-case username", r.label()),
            swap_case(&r.username),
        ),
    ] {
        match b
            .post_json(
                routes::PASSWORD_RESET_REQUEST,
                &json!({"usernameOrEmail": login}),
            )
            .await
        {
            Ok(x) => f.expect(
                x.status == 202,
                format!("reset request for {what}: {}", x.describe()),
            ),
            Err(e) => f.fail(format!("reset request for {what}: {e}")),
        }
    }
    // Wait (bounded) for the one mail that must come; by then the others would have come too.
    let deadline = std::time::Instant::now() + MAIL_WAIT;
    while mocks.resend.to(mark, &email).is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mine = mocks.resend.to(mark, &email);
    f.expect(
        mine.len() == 1,
        format!("{} got {} reset mail(s)", r.label(), mine.len()),
    );
    let strays = mocks.resend.to(mark, &unknown).len();
    f.expect(
        strays == 0,
        format!("{strays} mail(s) to the unknown address"),
    );
    let others = mocks
        .resend
        .since(mark)
        .into_iter()
        .filter(|m| !m.to.iter().any(|t| t.eq_ignore_ascii_case(&email)))
        .count();
    f.expect(
        others == 0,
        format!("{others} other mail(s) sent by these requests"),
    );
    let Some(token) = mine.first().and_then(|m| token_in(&m.text)) else {
        f.fail("the reset mail carries no link with a token");
        return f.done("");
    };
    use_token_once(run, &b, &mut f, &r.username, &token).await;
    f.done(&format!(
        "three requests, all 202; one mail (to {}), its token worked once",
        r.label()
    ))
}

/// The mailed token sets a new password that signs in, and is refused the second time.
async fn use_token_once(run: &ClaimRun, b: &Browser, f: &mut Finding, username: &str, token: &str) {
    let new_password = format!("New-{}", uuid::Uuid::new_v4().simple());
    let confirm = json!({"token": token, "password": new_password});
    match b.post_json(routes::PASSWORD_RESET_CONFIRM, &confirm).await {
        Ok(x) => f.expect(
            (200..300).contains(&x.status),
            format!("confirm with the mailed token: {}", x.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match run.login(b, username, &new_password).await {
        Ok(x) => f.expect(
            x.status == 200,
            format!("sign in with the new password: {}", x.describe()),
        ),
        Err(e) => f.fail(e),
    }
    match b.post_json(routes::PASSWORD_RESET_CONFIRM, &json!({"token": token, "password": format!("Other-{}", uuid::Uuid::new_v4().simple())})).await {
        Ok(x) => f.expect((400..500).contains(&x.status) && x.status != 429, format!("the same token again: {}", x.describe())),
        Err(e) => f.fail(e.to_string()),
    }
}
