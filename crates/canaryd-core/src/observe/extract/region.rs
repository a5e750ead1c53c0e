//! The element a `#id …` selector starts from, cut out of the page so that only it is parsed
//! into a tree, when the page is written so plainly that the cut parses exactly as it does
//! inside the whole page. Every other page is parsed whole, as before.
//!
//! The argument (tested, below, rather than proven): html5ever builds the subtree of an element from the tokens between its start
//! and end tags, and looks outside them only through the elements open around it (scopes,
//! the form pointer, the list of active formatting elements, the insertion mode) and the
//! document's quirks mode. A page qualifies when, up to the end of that element:
//! * it is in no-quirks mode (`<!DOCTYPE html>` first), as a fragment parse is;
//! * every element is closed by its own end tag, in order (an end tag that would close
//!   elements above its own is how implied end tags show; an end tag no open element has is
//!   dropped, as the parser drops it), and no non-void HTML element is written
//!   self-closing, so the parser has open at most what the tags say (it may close a `<p>`
//!   early, never keep open what the tags closed);
//! * the elements around the one cut are plain containers ([`AROUND`]): no table, form,
//!   button, select, template, heading, ruby, foreign content or formatting element that
//!   a tag inside could reach, reopen or be foster-parented by;
//! * the element cut closes any open `<p>` and is "special" ([`CUT`]), so no scope search
//!   from inside it reaches past it; a `<li>`, `<dd>` or `<dt>` inside it is the child of
//!   its own list ([`in_own_list`]);
//! * exactly one element has the id, and no id is written with a character reference;
//! * no more elements are open at once than the nesting guard allows (`guard::MAX_DEPTH`):
//!   the page is read here as written, and only the element cut goes through the guard.
//!
//! The tags are read by [`tokens`] (the tokenizer's rules, no tree); the tree builder's part
//! in reading them, which element's text is raw and which tags are foreign, is followed
//! here as far as it is certain, and every construct where it is not (a tag inside an
//! integration point, a tag that breaks out of SVG, a raw-text tag after a `<select>`)
//! refuses.
//!
//! The tests compare this path with the whole-page parse on generated pages mixing every
//! construct above, and `fuzz/` does the same on arbitrary input.

mod tokens;

use tokens::{Refused, Tag, Tokens};

/// Elements that may be open around the element cut: none of them changes how the tags
/// inside it are built.
const AROUND: &[&str] = &[
    "html",
    "body",
    "div",
    "main",
    "article",
    "section",
    "aside",
    "header",
    "footer",
    "nav",
    "p",
    "span",
    "ul",
    "ol",
    "li",
    "dl",
    "dd",
    "dt",
    "blockquote",
    "figure",
    "figcaption",
    "center",
    "address",
    "hgroup",
    "menu",
    "dir",
    "details",
    "summary",
];

/// Elements that may be cut: their start tag closes an open `<p>` and they are "special",
/// so a scope search from inside stops at them. (`search` is both in today's standard but
/// not to every parser yet; `dialog` is not special.)
const CUT: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "header",
    "hgroup",
    "main",
    "menu",
    "nav",
    "ol",
    "section",
    "summary",
    "ul",
];

/// Tags after which nothing is read as the tags say (the rest is text, frames, or a tag
/// renamed by the parser): the page is parsed whole.
const NEVER: &[&str] = &["plaintext", "frameset", "frame", "image", "isindex"];

/// HTML elements that never have content (the parser pops them as it inserts them).
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "hr", "img", "input", "keygen",
    "link", "meta", "param", "source", "track", "wbr",
];

/// HTML elements whose content the tokenizer reads as text up to their own end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Start tags a `<select>` drops (so their text is not raw) or does not open foreign content
/// for: once a page has a `<select>`, any of them refuses rather than be guessed at.
const SELECT_DROPS: &[&str] = &[
    "style", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "svg", "math",
];

/// Start tags that end SVG or MathML content (the parser pops the foreign elements, or
/// `font` with some attributes does): inside foreign content they refuse.
const BREAKS_OUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
    "font",
];

/// Foreign elements inside which start tags are read as HTML: any start tag in them refuses.
const INTEGRATION_POINTS: &[&str] = &[
    "foreignobject",
    "desc",
    "title",
    "mi",
    "mo",
    "mn",
    "ms",
    "mtext",
    "annotation-xml",
];

/// Whether `list` holds `name`, ignoring ASCII case (names are compared as written).
fn listed(list: &[&str], name: &str) -> bool {
    list.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// `<li>` is built inside its own list, `<dd>` and `<dt>` inside theirs: an item whose
/// parent is anything else makes the parser search the open elements for an item to close,
/// past the element cut.
fn in_own_list(tag: &str, parent: Option<&str>) -> bool {
    let parent = parent.unwrap_or("");
    if tag.eq_ignore_ascii_case("li") {
        listed(&["ul", "ol", "menu"], parent)
    } else if tag.eq_ignore_ascii_case("dd") || tag.eq_ignore_ascii_case("dt") {
        parent.eq_ignore_ascii_case("dl")
    } else {
        true
    }
}

/// `<!DOCTYPE html>` (any case, any spacing) before anything but whitespace: the page is in
/// no-quirks mode, as a fragment is parsed. Other doctypes may select quirks.
fn no_quirks(body: &str) -> bool {
    let rest = body.trim_start_matches(['\u{feff}', ' ', '\t', '\n', '\r', '\u{c}']);
    let Some(head) = rest.get(..9) else {
        return false;
    };
    if !head.eq_ignore_ascii_case("<!doctype") {
        return false;
    }
    let rest = &rest[9..];
    let after = rest.trim_start_matches([' ', '\t', '\n', '\r', '\u{c}']);
    if after.len() == rest.len() {
        return false;
    }
    let Some(name) = after.get(..4) else {
        return false;
    };
    name.eq_ignore_ascii_case("html")
        && after[4..]
            .trim_start_matches([' ', '\t', '\n', '\r', '\u{c}'])
            .starts_with('>')
}

/// Where the scan is.
#[derive(Clone, Copy)]
enum Phase {
    /// Before the element with the id.
    Before,
    /// Inside it: its start tag's first byte, and how many elements were open around it.
    Inside { start: usize, depth: usize },
    /// After it: its bytes.
    After { start: usize, end: usize },
}

/// An element open by the page's tags.
struct Open<'b> {
    name: &'b str,
    html: bool,
}

struct Scan<'b, 'i> {
    id: &'i str,
    /// Innermost last.
    open: Vec<Open<'b>>,
    phase: Phase,
    select_seen: bool,
}

impl<'b> Scan<'b, '_> {
    /// A start tag: `Ok(true)` if its element's text is raw (the caller skips it).
    fn start(
        &mut self,
        name: &'b str,
        id: Option<&str>,
        self_closing: bool,
        at: usize,
    ) -> Result<bool, Refused> {
        let html = match self.open.last() {
            Some(top) if !top.html => {
                if listed(INTEGRATION_POINTS, top.name) || listed(BREAKS_OUT, name) {
                    return Err(Refused);
                }
                false
            }
            _ => !(name.eq_ignore_ascii_case("svg") || name.eq_ignore_ascii_case("math")),
        };
        let foreign_root = !html && self.open.last().is_none_or(|top| top.html);
        if (html && listed(NEVER, name))
            || (self.select_seen && (html || foreign_root) && listed(SELECT_DROPS, name))
        {
            return Err(Refused);
        }
        if html && name.eq_ignore_ascii_case("select") {
            self.select_seen = true;
        }
        if let Some(id) = id {
            if id.contains(['&', '\0']) {
                return Err(Refused);
            }
            if id == self.id {
                if !matches!(self.phase, Phase::Before) {
                    return Err(Refused);
                }
                let around = self.open.iter().all(|o| o.html && listed(AROUND, o.name));
                if !(around && html && listed(CUT, name)) {
                    return Err(Refused);
                }
                self.phase = Phase::Inside {
                    start: at,
                    depth: self.open.len(),
                };
            }
        }
        let after = matches!(self.phase, Phase::After { .. });
        if let Phase::Inside { depth, .. } = self.phase
            && self.open.len() > depth
        {
            let parent = self.open.last().map(|o| o.name);
            if listed(&["html", "head", "body"], name) || !in_own_list(name, parent) {
                return Err(Refused);
            }
        }
        let has_content = if html {
            !listed(VOID, name)
        } else {
            !self_closing
        };
        if has_content {
            // The page is read as written, before the nesting guard: nesting the guard
            // would cap is left to it (and keeps the end-tag search below bounded).
            if self.open.len() >= super::guard::MAX_DEPTH {
                return Err(Refused);
            }
            // Past the cut a self-closing `<div/>` is just an open `<div>` to the parser.
            if html && self_closing && !after {
                return Err(Refused);
            }
            self.open.push(Open { name, html });
        }
        Ok(html && listed(RAW_TEXT, name))
    }

    /// An end tag, which ends at byte `end`.
    fn end(&mut self, name: &str, end: usize) -> Result<(), Refused> {
        let Some(top) = self.open.last() else {
            // Nothing open by the tags: the parser drops it (or, for `</p>` and `</br>`,
            // makes an empty element where a fragment would make the same).
            return Ok(());
        };
        if top.name.eq_ignore_ascii_case(name) {
            self.open.pop();
            if let Phase::Inside { start, depth } = self.phase
                && self.open.len() == depth
            {
                self.phase = Phase::After { start, end };
            }
            return Ok(());
        }
        // In foreign content an end tag not of the innermost element may pop it or not
        // (scopes stop at integration points). Foreign elements are only ever innermost:
        // every start tag inside them is foreign too, or refused.
        if !top.html {
            return Err(Refused);
        }
        let below = self
            .open
            .iter()
            .rposition(|o| o.name.eq_ignore_ascii_case(name));
        match (below, self.phase) {
            // Not open by the tags: dropped, as the parser drops it.
            (None, _) => Ok(()),
            // An implied end tag before the element's end: the page is parsed whole.
            (Some(_), Phase::Before | Phase::Inside { .. }) => Err(Refused),
            // Past it, only which text is raw and what is foreign still matters, and
            // neither depends on how HTML elements were misnested.
            (Some(k), Phase::After { .. }) => {
                self.open.truncate(k);
                Ok(())
            }
        }
    }
}

/// The bytes of the one element with `id` in `body`, its start tag to its end tag, when
/// parsing them alone builds the same subtree as parsing `body` (see the module's
/// conditions); None to parse `body` whole.
pub(crate) fn cut<'b>(body: &'b str, id: &str) -> Option<&'b str> {
    if !no_quirks(body) {
        return None;
    }
    let mut scan = Scan {
        id,
        open: Vec::new(),
        phase: Phase::Before,
        select_seen: false,
    };
    let mut tokens = Tokens::new(body);
    let read = (|| -> Result<(), Refused> {
        while let Some(tag) = tokens.next_tag()? {
            match tag {
                Tag::Start {
                    name,
                    id,
                    self_closing,
                    at,
                } => {
                    if scan.start(name, id, self_closing, at)? {
                        tokens.skip_raw_text(name, name.eq_ignore_ascii_case("script"))?;
                    }
                }
                Tag::End { name, end } => scan.end(name, end)?,
            }
        }
        Ok(())
    })();
    match (read, scan.phase) {
        (Ok(()), Phase::After { start, end }) => body.get(start..end),
        _ => None,
    }
}

#[cfg(test)]
mod differential;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_standards_mode_doctype_qualifies() {
        assert!(no_quirks("<!DOCTYPE html><p>"));
        assert!(no_quirks("\n  <!doctype HTML >"));
        assert!(!no_quirks("<html><p>"));
        assert!(!no_quirks("<!-- c --><!DOCTYPE html>"));
        assert!(!no_quirks(
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
        ));
        assert!(!no_quirks("<!DOCTYPEhtml>"));
        assert!(!no_quirks("x<!DOCTYPE html>"));
    }

    #[test]
    fn nesting_the_guard_would_cap_is_left_to_the_whole_page() {
        let page = |depth: usize| {
            format!(
                "<!DOCTYPE html><body>{}<ul id=canary><li>a</li></ul>{}</body>",
                "<div>".repeat(depth),
                "</div>".repeat(depth)
            )
        };
        // With `<body>`, the list and its item, the guard's limit exactly.
        let allowed = super::super::guard::MAX_DEPTH - 3;
        assert_eq!(
            cut(&page(allowed), "canary"),
            Some("<ul id=canary><li>a</li></ul>")
        );
        assert_eq!(cut(&page(allowed + 1), "canary"), None);
        // Past the element too: the whole page is then what the guard reads.
        let after = format!("{}{}", page(1), "<div>".repeat(600));
        assert_eq!(cut(&after, "canary"), None);
    }

    #[test]
    fn the_cut_is_the_element_with_the_id() {
        let page = "<!DOCTYPE html><html><head><title>t</title></head><body><div><p>x</p>\
                    <ul id=canary><li>a</li><li>b <br> c</li></ul></div></body></html>";
        assert_eq!(
            cut(page, "canary"),
            Some("<ul id=canary><li>a</li><li>b <br> c</li></ul>")
        );
    }

    #[test]
    fn pages_the_cut_would_misread_are_parsed_whole() {
        for page in [
            // an implied end tag before the element
            "<!DOCTYPE html><ul><li>x<li>y</ul><ul id=canary><li>a</li></ul>",
            // and inside it
            "<!DOCTYPE html><ul id=canary><li>a<li>b</ul>",
            // quirks mode
            "<ul id=canary><li>a</li></ul>",
            // inside a table, a form, a formatting element, foreign content
            "<!DOCTYPE html><table><tr><td><ul id=canary><li>a</li></ul></td></tr></table>",
            "<!DOCTYPE html><form><ul id=canary><li>a</li></ul></form>",
            "<!DOCTYPE html><b><ul id=canary><li>a</li></ul></b>",
            "<!DOCTYPE html><svg><foreignObject><ul id=canary><li>a</li></ul></foreignObject></svg>",
            // two elements with the id, an id with a character reference
            "<!DOCTYPE html><ul id=canary><li>a</li></ul><div id=canary></div>",
            "<!DOCTYPE html><ul id=canary><li>a</li></ul><div id=\"c&#97;nary\"></div>",
            // an item outside its list, a self-closing div, a span cut
            "<!DOCTYPE html><div id=canary><li>a</li></div>",
            "<!DOCTYPE html><div id=canary><div/>a</div>",
            "<!DOCTYPE html><span id=canary>a</span>",
            // never closed
            "<!DOCTYPE html><ul id=canary><li>a</li>",
            // no such element
            "<!DOCTYPE html><ul id=other><li>a</li></ul>",
        ] {
            assert_eq!(cut(page, "canary"), None, "{page}");
        }
    }
}
