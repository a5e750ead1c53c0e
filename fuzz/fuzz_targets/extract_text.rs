//! Fuzz target: statement extraction from a text canary (paragraphs, bullets, numbered
//! items, PGP armour), with the same guarantees as `extract_html`.
#![no_main]

use std::collections::HashSet;

use canaryd_core::observe::extract::{Format, MAX_STATEMENTS, extract};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Ok(statements) = extract(&body, Format::Text, None) {
        assert!(statements.len() <= MAX_STATEMENTS);
        let mut keys = HashSet::new();
        for s in &statements {
            assert!(keys.insert(s.key.as_str()), "duplicate key {:?}", s.key);
            assert!(
                s.text.chars().any(char::is_alphanumeric),
                "no letter or digit: {:?}",
                s.text
            );
        }
    }
});
