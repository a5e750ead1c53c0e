//! Following a series: picks the newest document of a series from the links on an index page.
//!
//! A watch with `follow = { index = "...", pattern = "...", order = "..." }` does not watch one
//! URL but the newest document linked from an index page (Qubes publishes
//! `canary-047-2026.txt`, then `canary-048-2026.txt`, …). This module is pure: the caller
//! fetches the index and hands over its body; [`pick`] returns the link to follow and the
//! ordering key that made it the newest, which the caller stores ([`FollowKey`] is serde) so
//! that the next pick can be checked with [`is_older`] — a series that goes backwards is
//! worth an alert of its own.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

use regex::Regex;
use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::words::plural;

/// How the documents of a series are put in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// The first capture group of the pattern (or, without one, the first run of digits in the
    /// matched text) read as an unsigned integer: `10` comes after `9`, `047` is 47.
    Number,
    /// The first `YYYY-MM-DD` in the link, or else the first year (`19xx`/`20xx`/`21xx`).
    Date,
    /// Where the link first appears on the page: the last one wins.
    Position,
}

impl Order {
    /// The word used in the watchlist and in reasons: "number", "date", "position".
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Number => "number",
            Order::Date => "date",
            Order::Position => "position",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `follow` rule of a watch, compiled.
#[derive(Debug, Clone)]
pub struct FollowRule {
    /// Matched (unanchored, as written) against each resolved absolute link.
    pub pattern: Regex,
    /// `None`: number if the pattern has a capture group that reads as a number for every
    /// candidate, else date if every candidate has one, else position.
    pub order: Option<Order>,
}

/// A calendar date as far as a link gives it: a bare year has month and day 0, so it sorts
/// before every full date of that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkDate {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl fmt::Display for LinkDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.month == 0 {
            write!(f, "{:04}", self.year)
        } else {
            write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
        }
    }
}

/// The ordering key of a followed document, stored in state between checks.
///
/// Serialised as `{"order": "number", "value": 47}`, `{"order": "date", "value":
/// "2026-03-01"}` or `{"order": "position", "value": 11}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "order", content = "value", rename_all = "lowercase")]
pub enum FollowKey {
    Number(u64),
    Date(LinkDate),
    /// Zero-based position among the matching links; only meaningful within one page.
    Position(usize),
}

impl FollowKey {
    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub fn order(&self) -> Order {
        match self {
            FollowKey::Number(_) => Order::Number,
            FollowKey::Date(_) => Order::Date,
            FollowKey::Position(_) => Order::Position,
        }
    }
}

impl fmt::Display for FollowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FollowKey::Number(n) => write!(f, "{n}"),
            FollowKey::Date(d) => write!(f, "{d}"),
            FollowKey::Position(p) => write!(f, "link {} on the page", p + 1),
        }
    }
}

/// Stored as its text form: `"2026-03-01"` or `"2026"`.
impl Serialize for LinkDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LinkDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match parse_link_date(&text) {
            Some(date) if date.to_string() == text => Ok(date),
            _ => Err(serde::de::Error::custom(format!(
                "not a date or year: {text:?}"
            ))),
        }
    }
}

/// Most links an index page may have: a page of canaries lists tens or hundreds; past this
/// it is not an index of a series (a site map, a hostile page) and is refused rather than
/// searched.
pub const MAX_LINKS: usize = 10_000;

/// An index page canaryd refuses to search.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the index page has more than {MAX_LINKS} links; it is not a list of canaries (point \
     `follow.index` at the page that lists the series)"
)]
pub struct TooManyLinks;

/// The document picked from an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// Absolute, without fragment.
    pub url: Url,
    pub order_used: Order,
    pub key: FollowKey,
    /// For people: "newest of 12 matching links by number (47)".
    pub reason: String,
    /// How many distinct links matched the pattern (and had a key for the order used).
    pub candidates: usize,
}

/// Picks the newest document of the series from an index page, or `None` when no link matches
/// (or, with an explicit order, no matching link has a key for it). A page with more than
/// [`MAX_LINKS`] links is refused. Linear in the page's size and its links.
///
/// Links are every `<a href>` of an HTML page (resolved against `<base href>` if there is one,
/// else `index_url`), or every absolute `http(s)://` URL in a text page. Fragments are dropped,
/// duplicates keep their first position, and the index page itself never counts.
pub fn pick(
    index_body: &str,
    is_html: bool,
    index_url: &Url,
    rule: &FollowRule,
) -> Result<Option<Followed>, TooManyLinks> {
    let links = if is_html {
        html_links(index_body, index_url)
    } else {
        text_links(index_body)
    };
    if links.len() > MAX_LINKS {
        return Err(TooManyLinks);
    }
    Ok(choose(links, index_url, rule))
}

fn choose(links: Vec<Url>, index_url: &Url, rule: &FollowRule) -> Option<Followed> {
    let mut own = index_url.clone();
    own.set_fragment(None);
    let matching: Vec<Url> = dedup(links)
        .into_iter()
        .filter(|u| *u != own && rule.pattern.is_match(u.as_str()))
        .collect();
    if matching.is_empty() {
        return None;
    }

    let order = match rule.order {
        Some(order) => order,
        None => automatic_order(&matching, &rule.pattern),
    };
    let keyed: Vec<(usize, &Url, FollowKey)> = matching
        .iter()
        .enumerate()
        .filter_map(|(i, u)| key_for(order, i, u, &rule.pattern).map(|k| (i, u, k)))
        .collect();
    let candidates = keyed.len();
    // `max_by` keeps the last of equal keys, so ties go to the later link on the page.
    let (_, url, key) = keyed
        .iter()
        .max_by(|a, b| compare_keys(&a.2, &b.2))
        .cloned()?;
    let ties = keyed.iter().filter(|k| k.2 == key).count();
    let reason = match order {
        Order::Position => format!(
            "last of {} on the page",
            plural(candidates, "matching link")
        ),
        _ if ties > 1 => format!(
            "newest of {candidates} matching links by {order} ({key}; {ties} tied, the last on \
             the page wins)"
        ),
        _ => format!(
            "newest of {} by {order} ({key})",
            plural(candidates, "matching link")
        ),
    };
    let (url, reason) = match raw_file(url) {
        Some(raw) => (
            raw,
            format!("{reason}; GitHub's file viewer link read as the raw file"),
        ),
        None => (url.clone(), reason),
    };
    Some(Followed {
        url,
        order_used: order,
        key,
        reason,
        candidates,
    })
}

/// A link to GitHub's file viewer (`github.com/OWNER/REPO/blob/REF/PATH`) is an HTML page
/// around the document; the document itself (the bytes its signatures cover) is at
/// `raw.githubusercontent.com/OWNER/REPO/REF/PATH`. Published lists of canaries kept in a
/// repository (Qubes's among them) link the viewer.
fn raw_file(url: &Url) -> Option<Url> {
    if url.host_str() != Some("github.com") {
        return None;
    }
    let parts: Vec<&str> = url.path_segments()?.collect();
    match parts.as_slice() {
        [owner, repo, "blob", rest @ ..] if rest.len() >= 2 => Url::parse(&format!(
            "https://raw.githubusercontent.com/{owner}/{repo}/{}",
            rest.join("/")
        ))
        .ok(),
        _ => None,
    }
}

/// How a newly picked key stands to the previously followed one: `None` when they cannot be
/// compared (different orders, or positions, which only mean something within one page).
pub fn compare(new: &FollowKey, previous: &FollowKey) -> Option<Ordering> {
    match (new, previous) {
        (FollowKey::Number(a), FollowKey::Number(b)) => Some(a.cmp(b)),
        (FollowKey::Date(a), FollowKey::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// True when the newly picked document is older than the one followed before — the series
/// went backwards (a newer document was taken down, or the index was rolled back).
/// Incomparable keys (see [`compare`]) are never "older".
pub fn is_older(new: &Followed, previous_key: &FollowKey) -> bool {
    compare(&new.key, previous_key) == Some(Ordering::Less)
}

fn compare_keys(a: &FollowKey, b: &FollowKey) -> Ordering {
    match (a, b) {
        (FollowKey::Position(x), FollowKey::Position(y)) => x.cmp(y),
        _ => compare(a, b).unwrap_or(Ordering::Equal),
    }
}

fn automatic_order(links: &[Url], pattern: &Regex) -> Order {
    let has_group = pattern.captures_len() > 1;
    if has_group
        && links
            .iter()
            .all(|u| group_number(u.as_str(), pattern).is_some())
    {
        Order::Number
    } else if links.iter().all(|u| parse_link_date(u.as_str()).is_some()) {
        Order::Date
    } else {
        Order::Position
    }
}

fn key_for(order: Order, position: usize, url: &Url, pattern: &Regex) -> Option<FollowKey> {
    match order {
        Order::Number => {
            let text = url.as_str();
            let n = if pattern.captures_len() > 1 {
                group_number(text, pattern)
            } else {
                pattern
                    .find(text)
                    .and_then(|m| first_digit_run(m.as_str()))
                    .and_then(|d| d.parse().ok())
            };
            n.map(FollowKey::Number)
        }
        Order::Date => parse_link_date(url.as_str()).map(FollowKey::Date),
        Order::Position => Some(FollowKey::Position(position)),
    }
}

/// The first capture group (the first that took part in the match) as an unsigned integer.
fn group_number(text: &str, pattern: &Regex) -> Option<u64> {
    let caps = pattern.captures(text)?;
    let group = caps.iter().skip(1).flatten().next()?;
    let digits = group.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn first_digit_run(text: &str) -> Option<&str> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The first `YYYY-MM-DD` (a real month and day) in `text`, or else its first plausible year:
/// four digits 1900–2199 not touching other digits.
fn parse_link_date(text: &str) -> Option<LinkDate> {
    let b = text.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(|c| c.is_ascii_digit());
    let number = |from: usize, len: usize| -> Option<u32> {
        if (from..from + len).all(digit_at) {
            text.get(from..from + len)?.parse().ok()
        } else {
            None
        }
    };
    let bounded =
        |from: usize, len: usize| (from == 0 || !digit_at(from - 1)) && !digit_at(from + len);
    // Full dates first.
    for i in 0..b.len() {
        if b.len() - i < 10 || !bounded(i, 10) {
            continue;
        }
        if b[i + 4] != b'-' || b[i + 7] != b'-' {
            continue;
        }
        if let (Some(y), Some(m), Some(d)) = (number(i, 4), number(i + 5, 2), number(i + 8, 2))
            && (1900..2200).contains(&y)
            && (1..=12).contains(&m)
            && (1..=31).contains(&d)
        {
            return Some(LinkDate {
                year: y as u16,
                month: m as u8,
                day: d as u8,
            });
        }
    }
    for i in 0..b.len() {
        if b.len() - i < 4 || !bounded(i, 4) {
            continue;
        }
        if let Some(y) = number(i, 4)
            && (1900..2200).contains(&y)
        {
            return Some(LinkDate {
                year: y as u16,
                month: 0,
                day: 0,
            });
        }
    }
    None
}

fn html_links(body: &str, index_url: &Url) -> Vec<Url> {
    let doc = Html::parse_document(body);
    let (Ok(anchors), Ok(bases)) = (Selector::parse("a[href]"), Selector::parse("base[href]"))
    else {
        return Vec::new();
    };
    let base = doc
        .select(&bases)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| index_url.join(href.trim()).ok())
        .unwrap_or_else(|| index_url.clone());
    doc.select(&anchors)
        // One past the limit is enough to refuse the page.
        .take(MAX_LINKS + 1)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| {
            let href = href.trim();
            if href.is_empty() || href.starts_with('#') {
                return None;
            }
            let url = base.join(href).ok()?;
            matches!(url.scheme(), "http" | "https").then_some(url)
        })
        .collect()
}

/// Every `http://` or `https://` URL in plain text, up to whitespace, a quote or an angle
/// bracket, without trailing sentence punctuation or an unbalanced closing bracket.
fn text_links(body: &str) -> Vec<Url> {
    let mut out = Vec::new();
    let lower = body.to_ascii_lowercase();
    let mut from = 0;
    while out.len() <= MAX_LINKS
        && let Some(found) = next_scheme(&lower[from..])
    {
        let start = from + found;
        let rest = &body[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(rest.len());
        let mut token = &rest[..end];
        // Trimming takes only closing brackets and punctuation off the end, so whether the
        // token opens a bracket is known once (not rescanned per character trimmed).
        let (opens_paren, opens_bracket) = (token.contains('('), token.contains('['));
        loop {
            let trimmed = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            let unbalanced = (trimmed.ends_with(')') && !opens_paren)
                || (trimmed.ends_with(']') && !opens_bracket);
            let trimmed = if unbalanced {
                &trimmed[..trimmed.len() - 1]
            } else {
                trimmed
            };
            if trimmed.len() == token.len() {
                break;
            }
            token = trimmed;
        }
        if let Ok(url) = Url::parse(token)
            && url.host_str().is_some()
        {
            out.push(url);
        }
        from = start + end.max(1);
    }
    out
}

/// Where the first `http://` or `https://` starts. Searching for each separately would scan
/// to the end of the page for the one that is absent, once per link: quadratic on a page of
/// many links.
fn next_scheme(lower: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&lower.as_bytes()[from..], b"http") {
        let at = from + i;
        let rest = &lower.as_bytes()[at + 4..];
        if rest.starts_with(b"://") || rest.starts_with(b"s://") {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn dedup(links: Vec<Url>) -> Vec<Url> {
    let mut seen = HashSet::new();
    links
        .into_iter()
        .map(|mut u| {
            u.set_fragment(None);
            u
        })
        .filter(|u| seen.insert(u.as_str().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests;
