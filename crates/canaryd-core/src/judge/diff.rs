//! Statement-level diff between two snapshots: removed, changed (with a word diff) and added.
//!
//! Pure: knows nothing of fetching or storage. Statements are compared by their comparison
//! key, so markup, whitespace, quote style, order and dates never show up as changes.

use std::collections::HashSet;

use similar::TextDiff;

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
                if ratio >= CHANGED_MIN_RATIO && same_objects(&r.key, &a.key) {
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
        // A claim restated in new words ("did not receive any government requests to remove
        // content in 2024" → "In 2024 and 2025, no content takedown requests from any
        // government were received") denies the same thing: one change, not a removal.
        for (i, r) in removed.iter().enumerate() {
            if used_r[i] {
                continue;
            }
            if let Some(j) = (0..added.len()).find(|&j| !used_a[j] && restates(r, &added[j])) {
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
    let restated = similarity(&old.key, &new.key) < CHANGED_MIN_RATIO;
    Change {
        old: old.text.clone(),
        new: new.text.clone(),
        word_diff: word_diff(&old.text, &new.text),
        broadened: only_gains_words(&old.key, &new.key),
        // A restatement was only paired because it keeps every object and the scope.
        weakened: !restated && weakens(&old.key, &new.key),
    }
}

/// Words whose loss makes a claim say less: negations and quantifiers, English and French.
const NEGATIONS: &[&str] = &[
    "never",
    "not",
    "no",
    "none",
    "nor",
    "neither",
    "zero",
    "nothing",
    "nobody",
    "any",
    "all",
    "every",
    "each",
    "ever",
    "whatsoever",
    "without",
    "n't",
    "jamais",
    "aucun",
    "aucune",
    "aucuns",
    "aucunes",
    "pas",
    "ni",
    "rien",
    "nul",
    "nulle",
    "personne",
    "tout",
    "tous",
    "toute",
    "toutes",
    "sans",
    "0",
];

/// Words whose arrival makes a claim say less: limits, exceptions, lesser quantifiers.
const LIMITERS: &[&str] = &[
    "rarely",
    "seldom",
    "some",
    "most",
    "few",
    "several",
    "many",
    "except",
    "unless",
    "only",
    "excluding",
    "mostly",
    "generally",
    "usually",
    "recently",
    "currently",
    "since",
    "during",
    "until",
    "sauf",
    "excepté",
    "hormis",
    "seulement",
    "certains",
    "certaines",
    "quelques",
    "rarement",
    "récemment",
    "depuis",
    "pendant",
];

/// Words whose arrival can retract or invert a claim: "no longer", "cannot confirm",
/// "not", "ne … plus".
const RETRACTIONS: &[&str] = &[
    "not",
    "n't",
    "longer",
    "unable",
    "cannot",
    "ceased",
    "stopped",
    "anymore",
    "withdrawn",
    "withdraw",
    "retract",
    "retracted",
    "plus",
    "false",
    "untrue",
    "faux",
];

/// Joining words: a deletion that holds one dropped an object from a list ("… or gag
/// orders").
const CONJUNCTIONS: &[&str] = &["or", "and", "nor", "ou", "et", "ni"];

/// Whether `new` (a comparison key) says less than `old`: a negation or quantifier lost
/// or replaced ("never" → "rarely", "any" → "some", "has not" → "has"), a limiting word or
/// a period added ("ever" → "in 2024", "all" → "most"), an object dropped ("… or gag
/// orders" removed), or a term of legal process lost. Anything else (pronouns, word order,
/// "regards" → "regard", "server(s)" → "servers", punctuation, a dropped "at the same
/// time") is rewording that says no less.
pub fn weakens(old: &str, new: &str) -> bool {
    let old_words = comparable_words(old);
    let new_words = comparable_words(new);
    let count = |ws: &[String], w: &str| ws.iter().filter(|x| x.as_str() == w).count();
    let lost = |w: &str| count(&new_words, w) < count(&old_words, w);
    let gained = |w: &str| count(&new_words, w) > count(&old_words, w);
    if NEGATIONS.iter().any(|w| lost(w)) || LIMITERS.iter().any(|w| gained(w)) {
        return true;
    }
    // A negation or retraction gained where none was lost can turn the claim around ("We
    // can no longer confirm that we have never…"): treated as saying less.
    if RETRACTIONS.iter().any(|w| gained(w)) {
        return true;
    }
    if new_words.iter().any(|w| is_year(w) && gained(w)) && !old_words.iter().any(|w| is_year(w)) {
        return true;
    }
    if old_words.iter().any(|w| is_legal_term(w) && lost(w)) {
        return true;
    }
    // A figure of none becoming a number or a range ("0" → "0-249", "0" → "1").
    let is_number = |w: &str| w.bytes().all(|b| b.is_ascii_digit()) && !is_year(w);
    if count(&old_words, "0") > 0
        && new_words
            .iter()
            .any(|w| is_number(w) && w != "0" && gained(w))
    {
        return true;
    }
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_words, &new_words);
    ops.iter().any(|op| match *op {
        similar::DiffOp::Delete {
            old_index, old_len, ..
        } => {
            let gone = &old_words[old_index..old_index + old_len];
            gone.iter().any(|w| CONJUNCTIONS.contains(&w.as_str()))
                && gone.iter().any(|w| !is_function_word(w))
        }
        _ => false,
    })
}

fn is_year(w: &str) -> bool {
    w.len() == 4 && w.starts_with(['1', '2']) && w.bytes().all(|b| b.is_ascii_digit())
}

/// Objects canaries deny: losing one (by count) is a narrower claim.
fn is_legal_term(w: &str) -> bool {
    matches!(
        w,
        "letter"
            | "nsl"
            | "fisa"
            | "gag"
            | "warrant"
            | "subpoena"
            | "order"
            | "request"
            | "demand"
            | "backdoor"
            | "search"
            | "seizure"
            | "wiretap"
            | "surveillance"
            | "court"
            | "government"
            | "key"
            | "data"
            | "communication"
            | "hardware"
            | "software"
            | "server"
            | "mandat"
            | "réquisition"
            | "ordonnance"
            | "demande"
            | "perquisition"
            | "saisie"
            | "clé"
            | "donnée"
    )
}

fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "the"
            | "a"
            | "an"
            | "of"
            | "to"
            | "in"
            | "on"
            | "at"
            | "by"
            | "for"
            | "with"
            | "as"
            | "or"
            | "and"
            | "nor"
            | "same"
            | "time"
            | "that"
            | "this"
            | "we"
            | "us"
            | "our"
            | "they"
            | "them"
            | "their"
            | "it"
            | "its"
            | "le"
            | "la"
            | "les"
            | "de"
            | "des"
            | "du"
            | "et"
            | "ou"
            | "à"
            | "en"
            | "have"
            | "had"
            | "were"
            | "did"
            | "do"
            | "are"
            | "been"
            | "be"
            | "from"
            | "any"
            | "also"
    )
}

/// Words of a key for meaning comparisons: split on non-word characters ("n't" kept as
/// its own word, "server(s)" read as "server"), verb agreement folded, plurals folded.
fn comparable_words(key: &str) -> Vec<String> {
    let expanded = key
        .replace("(s)", "")
        .replace("n't", " n't")
        .replace("n\u{2019}t", " n't")
        .replace("cannot", "can not");
    expanded
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '<' || c == '>'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = w.trim_matches('\'');
            let w = if w == "'t" || w == "t" { "n't" } else { w };
            let w = w
                .strip_prefix("l'")
                .or_else(|| w.strip_prefix("d'"))
                .or_else(|| w.strip_prefix("n'"))
                .unwrap_or(w);
            singular(agreement(w)).to_string()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// "letters" → "letter", "regards" → "regard"; short words and "-ss" words stay.
fn singular(w: &str) -> &str {
    if w.chars().count() > 3 && w.ends_with('s') && !w.ends_with("ss") && w != "has" {
        &w[..w.len() - 1]
    } else {
        w
    }
}

/// Whether `new` restates `old` in other words: both claims, both assert an absence, every
/// object `old` denies (its legal terms and content words of process) is still denied by
/// `new`, no time scope is narrowed ("ever"/"never" kept unless both are bounded; every
/// year of `old` still covered), and they share most of their subject words. A claim
/// replaced by a narrower one, or by one about something else, is not a restatement.
pub fn restates(old: &Statement, new: &Statement) -> bool {
    if !(old.claim && new.claim) {
        return false;
    }
    let o = comparable_words(&old.key);
    let n = comparable_words(&new.key);
    let has = |ws: &[String], w: &str| ws.iter().any(|x| x == w);
    let denies = |ws: &[String]| {
        NEGATIONS
            .iter()
            .any(|w| has(ws, w) && *w != "all" && *w != "every" && *w != "each")
    };
    if !(denies(&o) && denies(&n)) {
        return false;
    }
    let objects: Vec<&String> = o.iter().filter(|w| is_legal_term(w)).collect();
    if objects.is_empty() || objects.iter().any(|w| !has(&n, w)) {
        return false;
    }
    let years = |ws: &[String]| {
        ws.iter()
            .filter(|w| is_year(w))
            .cloned()
            .collect::<Vec<_>>()
    };
    if years(&o).iter().any(|y| !has(&n, y)) {
        return false;
    }
    let unbounded = |ws: &[String]| ["ever", "never", "jamais"].iter().any(|w| has(ws, w));
    if unbounded(&o) && !unbounded(&n) {
        return false;
    }
    if !years(&n).is_empty() && years(&o).is_empty() {
        return false;
    }
    if LIMITERS
        .iter()
        .any(|w| *w != "<date>" && has(&n, w) && !has(&o, w))
    {
        return false;
    }
    let content = |ws: &[String]| {
        ws.iter()
            .filter(|w| {
                !is_function_word(w) && !NEGATIONS.contains(&w.as_str()) && w.chars().count() > 2
            })
            .map(|w| stem(w))
            .collect::<HashSet<String>>()
    };
    let (co, cn) = (content(&o), content(&n));
    let shared = co.intersection(&cn).count();
    shared >= 3 && shared * 2 >= co.len().min(cn.len())
}

/// Whether two similar keys can be one statement reworded: when the old one names objects
/// of legal process, the new one still names at least one of them. Otherwise it is about
/// something else, however alike the sentences ("n'a reçu aucune demande de retrait de
/// contenu" against "n'a jamais installé de porte dérobée"): removed and added.
fn same_objects(old: &str, new: &str) -> bool {
    let o = comparable_words(old);
    let n = comparable_words(new);
    let objects: Vec<&String> = o.iter().filter(|w| is_legal_term(w)).collect();
    objects.is_empty() || objects.iter().any(|w| n.contains(w))
}

/// A crude stem, enough to see "receive" and "received" as one word.
fn stem(w: &str) -> String {
    let mut s = w.to_string();
    for suffix in ["ing", "ed", "e"] {
        if s.chars().count() > suffix.len() + 3 && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            break;
        }
    }
    s
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

/// Inline word diff from `old` to `new` (see [`WordDiff`]).
pub fn word_diff(old: &str, new: &str) -> WordDiff {
    WordDiff::between(old, new)
}

/// Unified diff of two statement lists, one statement per line, headed `--- before` and
/// `+++ after` (as alerts show it).
pub fn unified(old: &[Statement], new: &[Statement]) -> String {
    unified_labelled(old, new, "before", "after")
}

/// [`unified`] headed `--- {old_label}` and `+++ {new_label}` instead.
pub fn unified_labelled(
    old: &[Statement],
    new: &[Statement],
    old_label: &str,
    new_label: &str,
) -> String {
    let old_text = lines(old);
    let new_text = lines(new);
    TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(old_label, new_label)
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
    sha256_hex(hashes.join("\n"))
}

pub use crate::judge::word_diff::{Piece, WordDiff};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod meaning_tests;
