//! Requests the stack must refuse: members of a level that may not sign in, and malformed,
//! oversized and forged requests (each a 4xx, never a 5xx, never a session).

use super::flow::{ClaimRun, CANDIDATES, LOGIN};
use super::judge::Finding;
use crate::claim::{Role, CLAIM_COOKIE};
use crate::evidence::Evidence;
use crate::http::Reply;
use crate::routes;
use crate::saml::flow::{now, SESSION_COOKIE};
use serde_json::{json, Value};

/// Disabled and Contact members cannot sign in, even with their right password.
pub async fn refused_levels(run: &ClaimRun) -> Evidence {
    let check = "Disabled and Contact members cannot sign in";
    let mut f = Finding::new(check);
    for role in [Role::Disabled, Role::Contact] {
        let m = match run.cast.one(role) {
            Ok(m) => m,
            Err(e) => return Finding::could_not(check, e),
        };
        let b = run.browser();
        match run
            .login(&b, &m.username, m.password.as_deref().unwrap_or_default())
            .await
        {
            Err(e) => f.fail(format!("{} ({}): {e}", m.label(), m.level)),
            Ok(r) => f.expect(
                r.status == 401 && !r.sets(SESSION_COOKIE),
                format!(
                    "{} ({}, right password): {}",
                    m.label(),
                    m.level,
                    r.describe()
                ),
            ),
        }
    }
    f.done("a Disabled and a Contact member were refused with their right passwords")
}

/// Malformed JSON, oversized fields, forged and expired claim cookies: each refused with a
/// 4xx (never a 5xx, never a session), and the stack still healthy afterwards.
pub async fn bad_input(run: &ClaimRun) -> Evidence {
    let check = "malformed, oversized and forged requests are refused without harm";
    let mut f = Finding::new(check);
    let b = run.browser();
    let refused = |r: &Reply, codes: &[u16]| codes.contains(&r.status) && !r.sets(SESSION_COOKIE);
    for (what, body, codes) in bad_bodies() {
        match b.post_raw(LOGIN, "application/json", body).await {
            Ok(r) => f.expect(
                refused(&r, codes),
                format!(
                    "sign-in with {what}: {} (want one of {codes:?})",
                    r.describe()
                ),
            ),
            Err(e) => f.fail(format!("sign-in with {what}: {e}")),
        }
    }
    // Claim cookies: garbage, signed with another key, expired (signed with the right key).
    let victim = run
        .cast
        .one(Role::GithubEmail)
        .ok()
        .and_then(|m| m.person_id.clone())
        .unwrap_or_else(|| "00000000-0000-0000-0000-000000000000".into());
    let cookies = forged_cookies(run, &mut f, &victim);
    for (what, value) in cookies {
        let mut c = b.fresh();
        c.jar.insert(CLAIM_COOKIE.into(), value);
        for (path, body) in [
            (CANDIDATES, None),
            (routes::CLAIM_CONFIRM, Some(json!({"personId": victim}))),
        ] {
            let r = match body {
                None => c.get(path).await,
                Some(body) => c.post_json(path, &body).await,
            };
            match r {
                Ok(r) => f.expect(
                    r.status == 401
                        && r.error_code() == Some("claim_token_invalid")
                        && !r.sets(SESSION_COOKIE),
                    format!("{path} with {what}: {}", r.describe()),
                ),
                Err(e) => f.fail(format!("{path} with {what}: {e}")),
            }
        }
    }
    match b.post_json(routes::PASSWORD_RESET_CONFIRM, &json!({"token": format!("forged-{}", uuid::Uuid::new_v4().simple()), "password": "x-password-1"})).await {
        Ok(r) => f.expect((400..500).contains(&r.status) && r.status != 429, format!("reset confirm with a forged token: {}", r.describe())),
        Err(e) => f.fail(e.to_string()),
    }
    match b
        .get(&format!(
            "{}?code=forged&state=forged",
            routes::GITHUB_CALLBACK
        ))
        .await
    {
        Ok(r) => f.expect(
            r.status < 500 && !r.sets(SESSION_COOKIE),
            format!("GitHub callback without the state cookie: {}", r.describe()),
        ),
        Err(e) => f.fail(e.to_string()),
    }
    match b.get(routes::HEALTH).await {
        Ok(r) => f.expect(
            r.status == 200,
            format!("health afterwards: {}", r.describe()),
        ),
        Err(e) => f.fail(format!("health afterwards: {e}")),
    }
    f.done("every bad request was refused with a 4xx, no session was granted, and the stack stayed healthy")
}

/// Sign-in bodies the stack must refuse, each with the statuses that count as refused.
fn bad_bodies() -> Vec<(&'static str, Vec<u8>, &'static [u16])> {
    vec![
        (
            "malformed JSON",
            br#"{"usernameOrEmail": "a", "password": "#.to_vec(),
            &[400, 422],
        ),
        ("a JSON array", b"[]".to_vec(), &[400, 422]),
        (
            "a 100 KiB username",
            serde_json::to_vec(
                &json!({"usernameOrEmail": "a".repeat(100 * 1024), "password": "x"}),
            )
            .unwrap_or_default(),
            &[400, 413, 422],
        ),
        (
            "a 4 KiB password",
            serde_json::to_vec(
                &json!({"usernameOrEmail": "someone", "password": "p".repeat(4096)}),
            )
            .unwrap_or_default(),
            &[400, 401, 413, 422],
        ),
        (
            "a number for the username",
            br#"{"usernameOrEmail": 12, "password": "x"}"#.to_vec(),
            &[400, 422],
        ),
    ]
}

/// Claim cookies naming `victim`: garbage, signed with another key, and (with the session
/// signing key) expired.
fn forged_cookies(run: &ClaimRun, f: &mut Finding, victim: &str) -> Vec<(&'static str, String)> {
    let claims = |exp: i64| json!({"scope": "claim", "githubId": 9_900_000_001i64, "login": "forger", "emails": [], "byEmail": [victim], "byLogin": [], "exp": exp});
    let sign = |key: &[u8], c: &Value| {
        jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            c,
            &jsonwebtoken::EncodingKey::from_secret(key),
        )
        .unwrap_or_default()
    };
    let mut cookies = vec![
        ("a garbage claim cookie", "not-a-token".to_string()),
        (
            "a claim cookie signed with another key",
            sign(uuid::Uuid::new_v4().as_bytes(), &claims(now() + 300)),
        ),
    ];
    match run.key() {
        Ok(k) => cookies.push(("an expired claim cookie", sign(k, &claims(now() - 600)))),
        Err(_) => f.note("an expired claim cookie was not tried: no session signing key"),
    }
    cookies
}
