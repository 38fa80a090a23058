//! Known passwords: the plaintexts the run knows (never reported), and the format of a
//! laddr password hash.

use crate::Error;
use serde::Deserialize;

/// A password whose plaintext the run knows (laddr id and username; never reported).
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KnownPassword {
    pub person_id: i64,
    pub username: String,
    #[serde(default)]
    pub scheme: String,
    pub plaintext: String,
}

impl std::fmt::Debug for KnownPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnownPassword(laddr {})", self.person_id)
    }
}

/// Read a known-passwords file: a JSON array of `{personId, username, scheme?, plaintext}`.
pub fn read_passwords(path: &std::path::Path) -> Result<Vec<KnownPassword>, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("known passwords {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::Config(format!("known passwords {}: not a JSON array of {{personId, username, plaintext}}: line {} column {}", path.display(), e.line(), e.column()))
    })
}

/// The format of a laddr password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    Sha1,
    /// bcrypt written by PHP's `password_hash`: `$2y$`.
    Bcrypt2y,
    Bcrypt,
    /// Anything laddr's code would not verify.
    Foreign,
    None,
}

impl HashKind {
    pub fn of(hash: Option<&str>) -> Self {
        match hash {
            None | Some("") => HashKind::None,
            Some(h)
                if h.len() == 40
                    && h.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                HashKind::Sha1
            }
            Some(h) if h.len() == 60 && h.starts_with("$2y$") => HashKind::Bcrypt2y,
            Some(h) if h.len() == 60 && (h.starts_with("$2a$") || h.starts_with("$2b$")) => {
                HashKind::Bcrypt
            }
            Some(_) => HashKind::Foreign,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_kinds() {
        assert_eq!(
            HashKind::of(Some("d033e22ae348aeb5660fc2140aec35850c4da997")),
            HashKind::Sha1
        );
        assert_eq!(
            HashKind::of(Some(&format!("$2y$10${}", "a".repeat(53)))),
            HashKind::Bcrypt2y
        );
        assert_eq!(
            HashKind::of(Some("{SHA}0DPiKuNIrrVmD8IUCuw1hQxNqZc=")),
            HashKind::Foreign
        );
        assert_eq!(HashKind::of(None), HashKind::None);
    }
}
