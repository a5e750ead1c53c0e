//! TEMPORARY placeholder until the real normaliser lands (same API).
use crate::statement::Statement;
use sha2::{Digest, Sha256};
pub fn clean(raw: &str) -> String {
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}
pub fn comparison_key(text: &str) -> (String, Vec<chrono::NaiveDate>) {
    (clean(text).to_lowercase(), Vec::new())
}
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}
pub fn statement(raw: &str, claim: bool) -> Statement {
    let text = clean(raw);
    let (key, dates) = comparison_key(&text);
    let hash = sha256_hex(&key);
    Statement {
        text,
        key,
        hash,
        claim,
        dates,
    }
}
