//! The reports' one error type: who signs, and what `cutover verify` found wrong with a
//! bundle. Messages name the file and what to check.

use crate::manifest::{MANIFEST, SIGNATURE};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("the signer has no role (hint: --signer-role 'cutover lead' or [run] signer_role)")]
    SignerWithoutRole,

    #[error("a signer role names no signer (hint: --signer 'Name' or [run] signer)")]
    RoleWithoutSigner,

    #[error("public key {}: {source}", path.display())]
    PublicKeyUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A public key file that is not base64 of an Ed25519 key; `why` says which.
    #[error("public key {}: {why}", path.display())]
    PublicKey { path: PathBuf, why: String },

    #[error("{MANIFEST}: {source} (is {} a report directory?)", dir.display())]
    NoManifest {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{SIGNATURE} missing: this report was not signed")]
    Unsigned,

    #[error("{SIGNATURE} is not base64")]
    SignatureNotBase64,

    #[error("{SIGNATURE} is not an Ed25519 signature")]
    NotEd25519,

    #[error("signature does not verify: the manifest names signing key {claimed}, but the public key given is {given} (wrong key?)")]
    WrongKey { claimed: String, given: String },

    #[error("signature does not verify with {given}: {MANIFEST} or {SIGNATURE} was changed after signing")]
    ChangedAfterSigning { given: String },

    #[error("{MANIFEST} is not JSON")]
    ManifestNotJson,

    #[error("{MANIFEST} is not in canonical form (RFC 8785)")]
    NotCanonical,

    #[error("{MANIFEST}: unknown format {0}")]
    UnknownFormat(String),

    #[error("{MANIFEST} lists no artifacts")]
    NoArtifacts,

    #[error("{MANIFEST} lists an artifact outside the report directory: {0}")]
    OutsideArtifact(String),

    #[error("artifact {name} missing: {source}")]
    ArtifactMissing {
        name: String,
        #[source]
        source: std::io::Error,
    },

    #[error("artifact {name} changed since signing (sha256 {got}, signed {signed})")]
    ArtifactChanged {
        name: String,
        got: String,
        signed: String,
    },
}
