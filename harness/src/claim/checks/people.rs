//! Who the scenarios act as and how they are named: laddr ids and slugs for the evidence,
//! GitHub identities made up per scenario (ids far above any real GitHub user's), fresh
//! addresses nobody holds, and a name in another letter case.

use super::flow::ClaimRun;
use crate::claim::mock::GithubIdentity;
use crate::claim::Role;
use std::collections::HashMap;

pub(super) fn swap_case(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c.to_uppercase().next().unwrap_or(c)
            }
        })
        .collect()
}

pub(super) fn labels(run: &ClaimRun) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for role in [
        Role::Sha1Login,
        Role::BcryptLogin,
        Role::GithubEmail,
        Role::GithubUsername,
        Role::GithubUnverified,
        Role::Several,
        Role::SeveralUnverified,
        Role::StaffReview,
        Role::Decline,
        Role::SecondLinked,
        Role::SecondOther,
        Role::Reset,
    ] {
        for x in run.cast.get(role).unwrap_or(&[]) {
            if let Some(id) = &x.person_id {
                m.insert(id.clone(), x.label());
            }
        }
    }
    m
}

/// A GitHub identity no laddr record matches by login (ids far above any real GitHub user's).
pub(super) fn github_identity(
    tag: &str,
    n: i64,
    emails: Vec<(String, bool, bool)>,
) -> GithubIdentity {
    GithubIdentity {
        id: github_id(tag, n),
        login: format!("cfp-rehearsal-{tag}-{n}"),
        emails,
    }
}

/// A GitHub user id per (scenario tag, laddr id): distinct accounts for distinct tags.
pub(super) fn github_id(tag: &str, n: i64) -> i64 {
    let t = tag.bytes().fold(0i64, |a, b| (a * 31 + i64::from(b)) % 997);
    9_000_000_000 + t * 1_000_000 + n
}

pub(super) fn other_email(tag: &str) -> String {
    format!(
        "{tag}-{}@new-address.example.invalid",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_spelt_in_the_other_case() {
        assert_eq!(swap_case("Tonimacattack_2"), "tONIMACATTACK_2");
    }
}
