//! OpenPGP keys and signatures made for the tests (Ed25519 from fixed seeds, never stored),
//! plus one RSA key for SHA-1 signatures: rPGP makes no Ed25519 signature over a digest
//! shorter than 256 bits, and generating RSA in a debug test is too slow, so that key's
//! secret (made for these tests, worthless) is a fixture, compiled in.

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DetachedSignature, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey, SubkeyParamsBuilder, SubpacketConfig,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{
    KeyFlags, RevocationCode, SignatureConfig, SignatureType, Subpacket, SubpacketData,
};
use pgp::ser::Serialize as _;
use pgp::types::{Duration, KeyDetails, Password, SigningKey, Tag, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub const DAY: u32 = 86_400;
/// 2026-01-01T00:00:00Z: when the test keys are made.
pub const T0: u32 = 1_767_225_600;

const RSA_SECRET: &str =
    include_str!("../../../tests/fixtures/signed/sha1-signer-TEST-ONLY.secret.asc");

fn params(name: &str, primary_signs: bool) -> SecretKeyParamsBuilder {
    let mut params = SecretKeyParamsBuilder::default();
    params
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(primary_signs)
        .created_at(Timestamp::from_secs(T0))
        .primary_user_id(format!("{name} <{}@example.org>", name.to_lowercase()));
    params
}

fn generate(params: &SecretKeyParamsBuilder, seed: u64) -> SignedSecretKey {
    params
        .build()
        .expect("key params")
        .generate(StdRng::seed_from_u64(seed))
        .expect("key generation")
}

/// "Name <name@example.org>": an Ed25519 primary key that signs, made at T0.
pub fn secret_key(name: &str, seed: u64) -> SignedSecretKey {
    generate(&params(name, true), seed)
}

/// A certify-only Ed25519 primary key with one Ed25519 signing subkey, made at T0.
pub fn secret_key_with_signing_subkey(name: &str, seed: u64) -> SignedSecretKey {
    let mut params = params(name, false);
    params.subkeys(vec![
        SubkeyParamsBuilder::default()
            .key_type(KeyType::Ed25519Legacy)
            .can_sign(true)
            .created_at(Timestamp::from_secs(T0))
            .build()
            .expect("subkey params"),
    ]);
    generate(&params, seed)
}

/// "Olga Oldhash <olga@example.org>", RSA 2048, made 2026-01-01 with gpg for these tests.
pub fn rsa_key() -> SignedSecretKey {
    SignedSecretKey::from_string(RSA_SECRET)
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

/// The issuer and creation time every test signature carries.
fn stamped(key: &impl KeyDetails, at: u32) -> Vec<Subpacket> {
    vec![
        Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint()))
            .expect("issuer subpacket"),
        Subpacket::regular(SubpacketData::SignatureCreationTime(Timestamp::from_secs(
            at,
        )))
        .expect("time subpacket"),
    ]
}

/// A binary detached signature over `data` by `key` (a primary key or a subkey), made at
/// `at` with `hash`.
pub fn detached_binary(
    key: &impl SigningKey,
    data: &[u8],
    at: u32,
    hash: HashAlgorithm,
) -> Vec<u8> {
    let config = SubpacketConfig::UserDefined {
        hashed: stamped(key, at),
        unhashed: vec![
            Subpacket::regular(SubpacketData::IssuerKeyId(key.legacy_key_id()))
                .expect("key id subpacket"),
        ],
    };
    DetachedSignature::sign_binary_data_with_subpackets(
        StdRng::seed_from_u64(7),
        key,
        &Password::empty(),
        hash,
        data,
        config,
    )
    .expect("sign")
    .to_bytes()
    .expect("serialise")
}

/// A binary detached signature, armoured.
pub fn armored_signature(binary: &[u8]) -> Vec<u8> {
    DetachedSignature::from_bytes(binary)
        .expect("reparse")
        .to_armored_bytes(ArmorOptions::default())
        .expect("armour")
}

/// An armoured detached signature over `data` by `key`'s primary key, made at `at` with `hash`.
pub fn detached_with(key: &SignedSecretKey, data: &[u8], at: u32, hash: HashAlgorithm) -> Vec<u8> {
    armored_signature(&detached_binary(&key.primary_key, data, at, hash))
}

/// An armoured SHA-256 detached signature over `data`, made at `at`.
pub fn detached(key: &SignedSecretKey, data: &[u8], at: u32) -> Vec<u8> {
    detached_with(key, data, at, HashAlgorithm::Sha256)
}

/// `text` clearsigned by every one of `keys` at `at`.
pub fn clearsign_by(keys: &[&SignedSecretKey], text: &str, at: u32) -> String {
    CleartextSignedMessage::new_many(text, |signed| {
        keys.iter()
            .map(|k| {
                let mut config = SignatureConfig::v4(
                    SignatureType::Text,
                    k.primary_key.algorithm(),
                    HashAlgorithm::Sha256,
                );
                config.hashed_subpackets = stamped(&k.primary_key, at);
                config.sign(&k.primary_key, &Password::empty(), signed.as_bytes())
            })
            .collect()
    })
    .expect("clearsign")
    .to_armored_string(ArmorOptions::default())
    .expect("armour")
}

/// `text` clearsigned by `key` at `at`.
pub fn clearsign(key: &SignedSecretKey, text: &str, at: u32) -> String {
    clearsign_by(&[key], text, at)
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
    config.hashed_subpackets = stamped(&secret.primary_key, made);
    config.hashed_subpackets.extend([
        Subpacket::regular(SubpacketData::KeyFlags(flags)).expect("flags subpacket"),
        Subpacket::regular(SubpacketData::KeyExpirationTime(Duration::from_secs(
            days * DAY,
        )))
        .expect("expiry subpacket"),
    ]);
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

/// `public` with a revocation by `secret` made at `at`, for `code`, saying `reason`.
pub fn revoked_for(
    secret: &SignedSecretKey,
    mut public: SignedPublicKey,
    at: u32,
    code: RevocationCode,
    reason: &str,
) -> SignedPublicKey {
    let mut config = SignatureConfig::v4(
        SignatureType::KeyRevocation,
        secret.primary_key.algorithm(),
        HashAlgorithm::Sha256,
    );
    config.hashed_subpackets = stamped(&secret.primary_key, at);
    config.hashed_subpackets.push(
        Subpacket::regular(SubpacketData::RevocationReason(
            code,
            String::from(reason).into(),
        ))
        .expect("reason subpacket"),
    );
    let sig = config
        .sign_key(&secret.primary_key, &Password::empty(), &public.primary_key)
        .expect("revoke");
    public.details.revocation_signatures.push(sig);
    public
}

/// `public` with a "key compromised" revocation by `secret` made at `at`.
pub fn revoked(secret: &SignedSecretKey, public: SignedPublicKey, at: u32) -> SignedPublicKey {
    revoked_for(
        secret,
        public,
        at,
        RevocationCode::KeyCompromised,
        "stolen laptop",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_key_and_the_rsa_fixture_loads() {
        assert_eq!(
            fingerprint(&secret_key("Alice", 1)),
            fingerprint(&secret_key("Alice", 1))
        );
        assert_ne!(
            fingerprint(&secret_key("Alice", 1)),
            fingerprint(&secret_key("Alice", 2))
        );
        let subkeyed = secret_key_with_signing_subkey("Alice", 1);
        assert_eq!(subkeyed.secret_subkeys.len(), 1);
        assert_eq!(fingerprint(&rsa_key()).len(), 40);
    }

    #[test]
    fn armoured_and_binary_signatures_are_the_same_signature() {
        let alice = secret_key("Alice", 1);
        let binary = detached_binary(&alice.primary_key, b"x", T0, HashAlgorithm::Sha256);
        let armoured = detached(&alice, b"x", T0);
        let (reparsed, _) = DetachedSignature::from_armor_single(&armoured[..]).expect("armour");
        assert_eq!(reparsed.to_bytes().expect("bytes"), binary);
    }
}
