//! Fuzz target: the PDF reader (pdf-extract under canaryd's bounds and panic guard). Any
//! bytes: never a panic, a hang or unbounded memory; a readable PDF has text within bounds.
#![no_main]

use canaryd_core::observe::fuzzing::{MAX_PDF_CHARS, pdf_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = pdf_text(data) {
        assert!(!text.trim().is_empty(), "a readable PDF has text");
        // Characters drawn, plus the spaces and line breaks laid out between them.
        assert!(
            text.chars().count() <= 3 * MAX_PDF_CHARS,
            "{} chars",
            text.len()
        );
    }
});
