//! Failed sign-ins that cannot be told apart: the same 401 body for every kind of failure,
//! and response times that do not tell unknown users from wrong passwords.

use super::flow::ClaimRun;
use super::judge::Finding;
use crate::claim::{stats, Role};
use crate::evidence::Evidence;
use crate::saml::flow::SESSION_COOKIE;
use serde_json::Value;

/// Wrong password (SHA-1 and bcrypt members), unknown user (by name and by address), and a hash
/// in a format laddr never wrote (with its right password): the same 401 body every time.
pub async fn same_answer(run: &ClaimRun) -> Evidence {
    let check = "every failed sign-in gets the same 401 invalid_credentials answer";
    let mut tries: Vec<(String, String, String)> = Vec::new();
    for role in [Role::WrongSha1, Role::WrongBcrypt] {
        match run.cast.one(role) {
            Ok(m) => tries.push((
                format!("{}: wrong password", m.label()),
                m.username.clone(),
                format!("wrong-{}", uuid::Uuid::new_v4().simple()),
            )),
            Err(e) => return Finding::could_not(check, e),
        }
    }
    let nobody = format!(
        "nobody-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    tries.push((
        "unknown username".into(),
        nobody.clone(),
        "whatever-password".into(),
    ));
    tries.push((
        "unknown email address".into(),
        format!("{nobody}@example.invalid"),
        "whatever-password".into(),
    ));
    match run.cast.one(Role::Foreign) {
        Ok(m) => tries.push((
            format!(
                "{}: hash in a format laddr never wrote, right password",
                m.label()
            ),
            m.username.clone(),
            m.password.clone().unwrap_or_default(),
        )),
        Err(e) => return Finding::could_not(check, e),
    }
    let mut f = Finding::new(check);
    let mut bodies: Vec<(String, Value)> = Vec::new();
    for (what, login, pw) in &tries {
        match run.login(&run.browser(), login, pw).await {
            Err(e) => f.fail(format!("{what}: {e}")),
            Ok(r) => {
                f.expect(
                    r.status == 401
                        && r.error_code() == Some("invalid_credentials")
                        && !r.sets(SESSION_COOKIE),
                    format!("{what}: {}", r.describe()),
                );
                bodies.push((what.clone(), r.body_without_per_request_fields()));
            }
        }
    }
    if let Some((first, body)) = bodies.first() {
        for (what, b) in &bodies[1..] {
            if b != body {
                f.fail(format!(
                    "{what} answered a different body than {first}: {}",
                    assert_json_diff::assert_json_matches_no_panic(
                        b,
                        body,
                        assert_json_diff::Config::new(assert_json_diff::CompareMode::Strict)
                    )
                    .err()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or("")
                ));
            }
        }
    }
    f.done(&format!(
        "{} kinds of failure, one identical 401 invalid_credentials body",
        tries.len()
    ))
}

/// Response times of unknown users against wrong passwords (SHA-1 and bcrypt members),
/// interleaved so a busy machine slows every group alike; compared with Mann–Whitney U.
pub async fn timing(run: &ClaimRun) -> Evidence {
    let check = "failed sign-ins cannot be told apart by their timing";
    let (sha1, bcrypt) = match (
        run.cast.one(Role::WrongSha1),
        run.cast.one(Role::WrongBcrypt),
    ) {
        (Ok(a), Ok(b)) => (a.clone(), b.clone()),
        (Err(e), _) | (_, Err(e)) => return Finding::could_not(check, e),
    };
    let n = run.setup.timing_samples.max(8);
    let groups = [
        "unknown user",
        "wrong password, SHA-1 member",
        "wrong password, bcrypt member",
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); 3];
    let mut f = Finding::new(check);
    let b = run.browser();
    for round in 0..=n {
        for (g, bucket) in samples.iter_mut().enumerate() {
            let login = match g {
                0 => format!(
                    "nobody-{}",
                    &uuid::Uuid::new_v4().simple().to_string()[..12]
                ),
                1 => sha1.username.clone(),
                _ => bcrypt.username.clone(),
            };
            match run.login(&b, &login, &format!("wrong-{round}-{g}")).await {
                Err(e) => return Finding::could_not(check, e),
                Ok(r) if r.status != 401 => {
                    f.fail(format!(
                        "{}: answered {} instead of 401",
                        groups[g],
                        r.describe()
                    ));
                }
                // Round 0 warms connections and caches; it is not counted.
                Ok(r) if round > 0 => bucket.push(r.elapsed.as_secs_f64() * 1000.0),
                Ok(_) => {}
            }
        }
    }
    for g in 1..3 {
        let c = stats::compare(&samples[0], &samples[g]);
        let line = format!(
            "{} vs {}: medians {:.1} ms and {:.1} ms (×{:.2}), Mann–Whitney p = {:.2e} over {}+{} tries",
            groups[0], groups[g], c.median_a, c.median_b, c.ratio(), c.p, c.n_a, c.n_b
        );
        if c.distinguishable() {
            f.fail(format!(
                "{line}: distinguishable (p < {} and ratio > {})",
                stats::ALPHA,
                stats::MAX_RATIO
            ));
        } else {
            f.note(format!("ok: {line}"));
        }
    }
    f.done(&format!(
        "{n} tries per group, interleaved: unknown users are answered like wrong passwords"
    ))
}
