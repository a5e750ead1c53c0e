//! A linear pre-pass that caps how deep elements can nest before html5ever sees the page.
//! The HTML parsing algorithm scans the stack of open elements for every block start tag
//! ("is a p in button scope?"), and selector matching walks ancestors for every candidate, so
//! 100,000 nested elements cost minutes of CPU. No real page nests this deep; a hostile one
//! must not stall the daemon. Like browsers, which stop nesting at 512 too, the guard keeps
//! every element and its text: past the cap an element opens beside the innermost one
//! instead of inside it, so a canary buried under thousands of `<div>`s keeps its `id`.

use std::borrow::Cow;
use std::collections::HashMap;

/// Open elements allowed at once; past it, the innermost is closed before the next opens.
pub const MAX_DEPTH: usize = 512;

/// What a tag's name tells the guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Never has content (`br`, `img`…).
    Void,
    /// Its end tag is optional: it closes itself and cannot pile up, and counting it
    /// would drift (`p`, `li`, `td`…).
    ClosedByParser,
    /// Its content is raw text: tags inside it are not tags (`script`, `style`…).
    RawText,
    Other,
}

/// Every tag of the page is classified, so this is one match on the lower-cased name
/// rather than a scan of three lists.
fn class(name: &str) -> Class {
    // The longest name below has 8 letters; a longer one is none of them.
    let mut lower = [0u8; 8];
    let Some(buf) = lower.get_mut(..name.len()) else {
        return Class::Other;
    };
    buf.copy_from_slice(name.as_bytes());
    buf.make_ascii_lowercase();
    match &*buf {
        b"area" | b"base" | b"br" | b"col" | b"embed" | b"hr" | b"img" | b"input" | b"link"
        | b"meta" | b"source" | b"track" | b"wbr" | b"param" | b"keygen" | b"frame" => Class::Void,
        b"p" | b"li" | b"dd" | b"dt" | b"option" | b"optgroup" | b"tr" | b"td" | b"th"
        | b"tbody" | b"thead" | b"tfoot" | b"colgroup" | b"caption" | b"rb" | b"rp" | b"rt"
        | b"rtc" | b"html" | b"head" | b"body" => Class::ClosedByParser,
        b"script" | b"style" | b"textarea" | b"title" | b"xmp" | b"iframe" | b"noembed"
        | b"noframes" | b"noscript" => Class::RawText,
        _ => Class::Other,
    }
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

/// `html` with its nesting capped at [`MAX_DEPTH`] open elements: a start tag that would go
/// deeper is preceded by an end tag for the innermost open element (so it opens beside it),
/// and that element's own end tag, when it comes, is dropped. Depth is counted per element
/// the way the page's tags say, which can only overestimate what the parser has open (it
/// closes some elements implicitly), never underestimate it; comments and raw-text content
/// (scripts, styles) are not counted.
pub fn cap_nesting(html: &str) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // Names of the open elements, innermost last, as slices of `html`.
    let mut open: Vec<&str> = Vec::new();
    // Elements closed early, by lower-case name: their real end tags are still to come.
    let mut closed_early: HashMap<String, usize> = HashMap::new();
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
        let class = class(name);
        if !closing && class == Class::RawText {
            match raw_text_end(html, i, name) {
                Some(e) => {
                    i = e;
                    continue;
                }
                None => break,
            }
        }
        if matches!(class, Class::Void | Class::ClosedByParser) {
            continue;
        }
        // "<x/>" closes itself only inside SVG or MathML; in HTML it stays open.
        if !closing && foreign > 0 && bytes[end - 1] == b'/' {
            continue;
        }
        if closing {
            let early = if closed_early.is_empty() {
                None
            } else {
                closed_early
                    .get_mut(&name.to_ascii_lowercase())
                    .filter(|n| **n > 0)
            };
            if let Some(n) = early {
                // Its element was closed when the cap was reached: this tag is spent.
                *n -= 1;
                let buf = out.get_or_insert_with(|| String::with_capacity(html.len()));
                buf.push_str(&html[copied..lt]);
                // A space keeps the words either side of the dropped tag apart.
                buf.push(' ');
                copied = end + 1;
            } else if let Some(at) = open.iter().rposition(|n| n.eq_ignore_ascii_case(name)) {
                for closed in open.drain(at..) {
                    foreign -= usize::from(is_foreign(closed) && foreign > 0);
                }
            }
            continue;
        }
        if open.len() >= MAX_DEPTH {
            let innermost = open.pop().expect("the stack is full, so not empty");
            foreign -= usize::from(is_foreign(innermost) && foreign > 0);
            *closed_early
                .entry(innermost.to_ascii_lowercase())
                .or_default() += 1;
            let buf = out.get_or_insert_with(|| String::with_capacity(html.len() + 64));
            buf.push_str(&html[copied..lt]);
            buf.push_str("</");
            buf.push_str(innermost);
            buf.push('>');
            copied = lt;
        }
        open.push(name);
        foreign += usize::from(is_foreign(name));
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
    fn tag_names_are_classified_whatever_their_case() {
        for (name, want) in [
            ("BR", Class::Void),
            ("Keygen", Class::Void),
            ("li", Class::ClosedByParser),
            ("COLGROUP", Class::ClosedByParser),
            ("Body", Class::ClosedByParser),
            ("script", Class::RawText),
            ("NoFrames", Class::RawText),
            ("TEXTAREA", Class::RawText),
            ("div", Class::Other),
            ("textareas", Class::Other),
            ("b", Class::Other),
            ("my-element", Class::Other),
        ] {
            assert_eq!(class(name), want, "{name}");
        }
    }

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<div class=\"a>b\"><ul><li>x<li>y</ul><p>z</p></div><DIV>Q</DIV><br/><div/>";
        assert!(matches!(cap_nesting(page), Cow::Borrowed(_)));
    }

    /// The deepest nesting of `name` elements in `html` (a page with only those tags).
    fn depth_of(html: &str, name: &str) -> usize {
        let (open, close) = (format!("<{name}"), format!("</{name}>"));
        let (mut depth, mut max) = (0usize, 0usize);
        let mut i = 0;
        while let Some(off) = html[i..].find('<') {
            let at = i + off;
            if html[at..].starts_with(&close) {
                depth = depth.saturating_sub(1);
            } else if html[at..].starts_with(&open) {
                depth += 1;
                max = max.max(depth);
            }
            i = at + 1;
        }
        max
    }

    #[test]
    fn deep_nesting_is_capped_and_every_element_kept() {
        let depth = 2_000;
        let html = format!(
            "{}<p>deep</p>{}<p>after</p>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let capped = cap_nesting(&html);
        assert_eq!(depth_of(&capped, "div"), MAX_DEPTH);
        assert_eq!(capped.matches("<div>").count(), depth, "no element is lost");
        assert_eq!(capped.matches("</div>").count(), depth, "balanced");
        assert!(capped.contains("<p>deep</p>") && capped.ends_with("<p>after</p>"));
    }

    #[test]
    fn a_canary_buried_past_the_cap_keeps_its_id() {
        let depth = 5_000;
        let html = format!(
            "{}<ul id=\"canary\"><li>never</li></ul>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let capped = cap_nesting(&html);
        assert!(capped.contains("<ul id=\"canary\"><li>never</li></ul>"));
        assert!(depth_of(&capped, "div") <= MAX_DEPTH);
    }

    #[test]
    fn stray_end_tags_cannot_reset_the_count() {
        // The parser ignores "</section>" with no open section; it must not let divs pile up.
        let html = "<div></section>".repeat(2_000);
        assert_eq!(depth_of(&cap_nesting(&html), "div"), MAX_DEPTH);
    }

    #[test]
    fn inline_nesting_is_capped_too() {
        let html = format!("{}x{}", "<span>".repeat(2_000), "</span>".repeat(2_000));
        let capped = cap_nesting(&html);
        assert_eq!(depth_of(&capped, "span"), MAX_DEPTH);
        assert!(capped.contains('x'));
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
