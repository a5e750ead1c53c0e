//! Tests of the signature module: keys are generated here (Ed25519, fixed seeds), never stored.
//! This file holds the helpers and the key, clearsigned, detached and summary tests.

use canaryd_testkit::pgp::{
    DAY, T0, armored_key as armored, armored_signature as armor_sig, clearsign_by,
    detached_binary as detached_with, secret_key as signing_key, secret_key_with_signing_subkey,
};
use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    KeyFlags, RevocationCode, Signature, SignatureConfig, SignatureType, Subpacket, SubpacketData,
};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, Password, SigningKey, Timestamp};

use super::*;

const CANARY: &str = "Canary 12\n\nNo warrants have been served to us.\n\
- a line that starts with a dash\nFrom here on, all is well.\n";

/// A fresh key: Ed25519 primary that signs, or (with `subkey`) a certify-only primary with an
/// Ed25519 signing subkey.
fn secret_key(name: &str, seed: u64, subkey: bool) -> SignedSecretKey {
    if subkey {
        secret_key_with_signing_subkey(name, seed)
    } else {
        signing_key(name, seed)
    }
}

fn pin(cert: &SignedPublicKey, label: &str) -> PinnedKey {
    let mut keys = PinnedKey::parse(&armored(cert), label).expect("parse key");
    assert_eq!(keys.len(), 1);
    keys.remove(0)
}

/// A binary SHA-256 detached signature made a day after the keys.
fn detached(key: &impl SigningKey, data: &[u8]) -> Vec<u8> {
    detached_with(key, data, T0 + DAY, HashAlgorithm::Sha256)
}

fn statuses(verdicts: &[SignatureVerdict]) -> Vec<SignatureStatus> {
    verdicts.iter().map(|v| v.status).collect()
}

// --- keys ---------------------------------------------------------------------------------

#[test]
fn pinned_key_exposes_fingerprint_user_id_and_signing_subkeys() {
    let alice = secret_key("Alice", 1, true);
    let public = alice.to_public_key();
    let key = pin(&public, "alice.asc");
    assert_eq!(key.label(), "alice.asc");
    assert_eq!(
        key.fingerprint(),
        format!("{:X}", public.primary_key.fingerprint())
    );
    assert_eq!(key.fingerprint().len(), 40);
    assert_eq!(key.user_id(), Some("Alice <alice@example.org>"));
    assert!(!key.primary_can_sign());
    assert_eq!(
        key.signing_subkeys(),
        vec![format!("{:X}", public.public_subkeys[0].key.fingerprint())]
    );
    assert_eq!(key.expires(), None);
    assert_eq!(key.revoked(), None);

    // Binary works too, and a file may hold several keys.
    let bob = secret_key("Bob", 2, false).to_public_key();
    let mut both = public.to_bytes().unwrap();
    both.extend(bob.to_bytes().unwrap());
    let keys = PinnedKey::parse(&both, "both.gpg").expect("binary keyring");
    assert_eq!(keys.len(), 2);
    let mut armoured_both = armored(&public);
    armoured_both.extend(armored(&bob));
    assert_eq!(
        PinnedKey::parse(&armoured_both, "both.asc").unwrap().len(),
        2
    );
}

#[test]
fn key_files_without_a_public_key_are_refused() {
    let alice = secret_key("Alice", 1, false);
    let secret_armour = alice.to_armored_bytes(ArmorOptions::default()).unwrap();
    let err = PinnedKey::parse(&secret_armour, "alice.sec").unwrap_err();
    assert_eq!(
        err,
        KeyError::SecretKey {
            label: "alice.sec".into()
        }
    );
    assert!(err.to_string().contains("Export the public key"), "{err}");
    let binary_secret = alice.to_bytes().unwrap();
    assert!(matches!(
        PinnedKey::parse(&binary_secret, "s").unwrap_err(),
        KeyError::SecretKey { .. }
    ));
    // A secret key next to a public one still poisons the file.
    let mut mixed = armored(&alice.to_public_key());
    mixed.extend(&secret_armour);
    assert!(matches!(
        PinnedKey::parse(&mixed, "m").unwrap_err(),
        KeyError::SecretKey { .. }
    ));

    assert!(matches!(
        PinnedKey::parse(b"  \n", "e").unwrap_err(),
        KeyError::Empty { .. }
    ));
    assert!(matches!(
        PinnedKey::parse(b"<html>not a key</html>", "g").unwrap_err(),
        KeyError::NoPublicKey { .. }
    ));
    let sig = armor_sig(&detached(&alice.primary_key, b"x"));
    let err = PinnedKey::parse(&sig, "sig.asc").unwrap_err();
    assert!(err.to_string().contains("a PGP signature"), "{err}");
    assert!(PinnedKey::parse(&[0x99, 0x01, 0x02, 0xff, 0x00], "junk").is_err());
}

// --- clearsigned --------------------------------------------------------------------------

fn clearsign(keys: &[&SignedSecretKey], text: &str) -> String {
    clearsign_by(keys, text, T0 + DAY)
}

#[test]
fn clearsigned_canary_verifies_and_an_altered_word_is_bad() {
    let alice = secret_key("Alice", 1, false);
    let pinned = [pin(&alice.to_public_key(), "alice")];
    let signed = clearsign(&[&alice], CANARY);

    let block: Cleartext = split_cleartext(&signed).expect("block found");
    assert!(block.is_parseable());
    assert_eq!(block.text().trim_end(), CANARY.trim_end());
    let verdicts = verify_cleartext(&block, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::Good]);
    let v = &verdicts[0];
    assert_eq!(v.hash.as_deref(), Some("SHA256"));
    assert_eq!(v.created, to_datetime(T0 + DAY));
    let signer = v.signer.as_ref().unwrap();
    assert_eq!(signer.fingerprint, pinned[0].fingerprint());
    assert_eq!(signer.label, "alice");
    assert_eq!(v.issuer.as_deref(), Some(pinned[0].fingerprint()));

    let altered = signed.replace("No warrants", "Some warrants");
    let verdicts = verify_cleartext(&split_cleartext(&altered).unwrap(), &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::Bad]);
    assert_eq!(SignatureSummary::new(&verdicts, 1).to_string(), "BAD");
}

#[test]
fn clearsigned_block_inside_a_page_is_found() {
    let alice = secret_key("Alice", 1, false);
    let bob = secret_key("Bob", 2, false);
    let pinned = [
        pin(&alice.to_public_key(), "alice"),
        pin(&bob.to_public_key(), "bob"),
    ];
    let page = format!(
        "Our canary\nPublished monthly. -----BEGIN PGP SIGNED MESSAGE----- is how it starts.\n\n{}\nFooter text\n",
        clearsign(&[&alice, &bob], CANARY)
    );
    let block = split_cleartext(&page).expect("found in page");
    assert!(block.text().contains("No warrants have been served"));
    assert!(
        block
            .text()
            .contains("\n- a line that starts with a dash\n")
    );
    assert!(!block.text().contains("Footer"));
    let verdicts = verify_cleartext(&block, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::Good; 2]);
    assert_eq!(SignatureSummary::new(&verdicts, 2).to_string(), "2/2 ok");

    assert!(split_cleartext("no signature here").is_none());
    let broken = split_cleartext("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n")
        .expect("block found");
    assert!(!broken.is_parseable());
    assert_eq!(broken.text(), "hi\n");
    assert_eq!(
        statuses(&verify_cleartext(&broken, &pinned)),
        [SignatureStatus::Unparseable]
    );
}

// --- detached -----------------------------------------------------------------------------

#[test]
fn detached_signatures_armoured_and_binary_and_unknown_keys() {
    let alice = secret_key("Alice", 1, false);
    let mallory = secret_key("Mallory", 3, false);
    let pinned = [pin(&alice.to_public_key(), "alice")];
    let doc = CANARY.as_bytes();

    let binary = detached(&alice.primary_key, doc);
    assert_eq!(
        statuses(&verify_detached(doc, &binary, &pinned)),
        [SignatureStatus::Good]
    );
    let armoured = armor_sig(&binary);
    assert!(armoured.starts_with(b"-----BEGIN PGP SIGNATURE-----"));
    assert_eq!(
        statuses(&verify_detached(doc, &armoured, &pinned)),
        [SignatureStatus::Good]
    );

    let mut altered = doc.to_vec();
    altered[3] ^= 1;
    assert_eq!(
        statuses(&verify_detached(&altered, &binary, &pinned)),
        [SignatureStatus::Bad]
    );

    let by_mallory = detached(&mallory.primary_key, doc);
    let verdicts = verify_detached(doc, &by_mallory, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::UnknownKey]);
    assert_eq!(
        verdicts[0].issuer,
        Some(format!("{:X}", mallory.primary_key.fingerprint()))
    );
    assert!(verdicts[0].signer.is_none());

    // Several packets in one file, binary and armoured.
    let mut two = binary.clone();
    two.extend(&by_mallory);
    let expect = [SignatureStatus::Good, SignatureStatus::UnknownKey];
    assert_eq!(statuses(&verify_detached(doc, &two, &pinned)), expect);
    assert_eq!(
        statuses(&verify_detached(doc, &armor_sig_many(&two), &pinned)),
        expect
    );
    let mut two_blocks = armoured.clone();
    two_blocks.extend(armor_sig(&by_mallory));
    assert_eq!(
        statuses(&verify_detached(doc, &two_blocks, &pinned)),
        expect
    );

    for junk in [
        &b""[..],
        b"garbage",
        b"-----BEGIN PGP SIGNATURE-----\n\nzz\n",
    ] {
        let verdicts = verify_detached(doc, junk, &pinned);
        assert_eq!(
            statuses(&verdicts),
            [SignatureStatus::Unparseable],
            "{junk:?}"
        );
    }
}

fn armor_sig_many(binary: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let block = pgp::armor::BlockType::Signature;
    pgp::armor::write(&RawBytes(binary.to_vec()), block, &mut out, None, true).unwrap();
    out
}

struct RawBytes(Vec<u8>);

impl Serialize for RawBytes {
    fn to_writer<W: std::io::Write>(&self, writer: &mut W) -> pgp::errors::Result<()> {
        writer.write_all(&self.0)?;
        Ok(())
    }
    fn write_len(&self) -> usize {
        self.0.len()
    }
}

#[test]
fn a_signing_subkey_counts_for_its_primary() {
    let alice = secret_key("Alice", 1, true);
    let pinned = [pin(&alice.to_public_key(), "alice")];
    let doc = CANARY.as_bytes();
    let by_subkey = detached(&alice.secret_subkeys[0].key, doc);
    let verdicts = verify_detached(doc, &by_subkey, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::Good]);
    let signer = verdicts[0].signer.as_ref().unwrap();
    assert_eq!(signer.fingerprint, pinned[0].fingerprint());
    assert_eq!(signer.subkey, Some(pinned[0].signing_subkeys()[0].clone()));

    // The primary of this key may only certify: its data signatures do not count.
    let by_primary = detached(&alice.primary_key, doc);
    let verdicts = verify_detached(doc, &by_primary, &pinned);
    assert_eq!(statuses(&verdicts), [SignatureStatus::UnknownKey]);
    assert!(
        verdicts[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("not a signing key")
    );

    // Primary and subkey of one key are one signer.
    let mut both = by_subkey.clone();
    both.extend(detached_with(
        &alice.secret_subkeys[0].key,
        doc,
        T0 + 2 * DAY,
        HashAlgorithm::Sha512,
    ));
    let summary = SignatureSummary::new(&verify_detached(doc, &both, &pinned), 2);
    assert_eq!(summary.good_signers.len(), 1);
    assert_eq!(summary.to_string(), "1/2");
}

#[test]
fn distinct_signers_are_counted() {
    let keys: Vec<_> = ["Alice", "Bob", "Carol"]
        .iter()
        .zip(1..)
        .map(|(name, seed)| secret_key(name, seed, false))
        .collect();
    let pinned: Vec<_> = keys
        .iter()
        .map(|k| pin(&k.to_public_key(), "team"))
        .collect();
    let doc = CANARY.as_bytes();
    let sign = |k: &SignedSecretKey, day: u32| {
        detached_with(&k.primary_key, doc, T0 + day * DAY, HashAlgorithm::Sha256)
    };

    // Two of two.
    let mut sigs = sign(&keys[0], 1);
    sigs.extend(sign(&keys[1], 3));
    let verdicts = verify_detached(doc, &sigs, &pinned[..2]);
    let summary = SignatureSummary::new(&verdicts, 2);
    assert_eq!(summary.to_string(), "2/2 ok");
    assert!(summary.is_satisfied());
    assert_eq!(
        summary.newest_good_signature_time(),
        to_datetime(T0 + 3 * DAY)
    );

    // Alice twice is still one signer.
    let mut twice = sign(&keys[0], 1);
    twice.extend(sign(&keys[0], 2));
    let summary = SignatureSummary::new(&verify_detached(doc, &twice, &pinned), 2);
    assert_eq!(
        (summary.to_string().as_str(), summary.state()),
        ("1/2", SummaryState::Insufficient)
    );

    // Three signers, two required; and three required with Carol's key not pinned.
    let mut three = sigs.clone();
    three.extend(sign(&keys[2], 2));
    let summary = SignatureSummary::new(&verify_detached(doc, &three, &pinned), 2);
    assert_eq!(summary.to_string(), "3/2 ok");
    let summary = SignatureSummary::new(&verify_detached(doc, &three, &pinned[..2]), 3);
    assert_eq!(summary.to_string(), "2/3");
    assert_eq!(summary.other, 1);

    let none = SignatureSummary::new(&[], 1);
    assert_eq!(
        (none.to_string().as_str(), none.newest_good_signature_time()),
        ("unsigned", None)
    );

    // Serde round trip, as state and evidence records store them.
    let json = serde_json::to_string(&summary).unwrap();
    assert_eq!(
        serde_json::from_str::<SignatureSummary>(&json).unwrap(),
        summary
    );
    let verdicts = verify_detached(doc, &three, &pinned[..2]);
    let json = serde_json::to_string(&verdicts).unwrap();
    assert!(json.contains("\"status\":\"unknown_key\""), "{json}");
    assert_eq!(
        serde_json::from_str::<Vec<SignatureVerdict>>(&json).unwrap(),
        verdicts
    );
}

mod interop;
mod validity;
