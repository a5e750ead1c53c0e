//! The observe stage's one entry point: a fetched body and its detached signature files,
//! read the way the watch says, become a [`Read`] (signatures, the document judged, and who
//! the page is when it holds no claim). Live checks, `replay` and `preview` all read here.

use super::selector::WatchSelector;
use super::signature::{HashPolicy, PinnedKey};
use super::signed::{DetachedFile, SignatureReading, read_signatures, signed_document};
use super::{Body, Document, DocumentFormat, read_document};

/// What was fetched: the body and the detached signature files found for it.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub body: Body<'a>,
    pub detached: &'a [DetachedFile],
}

/// How a watch reads its body.
#[derive(Debug, Clone)]
pub struct ReadSpec<'a> {
    /// The format the body is read in (see [`super::known_format`]).
    pub format: DocumentFormat,
    pub selector: Option<&'a WatchSelector>,
    /// The pinned keys of a signed watch; `None` reads the whole body, unsigned.
    pub signing: Option<SigningSpec<'a>>,
}

/// A signed watch's keys and rules.
#[derive(Debug, Clone)]
pub struct SigningSpec<'a> {
    pub keys: &'a [PinnedKey],
    /// Distinct pinned signers required.
    pub signers: usize,
    pub hash: HashPolicy,
    /// Fingerprints whose pinned copy can be refreshed, and the command that does it: an
    /// expired key's alert names it.
    pub refreshable: Vec<String>,
    pub refresh: Option<String>,
}

/// A page without claims, identified, so the judge can tell a page that replaced the canary
/// for good from a passing error page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// sha256 of the page's text.
    pub hash: String,
    /// The start of its visible text.
    pub excerpt: String,
}

/// A body, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// The signatures against the pinned keys; `None` on an unsigned watch.
    pub signatures: Option<SignatureReading>,
    /// The document judged: what the pinned signers signed on a signed watch (`None` when
    /// nothing is), else the whole body.
    pub document: Option<Document>,
    /// Set when the document was read into statements none of which is a claim.
    pub identity: Option<Identity>,
    /// The body's size in bytes, as fetched.
    pub body_len: u64,
}

/// Reads `input` as `spec` says (see the module documentation).
pub fn read(input: &Input<'_>, spec: &ReadSpec<'_>) -> Read {
    let body = &input.body;
    let signatures = spec.signing.as_ref().map(|s| {
        let mut reading = read_signatures(
            body.bytes,
            body.text,
            body.fetched_as,
            input.detached,
            s.keys,
            s.signers,
            s.hash,
        );
        for k in &mut reading.pinned {
            if s.refreshable.contains(&k.fingerprint) {
                k.refresh.clone_from(&s.refresh);
            }
        }
        reading
    });
    let document = match &signatures {
        Some(reading) => signed_document(body, spec.format, spec.selector, reading),
        None => Some(read_document(body, spec.format, spec.selector)),
    };
    let claimless = document
        .as_ref()
        .and_then(|d| d.reading.statements())
        .is_some_and(|s| !s.iter().any(|s| s.claim));
    let identity = claimless.then(|| Identity {
        hash: crate::digest::sha256_hex(body.text),
        excerpt: super::challenge::excerpt(body.text),
    });
    Read {
        signatures,
        document,
        identity,
        body_len: body.bytes.len() as u64,
    }
}
