//! CanaryTail documents signed the way the Go client signs them: Ed25519 keys from fixed
//! seeds, every field of the claim signed on its own text form.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::{Map, Value, json};

/// Every code the client writes, in its order.
pub const CODES: [&str; 10] = [
    "war", "gag", "subp", "trap", "cease", "duress", "raid", "seize", "xcred", "xopers",
];

pub fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

/// The key as the document lists it: base64 of the 32 public bytes.
pub fn public(k: &SigningKey) -> String {
    STANDARD.encode(k.verifying_key().to_bytes())
}

/// The text the client signs for one field, written out by hand here so that the tests do
/// not lean on the reader's own text forms.
fn signed_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        // Key objects print as Go prints the client's list of structs.
        Value::Array(items) if items.iter().any(Value::is_object) => format!(
            "[{}]",
            items
                .iter()
                .map(|o| format!(
                    "{{{} {} {} {}}}",
                    o["role"].as_str().unwrap_or_default(),
                    o["name"].as_str().unwrap_or_default(),
                    o["key"].as_str().expect("a key object names its key"),
                    o["required"].as_bool().unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// Every field of `claim` signed by `key`: the signature set the document files under the
/// key's public half.
pub fn sign_all(claim: &Value, key: &SigningKey) -> Value {
    let fields = claim.as_object().expect("a claim is an object");
    let set: Map<String, Value> = fields
        .iter()
        .map(|(field, value)| {
            let sig = key.sign(signed_text(value).as_bytes());
            (field.clone(), json!(STANDARD.encode(sig.to_bytes())))
        })
        .collect();
    Value::Object(set)
}

/// A client-shape claim for example.org listing `pubkeys`, released 2026-11-01, expiring
/// 2026-12-01, with every code.
pub fn client_claim(pubkeys: Value, panic: &SigningKey) -> Value {
    json!({
        "domain": "example.org",
        "pubkeys": pubkeys,
        "panickey": public(panic),
        "version": "0.1",
        "release": "2026-11-01T00:00:00Z",
        "expiry": "2026-12-01T00:00:00Z",
        "freshness": "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
        "codes": CODES,
    })
}

/// A client claim listing only `signer`, with the panic key of seed 99, the given release
/// and expiry (RFC 3339) and codes.
pub fn claim_by(signer: &SigningKey, release: &str, expiry: &str, codes: &[&str]) -> Value {
    let mut claim = client_claim(json!([public(signer)]), &key(99));
    claim["release"] = json!(release);
    claim["expiry"] = json!(expiry);
    claim["codes"] = json!(codes);
    claim
}

/// The document as JSON: `claim` and each signer's signature set.
pub fn signed(claim: &Value, signers: &[&SigningKey]) -> Value {
    let sigs: Map<String, Value> = signers
        .iter()
        .map(|k| (public(k), sign_all(claim, k)))
        .collect();
    json!({"canary": claim, "signatures": sigs})
}

/// The document as the client writes it.
pub fn document(claim: &Value, signers: &[&SigningKey]) -> Vec<u8> {
    to_bytes(&signed(claim, signers))
}

pub fn to_bytes(document: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(document).expect("JSON of a JSON value")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier as _};

    #[test]
    fn every_field_is_signed_on_its_text_form() {
        let (a, p) = (key(1), key(9));
        let claim = client_claim(json!([public(&a)]), &p);
        let doc = signed(&claim, &[&a]);
        let sigs = &doc["signatures"][public(&a)];
        assert_eq!(sigs.as_object().map(Map::len), Some(8));
        let codes = STANDARD.decode(sigs["codes"].as_str().unwrap()).unwrap();
        let sig = Signature::from_slice(&codes).unwrap();
        let text = CODES.join(" ");
        assert!(a.verifying_key().verify(text.as_bytes(), &sig).is_ok());
    }
}
