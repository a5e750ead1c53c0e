//! Fuzz target: the CanaryTail reader (both shapes, armour, signature check). Any bytes:
//! never a panic or a hang; a readable document has at most MAX_CODES codes, upper-case and
//! without repeats.
#![no_main]

use std::collections::HashSet;

use canaryd_core::observe::fuzzing::{MAX_CODES, canarytail_codes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((codes, _verdict)) = canarytail_codes(data) {
        assert!(codes.len() <= MAX_CODES, "{} codes", codes.len());
        let mut seen = HashSet::new();
        for c in &codes {
            assert_eq!(c, &c.to_ascii_uppercase(), "codes are upper-case");
            assert!(seen.insert(c.as_str()), "repeated code {c}");
        }
    }
});
