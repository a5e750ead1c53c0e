//! OpenPGP verification of signed canaries: the verdict types and the hash policy; pure, no I/O.
//!
//! Callers pass bytes: pinned public keys ([`PinnedKey::parse`]), a document with its detached
//! signature ([`verify_detached`]) or a text holding a clearsigned block ([`split_cleartext`],
//! [`verify_cleartext`]). Each signature packet yields one [`SignatureVerdict`];
//! [`SignatureSummary`] counts distinct pinned signers with good signatures against the number
//! a watch requires.
//!
//! Layout: [`key`] owns pinned keys and their validity (expiry, revocation, signing subkeys),
//! [`verify`] turns signatures into verdicts, [`summary`] folds verdicts into a display verdict.
//!
//! # Hash policy
//!
//! Signatures are accepted only over SHA-256, SHA-384, SHA-512, SHA-224, SHA3-256 and SHA3-512.
//! Anything else (MD5, SHA-1, RIPEMD-160, private or unknown algorithms) is refused as
//! [`SignatureStatus::WeakHash`] without attempting verification: a collision-prone digest lets
//! a signature be moved onto a different text, so it proves nothing about the canary. This is
//! RFC 9580's rule and Sequoia's standard policy for data signatures; gpg still calls a SHA-1
//! signature good, so the refusal says so. A watch may accept SHA-1 ([`HashPolicy`], the
//! watchlist's `accept_sha1`); MD5 and RIPEMD-160 are never accepted. SHA-1 is verified with
//! collision detection (rPGP's `sha1_checked`), so a known collision attack is still refused.
//!
//! # Key semantics
//!
//! A signature counts only if made by a pinned primary key or one of its subkeys that is
//! signing-capable (key flags of its newest valid self-signature, and for a subkey a valid
//! binding with a valid back-signature). Expiry comes from the newest valid self-signature
//! (binding signature for a subkey). Any valid revocation in the pinned file revokes: a hard
//! one (no reason given, "key compromised", or an unknown reason) voids every signature, also
//! ones dated before it, since a thief can back-date; a soft one ("superseded", "retired",
//! "user id no longer valid") voids signatures created at or after it.
//!
//! The module knows no clock: a signature dated in the future, or one whose own expiration
//! time has passed, is for the caller to judge from [`SignatureVerdict::created`].

mod key;
mod summary;
mod tally;
mod verify;
mod words;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use pgp::crypto::hash::HashAlgorithm;
use serde::{Deserialize, Serialize};

pub use key::PinnedKey;
// The error and state types are named by the tests; callers use their Display and methods.
#[cfg_attr(not(test), allow(unused_imports))]
pub use key::{KeyError, MergeError};
pub(crate) use summary::SignatureSummary;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use summary::SummaryState;
pub use tally::{NotATally, SignatureTally};
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use verify::split_cleartext;
pub(crate) use verify::{Cleartext, split_cleartexts, verify_cleartext_with, verify_detached_with};
#[cfg(test)]
pub(crate) use verify::{verify_cleartext, verify_detached};
pub(crate) use words::pgp_error;

/// What became of one signature packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Made by a valid signing key of a pinned key over exactly this text.
    Good,
    /// Claims a pinned key but does not verify: the text (or the signature) was altered.
    Bad,
    /// Not made by any pinned key, primary or signing subkey.
    UnknownKey,
    /// The pinned key or subkey had expired when the signature was made.
    KeyExpired,
    /// The pinned key or subkey is revoked (see the module docs for when that applies).
    KeyRevoked,
    /// Made with a digest the hash policy refuses (MD5, SHA-1, RIPEMD-160, …).
    WeakHash,
    /// Not a readable document signature.
    Unparseable,
}

impl SignatureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
            Self::UnknownKey => "unknown key",
            Self::KeyExpired => "key expired",
            Self::KeyRevoked => "key revoked",
            Self::WeakHash => "weak hash",
            Self::Unparseable => "unparseable",
        }
    }
}

impl std::fmt::Display for SignatureStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pinned key a signature was matched to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// The label the key file was pinned under.
    pub label: String,
    /// Primary key fingerprint, upper-case hex without spaces: the signer's identity.
    pub fingerprint: String,
    /// The primary user id, for display.
    pub user_id: Option<String>,
    /// Fingerprint of the subkey that made the signature, when it was not the primary key.
    pub subkey: Option<String>,
}

/// The verdict on one signature packet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureVerdict {
    pub status: SignatureStatus,
    /// Issuer named by the signature: fingerprint when present, else the 16-hex-digit key id.
    pub issuer: Option<String>,
    /// The pinned key it was matched to, if any.
    pub signer: Option<Signer>,
    /// Signature creation time, as the signature claims it.
    pub created: Option<DateTime<Utc>>,
    /// Digest algorithm, e.g. "SHA256".
    pub hash: Option<String>,
    /// Why the status is not `Good`, for people.
    pub detail: Option<String>,
}

impl SignatureVerdict {
    pub fn is_good(&self) -> bool {
        self.status == SignatureStatus::Good
    }
}

/// Which weak digests one watch accepts beyond the strong ones (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashPolicy {
    /// `accept_sha1 = true`: SHA-1 signatures are verified instead of refused.
    pub accept_sha1: bool,
}

/// The hash policy (see the module docs) for a watch that accepts nothing weak.
#[cfg(test)]
pub(crate) fn hash_accepted(hash: HashAlgorithm) -> bool {
    hash_strong(hash)
}

/// Whether `policy` lets a signature over `hash` be verified.
pub(crate) fn hash_allowed(hash: HashAlgorithm, policy: HashPolicy) -> bool {
    hash_strong(hash) || (policy.accept_sha1 && hash == HashAlgorithm::Sha1)
}

/// Whether a digest, named as verdicts name it ("SHA256", "SHA1"), is a strong one.
pub fn hash_name_strong(name: &str) -> bool {
    name.parse::<HashAlgorithm>().is_ok_and(hash_strong)
}

/// Why a refused digest is refused, what gpg says of it, and the setting that accepts it
/// (for SHA-1 only): the words `preview`, `add`, the alert and `list` share.
pub(crate) fn refusal(hash: HashAlgorithm) -> String {
    match hash {
        HashAlgorithm::Sha1 => "SHA1 is refused: SHA-1 is collision-prone, so a signature made \
             over one text can be made to fit another (RFC 9580 and Sequoia's standard policy \
             refuse SHA-1 data signatures). gpg still reports it as a good signature. To accept \
             SHA-1 for this watch, set `accept_sha1 = true` in its [[watch]] (`--accept-sha1` \
             for preview, add and replay)"
            .to_string(),
        other => format!(
            "{other} is refused: signatures must use SHA-2 or SHA-3 (RFC 9580); no setting \
             accepts {other}"
        ),
    }
}

fn hash_strong(hash: HashAlgorithm) -> bool {
    matches!(
        hash,
        HashAlgorithm::Sha256
            | HashAlgorithm::Sha384
            | HashAlgorithm::Sha512
            | HashAlgorithm::Sha224
            | HashAlgorithm::Sha3_256
            | HashAlgorithm::Sha3_512
    )
}

fn to_datetime(secs: u32) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(i64::from(secs), 0)
}
