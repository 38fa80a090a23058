//! The new stack's API routes, named once (new-stack.md §5). The harness's checks ask these
//! paths and the reference target's router serves them, so the two cannot drift apart. A
//! route with a parameter has a fn that fills it in and, where the reference target routes
//! it, a `*_PATTERN` in axum's `{name}` syntax.

/// Every API path starts here; any other GET is the site (new-stack.md §1).
pub const API_PREFIX: &str = "/api/";

/// `GET` → 200 `data.status = "ok"` (new-stack.md §5, HTTP surface).
pub const HEALTH: &str = "/api/health";

/// `GET` → 200 `ready` with the stores' states, or 503 `not_ready` (new-stack.md §5, HTTP
/// surface).
pub const READY: &str = "/api/health/ready";

/// A person by slug: 200 record or 404 `not_found` (new-stack.md §5, HTTP surface).
pub const PEOPLE_PREFIX: &str = "/api/people/";
/// [`PEOPLE_PREFIX`] as the reference target routes it.
pub const PERSON_PATTERN: &str = "/api/people/{slug}";

/// `GET /api/people/<slug>` (new-stack.md §5, HTTP surface).
pub fn person(slug: &str) -> String {
    format!("{PEOPLE_PREFIX}{slug}")
}

/// A project by slug: 200 record or 404 `not_found` (new-stack.md §5, HTTP surface).
pub const PROJECTS_PREFIX: &str = "/api/projects/";
/// [`PROJECTS_PREFIX`] as the reference target routes it.
pub const PROJECT_PATTERN: &str = "/api/projects/{slug}";

/// `GET /api/projects/<slug>` (new-stack.md §5, HTTP surface).
pub fn project(slug: &str) -> String {
    format!("{PROJECTS_PREFIX}{slug}")
}

/// Every SAML route is under this (new-stack.md §5, SAML identity provider for Slack).
pub const SAML_PREFIX: &str = "/api/saml/";
/// The path of the `cfp_saml_resume` cookie (new-stack.md §5, SAML identity provider).
pub const SAML_COOKIE_PATH: &str = "/api/saml/slack";
/// `GET` → the IdP's metadata XML (new-stack.md §5, SAML identity provider for Slack).
pub const SAML_METADATA: &str = "/api/saml/slack/metadata";
/// `GET ?channel=` with a session → the auto-submit form for Slack; anonymous → 302 to
/// `/login` (new-stack.md §5, SAML identity provider for Slack).
pub const SAML_LAUNCH: &str = "/api/saml/slack/launch";
/// `POST` a form `SAMLRequest` + `RelayState`: SP-initiated (new-stack.md §5, SAML identity
/// provider for Slack).
pub const SAML_SSO: &str = "/api/saml/slack/sso";
/// `GET`: the SP-initiated flow after signing in (new-stack.md §5, SAML identity provider).
pub const SAML_RESUME: &str = "/api/saml/slack/sso/resume";

/// Every auth route is under this; they share the auth rate limit (new-stack.md §5, HTTP
/// surface; Sign-in and account claim).
pub const AUTH_PREFIX: &str = "/api/auth";
/// `POST {usernameOrEmail, password}` → 200 + session, or 401 `invalid_credentials`
/// (new-stack.md §5, Sign-in and account claim).
pub const LOGIN: &str = "/api/auth/login";
/// `GET`: who the session is (new-stack.md §5, Sign-in and account claim).
pub const ME: &str = "/api/auth/me";
/// `POST {usernameOrEmail}` → always 202 (new-stack.md §5, Sign-in and account claim).
pub const PASSWORD_RESET_REQUEST: &str = "/api/auth/password-reset/request";
/// `POST {token, password}` (new-stack.md §5, Sign-in and account claim).
pub const PASSWORD_RESET_CONFIRM: &str = "/api/auth/password-reset/confirm";
/// The path of the OAuth state and session cookies (new-stack.md §5, Sign-in and account
/// claim).
pub const GITHUB_COOKIE_PATH: &str = "/api/auth/github";
/// `GET ?return=` → 302 to GitHub's authorize (new-stack.md §5, Sign-in and account claim).
pub const GITHUB_START: &str = "/api/auth/github/start";
/// `GET ?code&state`: where GitHub sends the member back (new-stack.md §5, Sign-in and
/// account claim).
pub const GITHUB_CALLBACK: &str = "/api/auth/github/callback";

/// `GET /api/auth/github/start?return=<to>` (`to` as given: a path of the site).
pub fn github_start(to: &str) -> String {
    format!("{GITHUB_START}?return={to}")
}

/// The claim API, and the path of the `cfp_claim` cookie (new-stack.md §5, Sessions).
pub const CLAIM_PREFIX: &str = "/api/account-claim";
/// `GET` → the GitHub identity's candidates (new-stack.md §5, Sign-in and account claim).
pub const CLAIM_CANDIDATES: &str = "/api/account-claim/candidates";
/// `POST {personId}`: claim a candidate (new-stack.md §5, Sign-in and account claim).
pub const CLAIM_CONFIRM: &str = "/api/account-claim/confirm";
/// `POST` → 201, a fresh person (new-stack.md §5, Sign-in and account claim).
pub const CLAIM_DECLINE: &str = "/api/account-claim/decline";
/// `POST {slug, password}`: claim with a laddr password (new-stack.md §5, Sign-in and account
/// claim).
pub const CLAIM_BY_PASSWORD: &str = "/api/account-claim/by-password";
/// `POST {claimedSlug, evidence}` → always 202 (new-stack.md §5, Sign-in and account claim).
pub const CLAIM_STAFF_REVIEW: &str = "/api/account-claim/request-staff-review";

/// `GET` (staff) → the open claim requests, oldest first (new-stack.md §5, Sign-in and
/// account claim).
pub const STAFF_CLAIM_QUEUE: &str = "/api/staff/account-claim/queue";
/// `POST /api/staff/account-claim/<requestId>/approve|deny` as the reference target routes it.
pub const STAFF_CLAIM_REVIEW_PATTERN: &str = "/api/staff/account-claim/{id}/{action}";

/// `POST /api/staff/account-claim/<requestId>/<action>`, `action` being `approve` or `deny`
/// (new-stack.md §5, Sign-in and account claim).
pub fn staff_claim_review(request_id: &str, action: &str) -> String {
    format!("/api/staff/account-claim/{request_id}/{action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filled_in_routes_match_their_patterns() {
        let filled = |pattern: &str, value: &str| {
            pattern
                .replace("{slug}", value)
                .replace("{id}", value)
                .replace("{action}", "approve")
        };
        assert_eq!(person("ann"), filled(PERSON_PATTERN, "ann"));
        assert_eq!(project("p_1"), filled(PROJECT_PATTERN, "p_1"));
        assert_eq!(
            staff_claim_review("r-1", "approve"),
            filled(STAFF_CLAIM_REVIEW_PATTERN, "r-1")
        );
        assert!(person("x").starts_with(API_PREFIX) && SAML_RESUME.starts_with(SAML_PREFIX));
        assert!(GITHUB_CALLBACK.starts_with(GITHUB_COOKIE_PATH) && LOGIN.starts_with(AUTH_PREFIX));
        assert!(
            SAML_LAUNCH.starts_with(SAML_COOKIE_PATH) && CLAIM_CONFIRM.starts_with(CLAIM_PREFIX)
        );
    }
}
