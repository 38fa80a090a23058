//! The suite's own count: the report a correct `reconcile` gives, by the contract's
//! definitions.

use super::{people, Person};
use crate::datarepo::Snapshot;
use crate::private::PrivateStore;
use crate::tools::report::*;
use std::collections::{HashMap, HashSet};

/// The report a correct `reconcile` gives on `snap` and `store`, by the contract's
/// definitions: over non-deleted people; a profile of a deleted or unknown person is an
/// orphan; newsletter inconsistencies only where a newsletter is recorded.
pub fn expected(snap: &Snapshot, store: &PrivateStore) -> ReconcileReport {
    let people = people(snap);
    let live: HashMap<&str, &Person> = people
        .iter()
        .filter(|(_, p)| !p.deleted)
        .map(|(k, v)| (*k, v))
        .collect();
    let with_profile: HashSet<&str> = store
        .profiles
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let holders: HashSet<&str> = store
        .passwords
        .iter()
        .map(|p| p.value.person_id.as_str())
        .collect();
    let mut r = ReconcileReport {
        public_people_count: live.len(),
        private_profile_count: store.profiles.len(),
        legacy_password_count: store.passwords.len(),
        ..Default::default()
    };
    for (id, p) in &live {
        if !with_profile.contains(id) {
            r.orphan_public.push(OrphanPublic {
                person_id: id.to_string(),
                slug: p.slug.to_string(),
            });
        }
        if let (Some(g), true) = (p.github, holders.contains(id)) {
            r.drained_legacy_passwords.push(Drained {
                person_id: id.to_string(),
                slug: p.slug.to_string(),
                github_user_id: g,
            });
        }
    }
    for p in &store.profiles {
        let id = p.value.person_id.as_str();
        if !live.contains_key(id) {
            r.orphan_private.push(OrphanPrivate {
                person_id: id.to_string(),
            });
        }
        let Some(n) = &p.value.newsletter else {
            continue;
        };
        let token = n
            .unsubscribe_token
            .as_deref()
            .is_some_and(|t| !t.is_empty());
        let reason = if n.opted_in && !token {
            OPTED_IN_WITHOUT_TOKEN
        } else if !n.opted_in && token && n.opted_out_at.is_none() {
            TOKEN_WITHOUT_OPTIN
        } else {
            continue;
        };
        r.inconsistent_newsletter.push(Inconsistency {
            person_id: id.to_string(),
            reason: reason.into(),
        });
    }
    r.orphan_public.sort();
    r.orphan_private.sort();
    r.inconsistent_newsletter.sort();
    r.drained_legacy_passwords.sort();
    r
}
