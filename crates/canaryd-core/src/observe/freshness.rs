//! Proofs of freshness a canary quotes to show it was not written in advance: its `date -R`
//! line, news headlines (grouped by the feed they came from), news links cited as proof,
//! Bitcoin block hashes and block heights, and a CanaryTail document's `freshness` block.
//! Pure: read from the text lines of a document, bounded in count and length.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};

pub mod api;

/// At most this many items of each kind are kept: a proof is a handful of lines.
const MAX_ITEMS: usize = 64;
/// A headline or link longer than this is cut (a proof line is one line).
const MAX_CHARS: usize = 300;
/// The lowest number read as a block height.
const MIN_HEIGHT: u64 = 100_000;
/// Lines looked at: a canary is a page, not a book.
const MAX_LINES: usize = 20_000;

/// What a canary quotes as proof that it is fresh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// Lines that are only a date and time (`date -R`, `date`): when the proof was taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<DateTime<Utc>>,
    /// Bitcoin block hashes (64 hex digits, lower case).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_hashes: Vec<String>,
    /// Bitcoin block heights (`getblockcount`, "block height 845123").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_heights: Vec<u64>,
    /// News headlines, by the feed named before them ("Source: BBC News (…)").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headlines: Vec<Headlines>,
    /// Links to news articles the canary cites as proof of freshness.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub news_links: Vec<String>,
}

/// The headlines quoted from one feed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headlines {
    /// The feed as the canary names it (empty when it names none).
    pub source: String,
    pub items: Vec<String>,
}

impl Freshness {
    pub fn is_empty(&self) -> bool {
        self.dates.is_empty()
            && self.block_hashes.is_empty()
            && self.block_heights.is_empty()
            && self.headlines.is_empty()
            && self.news_links.is_empty()
    }

    /// Each proof as one line for people: `preview`, `show` and `history` print these.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.dates {
            out.push(format!("date line: {}", d.format("%Y-%m-%d %H:%M:%S UTC")));
        }
        for h in &self.block_hashes {
            out.push(format!("Bitcoin block hash: {h}"));
        }
        for h in &self.block_heights {
            out.push(format!("Bitcoin block height: {h}"));
        }
        for h in &self.headlines {
            let source = if h.source.is_empty() {
                "news"
            } else {
                h.source.as_str()
            };
            out.push(format!(
                "{} from {source}: \"{}\"{}",
                crate::words::plural(h.items.len() as u32, "headline"),
                h.items.first().map(String::as_str).unwrap_or_default(),
                if h.items.len() > 1 { " …" } else { "" }
            ));
        }
        for l in &self.news_links {
            out.push(format!("news link: {l}"));
        }
        out
    }

    /// Each source of proof as a comparable string: two versions whose sources are all the
    /// same quote the same proof.
    pub fn sources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        out.extend(
            self.dates
                .iter()
                .map(|d| format!("date {}", d.to_rfc3339())),
        );
        out.extend(self.block_hashes.iter().map(|h| format!("hash {h}")));
        out.extend(self.block_heights.iter().map(|h| format!("height {h}")));
        out.extend(
            self.headlines
                .iter()
                .map(|h| format!("headlines {}: {}", h.source, h.items.join(" | "))),
        );
        out.extend(self.news_links.iter().map(|l| format!("link {l}")));
        out.sort();
        out.dedup();
        out
    }
}

static BLOCK_HASH: LazyLock<Regex> = LazyLock::new(|| {
    // A Bitcoin block hash is at most the difficulty-1 target, 0x00000000ffff…: at least
    // eight leading hex zeros tell it from any other sha256 (a file's, a key's).
    Regex::new(r"(?i)\b(0{8}[0-9a-f]{56})\b").expect("the block hash pattern is valid")
});
static BLOCK_HEIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)\b(?:block\s*(?:height|number|count|no\.?|\#)|getblockcount|bitcoin\s+block|blockheight|height
          |hauteur\s+(?:de|du)\s+bloc(?:\s+bitcoin)?|bloc\s+(?:bitcoin\s+)?n°)
          \s*(?:is|was|est|=|:|\#|\(\)|-|\s)*\#?\s*(\d{1,3}(?:[,\u{a0}\u{202f}\x20]\d{3})+|\d{1,7})\b",
    )
    .expect("the block height pattern is valid")
});
static GETBLOCKCOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)getblockcount|block\s*(?:height|count)\s*:?\s*$")
        .expect("the getblockcount pattern is valid")
});
static FRESHNESS_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)freshness|headlines|\bnews\b|\brss\b|blockchain|bitcoin|fraîcheur|actualités")
        .expect("the freshness heading pattern is valid")
});
static SOURCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:sources?|feed|rss|source\s+de\s+l'information)\s*:\s*(.*)$")
        .expect("the source pattern is valid")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>"')\]]+"#).expect("the URL pattern is valid"));
/// A sentence saying a link or headline is there to prove freshness.
static CITES_PROOF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)news\s+article|recent\s+news|not\s+(?:been\s+)?(?:prepared|created|written|generated|pre-?generated|signed)\s+(?:in\s+advance|ahead|beforehand)
          |pre-?generated|prepared\s+in\s+advance|in\s+advance\s+of\s+the\s+present|proof\s+of\s+freshness|preuve\s+de\s+fraîcheur|pas\s+été\s+(?:préparé|rédigé)e?\s+à\s+l'avance",
    )
    .expect("the proof citation pattern is valid")
});
static CITATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(\d{1,3})\]").expect("the citation pattern is valid"));
static FOOTNOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:\[(\d{1,3})\]|(\d{1,3})[.)])\s+").expect("the footnote pattern is valid")
});

/// "-----", "=====": an underline.
fn is_rule(line: &str) -> bool {
    let t = line.trim();
    t.chars().count() >= 3 && t.chars().all(|c| matches!(c, '-' | '=' | '_' | '~' | '*'))
}

/// A line that is only a date and time: `date -R` ("Wed, 03 Jun 2026 02:51:46 +0000"), `date`
/// ("Wed Jun  3 02:51:46 UTC 2026"), or an RFC 3339 time.
pub fn date_line(line: &str) -> Option<DateTime<Utc>> {
    let t = line.trim();
    if t.len() < 16 || t.len() > 40 || !t.contains(':') {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(t) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Some(d.with_timezone(&Utc));
    }
    let squeezed = t.split_whitespace().collect::<Vec<_>>().join(" ");
    for zone in [" UTC ", " GMT "] {
        if let Some((a, b)) = squeezed.split_once(zone)
            && let Ok(n) =
                NaiveDateTime::parse_from_str(&format!("{a} {b}"), "%a %b %e %H:%M:%S %Y")
        {
            return Some(n.and_utc());
        }
    }
    None
}

fn cut(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(MAX_CHARS) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_ITEMS && !v.contains(&item) {
        v.push(item);
    }
}

/// Whether `line` (and the one after it) makes a heading: an underlined short line, or a
/// Markdown/Textile heading (`# …`, `h2. …`).
fn heading(lines: &[&str], i: usize) -> Option<String> {
    let t = lines[i].trim();
    let b = t.as_bytes();
    let textile = b.len() > 4 && b[0] == b'h' && (b'1'..=b'6').contains(&b[1]) && &b[2..4] == b". ";
    if let Some(rest) = t
        .strip_prefix('#')
        .map(|r| r.trim_start_matches('#'))
        .or_else(|| textile.then(|| &t[4..]))
    {
        return Some(rest.trim().to_string());
    }
    let underlined = lines.get(i + 1).is_some_and(|n| is_rule(n));
    (underlined && !t.is_empty() && t.chars().count() <= 60 && !is_rule(t)).then(|| t.to_string())
}

/// The proofs of freshness in a document's text, one line per element of `lines`.
pub fn read(lines: &[&str]) -> Freshness {
    let lines = &lines[..lines.len().min(MAX_LINES)];
    let mut f = Freshness::default();
    let mut in_section = false;
    let mut source: Option<usize> = None;
    let mut cited: Vec<String> = Vec::new();
    let mut footnotes: Vec<(String, String)> = Vec::new();
    let mut expect_height = false;
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            source = None;
            continue;
        }
        if is_rule(line) {
            continue;
        }
        for c in BLOCK_HASH.captures_iter(line) {
            push_unique(&mut f.block_hashes, c[1].to_ascii_lowercase());
        }
        if expect_height && line.chars().all(|c| c.is_ascii_digit()) && line.len() <= 7 {
            if let Ok(h) = line.parse::<u64>()
                && h >= MIN_HEIGHT
            {
                push_unique(&mut f.block_heights, h);
            }
            expect_height = false;
            continue;
        }
        expect_height = false;
        let mut height_here = false;
        for c in BLOCK_HEIGHT.captures_iter(line) {
            let digits: String = c[1].chars().filter(char::is_ascii_digit).collect();
            // Canaries quote heights of 2013 on (above 200,000); a smaller number after
            // "height" is something else.
            if let Ok(h) = digits.parse::<u64>()
                && h >= MIN_HEIGHT
            {
                push_unique(&mut f.block_heights, h);
                height_here = true;
            }
        }
        if !height_here && GETBLOCKCOUNT.is_match(line) {
            expect_height = true;
        }
        if let Some(d) = date_line(line) {
            push_unique(&mut f.dates, d);
            continue;
        }
        if CITES_PROOF.is_match(line) {
            for c in CITATION.captures_iter(line) {
                cited.push(c[1].to_string());
            }
        }
        if let Some(c) = FOOTNOTE.captures(line)
            && let Some(url) = URL.find(line)
        {
            let label = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
            if CITES_PROOF.is_match(line) {
                cited.push(label.clone());
            }
            footnotes.push((label, cut(url.as_str())));
        }
        if let Some(h) = heading(lines, i) {
            in_section = FRESHNESS_HEADING.is_match(&h);
            source = None;
            continue;
        }
        // A one-line paragraph naming freshness opens the section too ("Proof of freshness:").
        let alone = i == 0 || lines[i - 1].trim().is_empty();
        if alone && line.chars().count() <= 60 && FRESHNESS_HEADING.is_match(line) {
            let next_blank = lines.get(i + 1).is_none_or(|n| n.trim().is_empty());
            if next_blank || line.ends_with(':') {
                in_section = true;
                source = None;
                continue;
            }
        }
        if !in_section {
            continue;
        }
        if let Some(c) = SOURCE.captures(line) {
            let name = cut(&c[1]);
            if f.headlines.len() < MAX_ITEMS {
                f.headlines.push(Headlines {
                    source: name,
                    items: Vec::new(),
                });
                source = Some(f.headlines.len() - 1);
            }
            continue;
        }
        if BLOCK_HASH.is_match(line) || height_here || expect_height {
            continue;
        }
        if let Some(url) = URL.find(line)
            && url.as_str().len() * 2 >= line.len()
        {
            push_unique(&mut f.news_links, cut(url.as_str()));
            continue;
        }
        let idx = match source {
            Some(s) => s,
            None if f.headlines.len() < MAX_ITEMS => {
                f.headlines.push(Headlines::default());
                f.headlines.len() - 1
            }
            None => continue,
        };
        source = Some(idx);
        push_unique(&mut f.headlines[idx].items, cut(line));
    }
    for (label, url) in footnotes {
        if cited.contains(&label) {
            push_unique(&mut f.news_links, url);
        }
    }
    // A source line with no headline under it (Qubes' "Source: Blockchain.info" over its
    // hash) names the hash's source, not a feed.
    f.headlines.retain(|h| !h.items.is_empty());
    f
}

#[cfg(test)]
#[path = "freshness/tests.rs"]
mod tests;
