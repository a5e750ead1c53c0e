//! The word-level diff of one statement's wording, as pieces a template marks up (`<del>`,
//! `<ins>`), so the wording is escaped like any other text. Pure.

use similar::{ChangeTag, TextDiff};

/// A run of words that were kept, removed or added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// "same", "del" or "ins".
    pub kind: &'static str,
    pub text: String,
}

/// `old` → `new`, word by word, adjacent runs of one kind merged.
pub fn pieces(old: &str, new: &str) -> Vec<Piece> {
    let diff = TextDiff::from_words(old, new);
    let mut out: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let kind = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Delete => "del",
            ChangeTag::Insert => "ins",
        };
        match out.last_mut() {
            Some(p) if p.kind == kind => p.text.push_str(change.value()),
            _ => out.push(Piece {
                kind,
                text: change.value().to_string(),
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_never_is_one_deleted_piece() {
        let p = pieces(
            "We have never received a National Security Letter.",
            "We have received a National Security Letter.",
        );
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
