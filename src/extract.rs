//! TEMPORARY placeholder until the real extractor lands (same API).
use crate::statement::Statement;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Text,
}
pub fn extract(body: &str, format: Format, selector: Option<&scraper::Selector>) -> Vec<Statement> {
    let _ = (format, selector);
    body.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| crate::normalise::statement(p, true))
        .collect()
}
pub fn is_claim(s: &str) -> bool {
    s.contains("never")
}
