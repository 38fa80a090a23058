//! T+180d: the legacy credentials nobody used since the import, listed for retirement. Each
//! must still belong to a live member and be the hash laddr had for them: an unused
//! credential of nobody, of a deactivated member, or with a hash laddr never had means the
//! store is wrong, not merely old.

use crate::accounts::new_people;
use crate::datarepo::Snapshot;
use crate::evidence::{Evidence, Outcome};
use crate::private::PrivateStore;
use crate::reconcile::LegacyPerson;
use std::collections::HashMap;

pub fn unused(legacy: &[LegacyPerson], snap: &Snapshot, store: &PrivateStore) -> Evidence {
    let check = "every legacy credential unused since the import belongs to a live member and is laddr's hash";
    let people = new_people(snap);
    let laddr_hash: HashMap<i64, &str> = legacy
        .iter()
        .filter_map(|l| Some((l.id, l.password.as_deref()?)))
        .collect();
    let (mut unused, mut problems) = (0usize, Vec::new());
    for c in store
        .passwords
        .iter()
        .filter(|c| c.value.last_used_at.is_none())
    {
        unused += 1;
        let at = format!("{}:{}", crate::private::PASSWORDS, c.line);
        match people.get(&c.value.person_id) {
            None => problems.push(format!("{at}: belongs to no person")),
            Some(p) if p.deleted => {
                problems.push(format!("{at}: belongs to {}, who is deactivated", p.slug))
            }
            Some(p) => match p.legacy_id.and_then(|id| laddr_hash.get(&id)) {
                Some(h) if *h == c.value.password_hash => {}
                Some(_) => problems.push(format!(
                    "{at}: {}'s unused credential is not laddr's hash",
                    p.slug
                )),
                None => problems.push(format!("{at}: {} had no password in laddr", p.slug)),
            },
        }
    }
    let total = store.passwords.len();
    let ev = if problems.is_empty() {
        Evidence::new(check, Outcome::Pass, format!("{unused} of {total} legacy credentials unused since the import: for the cutover lead to retire"))
    } else {
        Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} of {unused} unused legacy credentials are wrong: {}",
                problems.len(),
                problems[0]
            ),
        )
        .details(problems.into_iter().take(crate::preflight::SAMPLE))
    };
    ev.observed(serde_json::json!({"unused": unused, "total": total}))
}
