//! Fuzz target: the watchlist parser. Any text is either a watchlist or an error that names
//! fuzz.toml with a line and column inside the text (1-based) and renders without panicking.
#![no_main]

use std::path::Path;

use canaryd::config::{Watchlist, WatchlistError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Watchlist::parse(text, Path::new("fuzz.toml")) {
        Ok(wl) => {
            let _ = wl.watches.len();
        }
        Err(e @ WatchlistError::Invalid { line, column, .. }) => {
            let lines = text.split('\n').count().max(1);
            assert!(
                line >= 1 && line <= lines,
                "line {line} outside 1..={lines}: {e}"
            );
            assert!(column >= 1, "column {column}: {e}");
            let _ = e.to_string();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
