//! Statement extraction: from an HTML page (with a selector, or by auto-detection) or a
//! text canary, to the list of statements canaryd tracks. Pure.

mod claims;
mod guard;
mod html;
mod sentences;
mod text;

use scraper::{Html, Selector};

use crate::normalise::statement;
use crate::statement::Statement;

pub use claims::{is_claim, is_plan, looks_like_canary};
pub use sentences::split_sentences;

/// How a body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Text,
}

/// Deeper than this, HTML parsing turns quadratic: such a page is refused, not parsed.
pub const MAX_DEPTH: usize = 4_000;
/// A page yielding more statements than this is not a canary; refusing it keeps state small.
pub const MAX_STATEMENTS: usize = 20_000;

/// A page canaryd refuses to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    #[error("the page nests elements {0} deep (more than {MAX_DEPTH}); refusing to parse it")]
    TooDeep(usize),
    #[error(
        "the page yields {0} statements (more than {MAX_STATEMENTS}); it is not a canary — use a selector"
    )]
    TooMany(usize),
}

/// Block elements whose text is a paragraph (split into sentences); others (list items,
/// cells, headings) are one statement each.
fn is_paragraph(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div" | "blockquote" | "section" | "article" | "main" | "body" | "span" | "font"
    )
}

/// The statements of `body`, in document order.
///
/// * With `selector`, every statement from the selected elements is a claim (the user chose
///   them), except that a selected `pre` is read like a text canary.
/// * Without, HTML blocks are kept when they read like a canary; each sentence is then a
///   claim or context by its wording.
/// * Text canaries keep every paragraph, item and reference, classified by wording.
pub fn extract(
    body: &str,
    format: Format,
    selector: Option<&Selector>,
) -> Result<Vec<Statement>, ExtractError> {
    let mut out = Vec::new();
    match format {
        Format::Text => text_statements(body, &mut out),
        Format::Html => {
            let depth = guard::nesting_depth(body);
            if depth > MAX_DEPTH {
                return Err(ExtractError::TooDeep(depth));
            }
            let doc = Html::parse_document(body);
            match selector {
                Some(sel) => {
                    for b in html::selected_blocks(&doc, sel) {
                        if b.tag == "pre" {
                            text_statements(&b.text, &mut out);
                        } else if b.tag == "p" {
                            out.extend(split_sentences(&b.text).iter().map(|s| statement(s, true)));
                        } else {
                            out.push(statement(&b.text, true));
                        }
                    }
                }
                None => {
                    for b in html::page_blocks(&doc) {
                        if b.tag == "pre" {
                            if looks_like_canary(&b.text) {
                                text_statements(&b.text, &mut out);
                            }
                        } else if looks_like_canary(&b.text) {
                            if is_paragraph(&b.tag) {
                                for s in split_sentences(&b.text) {
                                    out.push(statement(&s, is_claim(&s)));
                                }
                            } else {
                                out.push(statement(&b.text, is_claim(&b.text)));
                            }
                        }
                    }
                }
            }
        }
    }
    out.retain(|s| !s.text.is_empty());
    if out.len() > MAX_STATEMENTS {
        return Err(ExtractError::TooMany(out.len()));
    }
    Ok(out)
}

fn text_statements(body: &str, out: &mut Vec<Statement>) {
    for block in text::blocks(body) {
        match block {
            text::Block::Paragraph(p) => {
                for s in split_sentences(&p) {
                    out.push(statement(&s, is_claim(&s)));
                }
            }
            text::Block::Item(item) => out.push(statement(&item, is_claim(&item))),
            text::Block::Reference(r) => out.push(statement(&r, false)),
        }
    }
}

#[cfg(test)]
mod tests;
