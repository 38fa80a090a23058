//! Who is taken through the flows: the members the IdP must assert, a paced run's sample
//! (awkward usernames first), the captured users, and a few refusals per reason.

use crate::saml::{SamlSetup, Subject};

/// Users the new IdP should assert ([`Subject::must_be_asserted`]).
pub fn asserted_subjects(subjects: &[Subject]) -> impl Iterator<Item = &Subject> {
    subjects.iter().filter(|s| s.must_be_asserted())
}

/// The SP-initiated sample: awkward usernames first (capitals, dots, underscores), then an
/// even spread, `n` in all.
pub fn sample(subjects: &[Subject], n: usize) -> Vec<&Subject> {
    let all: Vec<&Subject> = asserted_subjects(subjects).collect();
    let awkward = |s: &&Subject| {
        s.legacy.username.as_deref().is_some_and(|u| {
            u.chars()
                .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit()))
        })
    };
    let mut out: Vec<&Subject> = all.iter().copied().filter(awkward).take(n).collect();
    let rest: Vec<&Subject> = all.iter().copied().filter(|s| !awkward(s)).collect();
    if out.len() < n && !rest.is_empty() {
        let step = (rest.len() / (n - out.len())).max(1);
        out.extend(rest.iter().step_by(step).take(n - out.len()));
    }
    out
}

/// A paced sample plus every member a captured laddr assertion names, so each capture has
/// the new IdP's assertion to be compared with.
pub(super) fn with_captured<'a>(
    mut picked: Vec<&'a Subject>,
    subjects: &'a [Subject],
    setup: &SamlSetup,
) -> Vec<&'a Subject> {
    let named: std::collections::HashSet<String> = crate::saml::capture::load(setup)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| Some(c.read.ok()?.signed.name_id_value()?.to_string()))
        .collect();
    let have: std::collections::HashSet<i64> = picked.iter().map(|s| s.legacy.id).collect();
    picked.extend(asserted_subjects(subjects).filter(|s| {
        !have.contains(&s.legacy.id)
            && s.legacy
                .username
                .as_deref()
                .is_some_and(|u| named.contains(u))
    }));
    picked
}

/// At most `n` subjects per refusal reason, in order.
pub(super) fn few_per_reason<'a>(subjects: &[&'a Subject], n: usize) -> Vec<&'a Subject> {
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    subjects
        .iter()
        .copied()
        .filter(|s| {
            let k = seen.entry(s.refusal_reason()).or_default();
            *k += 1;
            *k <= n
        })
        .collect()
}
