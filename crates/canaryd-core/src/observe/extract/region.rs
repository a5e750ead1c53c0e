//! The element a `#id …` selector starts from, cut out of the page so that only it is parsed
//! into a tree, when the page is written so plainly that the cut parses exactly as it does
//! inside the whole page. Every other page is parsed whole, as before.
//!
//! The argument (tested, below, rather than proven): html5ever builds the subtree of an element from the tokens between its start
//! and end tags, and looks outside them only through the elements open around it (scopes,
//! the form pointer, the list of active formatting elements, the insertion mode) and the
//! document's quirks mode. A page qualifies when, up to the end of that element:
//! * it is in no-quirks mode (`<!DOCTYPE html>` first), as a fragment parse is;
//! * every element is closed by its own end tag, in order (lol_html reports an element
//!   closed by another's end tag, which is how implied end tags show), and no non-void HTML
//!   element is written self-closing, so the parser has open at most what the tags say (it
//!   may close a `<p>` early, never keep open what the tags closed);
//! * the elements around the one cut are plain containers ([`AROUND`]): no table, form,
//!   button, select, template, heading, ruby, foreign content or formatting element that
//!   a tag inside could reach, reopen or be foster-parented by;
//! * the element cut closes any open `<p>` and is "special" ([`CUT`]), so no scope search
//!   from inside it reaches past it; a `<li>`, `<dd>` or `<dt>` inside it is the child of
//!   its own list ([`in_own_list`]);
//! * exactly one element has the id, and no id is written with a character reference.
//!
//! The tests compare this path with the whole-page parse on generated pages mixing every
//! construct above, and `fuzz/` does the same on arbitrary input.

use std::cell::RefCell;
use std::rc::Rc;

use lol_html::html_content::{Element, EndTag};
use lol_html::{HtmlRewriter, Settings, element};

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

const HTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// `<li>` is built inside its own list, `<dd>` and `<dt>` inside theirs: an item whose
/// parent is anything else makes the parser search the open elements for an item to close,
/// past the element cut.
fn in_own_list(tag: &str, parent: Option<&str>) -> bool {
    match tag {
        "li" => matches!(parent, Some("ul" | "ol" | "menu")),
        "dd" | "dt" => parent == Some("dl"),
        _ => true,
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
enum Phase {
    /// Before the element with the id.
    Before,
    /// Inside it: its start tag's first byte, and how many elements were open around it.
    Inside { start: usize, depth: usize },
    /// After it: its bytes.
    After { start: usize, end: usize },
}

struct Scan {
    id: String,
    /// Open elements by the page's tags, innermost last, with their namespace being HTML.
    open: Vec<(String, bool)>,
    phase: Phase,
}

impl Scan {
    fn start(&mut self, el: &Element<'_, '_>) -> bool {
        if let Phase::After { .. } = self.phase {
            // Past the cut only a second element with the id matters.
            return el
                .get_attribute("id")
                .is_none_or(|id| !id.contains('&') && id != self.id);
        }
        let tag = el.tag_name();
        let html = el.namespace_uri() == HTML_NS;
        if NEVER.contains(&tag.as_str()) {
            return false;
        }
        if let Some(id) = el.get_attribute("id") {
            if id.contains('&') {
                return false;
            }
            if id == self.id {
                if !matches!(self.phase, Phase::Before) {
                    return false;
                }
                let around = self
                    .open
                    .iter()
                    .all(|(t, h)| *h && AROUND.contains(&t.as_str()));
                if !(around && html && CUT.contains(&tag.as_str()) && el.can_have_content()) {
                    return false;
                }
                self.phase = Phase::Inside {
                    start: el.source_location().bytes().start,
                    depth: self.open.len(),
                };
            }
        }
        if let Phase::Inside { depth, .. } = self.phase
            && self.open.len() > depth
        {
            let parent = self.open.last().map(|(t, _)| t.as_str());
            if matches!(tag.as_str(), "html" | "head" | "body") || !in_own_list(&tag, parent) {
                return false;
            }
        }
        if el.can_have_content() {
            if html && el.is_self_closing() {
                return false;
            }
            self.open.push((tag, html));
        }
        true
    }

    /// `name` ended the innermost open element: fine only if it is that element's own end tag.
    fn end(&mut self, name: &str, end: usize) -> bool {
        if let Phase::After { .. } = self.phase {
            // An element open around the cut closed by another's end tag after it: the parser
            // had closed it earlier still, which changes nothing inside the cut.
            return true;
        }
        let Some((tag, _)) = self.open.pop() else {
            return false;
        };
        if !tag.eq_ignore_ascii_case(name) {
            return false;
        }
        if let Phase::Inside { start, depth } = self.phase
            && self.open.len() == depth
        {
            self.phase = Phase::After { start, end };
        }
        true
    }
}

/// Stops the scan: the page is parsed whole.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the page is parsed whole")
    }
}

impl std::error::Error for Refused {}

/// The bytes of the one element with `id` in `body`, its start tag to its end tag, when
/// parsing them alone builds the same subtree as parsing `body` (see the module's
/// conditions); None to parse `body` whole.
pub(crate) fn cut<'b>(body: &'b str, id: &str) -> Option<&'b str> {
    if !no_quirks(body) {
        return None;
    }
    let scan = Rc::new(RefCell::new(Scan {
        id: id.to_string(),
        open: Vec::new(),
        phase: Phase::Before,
    }));
    let handler_scan = Rc::clone(&scan);
    let mut rewriter = HtmlRewriter::new(
        Settings {
            element_content_handlers: vec![element!("*", move |el| {
                let mut state = handler_scan.borrow_mut();
                if !state.start(el) {
                    return Err(Box::new(Refused));
                }
                let past = matches!(state.phase, Phase::After { .. });
                drop(state);
                if past {
                    return Ok(());
                }
                if let Some(handlers) = el.end_tag_handlers() {
                    let scan = Rc::clone(&handler_scan);
                    handlers.push(Box::new(move |end: &mut EndTag<'_>| {
                        let at = end.source_location().bytes().end;
                        if scan.borrow_mut().end(&end.name(), at) {
                            Ok(())
                        } else {
                            Err(Box::new(Refused))
                        }
                    }));
                }
                Ok(())
            })],
            ..Settings::new()
        },
        |_: &[u8]| {},
    );
    let read = rewriter
        .write(body.as_bytes())
        .and_then(|()| rewriter.end());
    // A handler's refusal stops lol_html and comes back as its error.
    if read.is_err() {
        return None;
    }
    match scan.borrow().phase {
        Phase::After { start, end } => body.get(start..end),
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
