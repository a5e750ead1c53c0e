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
pub(crate) enum Order {
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
    pub(crate) fn as_str(self) -> &'static str {
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
pub(crate) struct FollowRule {
    /// Matched (unanchored, as written) against each resolved absolute link.
    pub(crate) pattern: Regex,
    /// `None`: number if the pattern has a capture group that reads as a number for every
    /// candidate, else date if every candidate has one, else position.
    pub(crate) order: Option<Order>,
}

/// A calendar date as far as a link gives it: a bare year has month and day 0, so it sorts
/// before every full date of that year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct LinkDate {
    pub(crate) year: u16,
    pub(crate) month: u8,
    pub(crate) day: u8,
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
pub(crate) enum FollowKey {
    Number(u64),
    Date(LinkDate),
    /// Zero-based position among the matching links; only meaningful within one page.
    Position(usize),
}

impl FollowKey {
    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub(crate) fn order(&self) -> Order {
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

/// The document picked from an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Followed {
    /// Absolute, without fragment.
    pub(crate) url: Url,
    pub(crate) order_used: Order,
    pub(crate) key: FollowKey,
    /// For people: "newest of 12 matching links by number (47)".
    pub(crate) reason: String,
    /// How many distinct links matched the pattern (and had a key for the order used).
    pub(crate) candidates: usize,
}

/// Picks the newest document of the series from an index page, or `None` when no link matches
/// (or, with an explicit order, no matching link has a key for it).
///
/// Links are every `<a href>` of an HTML page (resolved against `<base href>` if there is one,
/// else `index_url`), or every absolute `http(s)://` URL in a text page. Fragments are dropped,
/// duplicates keep their first position, and the index page itself never counts.
pub(crate) fn pick(
    index_body: &str,
    is_html: bool,
    index_url: &Url,
    rule: &FollowRule,
) -> Option<Followed> {
    let links = if is_html {
        html_links(index_body, index_url)
    } else {
        text_links(index_body)
    };
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
pub(crate) fn compare(new: &FollowKey, previous: &FollowKey) -> Option<Ordering> {
    match (new, previous) {
        (FollowKey::Number(a), FollowKey::Number(b)) => Some(a.cmp(b)),
        (FollowKey::Date(a), FollowKey::Date(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// True when the newly picked document is older than the one followed before — the series
/// went backwards (a newer document was taken down, or the index was rolled back).
/// Incomparable keys (see [`compare`]) are never "older".
pub(crate) fn is_older(new: &Followed, previous_key: &FollowKey) -> bool {
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
    while let Some(found) = next_scheme(&lower[from..]) {
        let start = from + found;
        let rest = &body[start..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(rest.len());
        let mut token = &rest[..end];
        loop {
            let trimmed = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            let unbalanced = (trimmed.ends_with(')') && !trimmed.contains('('))
                || (trimmed.ends_with(']') && !trimmed.contains('['));
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

fn next_scheme(lower: &str) -> Option<usize> {
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
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
mod tests {
    use super::*;

    #[test]
    fn a_github_viewer_link_is_followed_as_the_raw_file() {
        let index = Url::parse("https://www.qubes-os.org/security/canary/").expect("url");
        let body = r#"<ul>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-046-2026.txt">046</a></li>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-047-2026.txt">047</a></li>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-047-2026.txt.sig.simon">sig</a></li>
        </ul>"#;
        let rule = FollowRule {
            pattern: regex::Regex::new(r"canary-(\d+)-\d+\.txt$").expect("regex"),
            order: None,
        };
        let f = pick(body, true, &index, &rule).expect("followed");
        assert_eq!(
            f.url.as_str(),
            "https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-047-2026.txt"
        );
        assert!(f.reason.contains("raw file"), "{}", f.reason);
        // Other links are followed as they are.
        let plain = Url::parse("https://example.org/blob/x/canary-1-2026.txt").expect("url");
        assert_eq!(raw_file(&plain), None);
    }

    /// The list as qubes-os.org renders it (its documentation's template: a table, newest row
    /// first, an anchor link per row, a link to the file viewer under `blob/master`, the
    /// number zero-padded and the year changing along the list).
    #[test]
    fn the_published_qubes_table_gives_the_newest_canary_as_its_raw_file() {
        let index = Url::parse("https://www.qubes-os.org/security/canary/").expect("url");
        let mut body = String::from(
            "<h2>Full list</h2><table><tr><th title=\"Anchor Link\"><span class=\"fa fa-link\"></span></th><th>Date</th><th>Canary</th></tr>",
        );
        for (n, date) in [
            ("047", "2026-03-05"),
            ("046", "2025-12-02"),
            ("045", "2025-09-04"),
            ("009", "2016-08-25"),
        ] {
            body.push_str(&format!(
                "<tr id=\"{n}\"><td><a href=\"#{n}\" class=\"fa fa-link black-icon\" title=\"Anchor link to Qubes Canary row: Qubes Canary #{n}\"></a></td>\
                 <td>{date}</td><td><a href=\"https://github.com/QubesOS/qubes-secpack/blob/master/canaries/canary-{n}-{}.txt\">Qubes Canary #{n}</a></td></tr>",
                &date[..4]
            ));
        }
        body.push_str("</table><a href=\"/security/pack/\">Qubes security pack</a>");
        // The shipped watchlist's rule, verbatim.
        let rule = FollowRule {
            pattern: regex::Regex::new(r"canary-(\d+)-\d+\.txt$").expect("regex"),
            order: None,
        };
        let f = pick(&body, true, &index, &rule).expect("followed");
        assert_eq!(
            f.url.as_str(),
            "https://raw.githubusercontent.com/QubesOS/qubes-secpack/master/canaries/canary-047-2026.txt"
        );
        // The evidence record says why this one: its number.
        assert!(f.reason.contains("47"), "{}", f.reason);
    }

    fn rule(pattern: &str, order: Option<Order>) -> FollowRule {
        FollowRule {
            pattern: Regex::new(pattern).unwrap(),
            order,
        }
    }

    fn qubes_index() -> Url {
        Url::parse("https://www.qubes-os.org/security/canary/").unwrap()
    }

    fn qubes_page(numbers: &[u32]) -> String {
        let mut html = String::from(
            "<html><body><a href=\"#top\">top</a><a href=\"/security/canary/\">index</a>\
             <a href=\"https://www.qubes-os.org/\">home</a><ul>",
        );
        for n in numbers {
            // Unpadded numbers, alternately relative and absolute, each with its signatures.
            if n % 2 == 0 {
                html.push_str(&format!(
                    "<li><a href=\"https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-{n}-2026.txt\">Canary {n}</a> \
                     <a href=\"https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-{n}-2026.txt.sig.marmarek\">sig</a></li>"
                ));
            } else {
                html.push_str(&format!(
                    "<li><a href=\"canary-{n}-2026.txt\">Canary {n}</a> \
                     <a href=\"canary-{n}-2026.txt.sig.marmarek\">sig</a> \
                     <a href=\"canary-{n}-2026.txt#top\">again</a></li>"
                ));
            }
        }
        html.push_str("</ul></body></html>");
        html
    }

    #[test]
    fn numbered_links_unpadded_pick_numerically() {
        // Shuffled so that neither page order nor string order would give 12.
        let page = qubes_page(&[3, 9, 12, 1, 10, 2, 11, 4, 5, 6, 7, 8]);
        let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
        let f = pick(&page, true, &qubes_index(), &rule).unwrap();
        assert_eq!(
            f.url.as_str(),
            "https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-12-2026.txt"
        );
        assert_eq!(f.order_used, Order::Number);
        assert_eq!(f.key, FollowKey::Number(12));
        assert_eq!(f.key.order(), f.order_used);
        assert_eq!(f.candidates, 12);
        assert_eq!(f.reason, "newest of 12 matching links by number (12)");
    }

    #[test]
    fn relative_links_resolve_against_the_index() {
        let page = qubes_page(&[45, 47, 46]);
        let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
        let f = pick(&page, true, &qubes_index(), &rule).unwrap();
        assert_eq!(
            f.url.as_str(),
            "https://www.qubes-os.org/security/canary/canary-47-2026.txt"
        );
        // The `#top` duplicate of 47 and 45 is not counted twice; signatures do not match.
        assert_eq!(f.candidates, 3);
    }

    #[test]
    fn zero_padded_numbers_read_as_numbers() {
        let page = r#"<a href="canary-047-2026.txt">47</a><a href="canary-047-2026.txt.sig.marmarek">s</a>
            <a href="canary-046-2026.txt">46</a><a href="canary-100-2027.txt">100</a>"#;
        let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
        let f = pick(page, true, &qubes_index(), &rule).unwrap();
        assert_eq!(f.key, FollowKey::Number(100));
        assert_eq!(f.key.to_string(), "100");
    }

    #[test]
    fn base_href_is_honoured() {
        let page = r#"<head><base href="https://mirror.example/c/"></head><a href="canary-3-2026.txt">x</a>"#;
        let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
        let f = pick(page, true, &qubes_index(), &rule).unwrap();
        assert_eq!(f.url.as_str(), "https://mirror.example/c/canary-3-2026.txt");
    }

    #[test]
    fn date_ordering() {
        let page = r#"
            <a href="/canary/2025-12-01.txt">Dec</a>
            <a href="/canary/2026-03-01.txt">Mar</a>
            <a href="/canary/2026-01-15.txt">Jan</a>
            <a href="/canary/latest.html">latest</a>"#;
        let index = Url::parse("https://example.org/canary/").unwrap();
        let rule = rule(r"/canary/.*\.txt$", None);
        let f = pick(page, true, &index, &rule).unwrap();
        assert_eq!(f.url.as_str(), "https://example.org/canary/2026-03-01.txt");
        assert_eq!(f.order_used, Order::Date);
        assert_eq!(f.key.to_string(), "2026-03-01");
        assert_eq!(f.reason, "newest of 3 matching links by date (2026-03-01)");
    }

    #[test]
    fn year_only_dates_order_by_year() {
        let page = "<a href='canary-2024.asc'>a</a><a href='canary-2026.asc'>b</a><a href='canary-2025.asc'>c</a>";
        let index = Url::parse("https://example.org/").unwrap();
        let f = pick(page, true, &index, &rule(r"canary-\d+\.asc$", None)).unwrap();
        assert_eq!(f.url.as_str(), "https://example.org/canary-2026.asc");
        assert_eq!(f.key.to_string(), "2026");
        assert_eq!(f.reason, "newest of 3 matching links by date (2026)");
    }

    #[test]
    fn tied_keys_go_to_the_later_link_and_say_so() {
        let page =
            "<a href='c-2026-a.txt'>a</a><a href='c-2026-b.txt'>b</a><a href='c-2025.txt'>c</a>";
        let index = Url::parse("https://example.org/").unwrap();
        let f = pick(page, true, &index, &rule(r"c-.*\.txt$", None)).unwrap();
        assert_eq!(f.url.as_str(), "https://example.org/c-2026-b.txt");
        assert_eq!(
            f.reason,
            "newest of 3 matching links by date (2026; 2 tied, the last on the page wins)"
        );
    }

    #[test]
    fn position_ordering_last_wins() {
        let page = r#"<a href="canary-b.txt">b</a><a href="canary-a.txt">a</a><a href="canary-c.txt">c</a><a href="canary-a.txt">a again</a>"#;
        let index = Url::parse("https://example.org/").unwrap();
        let f = pick(page, true, &index, &rule(r"canary-[a-z]\.txt$", None)).unwrap();
        assert_eq!(f.order_used, Order::Position);
        assert_eq!(f.url.as_str(), "https://example.org/canary-c.txt");
        assert_eq!(f.key, FollowKey::Position(2));
        assert_eq!(f.reason, "last of 3 matching links on the page");
    }

    #[test]
    fn explicit_order_overrides_automatic_choice() {
        let page = qubes_page(&[9, 10, 2]);
        let rule = rule(r"canary-(\d+)-\d+\.txt$", Some(Order::Position));
        let f = pick(&page, true, &qubes_index(), &rule).unwrap();
        assert!(f.url.as_str().ends_with("canary-2-2026.txt"));
    }

    #[test]
    fn explicit_number_without_group_uses_first_digits_of_match() {
        let page = "<a href='r9.txt'>a</a><a href='r10.txt'>b</a><a href='rx.txt'>c</a>";
        let index = Url::parse("https://example.org/").unwrap();
        let f = pick(
            page,
            true,
            &index,
            &rule(r"r\w+\.txt$", Some(Order::Number)),
        )
        .unwrap();
        assert_eq!(f.url.as_str(), "https://example.org/r10.txt");
        // The link without a number has no key and is not a candidate.
        assert_eq!(f.candidates, 2);
    }

    #[test]
    fn unparsable_group_falls_back_to_date_then_position() {
        let page = "<a href='c-x-2025-01-01.txt'>a</a><a href='c-1-2024-01-01.txt'>b</a>";
        let index = Url::parse("https://example.org/").unwrap();
        let f = pick(page, true, &index, &rule(r"c-(\w+)-.*\.txt$", None)).unwrap();
        assert_eq!(f.order_used, Order::Date);
        assert!(f.url.as_str().ends_with("c-x-2025-01-01.txt"));
    }

    #[test]
    fn no_match_is_none() {
        let page = qubes_page(&[1, 2]);
        let rule = rule(r"warrant-(\d+)\.txt$", None);
        assert_eq!(pick(&page, true, &qubes_index(), &rule), None);
        assert_eq!(pick("", true, &qubes_index(), &rule), None);
        assert_eq!(pick("", false, &qubes_index(), &rule), None);
    }

    #[test]
    fn the_index_itself_and_fragments_never_match() {
        let page = "<a href='#canary'>x</a><a href='./'>y</a>";
        let rule = rule(r"canary", None);
        assert_eq!(pick(page, true, &qubes_index(), &rule), None);
    }

    #[test]
    fn text_index_finds_absolute_urls_only() {
        let body = "Canaries:\n\
            https://example.org/c/canary-9.txt (September)\n\
            see <https://example.org/c/canary-10.txt>.\n\
            canary-11.txt is relative and ignored\n\
            \"https://example.org/c/canary-8.txt\", and https://example.org/c/canary-10.txt.sig\n";
        let index = Url::parse("https://example.org/c/index.txt").unwrap();
        let f = pick(body, false, &index, &rule(r"canary-(\d+)\.txt$", None)).unwrap();
        assert_eq!(f.url.as_str(), "https://example.org/c/canary-10.txt");
        assert_eq!(f.candidates, 3);
    }

    #[test]
    fn text_links_trim_punctuation() {
        let links = text_links("(see https://a.example/x.txt), HTTPS://B.example/y.txt; done");
        let got: Vec<&str> = links.iter().map(Url::as_str).collect();
        assert_eq!(got, ["https://a.example/x.txt", "https://b.example/y.txt"]);
    }

    #[test]
    fn older_newer_and_incomparable() {
        let page = qubes_page(&[46]);
        let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
        let f = pick(&page, true, &qubes_index(), &rule).unwrap();
        assert!(is_older(&f, &FollowKey::Number(47)));
        assert!(!is_older(&f, &FollowKey::Number(46)));
        assert!(!is_older(&f, &FollowKey::Number(10)));
        assert!(!is_older(&f, &FollowKey::Position(100)));
        let old = FollowKey::Date(parse_link_date("2026-01-01").unwrap());
        let new = FollowKey::Date(parse_link_date("2026").unwrap());
        assert_eq!(compare(&new, &old), Some(Ordering::Less));
        assert_eq!(
            compare(&FollowKey::Position(1), &FollowKey::Position(0)),
            None
        );
    }

    #[test]
    fn follow_key_round_trips_through_json() {
        for key in [
            FollowKey::Number(47),
            FollowKey::Date(parse_link_date("x-2026-03-01").unwrap()),
            FollowKey::Date(parse_link_date("x-2026.txt").unwrap()),
            FollowKey::Position(3),
        ] {
            let json = serde_json::to_string(&key).unwrap();
            assert_eq!(serde_json::from_str::<FollowKey>(&json).unwrap(), key);
        }
        assert_eq!(
            serde_json::to_string(&FollowKey::Number(47)).unwrap(),
            r#"{"order":"number","value":47}"#
        );
        assert_eq!(
            serde_json::to_string(&FollowKey::Date(parse_link_date("2026-03-01").unwrap()))
                .unwrap(),
            r#"{"order":"date","value":"2026-03-01"}"#
        );
        assert!(serde_json::from_str::<FollowKey>(r#"{"order":"date","value":"soon"}"#).is_err());
    }

    #[test]
    fn link_dates() {
        assert_eq!(
            parse_link_date("a/2026-13-01/b-2025-02-03.txt").map(|d| d.to_string()),
            Some("2025-02-03".into())
        );
        assert_eq!(parse_link_date("12026-01-01"), None);
        assert_eq!(parse_link_date("v1.2.3"), None);
        assert_eq!(
            parse_link_date("canary-047-2026.txt").map(|d| d.to_string()),
            Some("2026".into())
        );
    }
}
