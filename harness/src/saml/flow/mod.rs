//! The SAML flows over HTTP (new-stack.md §5): a session minted with the rehearsal's JWT key,
//! the IdP-initiated launch, the SP-initiated POST with a generated AuthnRequest, and the
//! resume flow for a signed-out member. Every answer is bounded; nothing follows redirects.
//!
//! This module holds the endpoints, the minted session and the AuthnRequest; the rest is
//! one concern a module:
//!
//! * `answer` — one HTTP answer and the auto-submit form it carries.
//! * `client` — the bounded HTTP client for the SAML endpoints.
//! * `error` — why a request got no answer to judge.
//! * `observation` — what each attempt observed, and the whole run.
//! * `sampling` — who is taken through which flow.
//! * `sp` — the SP-initiated flows, signed in and signed out.
//! * `collect` — every flow once per run, the launches concurrently.

mod answer;
mod client;
mod collect;
mod error;
mod observation;
mod sampling;
mod sp;

pub use answer::{parse_form, Answer, AutoPost};
pub use client::SamlClient;
pub use collect::collect;
pub use error::FlowError;
pub use observation::{Flow, Observation, SamlRun};
pub use sampling::{asserted_subjects, sample};

use super::xml;
use crate::Error;
use base64::Engine;

pub const SESSION_COOKIE: &str = "cfp_session";
pub const RESUME_COOKIE: &str = "cfp_saml_resume";
pub use crate::routes::{
    SAML_LAUNCH as LAUNCH, SAML_METADATA as METADATA, SAML_RESUME as RESUME, SAML_SSO as SSO,
};

/// Sessions minted with the session key in this process: the report says when the key was
/// used, so staff know to rotate it after an acceptance run.
pub static SESSIONS_MINTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Mint a `cfp_session` JWT (HS256) for a person, as the new stack's login would.
pub fn mint_session(
    key: &[u8],
    person_id: &str,
    account_level: &str,
    now: i64,
) -> Result<String, Error> {
    SESSIONS_MINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let claims = serde_json::json!({
        "sub": person_id, "jti": uuid::Uuid::new_v4().to_string(), "accountLevel": account_level,
        "scope": "session", "iat": now, "exp": now + 15 * 60,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(key),
    )
    .map_err(|e| Error::Config(format!("minting a session: {e}")))
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An AuthnRequest as Slack sends it (HTTP-POST binding: base64, not deflated).
pub fn authn_request(id: &str, idp_sso_url: &str, acs: &str, now: i64) -> String {
    let instant = iso(now);
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" ProtocolBinding="{binding}"><saml:Issuer>{slack}</saml:Issuer><samlp:NameIDPolicy Format="{persistent}" AllowCreate="true"/></samlp:AuthnRequest>"#,
        dest = esc(idp_sso_url),
        acs = esc(acs),
        binding = xml::HTTP_POST,
        slack = super::SLACK_ENTITY,
        persistent = xml::PERSISTENT,
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

pub fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_sessions_are_hs256_with_the_contract_claims() {
        let t = mint_session(b"k", "p-1", "user", 1_000).unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        v.validate_exp = false;
        let d = jsonwebtoken::decode::<serde_json::Value>(
            &t,
            &jsonwebtoken::DecodingKey::from_secret(b"k"),
            &v,
        )
        .unwrap();
        assert_eq!(d.claims["sub"], "p-1");
        assert_eq!(d.claims["scope"], "session");
        assert_eq!(
            d.claims["exp"].as_i64().unwrap() - d.claims["iat"].as_i64().unwrap(),
            900
        );
        assert!(jsonwebtoken::decode::<serde_json::Value>(
            &t,
            &jsonwebtoken::DecodingKey::from_secret(b"other"),
            &v
        )
        .is_err());
    }
}
