//! Tests of the statement diff: weakening, restated claims, rewording.

use super::*;
use crate::observe::normalise::statement;

fn claims(texts: &[&str]) -> Vec<Statement> {
    texts.iter().map(|t| statement(t, true)).collect()
}

#[test]
fn reorder_and_cosmetic_changes_are_no_difference() {
    let old = claims(&[
        "We have never received a National Security Letter.",
        "We have never been served a gag order.",
    ]);
    let new = claims(&[
        "We have  never been served a gag order.",
        "We have never received a National Security Letter.",
    ]);
    assert!(diff(&old, &new).is_empty());
    assert_eq!(set_hash(&old), set_hash(&new));
}

#[test]
fn a_missing_statement_is_removed_not_changed() {
    let old = claims(&[
        "We have never received a National Security Letter.",
        "We have never been served a gag order.",
    ]);
    let new = claims(&["We have never been served a gag order."]);
    let d = diff(&old, &new);
    assert_eq!(d.removed.len(), 1);
    assert!(d.removed[0].text.contains("National Security Letter"));
    assert!(d.changed.is_empty() && d.added.is_empty());
    assert_ne!(set_hash(&old), set_hash(&new));
}

#[test]
fn a_reworded_statement_is_changed_with_word_diff() {
    let old = claims(&["Cloudflare has never turned over our encryption keys to anyone."]);
    let new = claims(&["Cloudflare has rarely turned over our encryption keys to anyone."]);
    let d = diff(&old, &new);
    assert!(d.removed.is_empty() && d.added.is_empty());
    assert_eq!(d.changed.len(), 1);
    let c = &d.changed[0].change;
    assert!(!c.broadened, "losing 'never' is a weakening");
    assert!(
        c.word_diff.to_string().contains("[-never-]{+rarely+}"),
        "{}",
        c.word_diff
    );
}

#[test]
fn a_claim_that_only_gains_words_is_broadened() {
    let old = claims(&["Riseup has never placed any backdoors in our software."]);
    let new = claims(&["Riseup has never placed any backdoors in our hardware or software."]);
    let d = diff(&old, &new);
    assert_eq!(d.changed.len(), 1);
    assert!(d.changed[0].change.broadened);
}

#[test]
fn verb_agreement_fix_does_not_make_a_broadening_a_weakening() {
    assert!(only_gains_words(
        "riseup has never placed any backdoors in our software and have not received any requests",
        "riseup has never placed any backdoors in our hardware or software and has not received any requests"
    ));
    assert!(!only_gains_words(
        "we have never received",
        "we have rarely received"
    ));
}

#[test]
fn unrelated_statements_are_removed_and_added() {
    let old = claims(&["We have never received a National Security Letter."]);
    let new = claims(&["Our offices are closed on public holidays in December."]);
    let d = diff(&old, &new);
    assert_eq!((d.removed.len(), d.added.len(), d.changed.len()), (1, 1, 0));
}

#[test]
fn unified_diff_names_the_removed_line() {
    let old = claims(&["A never.", "B never."]);
    let new = claims(&["B never."]);
    let u = unified(&old, &new);
    assert!(u.contains("-A never."), "{u}");
}
