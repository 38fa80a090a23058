//! Password sign-in: laddr's SHA-1 and bcrypt members sign in by username or email in any
//! letter case, are rehashed to argon2id with `lastUsedAt`, and sign in again.

use super::flow::ClaimRun;
use super::judge::{judge_rehashed, signed_in_since_import, Finding};
use super::people::swap_case;
use crate::claim::{Member, Role};
use crate::evidence::Evidence;
use crate::saml::flow::SESSION_COOKIE;

/// How a sign-in spells the member: their username or email, in some letter case.
type SignInAs = fn(&Member) -> String;

/// Four members of one hash kind sign in by exact username, swapped-case username, lower-case
/// and upper-case email; each then holds an argon2id hash with `lastUsedAt`, and signs in again.
pub async fn password_sign_in(run: &ClaimRun, role: Role, scheme: &'static str) -> Evidence {
    let check = if role == Role::Sha1Login {
        "a SHA-1 member signs in by username or email in any letter case, and is rehashed"
    } else {
        "a bcrypt $2y$ member signs in by username or email in any letter case, and is rehashed"
    };
    let members = match run.cast.get(role) {
        Ok(m) => m.to_vec(),
        Err(e) => return Finding::could_not(check, e),
    };
    // A member who signed in since the import holds argon2id now: signing in again would not
    // test laddr's hash (a test account used by an earlier acceptance run, say).
    if let Ok(store) = run.fresh_store().await {
        let used = signed_in_since_import(&store, &members);
        if !used.is_empty() {
            return Evidence::not_run(check, format!("{} already signed in since the import: laddr's {scheme} hash is gone, so signing in would not test it (hint: restore the test accounts' credentials to laddr's before the run)", used.join(", ")));
        }
    }
    let mut f = Finding::new(check);
    let variants: [(&str, SignInAs); 4] = [
        ("username as stored", |m| m.username.clone()),
        ("username in swapped case", |m| swap_case(&m.username)),
        ("email in lower case", |m| {
            m.email.clone().unwrap_or_default().to_lowercase()
        }),
        ("email in upper case", |m| {
            m.email.clone().unwrap_or_default().to_uppercase()
        }),
    ];
    for (m, (how, login)) in members.iter().zip(variants) {
        let b = run.browser();
        let pw = m.password.clone().unwrap_or_default();
        match run.login(&b, &login(m), &pw).await {
            Err(e) => f.fail(format!("{} by {how}: {e}", m.label())),
            Ok(r) => {
                let id = r
                    .data()
                    .and_then(|d| d["person"]["id"].as_str())
                    .map(str::to_string);
                let ok = r.status == 200 && r.sets(SESSION_COOKIE) && id == m.person_id;
                f.expect(
                    ok,
                    format!(
                        "{} ({scheme}) by {how}: {}{}",
                        m.label(),
                        r.describe(),
                        if r.status == 200 && id != m.person_id {
                            ", but as another person"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
    }
    match run.fresh_store().await {
        Err(e) => f.fail(format!("stored hashes: {e}")),
        Ok(store) => judge_rehashed(&mut f, &store, &members),
    }
    // The rehashed credential still takes the same password.
    for m in &members {
        let b = run.browser();
        match run
            .login(&b, &m.username, m.password.as_deref().unwrap_or_default())
            .await
        {
            Ok(r) => f.expect(
                r.status == 200,
                format!(
                    "{} signs in again after the rehash: {}",
                    m.label(),
                    r.describe()
                ),
            ),
            Err(e) => f.fail(format!("{} signing in again: {e}", m.label())),
        }
    }
    f.done(&format!("{} {scheme} members signed in four ways, were rehashed to argon2id with lastUsedAt, and signed in again", members.len()))
}
