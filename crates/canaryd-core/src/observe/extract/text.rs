//! Plain-text canaries (canary.txt, PGP-clearsigned): armour stripped, then paragraphs,
//! list items, footnotes and headings, in order.

use std::sync::LazyLock;

use regex::Regex;

/// One unit of a text canary, before sentence splitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// Running text: split into sentences.
    Prose(String),
    /// A bullet or numbered item (marker removed), or a footnote (`[1] …`, marker kept):
    /// one statement.
    Item(String),
    /// A heading ("h2. FAQ", "Statements" over "-----"): context.
    Heading(String),
}

/// A unit and whether it sits in a proof-of-freshness section (headlines, block hashes),
/// which is context whatever its words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub unit: Unit,
    pub freshness: bool,
    /// In a section of one-off notes ("Special announcements", "Disclaimers and notes",
    /// "Errata"): only an outright denial of legal process is a claim there.
    pub notes: bool,
}

static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[*\-•+‣◦▪–]\s+").expect("the bullet pattern is a valid regex"));
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\d{1,3}[.)]|\(\d{1,3}\)|[a-z]\)|\([a-z]\)|\((?:i{1,3}|iv|vi{0,3}|ix|x)\))\s+")
        .expect("the numbering pattern is a valid regex")
});
static FOOTNOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[\d{1,3}\]").expect("the footnote pattern is a valid regex"));
static HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:h[1-6]\.\s+|#{1,6}\s+)(.*)$").expect("the heading pattern is a valid regex")
});
static FRESHNESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)freshness|headlines|\bnews\b|\brss\b|blockchain|bitcoin|fraîcheur|actualités")
        .expect("the freshness pattern is a valid regex")
});

/// `line` without a leading bullet or list number ("* ", "- ", "1. ", "(a) "); a numbered
/// reference to a link ("0. https://…") keeps its number, which is how the text cites it.
/// Markers go because renumbering a list is not a change of claim.
pub fn strip_marker(line: &str) -> &str {
    let line = line.trim();
    match BULLET.find(line).or_else(|| NUMBERED.find(line)) {
        Some(m) => {
            let rest = &line[m.end()..];
            if ["http://", "https://", "www."]
                .iter()
                .any(|p| rest.starts_with(p))
            {
                line
            } else {
                rest
            }
        }
        None => line,
    }
}

/// "-----", "=====", "* * *": an underline or a section break.
fn is_rule(line: &str) -> bool {
    line.chars().filter(|c| !c.is_whitespace()).count() >= 3
        && line
            .chars()
            .all(|c| c.is_whitespace() || matches!(c, '-' | '=' | '_' | '*' | '~' | '#'))
}

/// The signed text with the OpenPGP armour removed: the `BEGIN PGP SIGNED MESSAGE` line and
/// its headers, every signature block, and the dash-escaping of signed lines. Text outside
/// the armour is kept.
pub fn strip_armour(body: &str) -> Vec<&str> {
    #[derive(PartialEq)]
    enum State {
        Text,
        Headers,
        Signature,
    }
    let mut state = State::Text;
    let mut signed = false;
    let mut lines = Vec::new();
    for line in body.lines() {
        let marker = line.trim();
        match state {
            State::Headers => {
                if marker.is_empty() {
                    state = State::Text;
                }
            }
            State::Signature => {
                if marker == "-----END PGP SIGNATURE-----" {
                    state = State::Text;
                    signed = false;
                }
            }
            State::Text => {
                if marker == "-----BEGIN PGP SIGNED MESSAGE-----" {
                    state = State::Headers;
                    signed = true;
                } else if marker == "-----BEGIN PGP SIGNATURE-----" {
                    state = State::Signature;
                } else if signed && line.starts_with("- -") {
                    // Dash-escaping; an unescaped "- item" from a lax signer stays a bullet.
                    lines.push(&line[2..]);
                } else {
                    lines.push(line);
                }
            }
        }
    }
    lines
}

/// Builds the units of one paragraph (lines between blank lines).
struct Paragraph {
    units: Vec<Unit>,
    current: Option<Unit>,
    lines_in_current: usize,
}

impl Paragraph {
    fn flush(&mut self) {
        self.units.extend(self.current.take());
        self.lines_in_current = 0;
    }

    fn start(&mut self, unit: Unit) {
        self.flush();
        self.current = Some(unit);
        self.lines_in_current = 1;
    }

    fn push_line(&mut self, line: &str) {
        let trimmed = line.trim();
        if is_rule(trimmed) {
            // An underline makes the single line above it a heading.
            if self.lines_in_current == 1
                && let Some(Unit::Prose(p)) = self.current.take()
            {
                self.current = Some(Unit::Heading(p));
            }
            self.flush();
        } else if let Some(c) = HEADING.captures(trimmed) {
            self.start(Unit::Heading(c[1].to_string()));
            self.flush();
        } else if BULLET.is_match(trimmed) || NUMBERED.is_match(trimmed) {
            self.start(Unit::Item(strip_marker(trimmed).to_string()));
        } else if FOOTNOTE.is_match(trimmed) {
            self.start(Unit::Item(trimmed.to_string()));
        } else {
            match &mut self.current {
                Some(Unit::Prose(s) | Unit::Item(s)) => {
                    s.push(' ');
                    s.push_str(trimmed);
                    self.lines_in_current += 1;
                }
                _ => self.start(Unit::Prose(trimmed.to_string())),
            }
        }
    }
}

/// The units of a text canary, in order, each marked if it lies in a proof-of-freshness
/// section (after a heading or a one-line paragraph naming freshness, headlines or news,
/// until the next heading) or in a "Source: …" paragraph.
pub fn units(body: &str) -> Vec<Located> {
    let lines = strip_armour(body);
    let mut out = Vec::new();
    let mut freshness = false;
    let mut notes = false;
    for para in lines.split(|l| l.trim().is_empty()) {
        if para.is_empty() {
            continue;
        }
        let mut p = Paragraph {
            units: Vec::new(),
            current: None,
            lines_in_current: 0,
        };
        for line in para {
            p.push_line(line);
        }
        p.flush();
        let source = para.first().is_some_and(|l| {
            l.trim_start()
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("source:"))
        });
        let one_line_title = para.len() == 1 && para[0].trim().chars().count() <= 60;
        for unit in p.units {
            match &unit {
                Unit::Heading(h) => {
                    freshness = FRESHNESS.is_match(h);
                    notes = super::claims::is_notes_heading(h);
                }
                Unit::Prose(t) if one_line_title && FRESHNESS.is_match(t) => freshness = true,
                Unit::Prose(t) if one_line_title && super::claims::is_notes_heading(t) => {
                    notes = true
                }
                _ => {}
            }
            out.push(Located {
                freshness: freshness || source,
                notes,
                unit,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prose(s: &str) -> Located {
        Located {
            unit: Unit::Prose(s.to_string()),
            freshness: false,
            notes: false,
        }
    }

    fn item(s: &str) -> Located {
        Located {
            unit: Unit::Item(s.to_string()),
            freshness: false,
            notes: false,
        }
    }

    fn heading(s: &str) -> Located {
        Located {
            unit: Unit::Heading(s.to_string()),
            freshness: false,
            notes: false,
        }
    }

    #[test]
    fn armour_is_stripped() {
        let body = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\nComment: x\n\nLine one\n- -----not armour\n- item\n-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG\n\niQJ8BAEB\n=h//E\n-----END PGP SIGNATURE-----\nAfter\n";
        assert_eq!(
            strip_armour(body),
            vec!["Line one", "-----not armour", "- item", "After"]
        );
    }

    #[test]
    fn crlf_lines_are_read() {
        let body = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nWe have never.\r\n-----BEGIN PGP SIGNATURE-----\r\nabc\r\n-----END PGP SIGNATURE-----\r\n";
        assert_eq!(strip_armour(body), vec!["We have never."]);
    }

    #[test]
    fn paragraphs_items_footnotes_and_headings() {
        let body = "Intro line\ncontinued here.\n\n* February 1\n* May 1\n- August\n  wrapped\n\n1. First\n2) Second\n(3) Third\na) Letter\n\nh2. Frequently asked questions\n\nStatements\n----------\n\n[1] https://eff.org/x\n[2] Note\n0. https://riseup.net/\n\n===\n";
        assert_eq!(
            units(body),
            vec![
                prose("Intro line continued here."),
                item("February 1"),
                item("May 1"),
                item("August wrapped"),
                item("First"),
                item("Second"),
                item("Third"),
                item("Letter"),
                heading("Frequently asked questions"),
                heading("Statements"),
                item("[1] https://eff.org/x"),
                item("[2] Note"),
                item("0. https://riseup.net/"),
            ]
        );
    }

    #[test]
    fn freshness_sections_are_marked() {
        let body = "Proof of freshness\n-------------------\n\nSat, 20 Jan 2024 06:58:24 +0000\n\nPolice never found it\nAnother headline\n\nFootnotes\n---------\n\n[1] x\n\nSource: Blockchain.info\n000000abc\n";
        let got = units(body);
        let fresh: Vec<bool> = got.iter().map(|l| l.freshness).collect();
        assert_eq!(fresh, vec![true, true, true, false, false, true]);
    }

    #[test]
    fn many_items_and_long_lines() {
        let body = "* We have never received an NSL\n".repeat(100_000);
        assert_eq!(units(&body).len(), 100_000);
        let line = "word ".repeat(2_000_000);
        assert_eq!(units(&line).len(), 1);
    }
}
