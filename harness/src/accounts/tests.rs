use super::*;
use crate::datarepo::parse_tree;
use crate::private::parse_jsonl;

/// A data repo with one person per `(uuid, legacyId, slug, extra TOML)`.
fn snap(people: &[(&str, i64, &str, &str)]) -> Snapshot {
    let mut files = vec![(
        ".gitsheets/people.toml".to_string(),
        b"[gitsheet]\nroot = 'people'\npath = '${{ slug }}'\n".to_vec(),
    )];
    for (id, legacy, slug, extra) in people {
        let text = format!("id = '{id}'\nlegacyId = {legacy}\nslug = '{slug}'\n{extra}");
        files.push((format!("people/{slug}.toml"), text.into_bytes()));
    }
    parse_tree("c".into(), files)
}

fn store(profiles: &str, passwords: &str) -> PrivateStore {
    let mut problems = Vec::new();
    let profiles = parse_jsonl(profiles, crate::private::PROFILES, &mut problems);
    let passwords = parse_jsonl(passwords, crate::private::PASSWORDS, &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    PrivateStore {
        profiles,
        passwords,
        problems,
    }
}

fn legacy(id: i64, password: Option<&str>, newsletter: Option<i64>) -> LegacyPerson {
    LegacyPerson {
        id,
        username: format!("u{id}"),
        email: Some(format!("u{id}@example.org")),
        password: password.map(str::to_string),
        newsletter,
        expected: Default::default(),
    }
}

fn profile(person: &str, opted_in: bool) -> String {
    let token = if opted_in { "\"t\"" } else { "null" };
    format!(
        r#"{{"personId":"{person}","email":"{person}@example.org","newsletter":{{"optedIn":{opted_in},"unsubscribeToken":{token}}}}}"#
    )
}

fn password(person: &str, hash: &str) -> String {
    format!(r#"{{"personId":"{person}","passwordHash":"{hash}"}}"#)
}

const SHA1: &str = "0123456789abcdef0123456789abcdef01234567";

#[test]
fn a_credential_laddr_did_not_have_fails() {
    let snap = snap(&[("a", 1, "ann", ""), ("b", 2, "bob", "")]);
    let people = [legacy(1, Some(SHA1), Some(1)), legacy(2, None, Some(1))];
    let good = store("", &password("a", SHA1));
    assert_eq!(
        no_foreign_credentials(&people, &snap, &good).outcome,
        Outcome::Pass
    );
    for (bad, said) in [
        (password("b", SHA1), "laddr had no password"),
        (password("z", SHA1), "credential for no person"),
        (password("a", "plain"), "format laddr never wrote"),
    ] {
        let ev = no_foreign_credentials(&people, &snap, &store("", &bad));
        assert_eq!(ev.outcome, Outcome::Fail, "{bad}");
        assert!(
            ev.details.iter().any(|d| d.contains(said)),
            "{:?}",
            ev.details
        );
    }
}

#[test]
fn a_member_who_would_stop_or_start_receiving_the_newsletter_fails() {
    let snap = snap(&[("a", 1, "ann", ""), ("b", 2, "bob", "")]);
    // laddr's NULL reads as subscribed.
    let people = [legacy(1, None, None), legacy(2, None, Some(0))];
    let both = |a: bool, b: bool| store(&[profile("a", a), profile("b", b)].join("\n"), "");
    assert_eq!(
        newsletter_continuity(&people, &snap, &both(true, false)).outcome,
        Outcome::Pass
    );
    for (a, b, said) in [(false, false, "would stop"), (true, true, "would start")] {
        let ev = newsletter_continuity(&people, &snap, &both(a, b));
        assert_eq!(ev.outcome, Outcome::Fail, "{a} {b}");
        assert!(
            ev.details.iter().any(|d| d.contains(said)),
            "{:?}",
            ev.details
        );
    }
}

#[test]
fn a_github_linked_password_holder_is_listed_and_fails_only_under_strict_drain() {
    let snap = snap(&[("a", 1, "ann", "githubUserId = 7\n"), ("b", 2, "bob", "")]);
    let people = [legacy(1, Some(SHA1), None), legacy(2, Some(SHA1), None)];
    let count = |passwords: &[String], strict| {
        class(
            Class::GithubLinkedWithPassword,
            &people,
            &snap,
            &store("", &passwords.join("\n")),
            strict,
        )
    };
    let unlinked_only = [password("b", SHA1)];
    assert_eq!(count(&unlinked_only, true).outcome, Outcome::Pass);
    let linked = [password("a", SHA1), password("b", SHA1)];
    let lenient = count(&linked, false);
    assert_eq!(lenient.outcome, Outcome::Advisory);
    assert!(lenient
        .details
        .iter()
        .any(|d| d.contains("ann is linked to GitHub")));
    let strict = count(&linked, true);
    assert_eq!(strict.outcome, Outcome::Fail);
    assert!(strict
        .details
        .iter()
        .any(|d| d.contains("ann is linked to GitHub")));
}
