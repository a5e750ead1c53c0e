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
//! a signature be moved onto a different text, so it proves nothing about the canary.
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
mod verify;
mod words;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use pgp::crypto::hash::HashAlgorithm;
use serde::{Deserialize, Serialize};

pub(crate) use key::PinnedKey;
// The error and state types are named by the tests; callers use their Display and methods.
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use key::KeyError;
pub(crate) use summary::SignatureSummary;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use summary::SummaryState;
#[cfg_attr(not(test), allow(unused_imports))]
pub(crate) use verify::split_cleartext;
pub(crate) use verify::{Cleartext, split_cleartexts, verify_cleartext, verify_detached};
pub(crate) use words::pgp_error;

/// What became of one signature packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignatureStatus {
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
    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) struct Signer {
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
pub(crate) struct SignatureVerdict {
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
    pub(crate) fn is_good(&self) -> bool {
        self.status == SignatureStatus::Good
    }
}

/// The hash policy (see the module docs).
pub(crate) fn hash_accepted(hash: HashAlgorithm) -> bool {
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
