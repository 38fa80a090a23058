//! The manifest binds a run's artifacts: the suite (commit, every feature file's sha256),
//! the data (fixture or legacy database identity), the target, the times, every scenario's
//! result, the verdict and waivers, and the sha256 of every artifact. It is written as
//! canonical JSON (RFC 8785, so its bytes are exactly what is signed) and signed with Ed25519
//! into `manifest.sig`. Keys are base64 of the 32-byte secret seed / public key, one line.

use crate::{RunReport, ARTIFACTS, OPTIONAL_ARTIFACTS};
use base64::Engine as _;
use ed25519_dalek::Signer;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.sig";
pub const FORMAT: &str = "cutover-manifest/1";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// An Ed25519 signing key. Its Debug output is a fingerprint: the key is never printed.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey(public {})", self.public_base64())
    }
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

impl SigningKey {
    /// A new key from the operating system's randomness.
    pub fn generate() -> io::Result<Self> {
        let mut seed = [0u8; 32];
        io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut seed)?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// From base64 of the 32-byte seed (the `.key` file's content, or CUTOVER_SIGNING_KEY).
    pub fn from_base64(text: &str) -> io::Result<Self> {
        let bytes = B64.decode(text.trim()).map_err(|_| {
            invalid(
                "signing key is not base64 (hint: make one with `cutover keygen --out <prefix>`)",
            )
        })?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid("signing key is not 32 bytes"))?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    pub fn load(path: &Path) -> io::Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Self::from_base64(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))
    }

    pub fn public_base64(&self) -> String {
        B64.encode(self.0.verifying_key().to_bytes())
    }

    pub fn sign(&self, bytes: &[u8]) -> String {
        B64.encode(self.0.sign(bytes).to_bytes())
    }

    /// Write `<prefix>.key` (owner-only) and `<prefix>.pub`.
    pub fn write_pair(&self, prefix: &Path) -> io::Result<(PathBuf, PathBuf)> {
        let key = PathBuf::from(format!("{}.key", prefix.display()));
        let public = PathBuf::from(format!("{}.pub", prefix.display()));
        if key.exists() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists: refusing to overwrite a key", key.display()),
            ));
        }
        {
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&key)?;
            io::Write::write_all(
                &mut f,
                format!("{}\n", B64.encode(self.0.to_bytes())).as_bytes(),
            )?;
        }
        std::fs::write(&public, format!("{}\n", self.public_base64()))?;
        Ok((key, public))
    }
}

pub fn sha256_file(path: &Path) -> io::Result<String> {
    Ok(hex::encode(Sha256::digest(std::fs::read(path)?)))
}

/// The manifest of the artifacts already written in `dir`.
pub fn build(dir: &Path, r: &RunReport, key: Option<&SigningKey>) -> io::Result<Value> {
    // The fixed artifacts, and those a feature wrote during this run (redirect results).
    let mut artifacts = serde_json::Map::new();
    for name in ARTIFACTS {
        artifacts.insert(name.to_string(), json!(sha256_file(&dir.join(name))?));
    }
    for name in OPTIONAL_ARTIFACTS.iter().filter(|n| dir.join(n).is_file()) {
        artifacts.insert(name.to_string(), json!(sha256_file(&dir.join(name))?));
    }
    for name in crate::tool_artifacts(dir) {
        artifacts.insert(name.clone(), json!(sha256_file(&dir.join(&name))?));
    }
    Ok(json!({
        "format": FORMAT,
        "suite": {
            "name": r.suite,
            "commit": r.suite_commit,
            "features": r.features.iter().map(|f| (f.path.clone(), json!(f.sha256))).collect::<serde_json::Map<_, _>>(),
        },
        "profile": r.profile,
        "identity": r.identity,
        "started": r.started,
        "finished": r.finished,
        "verdict": r.verdict,
        "phase": r.phase,
        "selection": r.selection,
        "signer": r.signer,
        "attention": crate::signoff::attention(r),
        "waivers": { "applied": r.decision.applied, "expired": r.decision.expired },
        "scenarios": r.scenarios.iter().map(|s| json!({"feature": s.feature, "scenario": s.scenario, "status": s.status, "durationMs": s.duration_ms})).collect::<Vec<_>>(),
        "budgets": r.budgets(),
        "legacyWrites": r.legacy_writes,
        "artifacts": artifacts,
        "signedBy": key.map(SigningKey::public_base64),
    }))
}

/// Write `manifest.json` in canonical form, and `manifest.sig` when a key is given.
pub fn write(dir: &Path, r: &RunReport, key: Option<&SigningKey>) -> io::Result<Vec<PathBuf>> {
    let manifest = build(dir, r, key)?;
    let bytes = serde_jcs::to_vec(&manifest).map_err(|e| invalid(e.to_string()))?;
    let path = dir.join(MANIFEST);
    std::fs::write(&path, &bytes)?;
    let mut out = vec![path];
    if let Some(k) = key {
        let sig = dir.join(SIGNATURE);
        std::fs::write(&sig, format!("{}\n", k.sign(&bytes)))?;
        out.push(sig);
    }
    Ok(out)
}
