//! The new stack's private store: `profiles.jsonl` and `legacy-passwords.jsonl` (one JSON
//! object per line). Every line is parsed strictly (unknown fields are errors, so a renamed
//! field cannot hide); a line that does not parse becomes a [`Problem`] naming file and line
//! while the rest is still read.

use crate::datarepo::Problem;
use crate::Error;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Newsletter {
    pub opted_in: bool,
    pub opted_in_at: Option<String>,
    pub opted_out_at: Option<String>,
    pub unsubscribe_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Profile {
    pub person_id: String,
    pub email: String,
    pub email_refreshed_at: Option<String>,
    pub newsletter: Option<Newsletter>,
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacyPassword {
    pub person_id: String,
    pub password_hash: String,
    pub imported_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// One record with the line it came from.
#[derive(Debug, Clone)]
pub struct Line<T> {
    pub line: usize,
    pub value: T,
}

#[derive(Debug, Default)]
pub struct PrivateStore {
    pub profiles: Vec<Line<Profile>>,
    pub passwords: Vec<Line<LegacyPassword>>,
    pub problems: Vec<Problem>,
}

pub const PROFILES: &str = "profiles.jsonl";
pub const PASSWORDS: &str = "legacy-passwords.jsonl";

impl PrivateStore {
    pub fn read(dir: &Path) -> Result<Self, Error> {
        let mut store = PrivateStore::default();
        store.profiles = read_jsonl(&dir.join(PROFILES), PROFILES, &mut store.problems)?;
        store.passwords = read_jsonl(&dir.join(PASSWORDS), PASSWORDS, &mut store.problems)?;
        Ok(store)
    }
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(
    path: &Path,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Result<Vec<Line<T>>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::PrivateStore {
        path: path.display().to_string(),
        message: format!(
            "cannot read: {e} (hint: CUTOVER_PRIVATE_STORE must be the directory holding {name})"
        ),
    })?;
    Ok(parse_jsonl(&text, name, problems))
}

/// Parse JSONL text; `name` labels problems.
pub fn parse_jsonl<T: for<'de> Deserialize<'de>>(
    text: &str,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Line<T>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<T>(raw) {
            Ok(value) => out.push(Line { line: i + 1, value }),
            // serde may quote a value; evidence redacts it where the message is used.
            Err(e) => problems.push(Problem {
                path: name.to_string(),
                line: Some(i + 1),
                message: e.to_string(),
            }),
        }
    }
    out
}

/// A hash laddr could have written: 40 lowercase hex (unsalted SHA-1) or bcrypt `$2y$`.
pub fn is_laddr_hash(h: &str) -> bool {
    (h.len() == 40
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        || (h.len() == 60
            && (h.starts_with("$2y$") || h.starts_with("$2a$") || h.starts_with("$2b$")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named_and_the_rest_is_read() {
        let text = concat!(
            r#"{"personId":"a","email":"a@x.org","emailRefreshedAt":null,"newsletter":null,"updatedAt":null}"#,
            "\n",
            r#"{"personId":"b","email":"b@x.o"#,
            "\n",
            r#"{"personId":"c","email":"c@x.org","nickname":"c"}"#,
            "\n\n",
            r#"{"personId":"d","email":"d@x.org","newsletter":{"optedIn":true,"unsubscribeToken":"t"}}"#,
            "\n"
        );
        let mut problems = Vec::new();
        let rows: Vec<Line<Profile>> = parse_jsonl(text, PROFILES, &mut problems);
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![1, 5]);
        assert_eq!(
            problems.iter().map(|p| p.line).collect::<Vec<_>>(),
            vec![Some(2), Some(3)]
        );
        assert!(
            problems[1].message.contains("nickname"),
            "{}",
            problems[1].message
        );
    }

    #[test]
    fn laddr_hash_shapes() {
        assert!(is_laddr_hash("d033e22ae348aeb5660fc2140aec35850c4da997"));
        assert!(!is_laddr_hash("D033E22AE348AEB5660FC2140AEC35850C4DA997"));
        assert!(is_laddr_hash(&format!("$2y$10${}", "a".repeat(53))));
        assert!(!is_laddr_hash("$argon2id$v=19$m=19456,t=2,p=1$abc$def"));
    }
}
