//! text/plain canaries (canary.txt, PGP clearsigned): armour stripped, split into
//! paragraphs, bullets and numbered items.

use std::sync::LazyLock;

use regex::Regex;

/// A block of a text canary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph: split into sentences.
    Paragraph(String),
    /// A bullet or numbered item: one statement.
    Item(String),
    /// A footnote or reference line ("[1] https://…", "0. https://…"): context.
    Reference(String),
}

/// "* ", "- ", "• ", "+ ", "1. ", "1) ", "(1) ", "a) ".
static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[*•+\-–]\s+|\(?\d{1,3}[.)]\s+|\(\d{1,3}\)\s+|[a-z]\)\s+)")
        .expect("the item pattern is valid")
});
/// "[1] …" or "12. http…": references.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[\d{1,3}\]|\d{1,3}\.\s*https?://)")
        .expect("the reference pattern is valid")
});
/// Lines that are only decoration: "-----", "=====", "---===[ Title ]===---" stays as text.
static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[-=_*~#]{3,}\s*$").expect("the rule pattern is valid"));

/// Removes OpenPGP clearsign armour: the header and its `Hash:` lines, the signature block,
/// and dash-escaping.
pub fn strip_armour(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_header = false;
    let mut in_signature = false;
    for line in text.lines() {
        let t = line.trim_end();
        if t == "-----BEGIN PGP SIGNED MESSAGE-----" {
            in_header = true;
            continue;
        }
        if in_header {
            if t.is_empty() {
                in_header = false;
            }
            continue;
        }
        if t == "-----BEGIN PGP SIGNATURE-----" {
            in_signature = true;
            continue;
        }
        if in_signature {
            if t == "-----END PGP SIGNATURE-----" {
                in_signature = false;
            }
            continue;
        }
        out.push_str(
            line.strip_prefix("- ")
                .filter(|l| l.starts_with('-'))
                .unwrap_or(line),
        );
        out.push('\n');
    }
    out
}

/// The blocks of a text canary, in order.
pub fn blocks(text: &str) -> Vec<Block> {
    let body = strip_armour(text);
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    let flush = |current: &mut Option<Block>, out: &mut Vec<Block>| {
        if let Some(b) = current.take() {
            out.push(b);
        }
    };
    for line in body.lines() {
        let t = line.trim();
        if t.is_empty() || RULE.is_match(t) {
            flush(&mut current, &mut out);
            continue;
        }
        if REFERENCE.is_match(t) {
            flush(&mut current, &mut out);
            current = Some(Block::Reference(t.to_string()));
        } else if let Some(m) = ITEM.find(t) {
            flush(&mut current, &mut out);
            current = Some(Block::Item(t[m.end()..].to_string()));
        } else {
            match current.as_mut() {
                Some(Block::Paragraph(p) | Block::Item(p) | Block::Reference(p)) => {
                    p.push(' ');
                    p.push_str(t);
                }
                None => current = Some(Block::Paragraph(t.to_string())),
            }
        }
    }
    flush(&mut current, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nFirst paragraph line one\nline two.\n\n* February 1\n* May 1\n\n1. The date of issue is May 1, 2024.\n2. No warrants have ever been\n   served to us.\n\n- --- dash escaped\n[1] https://example.org/news\n0. https://riseup.net/x\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n=s0k+\n-----END PGP SIGNATURE-----\n";

    #[test]
    fn armour_bullets_numbers_and_references() {
        assert_eq!(
            blocks(SIGNED),
            vec![
                Block::Paragraph("First paragraph line one line two.".into()),
                Block::Item("February 1".into()),
                Block::Item("May 1".into()),
                Block::Item("The date of issue is May 1, 2024.".into()),
                Block::Item("No warrants have ever been served to us.".into()),
                Block::Paragraph("--- dash escaped".into()),
                Block::Reference("[1] https://example.org/news".into()),
                Block::Reference("0. https://riseup.net/x".into()),
            ]
        );
    }

    #[test]
    fn signature_never_leaks_into_statements() {
        let all: String = blocks(SIGNED).iter().map(|b| format!("{b:?}")).collect();
        assert!(!all.contains("iQIz") && !all.contains("Hash:") && !all.contains("PGP"));
    }
}
