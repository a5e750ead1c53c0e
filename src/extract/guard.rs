//! A linear pre-pass that caps how deep elements can nest before html5ever sees the page.
//! The HTML parsing algorithm scans the stack of open elements for every block start tag
//! ("is a p in button scope?"), and selector matching walks ancestors for every candidate, so
//! 100,000 nested elements cost minutes of CPU. No real page nests this deep; a hostile one
//! must not stall the daemon.

use std::borrow::Cow;
use std::collections::HashMap;

/// Open elements allowed at once; deeper start tags (and their end tags) are dropped.
pub const MAX_DEPTH: usize = 512;

/// Elements that never have content.
fn is_void(name: &str) -> bool {
    [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param", "keygen", "frame",
    ]
    .iter()
    .any(|v| v.eq_ignore_ascii_case(name))
}

/// Elements whose end tag is optional: they close themselves and cannot pile up, and
/// counting them would drift.
fn is_self_closing_by_parser(name: &str) -> bool {
    [
        "p", "li", "dd", "dt", "option", "optgroup", "tr", "td", "th", "tbody", "thead", "tfoot",
        "colgroup", "caption", "rb", "rp", "rt", "rtc", "html", "head", "body",
    ]
    .iter()
    .any(|v| v.eq_ignore_ascii_case(name))
}

/// Elements whose content is raw text: tags inside them are not tags.
fn is_raw_text(name: &str) -> bool {
    [
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
    ]
    .iter()
    .any(|v| v.eq_ignore_ascii_case(name))
}

fn is_foreign(name: &str) -> bool {
    name.eq_ignore_ascii_case("svg") || name.eq_ignore_ascii_case("math")
}

/// Byte index of the '>' ending the tag whose name ends at `from`, skipping quoted attribute
/// values. None if the document ends first.
fn tag_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    for (k, &b) in bytes.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(k),
            None => {}
        }
    }
    None
}

/// Byte index of the `</name` closing a raw-text element, searching from `from`.
fn raw_text_end(html: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(off) = html.get(i..)?.find("</") {
        let at = i + off;
        let candidate = bytes.get(at + 2..at + 2 + name.len())?;
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

#[derive(Default)]
struct Count {
    open: usize,
    dropped: usize,
}

/// `html` with start tags beyond [`MAX_DEPTH`] open elements removed, with their matching end
/// tags. Depth is counted per element name, which can only overestimate what the parser has
/// open (it closes some elements implicitly), never underestimate it; comments and raw-text
/// content (scripts, styles) are not counted.
pub fn cap_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    let mut counts: HashMap<String, Count> = HashMap::new();
    let mut total = 0usize;
    let mut foreign = 0usize;
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut i = 0usize;
    while let Some(off) = html[i..].find('<') {
        let lt = i + off;
        if html[lt..].starts_with("<!--") {
            match html[lt + 4..].find("-->") {
                Some(e) => {
                    i = lt + 4 + e + 3;
                    continue;
                }
                None => break,
            }
        }
        let closing = bytes.get(lt + 1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 {
            i = lt + 1;
            continue;
        }
        let name_end = name_start + name_len;
        let name = &html[name_start..name_end];
        let Some(end) = tag_end(bytes, name_end) else {
            break;
        };
        i = end + 1;
        if !closing && is_raw_text(name) {
            match raw_text_end(html, i, name) {
                Some(e) => {
                    i = e;
                    continue;
                }
                None => break,
            }
        }
        if is_void(name) || is_self_closing_by_parser(name) {
            continue;
        }
        // "<x/>" closes itself only inside SVG or MathML; in HTML it stays open.
        if !closing && foreign > 0 && bytes[end - 1] == b'/' {
            continue;
        }
        let count = counts.entry(name.to_ascii_lowercase()).or_default();
        let drop = if closing {
            if count.dropped > 0 {
                count.dropped -= 1;
                true
            } else {
                if count.open > 0 {
                    count.open -= 1;
                    total -= 1;
                    foreign -= usize::from(is_foreign(name) && foreign > 0);
                }
                false
            }
        } else if total >= MAX_DEPTH {
            count.dropped += 1;
            true
        } else {
            count.open += 1;
            total += 1;
            foreign += usize::from(is_foreign(name));
            false
        };
        if drop {
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
            buf.push_str(&html[copied..lt]);
            // A space keeps the words either side of the dropped tag apart.
            buf.push(' ');
            copied = end + 1;
        }
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&html[copied..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(html),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<div class=\"a>b\"><ul><li>x<li>y</ul><p>z</p></div><DIV>Q</DIV><br/><div/>";
        assert!(matches!(cap_nesting(page), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_capped_symmetrically() {
        let depth = 2_000;
        let html = format!(
            "{}<p>deep</p>{}<p>after</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let capped = cap_nesting(&html);
        assert_eq!(capped.matches("<div>").count(), MAX_DEPTH);
        assert_eq!(capped.matches("</div>").count(), MAX_DEPTH);
        assert!(capped.contains("<p>deep</p>") && capped.ends_with("<p>after</p>"));
    }

    #[test]
    fn stray_end_tags_cannot_reset_the_count() {
        // The parser ignores "</section>" with no open section; it must not let divs pile up.
        let html = "<div></section>".repeat(2_000);
        assert_eq!(cap_nesting(&html).matches("<div>").count(), MAX_DEPTH);
    }

    #[test]
    fn inline_nesting_is_capped_too() {
        let html = format!("{}x{}", "<span>".repeat(2_000), "</span>".repeat(2_000));
        let capped = cap_nesting(&html);
        assert_eq!(capped.matches("<span>").count(), MAX_DEPTH);
        assert_eq!(capped.matches("</span>").count(), MAX_DEPTH);
    }

    #[test]
    fn scripts_comments_void_and_optional_end_tags_are_not_counted() {
        let script = format!("<script>var t = '{}';</script>", "<div>".repeat(2_000));
        let comment = format!("<!-- {} -->", "<div>".repeat(2_000));
        let items = "<li>item<p>para<br><img src=x>".repeat(2_000);
        let svg = format!("<svg>{}</svg>", "<path d=\"M0\"/>".repeat(2_000));
        for page in [script, comment, items, svg] {
            let page = format!("{page}<div><div>kept</div></div>");
            assert!(
                matches!(cap_nesting(&page), Cow::Borrowed(_)),
                "{}",
                &page[..40]
            );
        }
    }

    #[test]
    fn unterminated_tag_stops_cleanly() {
        let html = format!("{}<div class=\"never closed", "<div>".repeat(10));
        assert_eq!(cap_nesting(&html), html.as_str());
    }
}
