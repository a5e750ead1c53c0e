//! The PDF and CanaryTail readers as the fuzz targets (fuzz/) reach them: the same calls a
//! check makes, with what each target asserts made visible. Not an API for anything else.

use super::canarytail;
use super::extract::{self, ExtractError, Format, Parse};
use super::pdf;
use super::selector::WatchSelector;
use super::statement::Statement;

/// A PDF's text, read in this process (bounded in pages and characters), or why not.
pub fn pdf_text(bytes: &[u8]) -> Result<String, pdf::PdfError> {
    pdf::extract_text(bytes)
}

/// What a CanaryTail document reads as: its codes and the signature verdict (as words), or
/// why it cannot be read.
pub fn canarytail_codes(
    bytes: &[u8],
) -> Result<(Vec<String>, String), canarytail::CanaryTailError> {
    let canary = canarytail::parse(bytes)?;
    let check = canarytail::verify(&canary);
    Ok((canary.codes.clone(), format!("{:?}", check.verdict)))
}

/// An HTML page's statements as a check reads them (the element an id-led selector starts
/// from cut out when the page allows) and as the whole page reads: the same, always.
pub type BothWays = (
    Result<Vec<Statement>, ExtractError>,
    Result<Vec<Statement>, ExtractError>,
);

/// See [`BothWays`].
pub fn html_both_ways(body: &str, selector: &WatchSelector) -> BothWays {
    (
        extract::extract(body, Format::Html, Some(selector)),
        extract::extract_as(body, Format::Html, Some(selector), Parse::Whole),
    )
}

/// Most codes a readable CanaryTail document has.
pub const MAX_CODES: usize = canarytail::MAX_CODES;
/// Most characters a readable PDF draws.
pub const MAX_PDF_CHARS: usize = pdf::MAX_CHARS;
