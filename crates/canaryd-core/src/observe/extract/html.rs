//! HTML pages: the leaf text blocks of a document, or of the elements a selector matched, in
//! document order. The tree is walked with an explicit stack, so any nesting depth is safe.

use std::collections::HashSet;

use scraper::{ElementRef, Html, Node, Selector};

/// Stands for `<br>` inside a block's text: paragraphs break there, list items do not. It is
/// Unicode whitespace, so cleaning turns a leftover one into a space.
pub const LINE_BREAK: char = '\u{2028}';

/// One leaf block of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block<'a> {
    /// The element the text belongs to ("p", "li", "tr", "pre", …).
    pub tag: &'a str,
    /// Raw text, `<br>` as [`LINE_BREAK`], table cells of a row joined by " | ".
    pub text: String,
    /// The list or table the item or row belongs to, for auto-detection to judge a list as a
    /// whole.
    pub group: Option<usize>,
    /// The block is its element's whole text (no block children split it).
    pub whole: bool,
}

/// Never text a reader sees as part of the page.
fn ignored(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "head"
            | "title"
            | "iframe"
            | "object"
            | "canvas"
            | "select"
            | "textarea"
    )
}

/// Page furniture that auto-detection skips (a selector may still choose it).
fn furniture(tag: &str) -> bool {
    matches!(
        tag,
        "nav" | "footer" | "form" | "button" | "menu" | "dialog"
    )
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "html"
            | "body"
            | "main"
            | "article"
            | "section"
            | "aside"
            | "header"
            | "footer"
            | "nav"
            | "div"
            | "p"
            | "blockquote"
            | "pre"
            | "address"
            | "center"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "fieldset"
            | "legend"
            | "form"
            | "hgroup"
            | "search"
            | "dialog"
            | "ul"
            | "ol"
            | "menu"
            | "dir"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "table"
            | "caption"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "td"
            | "th"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
    )
}

/// Lists and tables: their items are judged together by auto-detection.
fn is_group(tag: &str) -> bool {
    matches!(tag, "ul" | "ol" | "dl" | "menu" | "dir" | "table")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Not descended into.
    Skip,
    Break,
    /// A table row: its cells are one block.
    Row,
    /// Preformatted: one block, read later as a text canary.
    Pre,
    /// A cell inside a row.
    Cell,
    /// A block inside a row or `pre`: part of that block's text.
    Inner,
    Block,
    Inline,
    Text,
    Other,
}

struct Frame<'a> {
    tag: &'a str,
    had_block_child: bool,
}

/// The walk's state: the open blocks, the text run of the innermost one, and the lists.
struct Walker<'a, 'o> {
    auto: bool,
    out: &'o mut Vec<Block<'a>>,
    frames: Vec<Frame<'a>>,
    roles: Vec<Role>,
    run: String,
    run_has_text: bool,
    inner_depth: usize,
    groups: Vec<usize>,
    next_group: usize,
}

impl<'a> Walker<'a, '_> {
    fn role(&self, node: &'a Node, is_root: bool) -> Role {
        let Node::Element(e) = node else {
            return if matches!(node, Node::Text(_)) {
                Role::Text
            } else {
                Role::Other
            };
        };
        let tag = e.name();
        if ignored(tag) || (self.auto && !is_root && furniture(tag)) {
            Role::Skip
        } else if tag == "br" {
            Role::Break
        } else if self.inner_depth > 0 {
            match tag {
                "td" | "th" => Role::Cell,
                t if is_block(t) => Role::Inner,
                _ => Role::Inline,
            }
        } else if tag == "tr" {
            Role::Row
        } else if tag == "pre" {
            Role::Pre
        } else if is_root || is_block(tag) {
            Role::Block
        } else {
            Role::Inline
        }
    }

    /// Ends the current run as a block of the innermost open element.
    fn flush(&mut self, whole: bool) {
        if !self.run_has_text {
            self.run.clear();
            return;
        }
        let Some(frame) = self.frames.last() else {
            self.run.clear();
            return;
        };
        let group = matches!(frame.tag, "li" | "dt" | "dd" | "tr")
            .then(|| self.groups.last().copied())
            .flatten();
        self.out.push(Block {
            tag: frame.tag,
            text: std::mem::take(&mut self.run),
            group,
            whole,
        });
        self.run_has_text = false;
    }

    fn push_text(&mut self, text: &str) {
        if !self.run_has_text && text.chars().any(|c| !c.is_whitespace()) {
            self.run_has_text = true;
        }
        self.run.push_str(text);
    }

    /// Enters a node; returns whether to walk its children.
    fn enter(&mut self, node: &'a Node, is_root: bool) -> bool {
        let role = self.role(node, is_root);
        if let Node::Element(_) = node {
            self.roles.push(role);
        }
        match (role, node) {
            (Role::Text, Node::Text(t)) => self.push_text(t),
            (Role::Break, _) => {
                let c = if self.inner_depth > 0 {
                    '\n'
                } else {
                    LINE_BREAK
                };
                self.run.push(c);
            }
            (Role::Cell, _) if self.run_has_text => self.run.push_str(" | "),
            (Role::Inner, _) => self.run.push('\n'),
            (Role::Row | Role::Pre | Role::Block, Node::Element(e)) => {
                self.flush(false);
                if let Some(parent) = self.frames.last_mut() {
                    parent.had_block_child = true;
                }
                self.frames.push(Frame {
                    tag: e.name(),
                    had_block_child: false,
                });
                if role != Role::Block {
                    self.inner_depth += 1;
                }
                if is_group(e.name()) {
                    self.groups.push(self.next_group);
                    self.next_group += 1;
                }
            }
            _ => {}
        }
        !matches!(role, Role::Skip | Role::Break | Role::Text | Role::Other)
    }

    fn leave(&mut self, node: &'a Node) {
        let Node::Element(e) = node else {
            return;
        };
        let role = self
            .roles
            .pop()
            .expect("every element left was entered, pushing its role");
        match role {
            Role::Row | Role::Pre | Role::Block => {
                let whole = self.frames.last().is_some_and(|f| !f.had_block_child);
                if role != Role::Block {
                    self.inner_depth -= 1;
                }
                self.flush(whole);
                self.frames.pop();
                if is_group(e.name()) {
                    self.groups.pop();
                }
            }
            Role::Inner => self.run.push('\n'),
            _ => {}
        }
    }
}

/// Walks `root`'s subtree in document order, appending its leaf blocks to `out` and calling
/// `seen` on every element entered.
fn walk<'a>(
    root: ElementRef<'a>,
    auto: bool,
    out: &mut Vec<Block<'a>>,
    seen: &mut impl FnMut(ElementRef<'a>),
) {
    let mut w = Walker {
        auto,
        out,
        frames: Vec::new(),
        roles: Vec::new(),
        run: String::new(),
        run_has_text: false,
        inner_depth: 0,
        groups: Vec::new(),
        next_group: 0,
    };
    let root_id = root.id();
    let mut node = *root;
    let mut descend = w.enter(node.value(), true);
    seen(root);
    loop {
        if descend && let Some(child) = node.first_child() {
            node = child;
            descend = w.enter(node.value(), false);
            if let Some(e) = ElementRef::wrap(node) {
                seen(e);
            }
            continue;
        }
        // `node` is done: leave it and every ancestor it was the last child of.
        loop {
            w.leave(node.value());
            if node.id() == root_id {
                return;
            }
            if let Some(next) = node.next_sibling() {
                node = next;
                descend = w.enter(node.value(), false);
                if let Some(e) = ElementRef::wrap(node) {
                    seen(e);
                }
                break;
            }
            node = node
                .parent()
                .expect("a node below the walk's root has a parent");
        }
    }
}

/// Group ids restart in each walk; offsetting keeps them distinct across selected elements.
fn renumber(blocks: &mut [Block<'_>], offset: usize) -> usize {
    let mut max = offset;
    for b in blocks {
        if let Some(g) = b.group.as_mut() {
            *g += offset;
            max = max.max(*g + 1);
        }
    }
    max
}

/// The leaf blocks of a whole page, furniture and scripts skipped.
pub fn page_blocks(doc: &Html) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    walk(doc.root_element(), true, &mut out, &mut |_| {});
    out
}

/// The leaf blocks of every element `selector` matches, in document order. An element inside
/// an earlier match is already covered by it and is not walked again.
pub fn selected_blocks<'a>(doc: &'a Html, selector: &Selector) -> Vec<Block<'a>> {
    let matches: Vec<ElementRef<'a>> = doc.select(selector).collect();
    let matched: HashSet<_> = matches.iter().map(|e| e.id()).collect();
    let mut covered = HashSet::new();
    let mut out = Vec::new();
    let mut next_group = 0;
    for el in matches {
        if covered.contains(&el.id()) {
            continue;
        }
        let mut blocks = Vec::new();
        walk(el, false, &mut blocks, &mut |e| {
            if matched.contains(&e.id()) {
                covered.insert(e.id());
            }
        });
        next_group = renumber(&mut blocks, next_group);
        out.extend(blocks);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[Block<'_>]) -> Vec<(String, String)> {
        blocks
            .iter()
            .map(|b| {
                let t = b.text.split_whitespace().collect::<Vec<_>>().join(" ");
                (b.tag.to_string(), t)
            })
            .collect()
    }

    fn pairs(want: &[(&str, &str)]) -> Vec<(String, String)> {
        want.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn leaf_blocks_in_order_without_furniture() {
        let doc = Html::parse_document(
            "<html><head><title>T</title><script>var never = 'warrant';</script></head><body>\
             <nav><a>Home</a></nav><div>Intro <b>bold</b><p>First.</p>Tail text</div>\
             <ul><li>One <a href=#>link</a></li><li>Two<ul><li>Nested</li></ul>after</li></ul>\
             <table><tr><th>NSLs</th><td>0</td></tr></table>\
             <pre>line 1\nline 2</pre><footer>Foot</footer><button>Go</button></body></html>",
        );
        assert_eq!(
            texts(&page_blocks(&doc)),
            pairs(&[
                ("div", "Intro bold"),
                ("p", "First."),
                ("div", "Tail text"),
                ("li", "One link"),
                ("li", "Two"),
                ("li", "Nested"),
                ("li", "after"),
                ("tr", "NSLs | 0"),
                ("pre", "line 1 line 2"),
            ])
        );
    }

    #[test]
    fn groups_and_wholeness() {
        let doc = Html::parse_document(
            "<ul><li>a</li><li>b</li></ul><ol><li>c</li></ol><div>x<p>y</p></div><div>z</div>",
        );
        let blocks = page_blocks(&doc);
        let groups: Vec<Option<usize>> = blocks.iter().map(|b| b.group).collect();
        assert_eq!(groups, vec![Some(0), Some(0), Some(1), None, None, None]);
        let whole: Vec<bool> = blocks.iter().map(|b| b.whole).collect();
        assert_eq!(whole, vec![true, true, true, false, true, true]);
    }

    #[test]
    fn line_breaks_are_marked() {
        let doc = Html::parse_document("<p>one<br>two</p><pre>a<br>b</pre>");
        let blocks = page_blocks(&doc);
        assert_eq!(blocks[0].text, format!("one{LINE_BREAK}two"));
        assert_eq!(blocks[1].text, "a\nb");
    }

    #[test]
    fn selector_matches_do_not_double_count() {
        let doc = Html::parse_document(
            "<div class=c><div class=c><p>A</p></div><p>B</p></div><p class=c>C</p><span class=c>D</span>",
        );
        let sel = Selector::parse(".c").expect("test selector parses");
        assert_eq!(
            texts(&selected_blocks(&doc, &sel)),
            pairs(&[("p", "A"), ("p", "B"), ("p", "C"), ("span", "D")])
        );
    }

    #[test]
    fn selected_furniture_is_read() {
        let doc = Html::parse_document("<footer id=f>We have never received an NSL.</footer>");
        let sel = Selector::parse("#f").expect("test selector parses");
        assert_eq!(
            texts(&selected_blocks(&doc, &sel)),
            pairs(&[("footer", "We have never received an NSL.")])
        );
    }

    #[test]
    fn deep_inline_nesting_is_walked_without_recursion() {
        let depth = 100_000;
        let html = format!(
            "<p>{}We have never received a warrant.{}</p>",
            "<span>".repeat(depth),
            "</span>".repeat(depth)
        );
        let doc = Html::parse_document(&html);
        assert_eq!(
            texts(&page_blocks(&doc)),
            pairs(&[("p", "We have never received a warrant.")])
        );
    }
}
