//! Captured laddr SAMLResponses (a browser's SAML tracer, or the rehearsal's laddr-faithful
//! signer): verified against laddr's certificate, then compared field by field with what
//! the new IdP asserts for the same user. This is the runbook's byte-for-byte check.

use super::verify::{self, Verified};
use super::xml::{self, Assertion, SamlError};
use crate::Error;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Files larger than this are not captures.
const MAX_FILE: u64 = 1024 * 1024;
/// More files than this in the directory is a mistake, not a capture set.
const MAX_FILES: usize = 10_000;

/// One capture as read.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capture {
    pub file: String,
    pub read: Result<Verified, SamlError>,
}

/// The captures a run compares: from the configured directory, verified with laddr's
/// certificate.
pub fn load(setup: &super::SamlSetup) -> Result<Vec<Capture>, Error> {
    let dir = setup.captures.as_deref().ok_or_else(|| {
        Error::missing(
            "no captures directory configured (hint: [saml] captures, or CUTOVER_SAML_CAPTURES)",
        )
    })?;
    let cert = setup
        .legacy_cert
        .as_deref()
        .ok_or_else(|| Error::missing("laddr's signing certificate is not configured, so no capture can be trusted (hint: [saml] legacy_certificate, or CUTOVER_SAML_LEGACY_CERT)"))?;
    read_dir(dir, cert)
}

/// Read every `*.xml`, `*.b64` and `*.txt` file of a directory, sorted by name.
pub fn read_dir(dir: &Path, legacy_cert: &[u8]) -> Result<Vec<Capture>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|x| x.to_str()),
                    Some("xml" | "b64" | "txt")
                )
        })
        .collect();
    if files.len() > MAX_FILES {
        return Err(Error::Invalid {
            what: dir.display().to_string(),
            expected: format!("{} files, more than the {MAX_FILES} accepted", files.len()),
        });
    }
    files.sort();
    Ok(files.iter().map(|p| read_one(p, legacy_cert)).collect())
}

pub fn read_one(path: &Path, legacy_cert: &[u8]) -> Capture {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let read = (|| {
        let len = std::fs::metadata(path)
            .map_err(|e| SamlError::Malformed(e.to_string()))?
            .len();
        if len > MAX_FILE {
            return Err(SamlError::TooLarge(len as usize, MAX_FILE as usize));
        }
        let text = std::fs::read_to_string(path).map_err(|_| SamlError::NotUtf8)?;
        let doc = if text.trim_start().starts_with('<') {
            text
        } else {
            xml::decode_base64(&text)?
        };
        verify::verify_response(&doc, &[legacy_cert.to_vec()])
    })();
    Capture { file, read }
}

/// A difference between the captured laddr assertion and the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub field: &'static str,
    /// Breaks continuity (NameID, Issuer, email) rather than being advisory.
    pub breaking: bool,
    pub laddr: String,
    pub new: String,
}

/// Compare two assertions field by field. Email values are compared case-insensitively (as
/// Slack does) and reported without their values.
pub fn compare(laddr: &Assertion, new: &Assertion) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut field = |field: &'static str, breaking: bool, a: Option<&str>, b: Option<&str>| {
        if a != b {
            out.push(Difference {
                field,
                breaking,
                laddr: a.unwrap_or("(absent)").into(),
                new: b.unwrap_or("(absent)").into(),
            });
        }
    };
    let (ln, nn) = (
        laddr.name_id.clone().unwrap_or_default(),
        new.name_id.clone().unwrap_or_default(),
    );
    field(
        "NameID",
        true,
        laddr.name_id.as_ref().map(|n| n.value.as_str()),
        new.name_id.as_ref().map(|n| n.value.as_str()),
    );
    field(
        "NameID Format",
        true,
        ln.format.as_deref(),
        nn.format.as_deref(),
    );
    field(
        "NameID NameQualifier",
        true,
        ln.name_qualifier.as_deref(),
        nn.name_qualifier.as_deref(),
    );
    field(
        "NameID SPNameQualifier",
        true,
        ln.sp_name_qualifier.as_deref(),
        nn.sp_name_qualifier.as_deref(),
    );
    field(
        "Issuer",
        true,
        laddr.issuer.as_deref(),
        new.issuer.as_deref(),
    );
    field(
        "User.Username",
        false,
        laddr.attribute("User.Username"),
        new.attribute("User.Username"),
    );
    field(
        "first_name",
        false,
        laddr.attribute("first_name"),
        new.attribute("first_name"),
    );
    field(
        "last_name",
        false,
        laddr.attribute("last_name"),
        new.attribute("last_name"),
    );
    let (le, ne) = (
        laddr.attribute("User.Email").map(str::to_lowercase),
        new.attribute("User.Email").map(str::to_lowercase),
    );
    if le != ne {
        out.push(Difference {
            field: "User.Email",
            breaking: true,
            laddr: "(laddr's address)".into(),
            new: "(another address)".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, email: &str, first: &str) -> Assertion {
        let mut a = Assertion {
            issuer: Some("codeforphilly.org".into()),
            name_id: Some(xml::NameId {
                value: name.into(),
                format: Some(xml::PERSISTENT.into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        a.attributes.insert("User.Email".into(), vec![email.into()]);
        a.attributes.insert("first_name".into(), vec![first.into()]);
        a
    }

    #[test]
    fn hostile_capture_files_are_clear_failures_and_nothing_is_fetched() {
        let dir = tempfile::tempdir().unwrap();
        let b64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s);
        let files = [
            ("a-not-base64.b64", "this is not base64 %%%".to_string()),
            // An external entity pointing at a local port: refused before any parser sees it.
            ("b-xxe.xml", r#"<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&x;</samlp:Response>"#.into()),
            ("c-bomb.b64", b64(r#"<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>"#)),
            ("d-unsigned.xml", r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Assertion ID="_a"/></samlp:Response>"#.into()),
            ("e-deep.xml", "<a>".repeat(10_000)),
            ("f-not-saml.txt", b64("<html/>")),
        ];
        for (name, body) in &files {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
        std::fs::write(dir.path().join("g-huge.xml"), vec![b'<'; 2 * 1024 * 1024]).unwrap();
        std::fs::write(dir.path().join("ignored.md"), "not a capture").unwrap();
        let caps = read_dir(dir.path(), b"not a certificate").unwrap();
        let got: Vec<(String, String)> = caps
            .iter()
            .map(|c| (c.file.clone(), c.read.as_ref().unwrap_err().to_string()))
            .collect();
        let expect = [
            "not base64",
            "DOCTYPE",
            "DOCTYPE",
            "no Signature",
            "nested more than",
            "not a SAML Response",
            "limit",
        ];
        assert_eq!(got.len(), expect.len(), "{got:?}");
        for ((file, err), want) in got.iter().zip(expect) {
            assert!(err.contains(want), "{file}: {err}");
        }
    }

    #[test]
    fn differences_are_named_and_weighed() {
        assert!(compare(&a("Q", "q@x.org", "Q"), &a("Q", "Q@X.org", "Q")).is_empty());
        let d = compare(&a("Q", "q@x.org", "Q"), &a("q", "q@x.org", "Quinn"));
        assert_eq!(
            d.iter().map(|d| (d.field, d.breaking)).collect::<Vec<_>>(),
            vec![("NameID", true), ("first_name", false)]
        );
        let d = compare(&a("Q", "q@x.org", "Q"), &a("Q", "z@x.org", "Q"));
        assert_eq!(d[0].field, "User.Email");
        assert!(
            !format!("{d:?}").contains("z@x.org"),
            "email values never reach evidence"
        );
    }
}
