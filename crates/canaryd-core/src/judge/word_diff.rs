//! A word diff as typed pieces (words kept, removed, added), so a terminal colours the pieces
//! and only plain text (alert emails, `check.json`, the evidence) spells them as
//! `[-removed-]{+added+}` markers.
//!
//! On disk and in JSON a word diff is still the marked string it always was: it serialises to
//! the markers and reads old records back by parsing them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use similar::{ChangeTag, TextDiff};

/// One run of words of a word diff, with the spaces between them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// In both wordings.
    Same(String),
    /// Only in the old wording.
    Removed(String),
    /// Only in the new wording.
    Added(String),
}

impl Piece {
    /// The piece as plain text: `[-…-]`, `{+…+}`, or its words unmarked.
    fn write_marked(&self, f: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Piece::Same(t) => f.write_str(t),
            Piece::Removed(t) => write!(f, "[-{t}-]"),
            Piece::Added(t) => write!(f, "{{+{t}+}}"),
        }
    }
}

/// How one statement's wording changed, word by word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordDiff {
    pieces: Vec<Piece>,
}

impl WordDiff {
    /// The word diff from `old` to `new`: runs of kept, removed and added words, in order.
    pub fn between(old: &str, new: &str) -> WordDiff {
        let diff = TextDiff::from_words(old, new);
        let mut pieces: Vec<Piece> = Vec::new();
        for change in diff.iter_all_changes() {
            let value = change.value();
            match (pieces.last_mut(), change.tag()) {
                (Some(Piece::Same(t)), ChangeTag::Equal)
                | (Some(Piece::Removed(t)), ChangeTag::Delete)
                | (Some(Piece::Added(t)), ChangeTag::Insert) => t.push_str(value),
                (_, ChangeTag::Equal) => pieces.push(Piece::Same(value.to_string())),
                (_, ChangeTag::Delete) => pieces.push(Piece::Removed(value.to_string())),
                (_, ChangeTag::Insert) => pieces.push(Piece::Added(value.to_string())),
            }
        }
        WordDiff { pieces }
    }

    /// Reads a marked word diff back (records written before it was typed, hand-made
    /// fixtures). Text that only looks like half a marker stays text, so rendering the result
    /// gives back exactly `marked`, whatever it holds.
    pub fn parse_marked(marked: &str) -> WordDiff {
        let mut pieces = Vec::new();
        let mut same = String::new();
        let mut rest = marked;
        while !rest.is_empty() {
            let next = [("[-", "-]"), ("{+", "+}")]
                .iter()
                .filter_map(|&(open, close)| {
                    let at = rest.find(open)?;
                    let len = rest[at + open.len()..].find(close)?;
                    Some((at, open, len, close))
                })
                .min_by_key(|&(at, ..)| at);
            let Some((at, open, len, close)) = next else {
                same.push_str(rest);
                break;
            };
            same.push_str(&rest[..at]);
            if !same.is_empty() {
                pieces.push(Piece::Same(std::mem::take(&mut same)));
            }
            let inner = rest[at + open.len()..at + open.len() + len].to_string();
            pieces.push(if open == "[-" {
                Piece::Removed(inner)
            } else {
                Piece::Added(inner)
            });
            rest = &rest[at + open.len() + len + close.len()..];
        }
        if !same.is_empty() {
            pieces.push(Piece::Same(same));
        }
        WordDiff { pieces }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// The marked plain text: `We have [-never-]{+rarely+} received`.
impl fmt::Display for WordDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces.iter().try_for_each(|p| p.write_marked(f))
    }
}

impl From<&str> for WordDiff {
    fn from(marked: &str) -> WordDiff {
        WordDiff::parse_marked(marked)
    }
}

impl Serialize for WordDiff {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WordDiff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WordDiff, D::Error> {
        let marked = String::deserialize(d)?;
        Ok(WordDiff::parse_marked(&marked))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewording_is_kept_removed_and_added_pieces() {
        let d = WordDiff::between(
            "We have never received an NSL.",
            "We have rarely received an NSL.",
        );
        assert_eq!(
            d.pieces(),
            [
                Piece::Same("We have ".into()),
                Piece::Removed("never".into()),
                Piece::Added("rarely".into()),
                Piece::Same(" received an NSL.".into()),
            ]
        );
        assert_eq!(
            d.to_string(),
            "We have [-never-]{+rarely+} received an NSL."
        );
    }

    #[test]
    fn the_marked_text_reads_back_as_the_same_pieces() {
        let d = WordDiff::between(
            "no warrants, no gag orders",
            "one warrant, no gag orders at all",
        );
        assert_eq!(WordDiff::parse_marked(&d.to_string()), d);
        let json = serde_json::to_string(&d).expect("serialise");
        assert_eq!(json, serde_json::to_string(&d.to_string()).expect("string"));
        assert_eq!(
            serde_json::from_str::<WordDiff>(&json).expect("read back"),
            d
        );
    }

    #[test]
    fn half_markers_stay_text_and_render_unchanged() {
        for marked in [
            "",
            "plain",
            "a [- b",
            "a -] b {+",
            "[--]{++}",
            "x [-a {+b-] c+} y",
            "{+a [-b+} c-]",
            "[-[-a-]-]",
        ] {
            assert_eq!(
                WordDiff::parse_marked(marked).to_string(),
                marked,
                "{marked}"
            );
        }
        assert_eq!(
            WordDiff::parse_marked("a [- b").pieces(),
            [Piece::Same("a [- b".into())]
        );
    }
}
