//! A fetched canary's signatures read against the pinned keys: detached signature files and
//! the clearsigned blocks in the page, verified into one [`SignatureReading`], and the part of
//! the page those signatures cover ([`SignedScope`]): on a signed watch only that part is the
//! canary ([`signed_document`]). Pure; the one verification shared by live checks, `replay`
//! and `preview`, so replay judges what a live watch would.

use serde::{Deserialize, Serialize};

use super::extract::Format;
use super::selector::WatchSelector;
use super::signature::{
    Cleartext, HashPolicy, PinnedKey, SignatureSummary, SignatureTally, SignatureVerdict,
    split_cleartexts, verify_cleartext_with, verify_detached_with,
};
use super::{Body, Document, DocumentFormat, read_document};

/// One detached signature file as fetched (or read beside a replayed version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetachedFile {
    /// Where it came from: a URL, or a path for replay.
    pub source: String,
    /// Its bytes; `None` when the server said 404/410 (no signature from this file).
    pub bytes: Option<Vec<u8>>,
}

/// One verdict and the file (or "clearsigned") it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcedVerdict {
    pub source: String,
    #[serde(flatten)]
    pub verdict: SignatureVerdict,
}

/// A pinned key, as events name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyName {
    pub fingerprint: String,
    pub name: String,
    /// How to refresh this pinned copy (a command), when the caller knows one: an expired
    /// key's alert names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh: Option<String>,
}

/// Everything the judge and the user see about a canary's signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReading {
    pub verdicts: Vec<SourcedVerdict>,
    pub(crate) summary: SignatureSummary,
    /// Signature files that answered 404/410.
    pub missing: Vec<String>,
    /// The keys pinned when this was read, so the judge forgets signers no longer pinned.
    pub pinned: Vec<KeyName>,
    /// sha256 of the document's bytes: a new version under an alerted signature problem is
    /// recorded once, not once per check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The watch accepts SHA-1 signatures (`accept_sha1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepts_sha1: bool,
    /// What the good signatures cover: the only text judged on a signed watch.
    #[serde(default)]
    pub scope: SignedScope,
}

/// Which part of a page its pinned signers signed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedScope {
    pub covers: Covers,
    /// The signed text of the clearsigned block judged (`covers` = `block`).
    #[serde(skip)]
    pub text: Option<BlockText>,
    /// What the page holds beyond what was signed: read, never judged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Ignored>,
}

/// The extent of the signed text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covers {
    /// A good detached signature covers every byte of the body.
    Whole,
    /// One clearsigned block verified by a pinned signer.
    Block,
    /// Nothing on the page verifies by a pinned signer: nothing is judged.
    #[default]
    Nothing,
}

/// The text of the clearsigned block judged, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockText {
    pub text: String,
    /// Read as HTML: the block was found in the raw source of an HTML page, not inside a
    /// `<pre>` or `<code>` (then what was signed is the markup).
    pub html: bool,
}

/// One part of a page outside the signed text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    /// Where it is, for people: "before the signed block", "after the signed block", …
    pub place: String,
    /// Lines with text in it.
    pub lines: usize,
    /// Its size, whitespace at either end left out.
    pub bytes: usize,
}

impl Ignored {
    /// "3 lines (120 bytes) before the signed block".
    pub fn describe(&self) -> String {
        format!(
            "{} ({} bytes) {}",
            crate::words::plural(self.lines as u32, "line"),
            self.bytes,
            self.place
        )
    }
}

impl SignatureReading {
    /// What `list` shows of it, typed: its Display is "2/2 ok", "1/2", "BAD" or "unsigned".
    pub fn display(&self) -> SignatureTally {
        self.summary.tally()
    }
}

/// A key's name for people: its user id, else its file label.
pub fn key_name(key: &PinnedKey) -> String {
    key.user_id().unwrap_or(key.label()).to_string()
}

/// At most this many clearsigned blocks of a page are verified; more are ignored (and said).
const MAX_BLOCKS: usize = 8;

/// Verifies `detached` over `body` (the raw bytes) and the clearsigned blocks in `text` (the
/// decoded page), against `keys`, requiring `required` distinct signers, under `policy`.
///
/// Which clearsigned block counts: of the blocks with at least one good signature by a pinned
/// key, the one signed most recently (then the one with most good signers, then the first).
/// An old block signed by the same keys, pasted next to the current one, cannot stand in for
/// it; a block by anyone else is never the canary. The other blocks are ignored (and listed in
/// [`SignedScope::ignored`]). When no block has a good signature, the first block's verdicts
/// are the reading (so its problem is alerted) and nothing is judged.
pub fn read_signatures(
    body: &[u8],
    text: &str,
    format: Format,
    detached: &[DetachedFile],
    keys: &[PinnedKey],
    required: usize,
    policy: HashPolicy,
) -> SignatureReading {
    let mut verdicts = Vec::new();
    let mut missing = Vec::new();
    for file in detached {
        match &file.bytes {
            Some(bytes) => verdicts.extend(
                verify_detached_with(body, bytes, keys, policy)
                    .into_iter()
                    .map(|verdict| SourcedVerdict {
                        source: file.source.clone(),
                        verdict,
                    }),
            ),
            None => missing.push(file.source.clone()),
        }
    }
    let whole = verdicts.iter().any(|v| v.verdict.is_good());
    let found = blocks_in(text, format);
    let judged: Vec<Vec<SignatureVerdict>> = found
        .blocks
        .iter()
        .map(|b| verify_cleartext_with(&b.cleartext, keys, policy))
        .collect();
    let chosen = choose(&judged);
    if let Some(i) = chosen.or((!judged.is_empty()).then_some(0)) {
        verdicts.extend(judged[i].iter().cloned().map(|verdict| SourcedVerdict {
            source: "clearsigned".to_string(),
            verdict,
        }));
    }
    let scope = if whole {
        SignedScope {
            covers: Covers::Whole,
            text: None,
            ignored: Vec::new(),
        }
    } else if let Some(i) = chosen {
        SignedScope {
            covers: Covers::Block,
            text: Some(BlockText {
                text: found.blocks[i].cleartext.text().to_string(),
                html: found.raw_html,
            }),
            ignored: found.ignored(i, &judged),
        }
    } else {
        SignedScope::default()
    };
    let plain: Vec<SignatureVerdict> = verdicts.iter().map(|v| v.verdict.clone()).collect();
    SignatureReading {
        summary: SignatureSummary::new(&plain, required),
        verdicts,
        missing,
        pinned: keys
            .iter()
            .map(|k| KeyName {
                fingerprint: k.fingerprint().to_string(),
                name: key_name(k),
                refresh: None,
            })
            .collect(),
        document: Some(crate::digest::sha256_hex(body)),
        accepts_sha1: policy.accept_sha1,
        scope,
    }
}

/// What a signed watch judges: the body itself when a detached signature covers it, the text
/// of the clearsigned block chosen (read as text, the watch's selector set aside: it picks
/// elements of a page, and the signed text is not one), or `None` when nothing on the page is
/// signed by a pinned key.
pub fn signed_document(
    body: &Body<'_>,
    format: DocumentFormat,
    selector: Option<&WatchSelector>,
    reading: &SignatureReading,
) -> Option<Document> {
    match (&reading.scope.covers, &reading.scope.text) {
        (Covers::Whole, _) => Some(read_document(body, format, selector)),
        (Covers::Block, Some(block)) => {
            let fetched_as = if block.html {
                Format::Html
            } else {
                Format::Text
            };
            let signed = Body {
                bytes: block.text.as_bytes(),
                content_type: None,
                text: &block.text,
                fetched_as,
            };
            let format = if block.html {
                DocumentFormat::Html
            } else {
                DocumentFormat::Text
            };
            Some(read_document(
                &signed,
                format,
                selector.filter(|_| block.html),
            ))
        }
        _ => None,
    }
}

/// The index of the block that counts (see [`read_signatures`]), if any has a good signature.
fn choose(judged: &[Vec<SignatureVerdict>]) -> Option<usize> {
    let rank = |verdicts: &[SignatureVerdict]| {
        let good: Vec<&SignatureVerdict> = verdicts.iter().filter(|v| v.is_good()).collect();
        let signers: std::collections::BTreeSet<&str> = good
            .iter()
            .filter_map(|v| v.signer.as_ref().map(|s| s.fingerprint.as_str()))
            .collect();
        (good.iter().filter_map(|v| v.created).max(), signers.len())
    };
    let mut best: Option<(usize, _)> = None;
    for (i, verdicts) in judged.iter().enumerate() {
        if !verdicts.iter().any(SignatureVerdict::is_good) {
            continue;
        }
        let r = rank(verdicts);
        if best.as_ref().is_none_or(|(_, b)| r > *b) {
            best = Some((i, r));
        }
    }
    best.map(|(i, _)| i)
}

/// A clearsigned block and where its armour lies in the text it was found in.
struct Block {
    cleartext: Cleartext,
    range: std::ops::Range<usize>,
}

/// The clearsigned blocks of a page, and the text they were found in.
struct Found {
    /// The text searched: the page, or the text of the HTML element holding the blocks.
    text: String,
    blocks: Vec<Block>,
    /// Found in the raw source of an HTML page (not inside an element's text).
    raw_html: bool,
    /// The page's text outside that element (HTML only).
    outside: Option<String>,
    /// Blocks beyond [`MAX_BLOCKS`].
    more: bool,
}

impl Found {
    /// What of the text is not block `chosen`'s signed text.
    fn ignored(&self, chosen: usize, judged: &[Vec<SignatureVerdict>]) -> Vec<Ignored> {
        let mut out = Vec::new();
        let range = &self.blocks[chosen].range;
        let mut push = |place: String, text: &str| {
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            if lines > 0 {
                out.push(Ignored {
                    place,
                    lines,
                    bytes: text.trim().len(),
                });
            }
        };
        let others = |part: &str, from: usize, to: usize| {
            let mut rest = part.to_string();
            for b in &self.blocks {
                if b.range.start >= from && b.range.end <= to {
                    rest = rest.replacen(&self.text[b.range.clone()], "", 1);
                }
            }
            rest
        };
        let before = others(&self.text[..range.start], 0, range.start);
        push("before the signed block".to_string(), &before);
        let after = others(&self.text[range.end..], range.end, self.text.len());
        push("after the signed block".to_string(), &after);
        if let Some(outside) = &self.outside {
            push("elsewhere on the HTML page".to_string(), outside);
        }
        for (i, b) in self.blocks.iter().enumerate() {
            if i == chosen {
                continue;
            }
            let why = match judged[i].iter().find(|v| v.is_good()) {
                Some(v) => format!(
                    "signed by {}{}, but not the newest signed block",
                    v.signer
                        .as_ref()
                        .map_or("a pinned key", |s| s.user_id.as_deref().unwrap_or(&s.label)),
                    v.created
                        .map(|t| format!(" on {}", t.date_naive()))
                        .unwrap_or_default()
                ),
                None => format!(
                    "not signed by a pinned key ({})",
                    judged[i]
                        .iter()
                        .map(|v| v.status.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            push(
                format!("in another clearsigned block, {why}"),
                &self.text[b.range.clone()],
            );
        }
        if self.more {
            out.push(Ignored {
                place: format!("in clearsigned blocks beyond the first {MAX_BLOCKS}, not read"),
                lines: 0,
                bytes: 0,
            });
        }
        out
    }
}

/// The clearsigned blocks of a page: in a text document anywhere; in HTML inside a `<pre>` or
/// `<code>` (whose text is the block with entities decoded), else in the raw text.
fn blocks_in(text: &str, format: Format) -> Found {
    const MARKER: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
    let raw = |raw_html: bool| {
        let mut blocks: Vec<Block> = split_cleartexts(text, MAX_BLOCKS + 1)
            .into_iter()
            .map(|(range, cleartext)| Block { cleartext, range })
            .collect();
        let more = blocks.len() > MAX_BLOCKS;
        blocks.truncate(MAX_BLOCKS);
        Found {
            text: text.to_string(),
            blocks,
            raw_html,
            outside: None,
            more,
        }
    };
    if !text.contains(MARKER) {
        return raw(false);
    }
    if format == Format::Html {
        let doc = scraper::Html::parse_document(text);
        if let Ok(selector) = scraper::Selector::parse("pre, code") {
            for element in doc.select(&selector) {
                let inner: String = element.text().collect();
                let trimmed = inner.trim_start_matches(['\r', '\n', ' ']);
                let mut blocks: Vec<Block> = split_cleartexts(trimmed, MAX_BLOCKS + 1)
                    .into_iter()
                    .map(|(range, cleartext)| Block { cleartext, range })
                    .collect();
                if blocks.is_empty() {
                    continue;
                }
                let more = blocks.len() > MAX_BLOCKS;
                blocks.truncate(MAX_BLOCKS);
                // The page's visible text with this element's text taken out.
                let all: String = doc
                    .root_element()
                    .descendants()
                    .filter_map(|n| n.value().as_text().map(|t| (n, t)))
                    .filter(|(n, _)| {
                        !n.ancestors().any(|a| {
                            a.id() == element.id()
                                || a.value().as_element().is_some_and(|e| {
                                    matches!(e.name(), "script" | "style" | "head")
                                })
                        })
                    })
                    .map(|(_, t)| t.to_string())
                    .collect::<Vec<_>>()
                    .join("\n");
                return Found {
                    text: trimmed.to_string(),
                    blocks,
                    raw_html: false,
                    outside: Some(all),
                    more,
                };
            }
        }
        return raw(true);
    }
    raw(false)
}
