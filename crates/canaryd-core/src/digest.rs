//! Hashing and name-based ids, the one place for each: lower-case hex SHA-256 of bytes (or
//! of parts, concatenated), the BLAKE3 that tells a page body from the last one, and the
//! version-8 UUID built from a seed's SHA-256.

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `bytes` (a `&str` hashes its UTF-8).
pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// Lower-case hex SHA-256 of `parts` concatenated, without building the concatenation.
pub fn sha256_hex_parts(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// Lower-case hex BLAKE3 of a page body: what tells a check whether the page is byte for
/// byte the one it read last time. It must be collision-resistant (a page made to share the
/// last one's hash would hide a change), and it runs on every check of every watch, most of
/// which change nothing: BLAKE3 is a cryptographic hash at a third to a half of SHA-256's
/// cost on a 70 KiB page, even against SHA-NI (docs/performance.md has the figures). The
/// evidence record still names a body by its SHA-256, computed only when the body is kept,
/// so `sha256sum` checks it.
pub fn page_hash_hex(body: &[u8]) -> String {
    blake3::hash(body).to_hex().to_string()
}

/// A version-8 (RFC 9562 custom, here name-based) UUID: the first 128 bits of the SHA-256 of
/// `seed`, with the version and variant bits set. The same seed always gives the same id.
pub fn name_uuid(seed: &str) -> uuid::Uuid {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Uuid::new_v8(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digests_and_name_uuids_are_the_known_values() {
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_hex("abc"), abc);
        assert_eq!(sha256_hex(b"abc"), abc);
        assert_eq!(sha256_hex_parts(&[b"a", b"", b"bc"]), abc);
        // BLAKE3's published test vector for "abc".
        assert_eq!(
            page_hash_hex(b"abc"),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
        let id = name_uuid("x");
        assert_eq!(id, name_uuid("x"));
        assert_ne!(id, name_uuid("y"));
        assert_eq!(id.get_version_num(), 8);
        // The bits the ids written before this module had: sha256("x")[..16], marked v8.
        assert_eq!(id.to_string()[..8], sha256_hex("x")[..8]);
    }
}
