//! Redaction: the single place that decides what a secret looks like. Evidence runs every
//! string through [`redact`] when it is built, so nothing downstream can leak one.

use regex::Regex;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // bcrypt / argon2 / other modular-crypt hashes
        (r"\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}", "hash"),
        (r"\$argon2(?:id|i|d)\$[^\s\x22',]+", "hash"),
        // unsalted SHA-1 / SHA-256 hex digests as laddr and the token store keep them
        (r"\b[0-9a-fA-F]{64}\b", "hex"),
        (r"\b[0-9a-fA-F]{40}\b", "hex"),
        // e-mail addresses
        (r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", "email"),
        // JWTs (three base64url segments, the first starting with a JSON header)
        (
            r"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*",
            "jwt",
        ),
        // PEM blocks (keys, certificates stay fingerprints too)
        (
            r"-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----",
            "pem",
        ),
        // passwords in connection URLs: mysql://user:secret@host
        (
            r"(?P<scheme>[a-z][a-z0-9+.\-]*://[^:/@\s]+):[^@/\s]+@",
            "url-password",
        ),
    ]
    .into_iter()
    .map(|(re, kind)| (Regex::new(re).expect("redaction pattern compiles"), kind))
    .collect()
});

/// A short, stable fingerprint of a secret, so evidence can say "the same value" or
/// "a different value" without carrying it.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("sha256:{}", &hex::encode(digest)[..12])
}

/// Replace every secret-looking substring of `text` with a fingerprint placeholder.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    for (re, kind) in PATTERNS.iter() {
        if !re.is_match(&out) {
            continue;
        }
        out = match *kind {
            "url-password" => re.replace_all(&out, "$scheme:***@").into_owned(),
            _ => re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    format!("[{kind} {}]", fingerprint(&c[0]))
                })
                .into_owned(),
        };
    }
    out
}

/// Redact every string inside a JSON value, keys included.
pub fn redact_json(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(redact(s)),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (redact(k), redact_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_each_kind_of_secret() {
        let sha1 = "d033e22ae348aeb5660fc2140aec35850c4da997";
        let bcrypt = "$2y$10$abcdefghijklmnopqrstuuJ0Fsw0FmQmS7fL9bgqK0b0HcK4H7G2m";
        let text = format!(
            "user Ann.Lee@Example.org had {sha1} then {bcrypt}; url mysql://root:hunter2@127.0.0.1:3306/x"
        );
        let out = redact(&text);
        assert!(!out.contains("Ann.Lee@Example.org"), "{out}");
        assert!(!out.contains(sha1), "{out}");
        assert!(!out.contains(bcrypt), "{out}");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("[email sha256:"), "{out}");
        assert!(out.contains("mysql://root:***@127.0.0.1"), "{out}");
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "people: laddr 212, new stack 211; missing legacyId 57 (Tonimacattack)";
        assert_eq!(redact(text), text);
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint("a"), fingerprint("a"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
    }

    #[test]
    fn json_strings_are_redacted() {
        let v = serde_json::json!({"who": ["x@y.org"], "n": 3});
        let out = redact_json(&v).to_string();
        assert!(!out.contains("x@y.org"));
        assert!(out.contains("\"n\":3"));
    }
}
