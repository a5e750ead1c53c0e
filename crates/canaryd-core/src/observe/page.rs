//! A fetched page read as a canary: its statements extracted (a parser panic contained), or
//! the reason it cannot stand for the canary (refused by the extractor, a bot challenge in
//! its place). Pure; the one reading shared by live checks, `replay` and `preview`.

use super::challenge;
use super::extract::{self, Format};
use super::selector::WatchSelector;
use super::statement::Statement;

/// What a page says, as far as canaryd is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The page's statements, in document order (possibly none).
    Statements(Vec<Statement>),
    /// The page cannot stand for the canary: a failed fetch, never "no statements".
    Unreadable(String),
}

impl Reading {
    /// The statements, when the page could be read.
    pub fn statements(&self) -> Option<&[Statement]> {
        match self {
            Reading::Statements(s) => Some(s),
            Reading::Unreadable(_) => None,
        }
    }
}

/// Reads `text` (decoded from the body) the way the watch says: `format`, and `selector`
/// when the watch has one.
///
/// A page with no claim that carries a bot-challenge marker is the challenge, not the
/// canary; a page the extractor refuses, or one it panics on, is unreadable.
pub(crate) fn read_page(text: &str, format: Format, selector: Option<&WatchSelector>) -> Reading {
    let statements = match extract_guarded(text, format, selector) {
        Ok(s) => s,
        Err(error) => return Reading::Unreadable(error),
    };
    if !statements.iter().any(|s| s.claim)
        && let Some(marker) = challenge::detect(text)
    {
        return Reading::Unreadable(format!(
            "the server sent a bot challenge or block page (\"{marker}\") instead of the canary"
        ));
    }
    // A proxy's "502 Bad Gateway" served with 200 extracts its heading as a statement; it
    // is still the proxy's page, not the canary's replacement.
    if let Some(heading) = challenge::error_page(text) {
        return Reading::Unreadable(format!(
            "the server sent an error page (\"{heading}\") instead of the canary"
        ));
    }
    Reading::Statements(statements)
}

/// Extraction with a parser panic turned into an error: one hostile page must not take the
/// check (or the daemon's worker) down with it.
fn extract_guarded(
    text: &str,
    format: Format,
    selector: Option<&WatchSelector>,
) -> Result<Vec<Statement>, String> {
    let run = || extract::extract(text, format, selector);
    match crate::contained::run(run) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(what) => Err(format!("statement extraction failed: panicked: {what}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canary_page_reads_as_its_statements() {
        let html = "<ul id=c><li>We have never received a National Security Letter.</li></ul>";
        let r = read_page(html, Format::Html, None);
        let s = r.statements().expect("readable");
        assert_eq!(s.len(), 1);
        assert!(s[0].claim);
    }

    #[test]
    fn a_challenge_in_place_of_the_canary_is_unreadable() {
        let html = "<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing example.org.</body></html>";
        match read_page(html, Format::Html, None) {
            Reading::Unreadable(why) => assert!(why.contains("bot challenge"), "{why}"),
            other => panic!("a challenge is not content: {other:?}"),
        }
    }

    #[test]
    fn a_page_the_extractor_refuses_is_unreadable() {
        let items: String = (0..20_001).map(|i| format!("<li>item {i}</li>")).collect();
        let html = format!("<ul>{items}</ul>");
        let sel = WatchSelector::parse("ul").expect("selector");
        assert!(matches!(
            read_page(&html, Format::Html, Some(&sel)),
            Reading::Unreadable(_)
        ));
    }
}
