//! Cheap checks run before parsing, so a hostile page is refused instead of making the
//! parser work quadratically.

/// Elements that never have children.
fn void(tag: &str) -> bool {
    matches!(
        tag,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements whose end tag may be omitted: "<li>a<li>b" is siblings, not nesting.
fn optional_end(tag: &str) -> bool {
    matches!(
        tag,
        "li" | "p"
            | "dd"
            | "dt"
            | "tr"
            | "td"
            | "th"
            | "option"
            | "optgroup"
            | "tbody"
            | "thead"
            | "tfoot"
            | "colgroup"
            | "rt"
            | "rp"
            | "caption"
    )
}

/// An upper bound on the element nesting depth of `html`, in one linear pass over the tags.
pub fn nesting_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut max = 0usize;
    let mut i = 0;
    while let Some(off) = memchr(b'<', &bytes[i..]) {
        i += off + 1;
        if bytes[i..].starts_with(b"!--") {
            // Skip the comment.
            match find(&bytes[i..], b"-->") {
                Some(end) => i += end + 3,
                None => break,
            }
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = memchr(b'>', &bytes[name_start..]).map(|e| name_start + e);
        let self_closing = tag_end.is_some_and(|e| e > 0 && bytes[e - 1] == b'/');
        if closing {
            if !void(&name) && !optional_end(&name) {
                depth = depth.saturating_sub(1);
            }
        } else if !void(&name) && !optional_end(&name) && !self_closing {
            depth += 1;
            max = max.max(depth);
            if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
                // Raw text: skip to the end tag so its content is not read as tags.
                let close = format!("</{name}");
                match find_ci(&bytes[i..], close.as_bytes()) {
                    Some(end) => i += end,
                    None => break,
                }
            }
        }
    }
    max
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|b| *b == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_real_nesting_only() {
        assert_eq!(
            nesting_depth("<html><body><div><p>x</p></div></body></html>"),
            3
        );
        assert_eq!(
            nesting_depth(&"<li>item".repeat(10_000)),
            0,
            "unclosed li are siblings"
        );
        assert_eq!(nesting_depth("<div><br><img src=x><input/></div>"), 1);
        assert_eq!(
            nesting_depth("<script>if (a<b) { '<div><div>' }</script><div></div>"),
            1
        );
        assert_eq!(nesting_depth("<!-- <div><div><div> --><div></div>"), 1);
        assert_eq!(nesting_depth(&"<div>".repeat(100_000)), 100_000);
    }
}
