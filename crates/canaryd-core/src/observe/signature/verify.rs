//! Turning signatures into verdicts: detached signatures over a document, and clearsigned
//! blocks found anywhere in a text.

use std::ops::Range;

use pgp::composed::{CleartextSignedMessage, Deserializable, DetachedSignature};
use pgp::packet::{Signature, SignatureType};

use super::key::{Component, PinnedKey, armor_blocks};
use super::{HashPolicy, SignatureStatus, SignatureVerdict, hash_allowed, refusal, to_datetime};

/// At most this many verdicts per signature file: a hostile file cannot make us loop.
const MAX_SIGNATURES: usize = 64;

const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// Verifies each signature packet in `signature` (armoured, possibly several blocks, or
/// binary) over `document`. Never empty: a file without any signature gives one
/// `Unparseable` verdict. Weak digests are refused ([`verify_detached_with`] takes a policy).
#[cfg(test)]
pub(crate) fn verify_detached(
    document: &[u8],
    signature: &[u8],
    keys: &[PinnedKey],
) -> Vec<SignatureVerdict> {
    verify_detached_with(document, signature, keys, HashPolicy::default())
}

/// [`verify_detached`] under a watch's hash policy.
pub(crate) fn verify_detached_with(
    document: &[u8],
    signature: &[u8],
    keys: &[PinnedKey],
    policy: HashPolicy,
) -> Vec<SignatureVerdict> {
    let blocks = armor_blocks(signature).unwrap_or_else(|| vec![signature]);
    let mut verdicts = Vec::new();
    for block in blocks {
        let parsed = DetachedSignature::from_reader_many(block);
        let sigs = match parsed {
            Ok((sigs, _)) => sigs,
            Err(e) => {
                verdicts.push(unparseable(format!(
                    "not an OpenPGP signature: {}",
                    super::pgp_error(&e)
                )));
                continue;
            }
        };
        for sig in sigs.take(MAX_SIGNATURES) {
            verdicts.push(match sig {
                Ok(sig) => judge(&sig.signature, document, keys, policy),
                Err(e) => unparseable(format!(
                    "unreadable signature packet: {}",
                    super::pgp_error(&e)
                )),
            });
            if verdicts.len() >= MAX_SIGNATURES {
                return verdicts;
            }
        }
    }
    if verdicts.is_empty() {
        verdicts.push(unparseable("no signature packet found".to_string()));
    }
    verdicts
}

/// A clearsigned block cut out of a larger text.
#[derive(Debug, Clone)]
pub(crate) struct Cleartext {
    text: String,
    message: Result<CleartextSignedMessage, UnreadableBlock>,
}

/// Why rPGP could not read a clearsigned block, in words (see [`super::pgp_error`]).
#[derive(Debug, Clone, thiserror::Error)]
#[error("unreadable clearsigned block: {0}")]
pub(crate) struct UnreadableBlock(String);

impl Cleartext {
    /// The signed text, dash-unescaped, with "\n" line endings. This is what the signatures
    /// cover (rPGP's signed text, whose "\r\n" line endings are turned back into "\n").
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Whether the block could be read as a cleartext signed message at all.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_parseable(&self) -> bool {
        self.message.is_ok()
    }
}

/// Finds the first `-----BEGIN PGP SIGNED MESSAGE-----` block in `text` (which may be the
/// text of a whole page, or of an HTML `<pre>`), through its `-----END PGP SIGNATURE-----`
/// line. `None` when the text holds no such block. A block that rPGP cannot read still comes
/// back (with a best-effort text) so that its verification reports `Unparseable`.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn split_cleartext(text: &str) -> Option<Cleartext> {
    split_cleartexts(text, 1).pop().map(|(_, c)| c)
}

/// Every clearsigned block of `text` in order (at most `max`), each with the byte range of
/// its armour (from its `BEGIN` line through its `END` line) in `text`.
pub(crate) fn split_cleartexts(text: &str, max: usize) -> Vec<(Range<usize>, Cleartext)> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < max {
        let Some(start) = line_starting(text, from, BEGIN_SIGNED) else {
            break;
        };
        let end = match line_starting(text, start, END_SIGNATURE) {
            Some(end) => text[end..].find('\n').map_or(text.len(), |i| end + i + 1),
            None => text.len(),
        };
        out.push((start..end, read_block(&text[start..end])));
        from = end;
    }
    out
}

fn read_block(block: &str) -> Cleartext {
    match CleartextSignedMessage::from_string(block) {
        Ok((message, _)) => Cleartext {
            text: message.signed_text().replace("\r\n", "\n"),
            message: Ok(message),
        },
        Err(e) => Cleartext {
            text: rough_text(block),
            message: Err(UnreadableBlock(super::pgp_error(&e))),
        },
    }
}

/// Verifies every signature of a clearsigned block; weak digests are refused.
#[cfg(test)]
pub(crate) fn verify_cleartext(cleartext: &Cleartext, keys: &[PinnedKey]) -> Vec<SignatureVerdict> {
    verify_cleartext_with(cleartext, keys, HashPolicy::default())
}

/// [`verify_cleartext`] under a watch's hash policy.
pub(crate) fn verify_cleartext_with(
    cleartext: &Cleartext,
    keys: &[PinnedKey],
    policy: HashPolicy,
) -> Vec<SignatureVerdict> {
    let message = match &cleartext.message {
        Ok(m) => m,
        Err(e) => return vec![unparseable(e.to_string())],
    };
    let signed = message.signed_text();
    let mut verdicts: Vec<_> = message
        .signatures()
        .iter()
        .take(MAX_SIGNATURES)
        .map(|sig| judge(sig, signed.as_bytes(), keys, policy))
        .collect();
    if verdicts.is_empty() {
        verdicts.push(unparseable(
            "the clearsigned block has no signature".to_string(),
        ));
    }
    verdicts
}

/// Byte offset of the first line at or after `from` that starts with `marker`.
fn line_starting(text: &str, from: usize, marker: &str) -> Option<usize> {
    let mut at = from;
    loop {
        let i = text[at..].find(marker)? + at;
        if i == 0 || text.as_bytes()[i - 1] == b'\n' {
            return Some(i);
        }
        at = i + marker.len();
    }
}

/// The body of an unreadable block: lines between the armour headers and the signature,
/// dash-unescaped.
fn rough_text(block: &str) -> String {
    let mut lines = block.lines().skip(1);
    // Armour headers ("Hash: SHA256") end at the first empty line.
    for line in lines.by_ref() {
        if line.trim().is_empty() {
            break;
        }
    }
    let mut out = String::new();
    for line in lines {
        if line.starts_with(BEGIN_SIGNATURE) {
            break;
        }
        out.push_str(line.strip_prefix("- ").unwrap_or(line));
        out.push('\n');
    }
    out
}

fn unparseable(detail: String) -> SignatureVerdict {
    SignatureVerdict {
        status: SignatureStatus::Unparseable,
        issuer: None,
        signer: None,
        created: None,
        hash: None,
        detail: Some(detail),
    }
}

/// The verdict on one signature over `data`.
fn judge(sig: &Signature, data: &[u8], keys: &[PinnedKey], policy: HashPolicy) -> SignatureVerdict {
    let fingerprints = sig.issuer_fingerprint();
    let key_ids = sig.issuer_key_id();
    let created = sig.created().map(|t| t.as_secs());
    let mut verdict = SignatureVerdict {
        status: SignatureStatus::Unparseable,
        issuer: fingerprints
            .first()
            .map(|fp| format!("{fp:X}"))
            .or_else(|| key_ids.first().map(hex::encode_upper)),
        signer: None,
        created: created.and_then(to_datetime),
        hash: sig.hash_alg().map(|h| h.to_string()),
        detail: None,
    };
    let done = |mut v: SignatureVerdict, status, detail: Option<String>| {
        v.status = status;
        v.detail = detail;
        v
    };

    let (Some(hash), Some(typ)) = (sig.hash_alg(), sig.typ()) else {
        let detail = format!("unsupported signature version {:?}", sig.version());
        return done(verdict, SignatureStatus::Unparseable, Some(detail));
    };
    if !matches!(typ, SignatureType::Binary | SignatureType::Text) {
        let detail = format!("a {typ:?} signature, not a signature over a document");
        return done(verdict, SignatureStatus::Unparseable, Some(detail));
    }
    let Some(created) = created else {
        let detail = "the signature has no creation time".to_string();
        return done(verdict, SignatureStatus::Unparseable, Some(detail));
    };

    let anonymous = fingerprints.is_empty() && key_ids.is_empty();
    let candidates: Vec<(&PinnedKey, &Component)> = keys
        .iter()
        .flat_map(|k| k.components().map(move |c| (k, c)))
        .filter(|(_, c)| {
            anonymous
                || fingerprints.iter().any(|fp| **fp == c.fingerprint)
                || key_ids.iter().any(|id| **id == c.key_id)
        })
        .collect();
    let Some(&(first_key, first_component)) = candidates.first() else {
        let detail = "made by a key that is not pinned".to_string();
        return done(verdict, SignatureStatus::UnknownKey, Some(detail));
    };

    if !hash_allowed(hash, policy) {
        if !anonymous {
            verdict.signer = Some(first_key.signer(first_component));
        }
        let detail = refusal(hash);
        return done(verdict, SignatureStatus::WeakHash, Some(detail));
    }

    let verified = candidates.iter().find(|(key, component)| {
        let result = match component.subkey {
            None => sig.verify(&key.cert.primary_key, data),
            Some(i) => sig.verify(&key.cert.public_subkeys[i].key, data),
        };
        result.is_ok()
    });
    let Some(&(key, component)) = verified else {
        if anonymous {
            let detail = "names no issuer and verifies with no pinned key".to_string();
            return done(verdict, SignatureStatus::UnknownKey, Some(detail));
        }
        verdict.signer = Some(first_key.signer(first_component));
        let detail = "does not verify: the text or the signature was altered".to_string();
        return done(verdict, SignatureStatus::Bad, Some(detail));
    };
    verdict.signer = Some(key.signer(component));
    let (status, detail) = standing(key, component, created);
    done(verdict, status, detail)
}

/// Whether a cryptographically valid signature made at `created` by `component` counts.
fn standing(
    key: &PinnedKey,
    component: &Component,
    created: u32,
) -> (SignatureStatus, Option<String>) {
    let which = match component.subkey {
        Some(_) => format!("subkey {:X}", component.fingerprint),
        None => format!("key {}", key.fingerprint()),
    };
    let primary = &key.primary;
    for c in [primary, component] {
        if let Some(r) = c.revocation
            && (r.hard || r.at <= created)
        {
            let kind = if r.hard { "revoked" } else { "retired" };
            let detail = format!("{which} is {kind} (revocation dated {})", stamp(r.at));
            return (SignatureStatus::KeyRevoked, Some(detail));
        }
    }
    for c in [primary, component] {
        if let Some(expires) = c.expires
            && expires <= u64::from(created)
        {
            // Most often the publisher extended the key and the pinned copy is old: say so.
            let what = match c.subkey {
                Some(_) if component.can_sign => {
                    format!("its signing subkey {:X}", c.fingerprint)
                }
                Some(_) => format!("its subkey {:X}", c.fingerprint),
                None => "the key".to_string(),
            };
            let detail = format!(
                "your pinned copy of {} ({}) says {what} expired on {}; the signature was made on {}; if the publisher extended the key, refresh the pinned copy",
                key.label(),
                key.fingerprint(),
                day(u32::try_from(expires).unwrap_or(u32::MAX)),
                day(created),
            );
            return (SignatureStatus::KeyExpired, Some(detail));
        }
    }
    if created < component.created {
        let detail = format!("the signature is dated before {which} was created");
        return (SignatureStatus::Bad, Some(detail));
    }
    if !component.can_sign {
        let detail = format!("{which} is not a signing key");
        return (SignatureStatus::UnknownKey, Some(detail));
    }
    (SignatureStatus::Good, None)
}

/// "2026-01-03 00:00 UTC".
fn day(secs: u32) -> String {
    to_datetime(secs).map_or_else(
        || secs.to_string(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn stamp(secs: u32) -> String {
    to_datetime(secs).map_or_else(|| secs.to_string(), |t| t.to_rfc3339())
}
