//! Fuzz target: diff classification. The input is two statement lists, one statement per
//! line, separated by a line holding only "---". Checks that a list compared with itself
//! has no difference and that every removed, added or changed statement really is absent
//! from the other side (by hash); renders the evidence (word diff, unified diff) too.
#![no_main]

use std::collections::HashSet;

use canaryd_core::judge::diff::{diff, unified};
use canaryd_core::observe::normalise::statement;
use canaryd_core::observe::statement::Statement;
use libfuzzer_sys::fuzz_target;

fn statements(text: &str) -> Vec<Statement> {
    text.lines()
        .take(300) // pairing is bounded by the code itself; keep each run short
        .map(|l| statement(l, !l.starts_with('#')))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once("\n---\n").unwrap_or((&text, ""));
    let (old, new) = (statements(a), statements(b));
    assert!(diff(&old, &old).is_empty(), "a list differs from itself");
    let d = diff(&old, &new);
    let old_hashes: HashSet<&str> = old.iter().map(|s| s.hash.as_str()).collect();
    let new_hashes: HashSet<&str> = new.iter().map(|s| s.hash.as_str()).collect();
    for s in &d.removed {
        assert!(old_hashes.contains(s.hash.as_str()) && !new_hashes.contains(s.hash.as_str()));
    }
    for s in &d.added {
        assert!(new_hashes.contains(s.hash.as_str()) && !old_hashes.contains(s.hash.as_str()));
    }
    for c in &d.changed {
        assert!(
            old_hashes.contains(c.old.hash.as_str()) && !new_hashes.contains(c.old.hash.as_str())
        );
        assert!(
            new_hashes.contains(c.new.hash.as_str()) && !old_hashes.contains(c.new.hash.as_str())
        );
        let _ = &c.change.word_diff;
    }
    let _ = unified(&old, &new);
});
