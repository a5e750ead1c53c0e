//! A fetched canary's signatures read against the pinned keys: detached signature files and
//! any clearsigned block in the page, verified into one [`SignatureReading`]. Pure; the one
//! verification shared by live checks, `replay` and `preview`, so replay judges what a live
//! watch would.

use serde::{Deserialize, Serialize};

use super::extract::Format;
use super::signature::{
    HashPolicy, PinnedKey, SignatureSummary, SignatureVerdict, split_cleartext,
    verify_cleartext_with, verify_detached_with,
};

/// One detached signature file as fetched (or read beside a replayed version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DetachedFile {
    /// Where it came from: a URL, or a path for replay.
    pub source: String,
    /// Its bytes; `None` when the server said 404/410 (no signature from this file).
    pub bytes: Option<Vec<u8>>,
}

/// One verdict and the file (or "clearsigned") it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcedVerdict {
    pub source: String,
    #[serde(flatten)]
    pub(crate) verdict: SignatureVerdict,
}

/// A pinned key, as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyName {
    pub fingerprint: String,
    pub name: String,
    /// How to refresh this pinned copy (a command), when the caller knows one: an expired
    /// key's alert names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

/// Everything the judge and the user see about a canary's signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReading {
    pub verdicts: Vec<SourcedVerdict>,
    pub(crate) summary: SignatureSummary,
    /// Signature files that answered 404/410.
    pub missing: Vec<String>,
    /// The keys pinned when this was read, so the judge forgets signers no longer pinned.
    pub pinned: Vec<KeyName>,
    /// sha256 of the document's bytes: a new version under an alerted signature problem is
    /// recorded once, not once per check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The watch accepts SHA-1 signatures (`accept_sha1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepts_sha1: bool,
}

impl SignatureReading {
    /// "2/2 ok", "1/2", "BAD" or "unsigned".
    pub fn display(&self) -> String {
        self.summary.to_string()
    }
}

/// A key's name for people: its user id, else its file label.
pub(crate) fn key_name(key: &PinnedKey) -> String {
    key.user_id().unwrap_or(key.label()).to_string()
}

/// Verifies `detached` over `body` (the raw bytes) and any clearsigned block in `text` (the
/// decoded page), against `keys`, requiring `required` distinct signers, under `policy`.
pub(crate) fn read_signatures(
    body: &[u8],
    text: &str,
    format: Format,
    detached: &[DetachedFile],
    keys: &[PinnedKey],
    required: usize,
    policy: HashPolicy,
) -> SignatureReading {
    let mut verdicts = Vec::new();
    let mut missing = Vec::new();
    for file in detached {
        match &file.bytes {
            Some(bytes) => verdicts.extend(
                verify_detached_with(body, bytes, keys, policy)
                    .into_iter()
                    .map(|verdict| SourcedVerdict {
                        source: file.source.clone(),
                        verdict,
                    }),
            ),
            None => missing.push(file.source.clone()),
        }
    }
    if let Some(block) = cleartext_in(text, format) {
        verdicts.extend(
            verify_cleartext_with(&block, keys, policy)
                .into_iter()
                .map(|verdict| SourcedVerdict {
                    source: "clearsigned".to_string(),
                    verdict,
                }),
        );
    }
    let plain: Vec<SignatureVerdict> = verdicts.iter().map(|v| v.verdict.clone()).collect();
    SignatureReading {
        summary: SignatureSummary::new(&plain, required),
        verdicts,
        missing,
        pinned: keys
            .iter()
            .map(|k| KeyName {
                fingerprint: k.fingerprint().to_string(),
                name: key_name(k),
                refresh: None,
            })
            .collect(),
        document: Some(super::normalise::sha256_bytes_hex(body)),
        accepts_sha1: policy.accept_sha1,
    }
}

/// The clearsigned block of a page: in a text document anywhere; in HTML inside a `<pre>` or
/// `<code>` (whose text is the block with entities decoded), else in the raw text.
fn cleartext_in(text: &str, format: Format) -> Option<super::signature::Cleartext> {
    const MARKER: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
    if !text.contains(MARKER) {
        return None;
    }
    if format == Format::Html {
        let doc = scraper::Html::parse_document(text);
        let selector = scraper::Selector::parse("pre, code").ok()?;
        for element in doc.select(&selector) {
            let inner: String = element.text().collect();
            let trimmed = inner.trim_start_matches(['\r', '\n', ' ']);
            if let Some(block) = split_cleartext(trimmed) {
                return Some(block);
            }
        }
    }
    split_cleartext(text)
}
