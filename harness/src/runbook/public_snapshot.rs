//! T+7d: the public snapshot (the data repo copy anyone may clone) holds nothing private, in
//! any file of any commit and in no commit's author line: no laddr email, no password hash
//! (laddr's or any bcrypt/argon2 one), no private key, no private-store field or file. What
//! is found is named by where it is and whose it is, never by its value.

use crate::evidence::{Evidence, Outcome};
use crate::reconcile::LegacyPerson;
use crate::Error;
use regex::Regex;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::LazyLock;

/// The private store's fields (new-stack.md §3), as TOML or JSON keys.
const PRIVATE_KEYS: &str =
    "email|emailRefreshedAt|newsletter|unsubscribeToken|passwordHash|password|tokenHash";
/// The private store's files.
const PRIVATE_FILES: [&str; 5] = [
    "profiles.jsonl",
    "legacy-passwords.jsonl",
    "account-claim-requests.jsonl",
    "password-tokens.jsonl",
    "session-metadata.json",
];

static KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?m)^\s*(?:\[\s*)?"?({PRIVATE_KEYS})"?\s*(?:[=:\]])"#
    ))
    .expect("valid")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+").expect("valid"));
static HASH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}|\$argon2(?:id|i|d)\$|\b[0-9a-f]{40}\b")
        .expect("valid")
});

/// What laddr's people would leak: email and password hash → laddr ID.
pub struct Secrets {
    emails: HashMap<String, i64>,
    hashes: HashMap<String, i64>,
}

impl Secrets {
    pub fn of(people: &[LegacyPerson]) -> Self {
        let mut s = Secrets {
            emails: HashMap::new(),
            hashes: HashMap::new(),
        };
        for p in people {
            if let Some(e) = &p.email {
                s.emails.insert(e.to_lowercase(), p.id);
            }
            if let Some(h) = p.password.as_ref().filter(|h| !h.is_empty()) {
                s.hashes.insert(h.clone(), p.id);
            }
        }
        s
    }
}

/// Findings in one object's text (`at` names it: a path, or a commit).
pub fn scan_text(at: &str, text: &str, secrets: &Secrets, out: &mut Vec<String>) {
    for m in EMAIL.find_iter(text) {
        if let Some(id) = secrets.emails.get(&m.as_str().to_lowercase()) {
            out.push(format!("{at}: the laddr email of legacy {id}"));
        }
    }
    for m in HASH.find_iter(text) {
        match secrets.hashes.get(m.as_str()) {
            Some(id) => out.push(format!("{at}: the laddr password hash of legacy {id}")),
            // A 40-hex string is also a git id or a checksum: only laddr's are hashes.
            None if m.as_str().starts_with('$') => out.push(format!("{at}: a password hash")),
            None => {}
        }
    }
    if text.contains("PRIVATE KEY-----") {
        out.push(format!("{at}: a private key"));
    }
    for c in KEY.captures_iter(text) {
        out.push(format!("{at}: the private field `{}`", &c[1]));
    }
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("--git-dir").arg(repo).env_remove("GIT_DIR");
    c
}

/// Every object's path (the first one it is reachable at), for naming findings.
fn paths(repo: &Path) -> Result<HashMap<String, String>, Error> {
    let out = git(repo)
        .args(["rev-list", "--objects", "--all"])
        .output()
        .map_err(|e| Error::io("cannot run git", e))?;
    if !out.status.success() {
        return Err(Error::command(
            "git rev-list",
            String::from_utf8_lossy(&out.stderr).trim(),
        ));
    }
    let mut map = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((sha, path)) = line.split_once(' ') {
            map.entry(sha.to_string())
                .or_insert_with(|| path.to_string());
        }
    }
    Ok(map)
}

/// Scan every blob and commit of `repo`; returns (objects read, findings).
pub fn scan(repo: &Path, secrets: &Secrets) -> Result<(usize, Vec<String>), Error> {
    let names = paths(repo)?;
    let mut findings = Vec::new();
    for (name, sha) in names.iter().map(|(sha, p)| (p, sha)) {
        let file = name.rsplit('/').next().unwrap_or(name);
        if PRIVATE_FILES.contains(&file) {
            findings.push(format!("{name}: a private store file ({sha:.12})"));
        }
    }
    let mut child = git(repo)
        .args(["cat-file", "--batch-all-objects", "--batch", "--unordered"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io("cannot run git", e))?;
    let mut r = BufReader::new(child.stdout.take().expect("piped"));
    let mut objects = 0;
    let mut header = String::new();
    let read = |e| Error::io("git cat-file", e);
    while r.read_line(&mut header).map_err(read)? > 0 {
        let parts: Vec<&str> = header.split_whitespace().collect();
        let (sha, kind, size) = match parts.as_slice() {
            [sha, kind, size] => (
                sha.to_string(),
                kind.to_string(),
                size.parse::<usize>().unwrap_or(0),
            ),
            _ => {
                return Err(Error::command(
                    "git cat-file",
                    format!("unexpected header {header:?}"),
                ))
            }
        };
        let mut body = vec![0; size + 1];
        r.read_exact(&mut body).map_err(read)?;
        objects += 1;
        if kind == "blob" || kind == "commit" || kind == "tag" {
            let at = match (kind.as_str(), names.get(&sha)) {
                ("blob", Some(p)) => p.clone(),
                _ => format!("{kind} {sha:.12}"),
            };
            scan_text(
                &at,
                &String::from_utf8_lossy(&body[..size]),
                secrets,
                &mut findings,
            );
        }
        header.clear();
    }
    let _ = child.wait();
    findings.sort();
    findings.dedup();
    Ok((objects, findings))
}

pub fn judge(location: &str, scanned: Result<(usize, Vec<String>), Error>) -> Evidence {
    let check = "the public snapshot holds no email, password hash, private key or private field";
    match scanned {
        Err(e) => Evidence::could_not(check, e),
        Ok((n, found)) if found.is_empty() => Evidence::new(
            check,
            Outcome::Pass,
            format!("{n} objects of every commit searched: nothing private"),
        )
        .detail(format!("snapshot: {}", crate::redact::redact(location))),
        Ok((n, found)) => Evidence::new(
            check,
            Outcome::Fail,
            format!(
                "{} private item(s) in {n} objects: {} — do not publish it",
                found.len(),
                found[0]
            ),
        )
        .details(found.into_iter().take(crate::preflight::SAMPLE * 2)),
    }
}

/// Boot a second instance of the stack on a copy of the snapshot with an empty private
/// store: it must become ready and serve a member's and a project's page.
pub async fn boots(launcher: &dyn super::launch::Launch, repo: &Path, branch: &str) -> Evidence {
    let check = "the public snapshot boots the stack with an empty private store";
    let empty = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return Evidence::could_not(check, e),
    };
    let scratch = match crate::tools::scratch::Scratch::copy(repo, branch, empty.path()) {
        Ok(s) => s,
        Err(e) => return Evidence::could_not(check, e),
    };
    let env = match super::launch::on(launcher.base_env(), &scratch) {
        Ok(e) => e,
        Err(e) => return Evidence::could_not(check, e),
    };
    let read = crate::datarepo::DataRepo::open(&scratch.data_repo.display().to_string(), branch)
        .and_then(|r| r.snapshot());
    let snap = match read {
        Ok(s) => s,
        Err(e) => {
            return Evidence::new(
                check,
                Outcome::Fail,
                format!("the snapshot cannot be read as a data repo: {e}"),
            )
        }
    };
    let stack = match super::launch::ready(launcher, env).await {
        Ok(s) => s,
        Err(e) => {
            return Evidence::new(
                check,
                Outcome::Fail,
                format!("the stack did not boot on it: {e}"),
            )
        }
    };
    let probes = match super::probes::round(&snap) {
        Ok(p) => p,
        Err(e) => {
            stack.stop().await;
            return Evidence::new(check, Outcome::Fail, e.to_string());
        }
    };
    let pages: Vec<_> = probes
        .into_iter()
        .filter(|p| {
            p.path.starts_with(crate::routes::PEOPLE_PREFIX)
                || p.path.starts_with(crate::routes::PROJECTS_PREFIX)
                || p.name == "readiness"
        })
        .collect();
    let ev = match crate::target::TargetClient::new(&stack.base_url) {
        Ok(client) => super::probes::run(&client, &pages).await,
        Err(e) => Evidence::could_not(check, e),
    };
    stack.stop().await;
    let mut ev = ev;
    ev.check = check.to_string();
    ev.detail(format!(
        "ready after {:.1} s, started with {}",
        stack.ready_after.as_secs_f64(),
        launcher.describe()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        let p = |id, email: &str, hash: &str| LegacyPerson {
            id,
            username: format!("u{id}"),
            email: Some(email.into()),
            password: Some(hash.into()),
            newsletter: None,
            expected: Default::default(),
        };
        Secrets::of(&[p(
            7,
            "Ann@Example.org",
            "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
        )])
    }

    #[test]
    fn laddr_emails_hashes_keys_and_private_fields_are_found_by_whose_they_are() {
        let s = secrets();
        let mut out = Vec::new();
        scan_text(
            "people/ann.toml",
            "fullName = \"Ann\"\nbio = \"mail ann@example.org\"\n",
            &s,
            &mut out,
        );
        assert_eq!(out, vec!["people/ann.toml: the laddr email of legacy 7"]);
        let mut out = Vec::new();
        scan_text(
            "x",
            "email = \"someone@else.org\"\nh = \"5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8\"\n",
            &s,
            &mut out,
        );
        assert!(
            out.contains(&"x: the private field `email`".to_string()),
            "{out:?}"
        );
        assert!(out.iter().any(|l| l.contains("password hash of legacy 7")));
        assert!(
            !out.iter().any(|l| l.contains("5baa61")),
            "values are never shown"
        );
        let mut out = Vec::new();
        scan_text("c", "contact = \"info@codeforphilly.org\"\ncommit 0123456789abcdef0123456789abcdef01234567\n", &s, &mut out);
        assert!(
            out.is_empty(),
            "public addresses and git ids are not private: {out:?}"
        );
        let mut out = Vec::new();
        scan_text("k", "-----BEGIN PRIVATE KEY-----\n$2y$10$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1\n[newsletter]\n", &s, &mut out);
        assert_eq!(out.len(), 3, "{out:?}");
    }
}
