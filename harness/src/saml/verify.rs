//! Signature verification with xmlsec (through samael), resistant to signature wrapping: the
//! NameID is read only from the bytes the certificate's signature covers (samael's pre-digest
//! reduction: the verified element, canonicalized, as it was digested). Any Assertion outside
//! it is reported, never read.
//!
//! samael's other reduction (`ValidateAndMarkNoAncestors`) gives the same element, but when
//! it is not the document's root (an Assertion signed inside its Response) it leaks the rest
//! of the document: about 2.4 KB per response, 55 MB at 23,000 members.

use super::xml::{self, Assertion, Response, SamlError};
use samael::crypto::{CertificateDer, CryptoProvider, ReduceMode, XmlSec};
use serde::Serialize;
use std::sync::Arc;

/// A Response whose signature verified against one of the trusted certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The document as a naive reader sees it.
    pub response: Response,
    /// The Assertion the signature covers: the only one a check may read. When the naive
    /// reading holds the same Assertion, both share it (at 23,000 members a second copy of
    /// each was tens of megabytes).
    pub signed: Arc<Assertion>,
    /// `Response` (laddr signed the whole Response) or `Assertion`.
    pub signed_element: String,
    /// Assertions present but not covered by the signature (signature wrapping).
    pub unsigned_assertions: Vec<Arc<Assertion>>,
}

impl Verified {
    /// The first Assertion in document order: what a careless service provider reads.
    pub fn naive_first(&self) -> Option<&Assertion> {
        self.response.assertions.first().map(|a| &**a)
    }
}

/// xmlsec writes every failure to stderr by default; a fault run would print thousands of
/// lines. Failures reach the report as evidence instead.
fn quiet_xmlsec() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        extern "C" {
            fn xmlSecErrorsDefaultCallbackEnableOutput(enabled: std::os::raw::c_int);
        }
        // SAFETY: sets one global flag in libxmlsec1 (linked through samael); no pointers.
        unsafe { xmlSecErrorsDefaultCallbackEnableOutput(0) };
    });
}

/// Verify a SAMLResponse document against the trusted certificates (DER).
pub fn verify_response(text: &str, trusted: &[Vec<u8>]) -> Result<Verified, SamlError> {
    // Guards first: size, DOCTYPE, well-formedness, shape. xmlsec never sees hostile XML.
    let response = xml::read_response(text)?;
    if response.assertions.is_empty() {
        return Err(SamlError::NoAssertion);
    }
    if response.signatures == 0 {
        return Err(SamlError::MissingSignature);
    }
    quiet_xmlsec();
    let certs: Vec<CertificateDer> = trusted.iter().cloned().map(CertificateDer::from).collect();
    let reduced = XmlSec::reduce_xml_to_signed(text, &certs, ReduceMode::PreDigest)
        .map_err(|e| SamlError::BadSignature(e.to_string()))?;
    let doc = xml::parse(&reduced)?;
    let root = doc.root_element();
    let is_assertion = |n: &roxmltree::Node| {
        n.is_element()
            && n.tag_name().name() == "Assertion"
            && n.tag_name().namespace() == Some(xml::NS_SAML)
    };
    let signed: Vec<Assertion> = root
        .descendants()
        .filter(is_assertion)
        .map(xml::read_assertion)
        .collect();
    let signed_element = root.tag_name().name().to_string();
    let [signed] = <[Assertion; 1]>::try_from(signed).map_err(|v| {
        if v.is_empty() {
            SamlError::NoSignedAssertion(signed_element.clone())
        } else {
            SamlError::BadSignature(format!("the signature covers {} Assertions", v.len()))
        }
    })?;
    let unsigned_assertions = response
        .assertions
        .iter()
        .filter(|a| a.id != signed.id)
        .cloned()
        .collect();
    let signed = match response.assertions.iter().find(|a| ***a == signed) {
        Some(same) => same.clone(),
        None => Arc::new(signed),
    };
    Ok(Verified {
        response,
        signed,
        signed_element,
        unsigned_assertions,
    })
}

/// Why a certificate file could not be read as one.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("not a PEM certificate: {0}")]
    NotPem(#[source] openssl::error::ErrorStack),
    #[error("not a certificate: {0}")]
    NotDer(#[source] openssl::error::ErrorStack),
    #[error("{0}")]
    Encode(#[source] openssl::error::ErrorStack),
}

/// The base64 DER of a PEM or DER certificate, and its SHA-256 fingerprint for evidence.
pub fn certificate_der(bytes: &[u8]) -> Result<Vec<u8>, CertError> {
    let cert = if bytes.starts_with(b"-----") {
        openssl::x509::X509::from_pem(bytes).map_err(CertError::NotPem)?
    } else {
        openssl::x509::X509::from_der(bytes).map_err(CertError::NotDer)?
    };
    cert.to_der().map_err(CertError::Encode)
}

/// `SHA256:ab:cd:…` of a DER certificate (first 8 bytes): safe to print.
pub fn fingerprint(der: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(der);
    format!(
        "SHA256:{}",
        d.iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    )
}
