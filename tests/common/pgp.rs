//! OpenPGP keys and signatures made for the tests (Ed25519 from fixed seeds, never stored),
//! plus one RSA key for SHA-1 signatures: rPGP makes no Ed25519 signature over a digest
//! shorter than 256 bits, and generating RSA in a debug test is too slow, so that key's
//! secret (made for these tests, worthless) is a fixture.
#![allow(dead_code)]

use std::path::Path;

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey, SubpacketConfig,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    KeyFlags, RevocationCode, SignatureConfig, SignatureType, Subpacket, SubpacketData,
};
use pgp::types::{Duration, KeyDetails, Password, Tag, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub const DAY: u32 = 86_400;
/// 2026-01-01T00:00:00Z: when the test keys are made.
pub const T0: u32 = 1_767_225_600;

pub fn secret_key(name: &str, seed: u64) -> SignedSecretKey {
    SecretKeyParamsBuilder::default()
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .created_at(Timestamp::from_secs(T0))
        .primary_user_id(format!("{name} <{}@example.org>", name.to_lowercase()))
        .build()
        .expect("key params")
        .generate(StdRng::seed_from_u64(seed))
        .expect("key generation")
}

/// "Olga Oldhash <olga@example.org>", RSA 2048, made 2026-01-01 with gpg for these tests.
pub fn rsa_key() -> SignedSecretKey {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/signed/sha1-signer-TEST-ONLY.secret.asc");
    let armored = std::fs::read_to_string(path).expect("RSA test key");
    SignedSecretKey::from_string(&armored)
        .expect("RSA test key")
        .0
}

pub fn fingerprint(key: &SignedSecretKey) -> String {
    format!("{:X}", key.primary_key.fingerprint())
}

pub fn armored_key(public: &SignedPublicKey) -> Vec<u8> {
    public
        .to_armored_bytes(ArmorOptions::default())
        .expect("armour")
}

/// An armoured detached signature over `data`, made at `at` with `hash`.
pub fn detached_with(key: &SignedSecretKey, data: &[u8], at: u32, hash: HashAlgorithm) -> Vec<u8> {
    let k = &key.primary_key;
    let config = SubpacketConfig::UserDefined {
        hashed: vec![
            Subpacket::regular(SubpacketData::IssuerFingerprint(k.fingerprint())).unwrap(),
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                at,
            )))
            .unwrap(),
        ],
        unhashed: vec![Subpacket::regular(SubpacketData::IssuerKeyId(k.legacy_key_id())).unwrap()],
    };
    DetachedSignature::sign_binary_data_with_subpackets(
        StdRng::seed_from_u64(7),
        k,
        &Password::empty(),
        hash,
        data,
        config,
    )
    .expect("sign")
    .to_armored_bytes(ArmorOptions::default())
    .expect("armour")
}

/// `text` clearsigned by `key` at `at`.
pub fn clearsign(key: &SignedSecretKey, text: &str, at: u32) -> String {
    CleartextSignedMessage::new_many(text, |signed| {
        let mut config = SignatureConfig::v4(
            SignatureType::Text,
            key.primary_key.algorithm(),
            HashAlgorithm::Sha256,
        );
        config.hashed_subpackets = vec![
            Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
            Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
                at,
            )))?,
        ];
        Ok(vec![config.sign(
            &key.primary_key,
            &Password::empty(),
            signed.as_bytes(),
        )?])
    })
    .expect("clearsign")
    .to_armored_string(ArmorOptions::default())
    .expect("armour")
}

/// An armoured SHA-256 detached signature over `data`, made at `at`.
pub fn detached(key: &SignedSecretKey, data: &[u8], at: u32) -> Vec<u8> {
    detached_with(key, data, at, HashAlgorithm::Sha256)
}

/// The public key with its self-signature replaced by one made at `made`, saying the key
/// expires `days` after its creation (what a publisher extending a key publishes).
pub fn with_expiry_at(secret: &SignedSecretKey, days: u32, made: u32) -> SignedPublicKey {
    let mut public = secret.to_public_key();
    let user = &mut public.details.users[0];
    let mut config = SignatureConfig::v4(
        SignatureType::CertPositive,
        secret.primary_key.algorithm(),
        HashAlgorithm::Sha256,
    );
    let mut flags = KeyFlags::default();
    flags.set_certify(true);
    flags.set_sign(true);
    config.hashed_subpackets = vec![
        Subpacket::regular(SubpacketData::IssuerFingerprint(secret.fingerprint())).unwrap(),
        Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
            made,
        )))
        .unwrap(),
        Subpacket::regular(SubpacketData::KeyFlags(flags)).unwrap(),
        Subpacket::regular(SubpacketData::KeyExpirationTime(Duration::from_secs(
            days * DAY,
        )))
        .unwrap(),
    ];
    let sig = config
        .sign_certification(
            &secret.primary_key,
            &public.primary_key,
            &Password::empty(),
            Tag::UserId,
            &user.id,
        )
        .expect("certify");
    user.signatures = vec![sig];
    public
}

/// `public` with a "key compromised" revocation by `secret` made at `at`.
pub fn revoked(secret: &SignedSecretKey, mut public: SignedPublicKey, at: u32) -> SignedPublicKey {
    let mut config = SignatureConfig::v4(
        SignatureType::KeyRevocation,
        secret.primary_key.algorithm(),
        HashAlgorithm::Sha256,
    );
    config.hashed_subpackets = vec![
        Subpacket::regular(SubpacketData::IssuerFingerprint(secret.fingerprint())).unwrap(),
        Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
            at,
        )))
        .unwrap(),
        Subpacket::regular(SubpacketData::RevocationReason(
            RevocationCode::KeyCompromised,
            "stolen laptop".into(),
        ))
        .unwrap(),
    ];
    let sig = config
        .sign_key(&secret.primary_key, &Password::empty(), &public.primary_key)
        .expect("revoke");
    public.details.revocation_signatures.push(sig);
    public
}
