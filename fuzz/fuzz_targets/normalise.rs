//! Fuzz target: normalisation (`clean`, `comparison_key`, `statement`). Checks the
//! documented shape of both forms: whitespace collapsed to single spaces, none leading or
//! trailing, no zero-width characters; and that a statement's hash is its key's.
#![no_main]

use canaryd_core::observe::normalise::{clean, comparison_key, sha256_hex, statement};
use libfuzzer_sys::fuzz_target;

fn tidy(label: &str, s: &str) {
    assert!(
        !s.starts_with(' ') && !s.ends_with(' '),
        "{label}: space at an end: {s:?}"
    );
    assert!(!s.contains("  "), "{label}: double space: {s:?}");
    assert!(
        !s.chars().any(|c| c != ' ' && c.is_whitespace()),
        "{label}: whitespace other than ' ': {s:?}"
    );
    assert!(
        !s.chars()
            .any(|c| matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')),
        "{label}: zero-width character: {s:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    tidy("clean", &clean(&text));
    let (key, _dates) = comparison_key(&text);
    tidy("comparison_key", &key);
    let s = statement(&text, data.first().is_some_and(|b| b & 1 == 1));
    assert_eq!(s.hash, sha256_hex(&s.key));
});
