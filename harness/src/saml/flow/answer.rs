//! One HTTP answer, reduced to what the flows look at: status, redirect, cookies, error code
//! and the auto-submit form an IdP answers with.

use serde::Serialize;

/// The auto-submit form an IdP answers with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoPost {
    pub action: String,
    /// Base64 as sent. Never written to evidence (it carries the email).
    #[serde(skip)]
    pub saml_response: String,
    pub relay_state: Option<String>,
}

/// One HTTP answer, reduced to what the flows look at.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    /// Names of the cookies set (values kept apart, never reported).
    pub cookies_set: Vec<String>,
    #[serde(skip)]
    pub cookie_values: Vec<(String, String)>,
    pub error_code: Option<String>,
    pub form: Option<AutoPost>,
    #[serde(skip)]
    pub body: String,
}

impl Answer {
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookie_values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `302 → /login…` (relative, or absolute on any host).
    pub fn redirects_to_login(&self) -> bool {
        matches!(self.status, 302 | 303 | 307)
            && self.location.as_deref().is_some_and(|l| {
                let path = l
                    .split_once("://")
                    .map(|(_, rest)| rest.find('/').map_or("", |i| &rest[i..]))
                    .unwrap_or(l);
                path == "/login" || path.starts_with("/login?") || path.starts_with("/login/")
            })
    }

    pub fn describe(&self) -> String {
        let mut s = format!("HTTP {}", self.status);
        if let Some(c) = &self.error_code {
            s.push_str(&format!(" {c}"));
        }
        if let Some(l) = &self.location {
            s.push_str(&format!(" → {l}"));
        }
        s
    }
}

/// Undo the predefined entities and character references in an attribute value (an unknown
/// entity leaves the value as written).
fn html_unescape(s: &str) -> String {
    quick_xml::escape::unescape(s)
        .map(|c| c.into_owned())
        .unwrap_or_else(|_| s.to_string())
}

/// Find the auto-submit form (a POST carrying `SAMLResponse`) in an HTML page.
pub fn parse_form(html: &str) -> Option<AutoPost> {
    let dom = tl::parse(html, tl::ParserOptions::default()).ok()?;
    let parser = dom.parser();
    let attr = |tag: &tl::HTMLTag, name: &str| -> Option<String> {
        tag.attributes()
            .get(name)
            .flatten()
            .map(|v| html_unescape(&v.as_utf8_str()))
    };
    let form = dom
        .query_selector("form")?
        .filter_map(|h| h.get(parser)?.as_tag().cloned())
        .next()?;
    let action = attr(&form, "action")?;
    let mut saml_response = None;
    let mut relay_state = None;
    for h in dom.query_selector("input")? {
        let Some(tag) = h.get(parser).and_then(|n| n.as_tag()) else {
            continue;
        };
        match attr(tag, "name").as_deref() {
            Some("SAMLResponse") => saml_response = attr(tag, "value"),
            Some("RelayState") => relay_state = attr(tag, "value"),
            _ => {}
        }
    }
    Some(AutoPost {
        action,
        saml_response: saml_response?,
        relay_state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auto_submit_form_is_read_with_entities_undone() {
        let html = r#"<!DOCTYPE html><html><body onload="document.forms[0].submit()"><form method="post" action="https://t.slack.com/sso/saml"><input type="hidden" name="SAMLResponse" value="PHg+PC94Pg=="/><input type="hidden" name="RelayState" value="a&amp;b&#x3C;c&quot;"/></form></body></html>"#;
        let f = parse_form(html).unwrap();
        assert_eq!(f.action, "https://t.slack.com/sso/saml");
        assert_eq!(f.saml_response, "PHg+PC94Pg==");
        assert_eq!(f.relay_state.as_deref(), Some("a&b<c\""));
        assert!(parse_form("<html><body>Sign in</body></html>").is_none());
        assert!(parse_form("<form action=x><input name=RelayState value=y></form>").is_none());
    }

    #[test]
    fn login_redirects_are_recognised_relative_or_absolute() {
        let a = |status, l: &str| Answer {
            status,
            location: Some(l.into()),
            ..Default::default()
        };
        assert!(a(302, "/login?return=%2Fapi").redirects_to_login());
        assert!(a(302, "https://x.org/login").redirects_to_login());
        assert!(!a(302, "/loginx").redirects_to_login());
        assert!(!a(301, "/login").redirects_to_login());
        assert!(!a(302, "https://evil.example/elsewhere/login").redirects_to_login());
    }
}
