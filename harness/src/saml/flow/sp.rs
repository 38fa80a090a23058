//! The SP-initiated flows for one sampled member: signed in (the form comes at once) and
//! signed out (sent to sign in with a resume cookie, then resumed with a session).

use super::observation::{Flow, Observation};
use super::{authn_request, b64, now, SamlClient, RESUME_COOKIE};
use crate::saml::Subject;

/// What every SP-initiated request is made with.
pub(super) struct SpFlows<'a> {
    pub(super) client: &'a SamlClient,
    pub(super) trusted: &'a [Vec<u8>],
    /// The IdP's SSO URL, as the AuthnRequest's Destination.
    pub(super) sso_url: &'a str,
    pub(super) acs: &'a str,
    pub(super) team_host: &'a str,
}

impl SpFlows<'_> {
    /// Signed in: the form comes at once.
    pub(super) async fn signed_in(&self, s: &Subject, i: usize, token: &str) -> Observation {
        let mut o = Observation::new(Flow::SpInitiated, s.legacy.id);
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let relay = format!("https://{}/messages/general?rs={i}&x=<&>", self.team_host);
        o.request_id = Some(id.clone());
        o.sent_relay_state = Some(relay.clone());
        match self
            .client
            .sso(
                Some(token),
                &b64(&authn_request(&id, self.sso_url, self.acs, now())),
                &relay,
            )
            .await
        {
            Ok(a) => o.read(a, self.trusted),
            Err(e) => o.problem = Some(e.to_string()),
        }
        o
    }

    /// Signed out: sent to sign in with a resume cookie, then resumed with a session.
    pub(super) async fn signed_out(&self, s: &Subject, i: usize, token: &str) -> Observation {
        let mut o = Observation::new(Flow::SpResume, s.legacy.id);
        let id = format!("_{}", uuid::Uuid::new_v4().simple());
        let relay = format!("resume-{i}");
        o.request_id = Some(id.clone());
        o.sent_relay_state = Some(relay.clone());
        match self
            .client
            .sso(
                None,
                &b64(&authn_request(&id, self.sso_url, self.acs, now())),
                &relay,
            )
            .await
        {
            Ok(first) if first.redirects_to_login() => {
                match self.client.resume(token, first.cookie(RESUME_COOKIE)).await {
                    Ok(a) => o.read(a, self.trusted),
                    Err(e) => o.problem = Some(e.to_string()),
                }
            }
            Ok(first) => {
                o.problem = Some(format!(
                    "a signed-out member was not sent to sign in ({})",
                    first.describe()
                ));
                o.answer = Some(first);
            }
            Err(e) => o.problem = Some(e.to_string()),
        }
        o
    }
}
