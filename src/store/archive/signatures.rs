//! A signed watch's signatures as evidence: each detached signature file's bytes (hex, inside
//! the record, so the record's hash chain covers them) and every verdict with its signer.

use serde::{Deserialize, Serialize};

use crate::observe::signature::SignatureTally;
use crate::observe::signed::{DetachedFile, SignatureReading, SignedScope, SourcedVerdict};

use super::record::sha256_hex;

/// The `signatures` field of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureEvidence {
    /// "2/2 ok", "1/2", "BAD" or "unsigned" on disk; typed until shown.
    pub summary: SignatureTally,
    /// The detached signature files fetched, in the watchlist's order.
    pub files: Vec<SignatureFile>,
    /// One verdict per signature packet (detached, or "clearsigned" in the page itself).
    pub verdicts: Vec<SourcedVerdict>,
    /// What the good signatures cover (the only text judged) and what of the page was
    /// ignored.
    #[serde(default)]
    pub scope: SignedScope,
    /// A good signature dated in the future, or long before the canary's own date, said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One detached signature file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureFile {
    pub url: String,
    /// `null` when the server answered 404/410.
    pub sha256: Option<String>,
    /// The file's bytes, hex: `xxd -r -p` gives the file back for `gpg --verify`.
    pub hex: Option<String>,
}

impl SignatureEvidence {
    pub(crate) fn new(reading: &SignatureReading, files: &[DetachedFile]) -> SignatureEvidence {
        SignatureEvidence {
            summary: reading.display(),
            files: files
                .iter()
                .map(|f| SignatureFile {
                    url: f.source.clone(),
                    sha256: f.bytes.as_deref().map(sha256_hex),
                    hex: f.bytes.as_deref().map(hex::encode),
                })
                .collect(),
            verdicts: reading.verdicts.clone(),
            scope: reading.scope.clone(),
            notes: Vec::new(),
        }
    }
}
