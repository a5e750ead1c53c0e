//! Statement-level diff between two snapshots: removed, changed (with a word diff) and added.
//!
//! Pure: knows nothing of fetching or storage. Statements are compared by their comparison
//! key, so markup, whitespace, quote style, order and dates never show up as changes.

use std::collections::HashSet;

use similar::{ChangeTag, TextDiff};

use crate::judge::event::Change;
use crate::observe::normalise::sha256_hex;
use crate::observe::statement::Statement;

/// A removed statement and an added one this similar are one statement reworded.
const CHANGED_MIN_RATIO: f32 = 0.6;
/// Fuzzy pairing compares every removed statement with every added one; past this many
/// comparisons the rest are reported as plain removals and additions (hostile pages).
const MAX_PAIRINGS: usize = 20_000;

/// The difference between an old and a new list of statements.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StatementDiff {
    pub removed: Vec<Statement>,
    pub added: Vec<Statement>,
    pub changed: Vec<Changed>,
}

/// A statement that still largely matches an old one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub old: Statement,
    pub new: Statement,
    pub change: Change,
}

impl StatementDiff {
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty() && self.changed.is_empty()
    }
}

/// Classifies every difference between `old` and `new`.
pub fn diff(old: &[Statement], new: &[Statement]) -> StatementDiff {
    let old_hashes: HashSet<&str> = old.iter().map(|s| s.hash.as_str()).collect();
    let new_hashes: HashSet<&str> = new.iter().map(|s| s.hash.as_str()).collect();
    let mut removed: Vec<Statement> =
        dedup(old.iter().filter(|s| !new_hashes.contains(s.hash.as_str())));
    let mut added: Vec<Statement> =
        dedup(new.iter().filter(|s| !old_hashes.contains(s.hash.as_str())));

    let mut changed = Vec::new();
    if !removed.is_empty() && !added.is_empty() && removed.len() * added.len() <= MAX_PAIRINGS {
        let mut candidates: Vec<(f32, usize, usize)> = Vec::new();
        for (i, r) in removed.iter().enumerate() {
            for (j, a) in added.iter().enumerate() {
                let ratio = similarity(&r.key, &a.key);
                if ratio >= CHANGED_MIN_RATIO {
                    candidates.push((ratio, i, j));
                }
            }
        }
        // Best matches first, each statement paired at most once.
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut used_r = vec![false; removed.len()];
        let mut used_a = vec![false; added.len()];
        let mut pairs = Vec::new();
        for (_, i, j) in candidates {
            if !used_r[i] && !used_a[j] {
                used_r[i] = true;
                used_a[j] = true;
                pairs.push((i, j));
            }
        }
        pairs.sort_unstable();
        for &(i, j) in &pairs {
            let (old, new) = (removed[i].clone(), added[j].clone());
            let change = change(&old, &new);
            changed.push(Changed { old, new, change });
        }
        let mut keep = used_r.iter().map(|u| !u);
        removed.retain(|_| keep.next().unwrap_or(true));
        let mut keep = used_a.iter().map(|u| !u);
        added.retain(|_| keep.next().unwrap_or(true));
    }
    StatementDiff {
        removed,
        added,
        changed,
    }
}

fn dedup<'a>(items: impl Iterator<Item = &'a Statement>) -> Vec<Statement> {
    let mut seen = HashSet::new();
    items
        .filter(|s| seen.insert(s.hash.as_str()))
        .cloned()
        .collect()
}

/// Word-level similarity of two comparison keys, 0.0 to 1.0.
pub fn similarity(a: &str, b: &str) -> f32 {
    TextDiff::from_words(a, b).ratio()
}

/// The evidence for one reworded statement.
pub fn change(old: &Statement, new: &Statement) -> Change {
    Change {
        old: old.text.clone(),
        new: new.text.clone(),
        word_diff: word_diff(&old.text, &new.text),
        broadened: only_gains_words(&old.key, &new.key),
    }
}

/// True when `new` keeps every word of `old` in order and only adds words. Punctuation is
/// ignored, so "Letter." becoming "Letter or any similar order." only gains words.
pub fn only_gains_words(old: &str, new: &str) -> bool {
    let old_words = words(old);
    let new_words = words(new);
    similar::capture_diff_slices(similar::Algorithm::Myers, &old_words, &new_words)
        .iter()
        .all(|op| {
            !matches!(
                op,
                similar::DiffOp::Delete { .. } | similar::DiffOp::Replace { .. }
            )
        })
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '<' || c == '>'))
        .filter(|w| !w.is_empty())
        .map(agreement)
        .collect()
}

/// Folds verb agreement ("have" / "has") so a grammar fix in a broadened claim ("Riseup …
/// have not received" → "… has not received") does not count as a lost word.
fn agreement(word: &str) -> &str {
    match word {
        "has" | "have" => "have",
        "is" | "are" => "are",
        "was" | "were" => "were",
        "does" | "do" => "do",
        _ => word,
    }
}

/// Inline word diff: `[-old words-]{+new words+}`.
pub fn word_diff(old: &str, new: &str) -> String {
    let diff = TextDiff::from_words(old, new);
    let mut out = String::with_capacity(old.len() + new.len());
    let mut current: Option<ChangeTag> = None;
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        if current != Some(tag) {
            close(&mut out, current);
            match tag {
                ChangeTag::Delete => out.push_str("[-"),
                ChangeTag::Insert => out.push_str("{+"),
                ChangeTag::Equal => {}
            }
            current = Some(tag);
        }
        out.push_str(change.value());
    }
    close(&mut out, current);
    out
}

fn close(out: &mut String, tag: Option<ChangeTag>) {
    match tag {
        Some(ChangeTag::Delete) => out.push_str("-]"),
        Some(ChangeTag::Insert) => out.push_str("+}"),
        _ => {}
    }
}

/// Unified diff of two statement lists, one statement per line.
pub fn unified(old: &[Statement], new: &[Statement]) -> String {
    let old_text = lines(old);
    let new_text = lines(new);
    TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string()
}

fn lines(statements: &[Statement]) -> String {
    let mut text = String::new();
    for s in statements {
        text.push_str(&s.text);
        text.push('\n');
    }
    text
}

/// sha256 of a statement set: order-independent, over the sorted statement hashes.
pub fn set_hash(statements: &[Statement]) -> String {
    let mut hashes: Vec<&str> = statements.iter().map(|s| s.hash.as_str()).collect();
    hashes.sort_unstable();
    hashes.dedup();
    sha256_hex(&hashes.join("\n"))
}

#[cfg(test)]
mod tests {
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
            c.word_diff.contains("[-never-]{+rarely+}"),
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
}
