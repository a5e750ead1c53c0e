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
    let mut name_buf = [0u8; 16];
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        i += off + 1;
        if bytes[i..].starts_with(b"!--") {
            match memchr::memmem::find(&bytes[i..], b"-->") {
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
        // Longer names are custom elements: they nest like any other.
        if name_len == 0 {
            continue;
        }
        let n = name_len.min(name_buf.len());
        for (dst, src) in name_buf.iter_mut().zip(&bytes[name_start..name_start + n]) {
            *dst = src.to_ascii_lowercase();
        }
        let name = std::str::from_utf8(&name_buf[..n]).unwrap_or("");
        let tag_end = memchr::memchr(b'>', &bytes[name_start..]).map(|e| name_start + e);
        let self_closing = tag_end.is_some_and(|e| e > 0 && bytes[e - 1] == b'/');
        if closing {
            if !void(name) && !optional_end(name) {
                depth = depth.saturating_sub(1);
            }
        } else if !void(name) && !optional_end(name) && !self_closing {
            depth += 1;
            max = max.max(depth);
            if matches!(name, "script" | "style" | "textarea" | "title") {
                // Raw text: skip to its end tag so its content is not read as tags.
                match raw_text_end(&bytes[i..], name.as_bytes()) {
                    Some(end) => i += end,
                    None => break,
                }
            }
        }
    }
    max
}

/// Offset of `</name` (any case) in `hay`.
fn raw_text_end(hay: &[u8], name: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(off) = memchr::memmem::find(&hay[from..], b"</") {
        let at = from + off;
        let candidate = hay.get(at + 2..at + 2 + name.len())?;
        if candidate.eq_ignore_ascii_case(name) {
            return Some(at);
        }
        from = at + 2;
    }
    None
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
