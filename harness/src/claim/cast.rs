//! The cast: which laddr members each sign-in and claim scenario acts as, chosen so that no
//! two scenarios act on the same person, or why nobody fits.

use super::{HashKind, Member};
use std::collections::{BTreeMap, HashSet};

/// The roles scenarios act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Sha1Login,
    BcryptLogin,
    WrongSha1,
    WrongBcrypt,
    Foreign,
    Disabled,
    Contact,
    GithubEmail,
    GithubUsername,
    GithubUnverified,
    Several,
    SeveralUnverified,
    StaffReview,
    Decline,
    SecondLinked,
    SecondOther,
    Reset,
    ResetNoEmail,
    Reviewer,
}

/// Why nobody acts in a role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Uncast {
    /// A run against a real stack acts only on named test accounts, and none fits: not run.
    #[error("{}no named test account fits this scenario: it needs {needed} member(s) who {who} ([run] test_accounts)", crate::evidence::NOT_RUN)]
    NoTestAccount { needed: usize, who: String },
    #[error("laddr has {found} of the {needed} member(s) needed who {who}")]
    TooFew {
        found: usize,
        needed: usize,
        who: String,
    },
    #[error("no {0:?} chosen")]
    NotChosen(Role),
}

/// Who each scenario acts as, or why nobody fits.
#[derive(Debug, Default)]
pub struct Cast {
    roles: BTreeMap<Role, Result<Vec<Member>, Uncast>>,
}

impl Cast {
    pub fn get(&self, role: Role) -> Result<&[Member], Uncast> {
        match self.roles.get(&role) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => Err(e.clone()),
            None => Err(Uncast::NotChosen(role)),
        }
    }

    pub fn one(&self, role: Role) -> Result<&Member, Uncast> {
        self.get(role).map(|v| &v[0])
    }

    /// Choose from `members` (any order). Deterministic: highest laddr id first, so the fixed
    /// cast at the low ids (which other checks' faults touch) is left alone.
    pub fn choose(members: &[Member]) -> Cast {
        Cast::choose_among(members, None)
    }

    /// As [`Cast::choose`], acting only on the named test accounts (laddr IDs) when `allowed`
    /// is given: a run against a real stack never acts on a member it chose from laddr. A
    /// role no test account fits is "not run", saying what it needs; the sign-in roles make
    /// do with fewer members than a rehearsal uses.
    pub fn choose_among(members: &[Member], allowed: Option<&HashSet<i64>>) -> Cast {
        let mut sorted: Vec<&Member> = members
            .iter()
            .filter(|m| allowed.is_none_or(|a| a.contains(&m.laddr_id)))
            .collect();
        sorted.sort_by_key(|m| std::cmp::Reverse(m.laddr_id));
        let mut p = Picker {
            sorted,
            allowed,
            used: HashSet::new(),
            cast: Cast::default(),
        };
        sign_in_roles(&mut p);
        github_roles(&mut p);
        review_and_reset_roles(&mut p);
        p.cast
    }
}

/// Chooses members for one role after another, each exclusive role from the members no
/// earlier role took.
struct Picker<'a> {
    sorted: Vec<&'a Member>,
    allowed: Option<&'a HashSet<i64>>,
    used: HashSet<i64>,
    cast: Cast,
}

impl Picker<'_> {
    fn pick(
        &mut self,
        role: Role,
        n: usize,
        what: &str,
        pred: &dyn Fn(&Member) -> bool,
        exclusive: bool,
    ) {
        // A non-exclusive role (the staff reviewer) only acts on others, so anyone fits.
        let found: Vec<Member> = self
            .sorted
            .iter()
            .filter(|m| (!exclusive || !self.used.contains(&m.laddr_id)) && pred(m))
            .take(n)
            .map(|m| (*m).clone())
            .collect();
        let shrinks = matches!(role, Role::Sha1Login | Role::BcryptLogin);
        let enough = found.len() >= n || (self.allowed.is_some() && shrinks && !found.is_empty());
        let r = if !enough && self.allowed.is_some() {
            Err(Uncast::NoTestAccount {
                needed: n,
                who: what.to_string(),
            })
        } else if !enough {
            Err(Uncast::TooFew {
                found: found.len(),
                needed: n,
                who: what.to_string(),
            })
        } else {
            if exclusive {
                self.used.extend(found.iter().map(|m| m.laddr_id));
            }
            Ok(found)
        };
        self.cast.roles.insert(role, r);
    }
}

/// Open to a claim, with an email.
fn with_email(m: &Member) -> bool {
    m.open() && m.email.is_some()
}

/// Sign-in by password: the known SHA-1 and bcrypt passwords, wrong ones, foreign hashes,
/// and the levels laddr never let in.
fn sign_in_roles(p: &mut Picker) {
    let login = |k: HashKind| {
        move |m: &Member| {
            m.open() && m.signs_in() && m.email.is_some() && m.hash == k && m.password.is_some()
        }
    };
    p.pick(
        Role::Sha1Login,
        4,
        "sign in with a known SHA-1 password and have an email",
        &login(HashKind::Sha1),
        true,
    );
    p.pick(
        Role::BcryptLogin,
        4,
        "sign in with a known bcrypt $2y$ password and have an email",
        &login(HashKind::Bcrypt2y),
        true,
    );
    p.pick(
        Role::WrongSha1,
        1,
        "have a SHA-1 hash",
        &|m| m.open() && m.signs_in() && m.hash == HashKind::Sha1,
        true,
    );
    p.pick(
        Role::WrongBcrypt,
        1,
        "have a bcrypt $2y$ hash",
        &|m| m.open() && m.signs_in() && m.hash == HashKind::Bcrypt2y,
        true,
    );
    p.pick(
        Role::Foreign,
        1,
        "have a hash in a format laddr never wrote, with a known password",
        &|m| {
            m.person_id.is_some()
                && !m.deleted
                && m.hash == HashKind::Foreign
                && m.password.is_some()
        },
        true,
    );
    p.pick(
        Role::Disabled,
        1,
        "are Disabled with a known password",
        &|m| m.level == "Disabled" && m.password.is_some(),
        true,
    );
    p.pick(
        Role::Contact,
        1,
        "are Contact level with a Username and a known password",
        &|m| m.level == "Contact" && m.password.is_some(),
        true,
    );
}

/// GitHub sign-in: by verified email, by username, unverified, several matches.
fn github_roles(p: &mut Picker) {
    p.pick(Role::GithubEmail, 1, "have an email", &with_email, true);
    p.pick(
        Role::GithubUsername,
        1,
        "have a known SHA-1 password and a slug",
        &|m| {
            m.open()
                && m.signs_in()
                && m.hash == HashKind::Sha1
                && m.password.is_some()
                && m.slug.as_ref().is_some_and(|s| s.len() >= 2)
        },
        true,
    );
    p.pick(
        Role::GithubUnverified,
        1,
        "have an email",
        &with_email,
        true,
    );
    p.pick(Role::Several, 3, "have an email", &with_email, true);
    p.pick(
        Role::SeveralUnverified,
        1,
        "have an email",
        &with_email,
        true,
    );
}

/// Staff review, declining, a second GitHub account, password resets, and the reviewer.
fn review_and_reset_roles(p: &mut Picker) {
    // Prefer someone with memberships and authored updates or buzz (most to lose).
    let refs = |m: &Member| m.open() && m.email.is_some() && m.memberships > 0;
    p.pick(
        Role::StaffReview,
        1,
        "have memberships and authored updates or buzz",
        &|m| refs(m) && m.authored > 0,
        true,
    );
    if p.cast
        .roles
        .get(&Role::StaffReview)
        .is_some_and(|r| r.is_err())
    {
        p.pick(
            Role::StaffReview,
            1,
            "have project memberships",
            &refs,
            true,
        );
    }
    p.pick(Role::Decline, 1, "have an email", &with_email, true);
    p.pick(Role::SecondLinked, 1, "have an email", &with_email, true);
    p.pick(Role::SecondOther, 1, "have an email", &with_email, true);
    p.pick(Role::Reset, 1, "have an email", &with_email, true);
    p.pick(
        Role::ResetNoEmail,
        1,
        "have no email",
        &|m| m.open() && m.email.is_none(),
        true,
    );
    p.pick(
        Role::Reviewer,
        1,
        "are staff in the new stack",
        &|m| {
            m.person_id.is_some()
                && !m.deleted
                && matches!(m.new_level.as_deref(), Some("staff" | "administrator"))
        },
        false,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: i64, hash: HashKind, email: bool, pw: bool) -> Member {
        Member {
            laddr_id: id,
            username: format!("User{id}"),
            email: email.then(|| format!("u{id}@example.invalid")),
            level: "User".into(),
            is_user: true,
            hash,
            password: pw.then(|| "pw".into()),
            person_id: Some(format!("p{id}")),
            slug: Some(format!("user{id}")),
            new_level: Some("user".into()),
            deleted: false,
            linked: false,
            memberships: (id % 3) as usize,
            authored: (id % 5 == 0) as usize,
        }
    }

    #[test]
    fn roles_take_distinct_people_from_the_top_and_say_who_is_missing() {
        let mut people: Vec<Member> = (1..=60)
            .map(|i| {
                m(
                    i,
                    if i % 2 == 0 {
                        HashKind::Sha1
                    } else {
                        HashKind::Bcrypt2y
                    },
                    i % 7 != 0,
                    true,
                )
            })
            .collect();
        people.push(Member {
            level: "Staff".into(),
            new_level: Some("staff".into()),
            ..m(61, HashKind::None, true, false)
        });
        let cast = Cast::choose(&people);
        let sha1 = cast.get(Role::Sha1Login).unwrap();
        assert_eq!(
            sha1.iter().map(|m| m.laddr_id).collect::<Vec<_>>(),
            vec![60, 58, 54, 52],
            "56 has no email"
        );
        let mut seen = HashSet::new();
        for role in [
            Role::Sha1Login,
            Role::BcryptLogin,
            Role::GithubEmail,
            Role::Several,
            Role::StaffReview,
            Role::Reset,
            Role::ResetNoEmail,
        ] {
            for x in cast.get(role).unwrap() {
                assert!(seen.insert(x.laddr_id), "{x:?} used twice");
            }
        }
        assert!(cast.get(Role::StaffReview).unwrap()[0].memberships > 0);
        assert_eq!(cast.one(Role::Reviewer).unwrap().laddr_id, 61);
        let err = cast.get(Role::Foreign).unwrap_err().to_string();
        assert!(
            err.contains("0 of the 1") && err.contains("format laddr never wrote"),
            "{err}"
        );
    }
}
