//! `--key FILE…`, `--signature-url URL…` and `--signers N` of `preview` and `add`: pinning keys
//! from the command line, and printing who signed a page and whether it verified.

use std::path::Path;

use anyhow::Context as _;

pub use super::args::SigningFlags;
use crate::config::Signing;
use crate::observe::signature::{PinnedKey, SignatureStatus};
use crate::observe::signed::SignatureReading;

impl SigningFlags {
    /// The keys read and parsed (a file holding no public key is refused); `None` without
    /// `--key`.
    pub fn signing(&self) -> anyhow::Result<Option<Signing>> {
        if self.keys.is_empty() {
            if !self.signature_urls.is_empty() || self.signers.is_some() || self.accept_sha1 {
                anyhow::bail!(
                    "--signature-url, --signers and --accept-sha1 need the signers' public keys: add --key FILE for each"
                );
            }
            return Ok(None);
        }
        let mut keys: Vec<PinnedKey> = Vec::new();
        for path in &self.keys {
            let bytes = std::fs::read(path)
                .with_context(|| format!("--key: reading {}", path.display()))?;
            let parsed = PinnedKey::parse(&bytes, &path.display().to_string())
                .map_err(|e| anyhow::anyhow!("--key: {e}"))?;
            for key in parsed {
                if !keys.iter().any(|k| k.fingerprint() == key.fingerprint()) {
                    keys.push(key);
                }
            }
        }
        let signers = self.signers.unwrap_or(1);
        if signers == 0 || signers > keys.len().min(16) {
            anyhow::bail!(
                "--signers {signers}: use a number from 1 to the {} distinct key{} pinned",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" }
            );
        }
        Ok(Some(Signing {
            templates: self.signature_urls.clone(),
            keys,
            signers,
            accept_sha1: self.accept_sha1,
            sources: Vec::new(),
        }))
    }

    /// The key paths as the watchlist at `watchlist` should name them: relative to its folder
    /// when inside it, else absolute. Nothing is copied: the watchlist references the file.
    pub fn key_paths_for(&self, watchlist: &Path) -> anyhow::Result<Vec<String>> {
        if self.keys.is_empty() {
            return Ok(Vec::new());
        }
        let folder = match watchlist.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let base = std::path::absolute(folder).context("resolving the watchlist's folder")?;
        self.keys
            .iter()
            .map(|k| {
                let full = std::fs::canonicalize(k)
                    .with_context(|| format!("--key: resolving {}", k.display()))?;
                let base = std::fs::canonicalize(&base).unwrap_or(base.clone());
                let shown = full.strip_prefix(&base).unwrap_or(&full);
                Ok(shown.display().to_string())
            })
            .collect()
    }
}

/// Who signed, and whether it verified, for people.
pub fn print(reading: &SignatureReading) {
    outln!("\nSignatures: {}", reading.display());
    if reading.verdicts.is_empty() {
        outln!("  no signature found (a pinned watch requires one)");
    }
    for v in &reading.verdicts {
        let sig = &v.verdict;
        let who = match &sig.signer {
            Some(s) => format!(
                "{} ({})",
                s.user_id.as_deref().unwrap_or(&s.label),
                s.fingerprint
            ),
            None => format!("key {}", sig.issuer.as_deref().unwrap_or("unnamed")),
        };
        let when = sig
            .created
            .map(|t| format!(", signed {}", t.to_rfc3339()))
            .unwrap_or_default();
        let why = match (sig.status, &sig.detail) {
            (SignatureStatus::Good, _)
                if sig
                    .hash
                    .as_deref()
                    .is_some_and(|h| !crate::observe::signature::hash_name_strong(h)) =>
            {
                format!(
                    ": {}, accepted only because of accept_sha1 (RFC 9580 refuses SHA-1; gpg accepts it)",
                    sig.hash.as_deref().unwrap_or_default()
                )
            }
            (SignatureStatus::Good, _) | (_, None) => String::new(),
            (_, Some(d)) => format!(": {d}"),
        };
        outln!("  [{}] {who}{when} in {}{why}", sig.status, v.source);
    }
    for m in &reading.missing {
        outln!("  [missing] {m} answered 404/410");
    }
}
