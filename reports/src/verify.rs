//! `cutover verify`: the signature over the manifest's exact bytes, the manifest's canonical
//! form, and the sha256 of every artifact it lists. Any failure names what is wrong.

use crate::error::Error;
use crate::manifest::{sha256_file, FORMAT, MANIFEST, SIGNATURE};
use base64::Engine as _;
use serde_json::Value;
use std::path::Path;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// What a verified bundle says, for a person to read before trusting it.
#[derive(Debug)]
pub struct Verified {
    pub verdict: String,
    pub artifacts: usize,
    pub phase: Option<String>,
    pub signer: Option<crate::signoff::Signer>,
    /// Each waiver the verdict counted, and each expired one: one line with its owner.
    pub waivers: Vec<String>,
    pub attention: Vec<String>,
}

fn waiver_lines(manifest: &Value) -> Vec<String> {
    let line = |w: &Value, how: &str| {
        format!(
            "{how}: {} — owner {}, until {}: {}",
            w["scenario"].as_str().unwrap_or("?"),
            w["owner"].as_str().unwrap_or("?"),
            w["expires"].as_str().unwrap_or("?"),
            w["reason"].as_str().unwrap_or("?")
        )
    };
    let list = |k: &str| {
        manifest["waivers"][k]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    list("applied")
        .iter()
        .map(|w| line(w, "waived"))
        .chain(
            list("expired")
                .iter()
                .map(|w| line(w, "expired, not counted")),
        )
        .collect()
}

/// Read a public key file (`<prefix>.pub`: base64 of 32 bytes).
pub fn load_public_key(path: &Path) -> Result<ed25519_dalek::VerifyingKey, Error> {
    let bad = |why: String| Error::PublicKey {
        path: path.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::PublicKeyUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    let bytes = B64
        .decode(text.trim())
        .map_err(|_| bad("not base64".into()))?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| bad("not 32 bytes".into()))?;
    ed25519_dalek::VerifyingKey::from_bytes(&arr).map_err(|e| bad(e.to_string()))
}

pub fn verify(dir: &Path, key: &ed25519_dalek::VerifyingKey) -> Result<Verified, Error> {
    let bytes = std::fs::read(dir.join(MANIFEST)).map_err(|source| Error::NoManifest {
        dir: dir.to_path_buf(),
        source,
    })?;
    let sig_text = std::fs::read_to_string(dir.join(SIGNATURE)).map_err(|_| Error::Unsigned)?;
    let sig_bytes = B64
        .decode(sig_text.trim())
        .map_err(|_| Error::SignatureNotBase64)?;
    let sig = ed25519_dalek::Signature::from_slice(&sig_bytes).map_err(|_| Error::NotEd25519)?;
    let manifest: Option<Value> = serde_json::from_slice(&bytes).ok();
    let given = B64.encode(key.to_bytes());
    if key.verify_strict(&bytes, &sig).is_err() {
        let claimed = manifest
            .as_ref()
            .and_then(|m| m["signedBy"].as_str().map(str::to_string));
        return Err(match claimed {
            Some(claimed) if claimed != given => Error::WrongKey { claimed, given },
            _ => Error::ChangedAfterSigning { given },
        });
    }
    let manifest = manifest.ok_or(Error::ManifestNotJson)?;
    if serde_jcs::to_vec(&manifest).ok().as_deref() != Some(bytes.as_slice()) {
        return Err(Error::NotCanonical);
    }
    if manifest["format"] != FORMAT {
        return Err(Error::UnknownFormat(manifest["format"].to_string()));
    }
    let artifacts = manifest["artifacts"]
        .as_object()
        .ok_or(Error::NoArtifacts)?;
    for (name, want) in artifacts {
        if !crate::artifact_name_ok(name) {
            return Err(Error::OutsideArtifact(name.clone()));
        }
        let got = sha256_file(&dir.join(name)).map_err(|source| Error::ArtifactMissing {
            name: name.clone(),
            source,
        })?;
        if Some(got.as_str()) != want.as_str() {
            return Err(Error::ArtifactChanged {
                name: name.clone(),
                got,
                signed: want.as_str().unwrap_or("?").to_string(),
            });
        }
    }
    Ok(Verified {
        verdict: manifest["verdict"].as_str().unwrap_or("?").to_string(),
        artifacts: artifacts.len(),
        phase: manifest["phase"].as_str().map(str::to_string),
        signer: serde_json::from_value(manifest["signer"].clone()).ok(),
        waivers: waiver_lines(&manifest),
        attention: manifest["attention"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
    })
}
