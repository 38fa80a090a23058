//! SAML XML read as untrusted input: size-capped, DOCTYPEs refused (so no entity is ever
//! expanded and nothing is ever fetched), node count bounded, then the fields a continuity
//! check needs lifted out of a Response and its Assertions.

use super::shared::{shared, Shared};
use base64::Engine;
use roxmltree::{Document, Node, ParsingOptions};
use serde::Serialize;
use std::collections::BTreeMap;

/// Largest SAMLResponse accepted, decoded. laddr's were about 8 KiB.
pub const MAX_DOCUMENT: usize = 256 * 1024;
const MAX_NODES: u32 = 20_000;
/// Deepest element nesting accepted (a SAML Response is about 8 deep). The parser recurses,
/// so a deeper document is refused before it is parsed.
pub const MAX_DEPTH: usize = 64;

pub const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
pub const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
pub const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

/// Why a SAML document was not accepted. Every variant is a clear, failed check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    #[error("not base64: {0}")]
    Base64(String),
    #[error("{0} bytes is more than the {1}-byte limit")]
    TooLarge(usize, usize),
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("refused: the document declares a DOCTYPE (DTDs and entities are never processed or fetched)")]
    Doctype,
    #[error("elements nested more than {0} deep")]
    TooDeep(usize),
    #[error("not well-formed XML: {0}")]
    Malformed(String),
    #[error("the root element is {0}, not a SAML Response")]
    NotResponse(String),
    #[error("the Response carries no Assertion")]
    NoAssertion,
    #[error(
        "the Response carries an EncryptedAssertion, which Slack's configuration does not use"
    )]
    Encrypted,
    #[error("the Response carries no Signature at all")]
    MissingSignature,
    #[error("the signature does not verify against the expected certificate ({0})")]
    BadSignature(String),
    #[error("no signed Assertion: only {0} was signed")]
    NoSignedAssertion(String),
}

impl Serialize for SamlError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// A NameID as asserted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NameId {
    pub value: String,
    pub format: Option<Shared>,
    pub name_qualifier: Option<Shared>,
    pub sp_name_qualifier: Option<Shared>,
}

/// The fields of one Assertion a continuity check reads. Times are Unix seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Assertion {
    pub id: Option<String>,
    pub issuer: Option<Shared>,
    pub name_id: Option<NameId>,
    pub confirmation_method: Option<Shared>,
    pub recipient: Option<Shared>,
    pub confirmation_not_on_or_after: Option<i64>,
    pub confirmation_in_response_to: Option<String>,
    pub not_before: Option<i64>,
    pub not_on_or_after: Option<i64>,
    pub audiences: Vec<Shared>,
    pub authn_context: Option<Shared>,
    pub attributes: BTreeMap<Shared, Vec<String>>,
    /// An enveloped `ds:Signature` is a direct child (not proof of anything until verified).
    pub has_signature: bool,
}

impl Assertion {
    pub fn name_id_value(&self) -> Option<&str> {
        self.name_id.as_ref().map(|n| n.value.as_str())
    }

    /// The single value of an attribute (laddr asserted each once).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

/// A Response as read naively: every Assertion in document order, wherever it sits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub id: Option<String>,
    pub destination: Option<Shared>,
    pub in_response_to: Option<String>,
    pub issuer: Option<Shared>,
    pub status: Option<Shared>,
    /// Shared: the signed one is usually the same Assertion, held once.
    pub assertions: Vec<std::sync::Arc<Assertion>>,
    pub has_signature: bool,
    /// `ds:Signature` elements anywhere in the document.
    pub signatures: usize,
    /// SignatureMethod algorithms, in document order.
    pub signature_methods: Vec<Shared>,
}

/// Decode a SAMLResponse as a form or a SAML tracer gives it: base64 with any whitespace,
/// optionally `SAMLResponse=` and percent-encoded.
pub fn decode_base64(input: &str) -> Result<String, SamlError> {
    if input.len() > MAX_DOCUMENT * 4 / 3 + 4096 {
        return Err(SamlError::TooLarge(
            input.len(),
            MAX_DOCUMENT * 4 / 3 + 4096,
        ));
    }
    let mut s = input.trim();
    if let Some(rest) = s.strip_prefix("SAMLResponse=") {
        s = rest;
    }
    let unescaped;
    if s.contains('%') {
        // `+` stays `+`: base64 has no spaces, so a `+` is never an encoded space here.
        unescaped = percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map_err(|_| SamlError::Base64("bad percent-encoding".into()))?
            .into_owned();
        s = &unescaped;
    }
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| SamlError::Base64(e.to_string()))?;
    if bytes.len() > MAX_DOCUMENT {
        return Err(SamlError::TooLarge(bytes.len(), MAX_DOCUMENT));
    }
    String::from_utf8(bytes).map_err(|_| SamlError::NotUtf8)
}

/// Parse untrusted XML: size-capped, DOCTYPE refused, node count bounded.
pub fn parse(text: &str) -> Result<Document<'_>, SamlError> {
    if text.len() > MAX_DOCUMENT {
        return Err(SamlError::TooLarge(text.len(), MAX_DOCUMENT));
    }
    if text.contains("<!DOCTYPE") || text.contains("<!doctype") {
        return Err(SamlError::Doctype);
    }
    if nesting_exceeds(text.as_bytes(), MAX_DEPTH) {
        return Err(SamlError::TooDeep(MAX_DEPTH));
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
    };
    Document::parse_with_options(text, opts).map_err(|e| match e {
        roxmltree::Error::DtdDetected => SamlError::Doctype,
        other => SamlError::Malformed(other.to_string()),
    })
}

/// Whether element nesting goes deeper than `limit`, by a scan that skips comments, CDATA,
/// processing instructions and declarations (where a `<` does not open an element). Errs on
/// the side of "too deep": malformed input is left for the parser to reject.
fn nesting_exceeds(b: &[u8], limit: usize) -> bool {
    let find = |from: usize, pat: &[u8]| {
        b[from..]
            .windows(pat.len())
            .position(|w| w == pat)
            .map(|p| from + p + pat.len())
    };
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &b[i..];
        let skip_to = if rest.starts_with(b"<!--") {
            find(i + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            find(i + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            find(i + 2, b"?>")
        } else if rest.starts_with(b"<!") {
            find(i + 2, b">")
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            find(i + 2, b">")
        } else {
            // An opening tag: find its end outside quoted attribute values.
            let mut j = i + 1;
            let mut quote = 0u8;
            while j < b.len() && !(quote == 0 && b[j] == b'>') {
                match b[j] {
                    q @ (b'"' | b'\'') if quote == 0 => quote = q,
                    q if q == quote => quote = 0,
                    _ => {}
                }
                j += 1;
            }
            if j < b.len() && b[j - 1] != b'/' {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            Some(j + 1)
        };
        match skip_to {
            Some(next) => i = next,
            None => return false,
        }
    }
    false
}

fn is(n: &Node, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(ns)
}

fn child<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(c, ns, name))
}

fn attr(n: Option<Node>, name: &str) -> Option<String> {
    n.and_then(|n| n.attribute(name)).map(str::to_string)
}

/// An attribute whose value repeats across readings.
fn attr_shared(n: Option<Node>, name: &str) -> Option<Shared> {
    n.and_then(|n| n.attribute(name)).map(shared)
}

/// An element's trimmed text, repeated across readings.
fn text_shared(n: Option<Node>) -> Option<Shared> {
    n.map(|n| shared(n.text().unwrap_or_default().trim()))
}

/// An xs:dateTime as Unix seconds.
pub fn time_of(s: Option<String>) -> Option<i64> {
    let s = s?;
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Read one Assertion element.
pub fn read_assertion(a: Node) -> Assertion {
    let subject = child(a, NS_SAML, "Subject");
    let name_id = subject
        .and_then(|s| child(s, NS_SAML, "NameID"))
        .map(|n| NameId {
            value: n.text().unwrap_or_default().to_string(),
            format: n.attribute("Format").map(shared),
            name_qualifier: n.attribute("NameQualifier").map(shared),
            sp_name_qualifier: n.attribute("SPNameQualifier").map(shared),
        });
    let confirmation = subject.and_then(|s| child(s, NS_SAML, "SubjectConfirmation"));
    let data = confirmation.and_then(|c| child(c, NS_SAML, "SubjectConfirmationData"));
    let conditions = child(a, NS_SAML, "Conditions");
    let audiences = conditions
        .map(|c| {
            c.children()
                .filter(|r| is(r, NS_SAML, "AudienceRestriction"))
                .flat_map(|r| {
                    r.children()
                        .filter(|x| is(x, NS_SAML, "Audience"))
                        .map(|x| shared(x.text().unwrap_or_default().trim()))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut attributes: BTreeMap<Shared, Vec<String>> = BTreeMap::new();
    for st in a
        .children()
        .filter(|c| is(c, NS_SAML, "AttributeStatement"))
    {
        for at in st.children().filter(|c| is(c, NS_SAML, "Attribute")) {
            let name = shared(at.attribute("Name").unwrap_or_default());
            let values = at
                .children()
                .filter(|v| is(v, NS_SAML, "AttributeValue"))
                .map(|v| v.text().unwrap_or_default().to_string());
            attributes.entry(name).or_default().extend(values);
        }
    }
    let authn_context = child(a, NS_SAML, "AuthnStatement")
        .and_then(|s| child(s, NS_SAML, "AuthnContext"))
        .and_then(|c| child(c, NS_SAML, "AuthnContextClassRef"))
        .and_then(|r| r.text())
        .map(|t| shared(t.trim()));
    Assertion {
        id: a.attribute("ID").map(str::to_string),
        issuer: text_shared(child(a, NS_SAML, "Issuer")),
        name_id,
        confirmation_method: attr_shared(confirmation, "Method"),
        recipient: attr_shared(data, "Recipient"),
        confirmation_not_on_or_after: time_of(attr(data, "NotOnOrAfter")),
        confirmation_in_response_to: attr(data, "InResponseTo"),
        not_before: time_of(attr(conditions, "NotBefore")),
        not_on_or_after: time_of(attr(conditions, "NotOnOrAfter")),
        audiences,
        authn_context,
        attributes,
        has_signature: child(a, NS_DS, "Signature").is_some(),
    }
}

/// Read a Response naively: the fields as written, every Assertion wherever it sits.
pub fn read_response(xml: &str) -> Result<Response, SamlError> {
    let doc = parse(xml)?;
    read_response_doc(&doc)
}

pub fn read_response_doc(doc: &Document) -> Result<Response, SamlError> {
    let root = doc.root_element();
    if !is(&root, NS_SAMLP, "Response") {
        return Err(SamlError::NotResponse(format!(
            "{:?}",
            root.tag_name().name()
        )));
    }
    if root
        .descendants()
        .any(|n| is(&n, NS_SAML, "EncryptedAssertion"))
    {
        return Err(SamlError::Encrypted);
    }
    let status = child(root, NS_SAMLP, "Status")
        .and_then(|s| child(s, NS_SAMLP, "StatusCode"))
        .and_then(|c| c.attribute("Value"));
    let signatures: Vec<Node> = root
        .descendants()
        .filter(|n| is(n, NS_DS, "Signature"))
        .collect();
    let signature_methods = signatures
        .iter()
        .filter_map(|s| {
            child(*s, NS_DS, "SignedInfo")
                .and_then(|i| child(i, NS_DS, "SignatureMethod"))
                .and_then(|m| m.attribute("Algorithm"))
        })
        .map(shared)
        .collect();
    Ok(Response {
        id: root.attribute("ID").map(str::to_string),
        destination: root.attribute("Destination").map(shared),
        in_response_to: root.attribute("InResponseTo").map(str::to_string),
        issuer: text_shared(child(root, NS_SAML, "Issuer")),
        status: status.map(shared),
        assertions: root
            .descendants()
            .filter(|n| is(n, NS_SAML, "Assertion"))
            .map(|n| std::sync::Arc::new(read_assertion(n)))
            .collect(),
        has_signature: child(root, NS_DS, "Signature").is_some(),
        signatures: signatures.len(),
        signature_methods,
    })
}

/// IdP metadata as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub entity_id: Option<String>,
    /// Base64 DER of every signing certificate.
    pub signing_certificates: Vec<String>,
    pub name_id_formats: Vec<String>,
    /// (Binding, Location) of every SingleSignOnService.
    pub sso: Vec<(String, String)>,
}

pub fn read_metadata(xml: &str) -> Result<Metadata, SamlError> {
    let doc = parse(xml)?;
    let root = doc.root_element();
    if !is(&root, NS_MD, "EntityDescriptor") {
        return Err(SamlError::Malformed(format!(
            "the root element is {:?}, not an EntityDescriptor",
            root.tag_name().name()
        )));
    }
    let Some(idp) = child(root, NS_MD, "IDPSSODescriptor") else {
        return Err(SamlError::Malformed("no IDPSSODescriptor".into()));
    };
    let signing_certificates = idp
        .children()
        .filter(|k| {
            is(k, NS_MD, "KeyDescriptor") && k.attribute("use").is_none_or(|u| u == "signing")
        })
        .flat_map(|k| k.descendants().filter(|c| is(c, NS_DS, "X509Certificate")))
        .map(|c| {
            c.text()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        })
        .collect();
    Ok(Metadata {
        entity_id: root.attribute("entityID").map(str::to_string),
        signing_certificates,
        name_id_formats: idp
            .children()
            .filter(|c| is(c, NS_MD, "NameIDFormat"))
            .filter_map(|c| c.text())
            .map(|t| t.trim().to_string())
            .collect(),
        sso: idp
            .children()
            .filter(|c| is(c, NS_MD, "SingleSignOnService"))
            .map(|c| {
                (
                    c.attribute("Binding").unwrap_or_default().to_string(),
                    c.attribute("Location").unwrap_or_default().to_string(),
                )
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Destination="https://t.slack.com/sso/saml" InResponseTo="_q"><saml:Issuer>codeforphilly.org</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a"><saml:Issuer>codeforphilly.org</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="t.slack.com" SPNameQualifier="https://slack.com">Tonimacattack</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData Recipient="https://t.slack.com/sso/saml" NotOnOrAfter="2026-11-22T10:05:00Z" InResponseTo="_q"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="2026-11-22T09:59:30Z" NotOnOrAfter="2026-11-22T10:05:00Z"/><saml:AttributeStatement><saml:Attribute Name="User.Email"><saml:AttributeValue>a@b.c</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion></samlp:Response>"#;

    #[test]
    fn reads_the_fields_continuity_needs() {
        let r = read_response(RESPONSE).unwrap();
        assert_eq!(
            r.destination.as_deref(),
            Some("https://t.slack.com/sso/saml")
        );
        assert_eq!(r.status.as_deref(), Some(SUCCESS));
        assert_eq!(r.assertions.len(), 1);
        let a = &r.assertions[0];
        assert_eq!(a.name_id_value(), Some("Tonimacattack"));
        assert_eq!(
            a.name_id.as_ref().unwrap().sp_name_qualifier.as_deref(),
            Some("https://slack.com")
        );
        assert_eq!(a.attribute("User.Email"), Some("a@b.c"));
        assert_eq!(a.not_on_or_after.unwrap() - a.not_before.unwrap(), 330);
        assert!(a.audiences.is_empty());
        assert!(!r.has_signature && r.signatures == 0);
    }

    #[test]
    fn hostile_documents_are_clear_failures() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/secret">]><r>&x;</r>"#;
        assert_eq!(read_response(xxe), Err(SamlError::Doctype));
        let bomb = r#"<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>"#;
        assert_eq!(read_response(bomb), Err(SamlError::Doctype));
        let huge = format!("<r>{}</r>", "x".repeat(MAX_DOCUMENT + 1));
        assert!(matches!(read_response(&huge), Err(SamlError::TooLarge(..))));
        let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
        assert_eq!(
            read_response(&deep[..MAX_DOCUMENT]),
            Err(SamlError::TooDeep(MAX_DEPTH))
        );
        // Closing tags hidden in comments and CDATA do not hide the depth.
        let sneaky = "<a><!-- </a></a> --><![CDATA[</a></a>]]>".repeat(100);
        assert_eq!(read_response(&sneaky), Err(SamlError::TooDeep(MAX_DEPTH)));
        let shallow = format!("<r>{}</r>", "<a x='>'/><b>t</b>".repeat(1000));
        assert!(matches!(
            read_response(&shallow),
            Err(SamlError::NotResponse(_))
        ));
        assert!(matches!(
            read_response("<samlp:Response"),
            Err(SamlError::Malformed(_))
        ));
        assert!(matches!(
            read_response("<Response/>"),
            Err(SamlError::NotResponse(_))
        ));
        assert!(matches!(
            decode_base64("not base64!!"),
            Err(SamlError::Base64(_))
        ));
        assert!(matches!(
            decode_base64(&"A".repeat(MAX_DOCUMENT * 2)),
            Err(SamlError::TooLarge(..))
        ));
        assert_eq!(decode_base64("//79"), Err(SamlError::NotUtf8));
    }

    #[test]
    fn tracer_captures_decode_in_every_usual_shape() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(RESPONSE);
        let wrapped: String = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap().to_string() + "\n")
            .collect();
        let form = format!(
            "SAMLResponse={}",
            b64.replace('+', "%2B")
                .replace('=', "%3D")
                .replace('/', "%2F")
        );
        // A half-encoded paste: `=` encoded, `+` left as it is.
        let half = b64.replace('=', "%3D");
        assert!(b64.contains('+'), "the sample exercises '+'");
        for shape in [b64.clone(), wrapped, form, half] {
            assert_eq!(decode_base64(&shape).unwrap(), RESPONSE);
        }
    }

    #[test]
    fn every_assertion_is_found_wherever_it_hides() {
        let wrapped = RESPONSE.replacen("<samlp:Status>", r#"<samlp:Extensions><saml:Assertion ID="_evil"><saml:Subject><saml:NameID>evil</saml:NameID></saml:Subject></saml:Assertion></samlp:Extensions><samlp:Status>"#, 1);
        let r = read_response(&wrapped).unwrap();
        assert_eq!(r.assertions.len(), 2);
        assert_eq!(r.assertions[0].name_id_value(), Some("evil"));
    }
}
