//! Permissions: another ACS, a signed-out launch and people who may not use Slack are
//! all refused, without an assertion.

use super::verdict;
use crate::evidence::{Evidence, Outcome};
use crate::saml::flow::SamlRun;

pub fn foreign_acs(run: &SamlRun) -> Evidence {
    let check = "only Slack's ACS is accepted";
    match &run.foreign_acs {
        Ok(a) if a.form.is_none() && (400..500).contains(&a.status) => Evidence::new(
            check,
            Outcome::Pass,
            format!(
                "an AuthnRequest naming another ACS was refused: {}",
                a.describe()
            ),
        ),
        Ok(a) => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "an AuthnRequest naming another ACS was answered: {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with a signed assertion form"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => Evidence::new(check, Outcome::Fail, format!("could not ask: {e}")),
    }
}

pub fn anonymous_launch(run: &SamlRun) -> Evidence {
    let check = "signed-out launch";
    match &run.anonymous_launch {
        Ok(a) if a.redirects_to_login() && a.form.is_none() => Evidence::new(
            check,
            Outcome::Pass,
            format!("sent to sign in: {}", a.describe()),
        ),
        Ok(a) => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "expected 302 to /login, got {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with an assertion"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => Evidence::new(check, Outcome::Fail, format!("could not ask: {e}")),
    }
}

pub fn refused(run: &SamlRun) -> Evidence {
    let check = "people who may not use Slack are refused";
    if run.refused.is_empty() {
        return Evidence::new(
            check,
            Outcome::Advisory,
            "no deactivated or ineligible person in the new stack to try",
        );
    }
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    for (label, answer) in &run.refused {
        match answer {
            Ok(a)
                if a.status == 403
                    && a.error_code.as_deref() == Some("saml_not_permitted")
                    && a.form.is_none() =>
            {
                lines.push(format!("{label}: {}", a.describe()))
            }
            Ok(a) => problems.push(format!(
                "{label}: expected 403 saml_not_permitted, got {}{}",
                a.describe(),
                if a.form.is_some() {
                    " with a signed assertion"
                } else {
                    ""
                }
            )),
            Err(e) => problems.push(format!("{label}: {e}")),
        }
    }
    let ev = verdict(check, problems, run.refused.len(), "people to refuse");
    ev.details(lines)
}
