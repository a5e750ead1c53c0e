//! Pinned public keys: parsing key files (armoured or binary), refusing secret keys, and the
//! validity of each component key (signing capability, expiry, revocation) from its self-signatures.

use chrono::{DateTime, Utc};
use pgp::composed::{ArmorOptions, PublicOrSecret, SignedPublicKey};
use pgp::packet::{RevocationCode, Signature, SignatureType, SubpacketData};
use pgp::types::SignedUser;
use pgp::types::{Fingerprint, KeyDetails, KeyId, Tag};

use super::{Signer, to_datetime};

/// Why a publisher's copy of a pinned key is not taken.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Unreadable(#[from] KeyError),
    #[error(
        "the key served has primary fingerprint {}, not the pinned {pinned}; not taken",
        served.join(", ")
    )]
    OtherKey { served: Vec<String>, pinned: String },
    #[error("cannot write the merged key: {0}")]
    Write(pgp::errors::Error),
}

/// Why a key file could not be pinned.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("{label}: the key file is empty")]
    Empty { label: String },
    #[error(
        "{label}: this is a secret (private) key; refusing to keep secret key material. \
         Export the public key instead (gpg --armor --export FINGERPRINT) and pin that"
    )]
    SecretKey { label: String },
    #[error("{label}: no OpenPGP public key found{}", hint_suffix(.found))]
    NoPublicKey {
        label: String,
        found: Option<String>,
    },
    #[error("{label}: malformed OpenPGP public key: {reason}")]
    Malformed { label: String, reason: String },
}

fn hint_suffix(found: &Option<String>) -> String {
    match found {
        Some(what) => format!(" (the file holds {what})"),
        None => String::new(),
    }
}

/// A revocation in force on a component key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Revocation {
    /// Creation time of the (earliest) revocation signature.
    pub(super) at: u32,
    /// Hard revocations void signatures made before them as well.
    pub(super) hard: bool,
}

/// The primary key or one subkey, with what its self-signatures say about it.
#[derive(Debug, Clone)]
pub(super) struct Component {
    pub(super) fingerprint: Fingerprint,
    pub(super) key_id: KeyId,
    pub(super) created: u32,
    pub(super) can_sign: bool,
    /// Expiry as Unix seconds, if the newest self-signature sets one.
    pub(super) expires: Option<u64>,
    pub(super) revocation: Option<Revocation>,
    /// `None` for the primary key, else the index into `public_subkeys`.
    pub(super) subkey: Option<usize>,
}

/// One pinned OpenPGP public key (certificate) and the facts needed to judge its signatures.
#[derive(Debug, Clone)]
pub struct PinnedKey {
    label: String,
    fingerprint: String,
    user_id: Option<String>,
    pub(super) cert: SignedPublicKey,
    pub(super) primary: Component,
    /// Subkeys with a valid binding signature (signing-capable or not).
    pub(super) subkeys: Vec<Component>,
}

impl PinnedKey {
    /// Parses every public key in `bytes` (ASCII armour, possibly several blocks, or binary).
    ///
    /// `label` names the file in errors and verdicts. A file without a public key is an error,
    /// and so is any secret key material, even next to public keys.
    pub fn parse(bytes: &[u8], label: &str) -> Result<Vec<PinnedKey>, KeyError> {
        let label = label.to_string();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(KeyError::Empty { label });
        }
        let blocks = match armor_blocks(bytes) {
            Some(blocks) => blocks,
            None if looks_like_text(bytes) => {
                return Err(KeyError::NoPublicKey { label, found: None });
            }
            None => vec![bytes],
        };
        let mut keys = Vec::new();
        let mut others = Vec::new();
        for block in blocks {
            if let Some(kind) = armor_kind(block) {
                if kind.contains("PRIVATE KEY") {
                    return Err(KeyError::SecretKey { label });
                }
                if kind != "PUBLIC KEY BLOCK" {
                    others.push(format!("a PGP {}", kind.to_lowercase()));
                    continue;
                }
            }
            let (items, _) =
                PublicOrSecret::from_reader_many(block).map_err(|e| KeyError::Malformed {
                    label: label.clone(),
                    reason: super::pgp_error(&e),
                })?;
            for item in items {
                match item {
                    Ok(PublicOrSecret::Public(cert)) => keys.push(PinnedKey::new(cert, &label)),
                    Ok(PublicOrSecret::Secret(_)) => return Err(KeyError::SecretKey { label }),
                    Err(e) => {
                        return Err(KeyError::Malformed {
                            label,
                            reason: super::pgp_error(&e),
                        });
                    }
                }
            }
        }
        if keys.is_empty() {
            return Err(KeyError::NoPublicKey {
                label,
                found: (!others.is_empty()).then(|| others.join(", ")),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        keys.retain(|k| seen.insert(k.fingerprint.clone()));
        Ok(keys)
    }

    fn new(cert: SignedPublicKey, label: &str) -> PinnedKey {
        let primary = primary_component(&cert);
        let subkeys = (0..cert.public_subkeys.len())
            .filter_map(|i| subkey_component(&cert, i))
            .collect();
        PinnedKey {
            label: label.to_string(),
            fingerprint: format!("{:X}", cert.primary_key.fingerprint()),
            user_id: primary_user_id(&cert),
            cert,
            primary,
            subkeys,
        }
    }

    /// The label the key was pinned under.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Primary key fingerprint, upper-case hex without spaces.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The primary user id ("Name (comment) <email>"), for display.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// Fingerprints of the subkeys that may make signatures (bound, signing-capable, not revoked).
    #[cfg_attr(not(test), allow(dead_code))] // API exercised by the tests
    pub fn signing_subkeys(&self) -> Vec<String> {
        self.subkeys
            .iter()
            .filter(|c| c.can_sign && c.revocation.is_none())
            .map(|c| format!("{:X}", c.fingerprint))
            .collect()
    }

    /// Whether the primary key itself may make signatures.
    #[cfg_attr(not(test), allow(dead_code))] // API exercised by the tests
    pub fn primary_can_sign(&self) -> bool {
        self.primary.can_sign
    }

    /// When the primary key expires, if it does.
    #[cfg_attr(not(test), allow(dead_code))] // API exercised by the tests
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        self.primary
            .expires
            .and_then(|s| DateTime::from_timestamp(i64::try_from(s).ok()?, 0))
    }

    /// When the primary key was revoked, if the pinned file carries a revocation.
    #[cfg_attr(not(test), allow(dead_code))] // API exercised by the tests
    pub fn revoked(&self) -> Option<DateTime<Utc>> {
        self.primary.revocation.and_then(|r| to_datetime(r.at))
    }

    /// Every component (primary first) with the key that verifies for it.
    pub(super) fn components(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.primary).chain(self.subkeys.iter())
    }

    pub(super) fn signer(&self, component: &Component) -> Signer {
        Signer {
            label: self.label.clone(),
            fingerprint: self.fingerprint.clone(),
            user_id: self.user_id.clone(),
            subkey: component
                .subkey
                .map(|_| format!("{:X}", component.fingerprint)),
        }
    }
}

/// A publisher's copy of a pinned key, merged into the pinned one (see [`PinnedKey::merge`]).
#[derive(Debug, Clone)]
pub struct Merged {
    pub key: PinnedKey,
    /// The merged certificate, armoured: what is stored as the refreshed copy.
    pub armored: Vec<u8>,
    /// What the update changed, in words ("expires 2035-12-30 (was 2026-01-31)"); empty when
    /// it brought nothing new.
    pub changes: Vec<String>,
    /// A revocation the update brought, in words.
    pub revoked: Option<String>,
}

impl PinnedKey {
    /// Merges `bytes` (the publisher's current copy) into this pinned key, as
    /// `gpg --refresh-keys` does: only a certificate whose primary key is this one is taken,
    /// and from it only what this primary key signed (self-signatures, subkey bindings,
    /// revocations): new expiry, new subkeys, revocations. Anything else is refused, in words.
    pub fn merge(&self, bytes: &[u8]) -> Result<Merged, MergeError> {
        let found = PinnedKey::parse(bytes, &self.label)?;
        let Some(update) = found.iter().find(|k| k.fingerprint == self.fingerprint) else {
            return Err(MergeError::OtherKey {
                served: found.iter().map(|k| k.fingerprint.clone()).collect(),
                pinned: self.fingerprint.clone(),
            });
        };
        let mut cert = self.cert.clone();
        let pk = cert.primary_key.clone();
        let new = &update.cert;
        let add = |to: &mut Vec<Signature>, sig: &Signature| {
            if !to.contains(sig) {
                to.push(sig.clone());
            }
        };
        for sig in &new.details.direct_signatures {
            if sig.verify_key(&pk).is_ok() {
                add(&mut cert.details.direct_signatures, sig);
            }
        }
        for sig in &new.details.revocation_signatures {
            if sig.typ() == Some(SignatureType::KeyRevocation) && sig.verify_key(&pk).is_ok() {
                add(&mut cert.details.revocation_signatures, sig);
            }
        }
        for user in &new.details.users {
            let own: Vec<&Signature> = user
                .signatures
                .iter()
                .filter(|s| s.verify_certification(&pk, Tag::UserId, &user.id).is_ok())
                .collect();
            match cert.details.users.iter_mut().find(|u| u.id == user.id) {
                Some(mine) => own.into_iter().for_each(|s| add(&mut mine.signatures, s)),
                None if !own.is_empty() => cert.details.users.push(SignedUser {
                    id: user.id.clone(),
                    signatures: own.into_iter().cloned().collect(),
                }),
                None => {}
            }
        }
        for sub in &new.public_subkeys {
            let own: Vec<&Signature> = sub
                .signatures
                .iter()
                .filter(|s| s.verify_subkey_binding(&pk, &sub.key).is_ok())
                .collect();
            let fp = sub.key.fingerprint();
            match cert
                .public_subkeys
                .iter_mut()
                .find(|m| m.key.fingerprint() == fp)
            {
                Some(mine) => own.into_iter().for_each(|s| add(&mut mine.signatures, s)),
                None if !own.is_empty() => {
                    let mut sub = sub.clone();
                    sub.signatures = own.into_iter().cloned().collect();
                    cert.public_subkeys.push(sub);
                }
                None => {}
            }
        }
        let armored = cert
            .to_armored_bytes(ArmorOptions::default())
            .map_err(MergeError::Write)?;
        let key = PinnedKey::new(cert, &self.label);
        let (changes, revoked) = differences(self, &key);
        Ok(Merged {
            key,
            armored,
            changes,
            revoked,
        })
    }
}

fn day_of(secs: Option<u64>) -> String {
    match secs.and_then(|s| DateTime::from_timestamp(i64::try_from(s).ok()?, 0)) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => "never".to_string(),
    }
}

fn revocation_words(r: &Revocation) -> String {
    let kind = if r.hard {
        "revoked (every signature by it is void)"
    } else {
        "retired (signatures made after it are void)"
    };
    format!("{kind}, revocation dated {}", day_of(Some(u64::from(r.at))))
}

/// What `new` says that `old` did not, in words; and a revocation it brought.
fn differences(old: &PinnedKey, new: &PinnedKey) -> (Vec<String>, Option<String>) {
    let mut changes = Vec::new();
    let mut revoked = None;
    if old.primary.expires != new.primary.expires {
        changes.push(format!(
            "the key expires {} (was {})",
            day_of(new.primary.expires),
            day_of(old.primary.expires)
        ));
    }
    if old.primary.revocation.is_none()
        && let Some(r) = &new.primary.revocation
    {
        let words = format!("the key is {}", revocation_words(r));
        changes.push(words.clone());
        revoked = Some(words);
    }
    for sub in &new.subkeys {
        let fp = format!("{:X}", sub.fingerprint);
        match old
            .subkeys
            .iter()
            .find(|o| o.fingerprint == sub.fingerprint)
        {
            None => changes.push(format!(
                "new {}subkey {fp}, expires {}",
                if sub.can_sign { "signing " } else { "" },
                day_of(sub.expires)
            )),
            Some(o) => {
                if o.expires != sub.expires {
                    changes.push(format!(
                        "subkey {fp} expires {} (was {})",
                        day_of(sub.expires),
                        day_of(o.expires)
                    ));
                }
                if o.revocation.is_none()
                    && let Some(r) = &sub.revocation
                {
                    let words = format!("subkey {fp} is {}", revocation_words(r));
                    changes.push(words.clone());
                    revoked.get_or_insert(words);
                }
            }
        }
    }
    (changes, revoked)
}

/// Slices of each `-----BEGIN PGP …-----` … `-----END PGP …-----` block, or `None` if there
/// is no armour header at all.
pub(super) fn armor_blocks(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const BEGIN: &[u8] = b"-----BEGIN PGP ";
    const END: &[u8] = b"-----END PGP ";
    let mut blocks = Vec::new();
    let mut rest = 0;
    while let Some(start) = find(&bytes[rest..], BEGIN).map(|i| i + rest) {
        let Some(end_at) = find(&bytes[start..], END).map(|i| i + start) else {
            // Unterminated: hand it to the parser, which will say what is wrong.
            blocks.push(&bytes[start..]);
            break;
        };
        let line_end = bytes[end_at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| end_at + i + 1);
        blocks.push(&bytes[start..line_end]);
        rest = line_end;
    }
    (!blocks.is_empty()).then_some(blocks)
}

/// "PUBLIC KEY BLOCK", "SIGNATURE", … for an armoured block.
fn armor_kind(block: &[u8]) -> Option<String> {
    let line = block.strip_prefix(b"-----BEGIN PGP ")?;
    let end = find(line, b"-----")?;
    Some(String::from_utf8_lossy(&line[..end]).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Binary OpenPGP starts with a packet tag byte, which always has the high bit set.
fn looks_like_text(bytes: &[u8]) -> bool {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    first.is_some_and(|b| b & 0x80 == 0)
}

fn has_subpacket(sig: &Signature, pred: impl Fn(&SubpacketData) -> bool) -> bool {
    sig.config()
        .is_some_and(|c| c.hashed_subpackets().any(|p| pred(&p.data)))
}

fn created(sig: &Signature) -> u32 {
    sig.created().map_or(0, |t| t.as_secs())
}

fn newest<'a>(sigs: impl Iterator<Item = &'a Signature>) -> Option<&'a Signature> {
    sigs.max_by_key(|s| created(s))
}

fn expiry(key_created: u32, sig: &Signature) -> Option<u64> {
    let d = sig.key_expiration_time()?.as_secs();
    (d > 0).then(|| u64::from(key_created) + u64::from(d))
}

/// Key flags from a self-signature; a signature without the subpacket allows signing
/// (keys from before key flags existed).
fn allows_signing(sig: &Signature) -> bool {
    !has_subpacket(sig, |d| matches!(d, SubpacketData::KeyFlags(_))) || sig.key_flags().sign()
}

fn is_hard(sig: &Signature) -> bool {
    !matches!(
        sig.revocation_reason_code(),
        Some(
            RevocationCode::KeySuperseded
                | RevocationCode::KeyRetired
                | RevocationCode::CertUserIdInvalid
        )
    )
}

fn revocation<'a>(sigs: impl Iterator<Item = &'a Signature>) -> Option<Revocation> {
    sigs.fold(None, |acc: Option<Revocation>, sig| {
        let this = Revocation {
            at: created(sig),
            hard: is_hard(sig),
        };
        Some(match acc {
            None => this,
            Some(a) => Revocation {
                at: a.at.min(this.at),
                hard: a.hard || this.hard,
            },
        })
    })
}

fn primary_self_signatures(cert: &SignedPublicKey) -> Vec<&Signature> {
    let pk = &cert.primary_key;
    let direct = cert
        .details
        .direct_signatures
        .iter()
        .filter(|s| s.verify_key(pk).is_ok());
    let certs = cert.details.users.iter().flat_map(|u| {
        u.signatures
            .iter()
            .filter(|s| s.verify_certification(pk, Tag::UserId, &u.id).is_ok())
    });
    direct.chain(certs).collect()
}

fn primary_component(cert: &SignedPublicKey) -> Component {
    let pk = &cert.primary_key;
    let created_at = pk.created_at().as_secs();
    let self_sigs = primary_self_signatures(cert);
    let latest = newest(self_sigs.iter().copied());
    let revocations = cert
        .details
        .revocation_signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::KeyRevocation) && s.verify_key(pk).is_ok());
    Component {
        fingerprint: pk.fingerprint(),
        key_id: pk.legacy_key_id(),
        created: created_at,
        can_sign: latest.is_some_and(allows_signing),
        expires: latest.and_then(|s| expiry(created_at, s)),
        revocation: revocation(revocations),
        subkey: None,
    }
}

fn subkey_component(cert: &SignedPublicKey, index: usize) -> Option<Component> {
    let pk = &cert.primary_key;
    let sub = &cert.public_subkeys[index];
    let valid = |typ: SignatureType| {
        sub.signatures
            .iter()
            .filter(move |s| s.typ() == Some(typ) && s.verify_subkey_binding(pk, &sub.key).is_ok())
    };
    let binding = newest(valid(SignatureType::SubkeyBinding))?;
    let created_at = sub.key.created_at().as_secs();
    // A signing subkey must prove it consents to the binding with a back-signature.
    let backed = binding
        .embedded_signature()
        .is_some_and(|b| b.verify_primary_key_binding(&sub.key, pk).is_ok());
    Some(Component {
        fingerprint: sub.key.fingerprint(),
        key_id: sub.key.legacy_key_id(),
        created: created_at,
        can_sign: binding.key_flags().sign() && backed,
        expires: expiry(created_at, binding),
        revocation: revocation(valid(SignatureType::SubkeyRevocation)),
        subkey: Some(index),
    })
}

fn primary_user_id(cert: &SignedPublicKey) -> Option<String> {
    let pk = &cert.primary_key;
    let mut best: Option<(bool, u32, String)> = None;
    for user in &cert.details.users {
        let Some(id) = user.id.as_str() else { continue };
        let selfsig = newest(
            user.signatures
                .iter()
                .filter(|s| s.verify_certification(pk, Tag::UserId, &user.id).is_ok()),
        );
        let Some(sig) = selfsig else { continue };
        let rank = (sig.is_primary(), created(sig));
        if best.as_ref().is_none_or(|(p, c, _)| rank > (*p, *c)) {
            best = Some((rank.0, rank.1, id.to_string()));
        }
    }
    best.map(|(_, _, id)| id).or_else(|| {
        cert.details
            .users
            .first()
            .and_then(|u| u.id.as_str().map(str::to_string))
    })
}
