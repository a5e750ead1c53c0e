//! Tests of key validity: expiry, revocation (primary and subkey), signing subkeys without a
//! back-signature, and the hash policy.

use super::*;
use canaryd_testkit::pgp::{revoked_for, with_expiry_at};

/// A subkey binding (or revocation) signature over `alice`'s first subkey, made at T0.
fn subkey_signature(
    alice: &SignedSecretKey,
    typ: SignatureType,
    hashed: Vec<Subpacket>,
) -> Signature {
    let public = alice.to_public_key();
    let mut config = SignatureConfig::v4(typ, alice.primary_key.algorithm(), HashAlgorithm::Sha256);
    config.hashed_subpackets = [
        vec![
            Subpacket::regular(SubpacketData::IssuerFingerprint(alice.fingerprint())).unwrap(),
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                T0,
            )))
            .unwrap(),
        ],
        hashed,
    ]
    .concat();
    config
        .sign_subkey_binding(
            &alice.primary_key,
            &public.primary_key,
            &Password::empty(),
            &public.public_subkeys[0].key,
        )
        .expect("sign subkey binding")
}

#[test]
fn revoked_or_unbacked_subkeys_do_not_count() {
    let alice = secret_key("Alice", 1, true);
    let doc = CANARY.as_bytes();
    let by_subkey = detached(&alice.secret_subkeys[0].key, doc);

    let mut revoked = alice.to_public_key();
    let reason = SubpacketData::RevocationReason(RevocationCode::KeyCompromised, "lost".into());
    let revocation = subkey_signature(
        &alice,
        SignatureType::SubkeyRevocation,
        vec![Subpacket::regular(reason).unwrap()],
    );
    revoked.public_subkeys[0].signatures.push(revocation);
    let pinned = [pin(&revoked, "alice")];
    assert!(pinned[0].signing_subkeys().is_empty());
    let verdicts = verify_detached(doc, &by_subkey, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::KeyRevoked]);
    assert!(verdicts[0].detail.as_deref().unwrap().contains("subkey"));

    // A binding that claims signing but lacks the subkey's back-signature.
    let mut unbacked = alice.to_public_key();
    let mut flags = KeyFlags::default();
    flags.set_sign(true);
    let binding = subkey_signature(
        &alice,
        SignatureType::SubkeyBinding,
        vec![Subpacket::regular(SubpacketData::KeyFlags(flags)).unwrap()],
    );
    unbacked.public_subkeys[0].signatures = vec![binding];
    let pinned = [pin(&unbacked, "alice")];
    assert!(pinned[0].signing_subkeys().is_empty());
    let verdicts = verify_detached(doc, &by_subkey, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::UnknownKey]);
}

// --- expiry, revocation, hashes -----------------------------------------------------------

/// The public key, its self-signature made at T0 saying the key expires after `days`.
fn with_expiry(secret: &SignedSecretKey, days: u32) -> SignedPublicKey {
    with_expiry_at(secret, days, T0)
}

#[test]
fn a_signature_after_the_key_expired_is_refused() {
    let alice = secret_key("Alice", 1, false);
    let pinned = [pin(&with_expiry(&alice, 2), "alice")];
    assert_eq!(pinned[0].expires(), to_datetime(T0 + 2 * DAY));
    let doc = CANARY.as_bytes();
    let before = detached_with(&alice.primary_key, doc, T0 + DAY, HashAlgorithm::Sha256);
    assert_eq!(
        statuses(&verify_detached(doc, &before, &pinned)),
        [SignatureStatus::Good]
    );
    let after = detached_with(&alice.primary_key, doc, T0 + 3 * DAY, HashAlgorithm::Sha256);
    assert_eq!(
        statuses(&verify_detached(doc, &after, &pinned)),
        [SignatureStatus::KeyExpired]
    );
}

fn revoke(secret: &SignedSecretKey, at: u32, code: RevocationCode) -> SignedPublicKey {
    revoked_for(secret, secret.to_public_key(), at, code, "test")
}

#[test]
fn revoked_keys_are_refused() {
    let alice = secret_key("Alice", 1, false);
    let doc = CANARY.as_bytes();
    let early = detached_with(&alice.primary_key, doc, T0 + DAY, HashAlgorithm::Sha256);
    let late = detached_with(&alice.primary_key, doc, T0 + 3 * DAY, HashAlgorithm::Sha256);

    // Compromised: even signatures dated before the revocation are void.
    let pinned = [pin(
        &revoke(&alice, T0 + 2 * DAY, RevocationCode::KeyCompromised),
        "a",
    )];
    assert_eq!(pinned[0].revoked(), to_datetime(T0 + 2 * DAY));
    for sig in [&early, &late] {
        assert_eq!(
            statuses(&verify_detached(doc, sig, &pinned)),
            [SignatureStatus::KeyRevoked]
        );
    }
    // Retired: signatures made before it still count.
    let pinned = [pin(
        &revoke(&alice, T0 + 2 * DAY, RevocationCode::KeyRetired),
        "a",
    )];
    assert_eq!(
        statuses(&verify_detached(doc, &early, &pinned)),
        [SignatureStatus::Good]
    );
    assert_eq!(
        statuses(&verify_detached(doc, &late, &pinned)),
        [SignatureStatus::KeyRevoked]
    );

    // A revocation that does not verify (made by another key) is ignored.
    let mallory = secret_key("Mallory", 3, false);
    let mut forged = alice.to_public_key();
    let bogus = revoke(&mallory, T0, RevocationCode::NoReason);
    forged.details.revocation_signatures = bogus.details.revocation_signatures;
    let pinned = [pin(&forged, "a")];
    assert_eq!(pinned[0].revoked(), None);
    assert_eq!(
        statuses(&verify_detached(doc, &late, &pinned)),
        [SignatureStatus::Good]
    );
}

/// `sig` with its hash algorithm relabelled. rPGP refuses to make Ed25519 signatures over
/// digests shorter than 256 bits, and an RSA or DSA key is too slow to generate in a debug test;
/// since the policy refuses such signatures before any cryptography, the label is what counts.
fn relabelled(sig: &[u8], hash: HashAlgorithm) -> Vec<u8> {
    let sig = DetachedSignature::from_bytes(sig).unwrap().signature;
    let mut config = sig.config().unwrap().clone();
    config.hash_alg = hash;
    let relabelled = Signature::from_config(
        config,
        sig.signed_hash_value().unwrap(),
        sig.signature().unwrap().clone(),
    )
    .unwrap();
    DetachedSignature::new(relabelled).to_bytes().unwrap()
}

#[test]
fn weak_hashes_are_refused() {
    let alice = secret_key("Alice", 1, false);
    let pinned = [pin(&alice.to_public_key(), "alice")];
    let doc = CANARY.as_bytes();
    let good = detached(&alice.primary_key, doc);
    for hash in [
        HashAlgorithm::Sha1,
        HashAlgorithm::Ripemd160,
        HashAlgorithm::Md5,
    ] {
        let verdicts = verify_detached(doc, &relabelled(&good, hash), &pinned);
        assert_eq!(statuses(&verdicts), [SignatureStatus::WeakHash], "{hash}");
        assert_eq!(verdicts[0].hash, Some(hash.to_string()));
        assert_eq!(verdicts[0].signer.as_ref().unwrap().label, "alice");
    }
    // Ed25519 needs a digest of at least 256 bits, so SHA-224 is checked on the policy alone.
    assert!(hash_accepted(HashAlgorithm::Sha224));
    for hash in [
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
        HashAlgorithm::Sha3_256,
        HashAlgorithm::Sha3_512,
    ] {
        let sig = detached_with(&alice.primary_key, doc, T0 + DAY, hash);
        assert_eq!(
            statuses(&verify_detached(doc, &sig, &pinned)),
            [SignatureStatus::Good],
            "{hash}"
        );
    }
}
