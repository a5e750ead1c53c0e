//! Statement extraction: an HTML page (with a selector, or by auto-detection) or a text
//! canary, to the statements canaryd tracks, in document order. Pure.

mod claims;
mod guard;
mod html;
mod region;
mod sentences;
mod text;

use std::collections::{HashMap, HashSet};

use scraper::Html;

use crate::observe::normalise::{fold, statement};
use crate::observe::selector::WatchSelector;
use crate::observe::statement::Statement;

pub use claims::{is_claim, is_notes_heading, is_plan, looks_like_canary};
pub use sentences::split_sentences;

use html::{Block, LINE_BREAK};

/// A page yielding more statements than this is not a canary (a selector matched a whole
/// site, or the page is hostile); refusing it keeps the watch's state small.
pub const MAX_STATEMENTS: usize = 20_000;

/// A page canaryd refuses to read. The caller treats it as a failed fetch, never as a page
/// whose statements were all removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The page yields this many statements, more than [`MAX_STATEMENTS`].
    TooMany(usize),
}

impl std::fmt::Display for ExtractError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExtractError::TooMany(n) => write!(
                f,
                "the page yields {n} statements (more than {MAX_STATEMENTS}); it is not a canary \u{2014} use a selector"
            ),
        }
    }
}

impl std::error::Error for ExtractError {}

/// How a body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Html,
    Text,
}

/// The statements of `body`, in document order, without duplicates (same key) or statements
/// with no letter or digit; an error if there are more than [`MAX_STATEMENTS`].
///
/// * HTML with `selector`: every matched element is one statement, except that a container
///   (list, table, div…) gives one per leaf block, a paragraph one per sentence, a table row
///   one with its cells joined by " | ", a `pre` is read as a text canary. All are claims:
///   the user chose them.
/// * HTML without: page furniture is skipped and the leaf blocks that read like a canary
///   ([`looks_like_canary`]) or speak of the canary are kept, with the rest of a list or
///   table when most of it reads like one. Paragraph-like blocks are split into sentences;
///   each statement is a claim or context by its wording ([`is_claim`]).
/// * Text: see the `text` module; items are not split, prose is, and wording decides.
///
/// Hostile HTML nested deeper than the parser handles in linear time is flattened below
/// that depth first (see the `guard` module), not refused: a broken CMS template leaving
/// thousands of `<div>`s open still renders in a browser, and must still be read.
///
/// With a selector starting from an id (`#canary li`), a page written plainly enough has
/// only that element parsed into a tree (the `region` module says when); the statements are
/// the same as from the whole page, which every other page is parsed as.
pub fn extract(
    body: &str,
    format: Format,
    selector: Option<&WatchSelector>,
) -> Result<Vec<Statement>, ExtractError> {
    extract_as(body, format, selector, Parse::CutWhenExact)
}

/// Whether [`extract`] may parse only the element an id-led selector starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parse {
    CutWhenExact,
    /// The whole page, always: the reference the cut is tested against.
    Whole,
}

pub(crate) fn extract_as(
    body: &str,
    format: Format,
    selector: Option<&WatchSelector>,
    parse: Parse,
) -> Result<Vec<Statement>, ExtractError> {
    let mut out = Vec::new();
    match format {
        Format::Text => text_statements(body, None, &mut out),
        Format::Html => {
            match selector {
                Some(sel) => {
                    // The cut reads the page as written and refuses nesting deeper than
                    // the guard allows, so the guard need only pass over what is parsed.
                    let cut = (parse == Parse::CutWhenExact)
                        .then(|| sel.leading_id().and_then(|id| region::cut(body, id)))
                        .flatten();
                    let doc = match cut {
                        Some(element) => Html::parse_fragment(&guard::cap_nesting(element)),
                        None => Html::parse_document(&guard::cap_nesting(body)),
                    };
                    selected(&html::selected_blocks(&doc, &sel.compiled), &mut out);
                }
                None => {
                    let doc = Html::parse_document(&guard::cap_nesting(body));
                    detected(&html::page_blocks(&doc), &mut out)
                }
            }
        }
    }
    let mut seen = HashSet::new();
    out.retain(|s| s.text.chars().any(char::is_alphanumeric) && seen.insert(s.key.clone()));
    if out.len() > MAX_STATEMENTS {
        return Err(ExtractError::TooMany(out.len()));
    }
    Ok(out)
}

/// Pages that may quote a proof of freshness: only these are parsed again for
/// [`text_lines`], so an ordinary page costs one scan. The pattern is one alternation
/// (`freshness|fraîcheur|bitcoin|blockchain|block height/hash/count|getblockcount|headlines|
/// news article|in advance|a block hash`, any case) searched as separate parts: as one
/// regex, the branch starting at "in", a word every page is full of, made every branch
/// slow (bench pages: 0.45 ms a page as one regex, 0.15 ms as these parts).
static MAY_HOLD_PROOF: std::sync::LazyLock<[regex::Regex; 4]> = std::sync::LazyLock::new(|| {
    [
        r"(?i)freshness|fraîcheur|bitcoin|blockchain|getblockcount|headlines",
        r"(?i)block\s*(?:height|hash|count)",
        r"(?i)news\s+article",
        r"(?i)0{8}[0-9a-f]{56}",
    ]
    .map(|p| regex::Regex::new(p).expect("the proof patterns are valid"))
});

/// "in advance", looked for only on pages that say "advance".
static IN_ADVANCE: std::sync::LazyLock<[regex::Regex; 2]> = std::sync::LazyLock::new(|| {
    [r"(?i)advance", r"(?i)in\s+advance"]
        .map(|p| regex::Regex::new(p).expect("the advance patterns are valid"))
});

fn may_hold_proof(body: &str) -> bool {
    MAY_HOLD_PROOF.iter().any(|r| r.is_match(body)) || IN_ADVANCE.iter().all(|r| r.is_match(body))
}

/// The document's text as lines, for readers that look at lines (proofs of freshness): a
/// text canary's lines without the OpenPGP armour; an HTML page's leaf blocks, `<br>` and
/// `<pre>` lines split, headings written `# …`, a blank line between blocks that are not
/// items of one list. An HTML page with no hint of a proof gives no lines.
pub(crate) fn text_lines(body: &str, format: Format) -> Vec<String> {
    match format {
        Format::Text => text::strip_armour(body)
            .into_iter()
            .map(str::to_string)
            .collect(),
        Format::Html => {
            if !may_hold_proof(body) {
                return Vec::new();
            }
            let body = guard::cap_nesting(body);
            let doc = Html::parse_document(&body);
            let mut lines = Vec::new();
            let mut group = None;
            for b in html::page_blocks(&doc) {
                if b.group.is_none() || b.group != group {
                    lines.push(String::new());
                }
                group = b.group;
                if matches!(b.tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
                    lines.push(format!("# {}", b.text.trim()));
                    lines.push(String::new());
                    continue;
                }
                lines.extend(
                    b.text
                        .split([LINE_BREAK, '\n'])
                        .map(|l| l.trim().to_string()),
                );
            }
            lines
        }
    }
}

/// Text-canary statements; `claim` forces the flag (a selected `pre`), else wording decides.
fn text_statements(body: &str, claim: Option<bool>, out: &mut Vec<Statement>) {
    for located in text::units(body) {
        let decide = |s: &str| {
            claim.unwrap_or_else(|| {
                !located.freshness
                    && if located.notes {
                        claims::is_note_claim(s)
                    } else {
                        is_claim(s)
                    }
            })
        };
        match &located.unit {
            text::Unit::Prose(p) => {
                out.extend(split_sentences(p).iter().map(|s| statement(s, decide(s))));
            }
            text::Unit::Item(item) => out.push(statement(item, decide(item))),
            text::Unit::Heading(h) => out.push(statement(h, claim.unwrap_or(false))),
        }
    }
}

/// Sentences of a paragraph-like block. `<br>` breaks it first, and a line it starts with a
/// bullet or number ("- No gag orders<br>") loses the marker, as in a text canary.
fn sentences_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(LINE_BREAK)
        .flat_map(|line| split_sentences(text::strip_marker(line)))
}

fn selected(blocks: &[Block<'_>], out: &mut Vec<Statement>) {
    for b in blocks {
        match b.tag {
            "pre" => text_statements(&b.text, Some(true), out),
            // A container's loose text is a paragraph too; a selected leaf stays whole.
            "p" => out.extend(sentences_of(&b.text).map(|s| statement(&s, true))),
            _ if !b.whole && !matches!(b.tag, "li" | "dt" | "dd" | "tr" | "td" | "th") => {
                out.extend(sentences_of(&b.text).map(|s| statement(&s, true)));
            }
            _ => out.push(statement(&b.text, true)),
        }
    }
}

/// Blocks whose text is prose (split into sentences) rather than an item, cell or heading.
fn is_paragraph(tag: &str) -> bool {
    !matches!(
        tag,
        "li" | "dt"
            | "dd"
            | "tr"
            | "td"
            | "th"
            | "caption"
            | "summary"
            | "legend"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
    )
}

/// A list or table whose items mostly read like canary statements is a canary list: its
/// other items (a date, a count) are kept as context, and a claim that stops reading like
/// one is still seen changing rather than vanishing.
fn cohesive_groups(blocks: &[Block<'_>], canary_like: &[bool]) -> HashSet<usize> {
    let mut tally: HashMap<usize, (usize, usize)> = HashMap::new();
    for (b, &like) in blocks.iter().zip(canary_like) {
        if let Some(g) = b.group {
            let t = tally.entry(g).or_default();
            t.0 += 1;
            t.1 += usize::from(like);
        }
    }
    tally
        .into_iter()
        .filter(|&(_, (items, like))| like >= 2 && like * 2 >= items)
        .map(|(g, _)| g)
        .collect()
}

/// A short line that only dates the canary ("As of December 2026:", "Last updated: 1 March
/// 2025", "Mis à jour le 3 mars 2025"): kept as context beside the canary it stands next to,
/// so the canary's date is read even where the line itself claims nothing.
static DATING_LINE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*(?:(?:accurate|correct|valid|true)\s+)?as\s+(?:of|at|on)\b|^\W*(?:last\s+)?(?:updated|reviewed|signed|issued|published|dated?)\b|^\W*(?:date\s+of\s+issue|issue\s+date)\b|^\W*(?:au|en\s+date\s+du|mis\s+à\s+jour\s+le|mise\s+à\s+jour\s*:?|dernière\s+mise\s+à\s+jour)\b",
    )
    .expect("the dating-line pattern is a valid regex")
});

/// Such a line is short.
const DATING_LINE_MAX: usize = 120;

fn dating_line(text: &str) -> bool {
    text.len() <= DATING_LINE_MAX
        && DATING_LINE.is_match(text)
        && !crate::observe::normalise::find(text).is_empty()
}

fn detected(blocks: &[Block<'_>], out: &mut Vec<Statement>) {
    // Folding is the costly part of classifying; do it once per block.
    let folded: Vec<String> = blocks.iter().map(|b| fold(&b.text)).collect();
    let canary_like: Vec<bool> = folded
        .iter()
        .map(|f| claims::looks_like_canary_folded(f))
        .collect();
    let cohesive = cohesive_groups(blocks, &canary_like);
    let kept: Vec<bool> = blocks
        .iter()
        .zip(&folded)
        .zip(&canary_like)
        .map(|((b, f), &like)| {
            like || b.group.is_some_and(|g| cohesive.contains(&g))
                || claims::mentions_canary_folded(f)
        })
        .collect();
    // A dating line right before or after a kept block belongs to the canary.
    let dates_the_canary = |i: usize| {
        !kept[i]
            && (i.checked_sub(1).is_some_and(|p| kept[p]) || kept.get(i + 1) == Some(&true))
            && dating_line(&folded[i])
    };
    // Under a notes heading ("Special announcements", "Errata"…), until the next heading,
    // everything is context.
    let mut in_notes = false;
    for (i, (b, f)) in blocks.iter().zip(&folded).enumerate() {
        if matches!(b.tag, "h1" | "h2" | "h3" | "h4" | "h5" | "h6") {
            in_notes = is_notes_heading(&b.text);
        }
        let is_claim = |s: &str| {
            if in_notes {
                claims::is_note_claim(s)
            } else {
                is_claim(s)
            }
        };
        if dates_the_canary(i) {
            out.push(statement(&b.text, false));
            continue;
        }
        if !kept[i] {
            continue;
        }
        if b.tag == "pre" {
            text_statements(&b.text, None, out);
        } else if is_paragraph(b.tag) {
            out.extend(sentences_of(&b.text).map(|s| {
                let claim = is_claim(&s);
                statement(&s, claim)
            }));
        } else {
            let claim = if in_notes {
                claims::is_note_claim(&b.text)
            } else {
                claims::is_claim_folded(f)
            };
            out.push(statement(&b.text, claim));
        }
    }
}

#[cfg(test)]
mod tests;
