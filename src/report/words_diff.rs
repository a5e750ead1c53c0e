//! The word-level diff of one statement's wording, as pieces a template marks up (`<del>`,
//! `<ins>`), so the wording is escaped like any other text. Pure.

use crate::judge::word_diff::{self, WordDiff};

/// A run of words that were kept, removed or added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// "same", "del" or "ins".
    pub kind: &'static str,
    pub text: String,
}

/// The judge's word diff of a change (`old` → `new`, adjacent runs of one kind merged), as
/// the template's pieces: the diff the judge made is the one shown, and it is not made twice.
pub fn pieces(diff: &WordDiff) -> Vec<Piece> {
    diff.pieces()
        .iter()
        .map(|p| match p {
            word_diff::Piece::Same(t) => Piece {
                kind: "same",
                text: t.clone(),
            },
            word_diff::Piece::Removed(t) => Piece {
                kind: "del",
                text: t.clone(),
            },
            word_diff::Piece::Added(t) => Piece {
                kind: "ins",
                text: t.clone(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_never_is_one_deleted_piece() {
        let p = pieces(&WordDiff::between(
            "We have never received a National Security Letter.",
            "We have received a National Security Letter.",
        ));
        let del: Vec<&str> = p
            .iter()
            .filter(|p| p.kind == "del")
            .map(|p| p.text.trim())
            .collect();
        assert_eq!(del, vec!["never"]);
        assert!(p.iter().all(|p| p.kind != "ins"));
        let joined: String = p
            .iter()
            .filter(|p| p.kind != "del")
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(joined, "We have received a National Security Letter.");
    }
}
