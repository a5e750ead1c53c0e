//! Fuzz target: statement extraction from HTML, auto-detected and with a fixed selector.
//! Beyond "no panic, no hang": the documented guarantees of `extract` on every page it
//! accepts (no duplicate keys, every statement has a letter or digit, at most
//! MAX_STATEMENTS), and the element `#canary li` starts from, when cut out of the page, reads
//! as the whole page does.
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use canaryd_core::observe::extract::{Format, MAX_STATEMENTS, extract};
use canaryd_core::observe::fuzzing::html_both_ways;
use canaryd_core::observe::selector::WatchSelector;
use canaryd_core::observe::statement::Statement;
use libfuzzer_sys::fuzz_target;

static SELECTOR: LazyLock<WatchSelector> =
    LazyLock::new(|| WatchSelector::parse("#canary li").expect("a valid selector"));

fn check(statements: &[Statement]) {
    assert!(statements.len() <= MAX_STATEMENTS);
    let mut keys = HashSet::new();
    for s in statements {
        assert!(keys.insert(s.key.as_str()), "duplicate key {:?}", s.key);
        assert!(
            s.text.chars().any(char::is_alphanumeric),
            "no letter or digit: {:?}",
            s.text
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    if let Ok(statements) = extract(&body, Format::Html, None) {
        check(&statements);
    }
    let (cut, whole) = html_both_ways(&body, &SELECTOR);
    assert_eq!(cut, whole, "the cut reads otherwise than the whole page");
    if let Ok(statements) = cut {
        check(&statements);
    }
});
