//! HTML pages: the text blocks of a document (or of the elements a selector matched), in
//! document order, found without recursion so any nesting depth is safe.

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

/// A leaf block of text and the element it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextBlock {
    pub tag: String,
    pub text: String,
}

/// Elements whose text is never canary content.
fn ignored(tag: &str) -> bool {
    matches!(
        tag,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "head"
            | "title"
            | "iframe"
            | "object"
            | "button"
            | "select"
            | "option"
            | "textarea"
            | "canvas"
            | "math"
    )
}

/// Page furniture skipped by auto-detection (but kept when a selector chose it).
fn furniture(tag: &str) -> bool {
    matches!(tag, "nav" | "footer" | "form" | "aside" | "menu")
}

fn block_level(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "li"
            | "dd"
            | "dt"
            | "td"
            | "th"
            | "tr"
            | "blockquote"
            | "pre"
            | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "ul"
            | "ol"
            | "dl"
            | "table"
            | "tbody"
            | "thead"
            | "tfoot"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "figure"
            | "figcaption"
            | "details"
            | "summary"
            | "address"
            | "center"
            | "body"
            | "html"
            | "hr"
            | "br"
            | "caption"
            | "fieldset"
            | "nav"
            | "footer"
            | "aside"
            | "form"
            | "menu"
    )
}

struct Frame {
    tag: String,
    text: String,
}

/// Collects the leaf text blocks under `root`, skipping furniture when `skip_furniture`.
fn collect(root: ElementRef<'_>, skip_furniture: bool, out: &mut Vec<TextBlock>) {
    let mut frames: Vec<Frame> = Vec::new();
    // Depth inside an ignored (or skipped) element; text there is dropped.
    let mut muted = 0usize;
    let emit = |frame: &mut Frame, out: &mut Vec<TextBlock>| {
        let text = std::mem::take(&mut frame.text);
        if !text.trim().is_empty() {
            out.push(TextBlock {
                tag: frame.tag.clone(),
                text,
            });
        }
    };
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(e) => {
                    let tag = e.name();
                    if muted > 0 || ignored(tag) || (skip_furniture && furniture(tag)) {
                        muted += 1;
                        continue;
                    }
                    if tag == "br" {
                        if let Some(f) = frames.last_mut() {
                            f.text.push('\n');
                        }
                        continue;
                    }
                    if block_level(tag) {
                        // Text before a nested block belongs to the outer block on its own.
                        if let Some(f) = frames.last_mut() {
                            emit(f, out);
                        }
                        frames.push(Frame {
                            tag: tag.to_string(),
                            text: String::new(),
                        });
                    } else if frames.is_empty() {
                        frames.push(Frame {
                            tag: tag.to_string(),
                            text: String::new(),
                        });
                    }
                }
                Node::Text(t) if muted == 0 => {
                    if let Some(f) = frames.last_mut() {
                        f.text.push_str(t);
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    let tag = e.name();
                    if muted > 0 {
                        muted -= 1;
                        continue;
                    }
                    if tag == "br" {
                        continue;
                    }
                    let closes_frame = frames.last().is_some_and(|f| f.tag == tag)
                        && (block_level(tag) || frames.len() == 1);
                    if closes_frame && let Some(mut f) = frames.pop() {
                        emit(&mut f, out);
                        // Inline text after a nested block continues the outer block.
                    }
                }
            }
        }
    }
    while let Some(mut f) = frames.pop() {
        emit(&mut f, out);
    }
}

/// The leaf text blocks of a whole page, furniture skipped.
pub fn page_blocks(doc: &Html) -> Vec<TextBlock> {
    let mut out = Vec::new();
    collect(doc.root_element(), true, &mut out);
    out
}

/// The leaf text blocks of every element `selector` matches (an element inside another
/// match is not counted twice).
pub fn selected_blocks(doc: &Html, selector: &Selector) -> Vec<TextBlock> {
    let mut out = Vec::new();
    let mut taken: std::collections::HashSet<ego_tree::NodeId> = std::collections::HashSet::new();
    for el in doc.select(selector) {
        if el.ancestors().any(|a| taken.contains(&a.id())) {
            continue;
        }
        taken.insert(el.id());
        collect(el, false, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(blocks: &[TextBlock]) -> Vec<String> {
        blocks
            .iter()
            .map(|b| b.text.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn leaf_blocks_in_order_without_scripts_or_nav() {
        let doc = Html::parse_document(
            "<html><head><title>T</title><script>var never = 'warrant';</script></head><body>\
             <nav><a>Home</a></nav><div>Intro <b>bold</b><p>First.</p>Tail text</div>\
             <ul><li>One <a href=#>link</a></li><li>Two</li></ul><footer>Foot</footer></body></html>",
        );
        assert_eq!(
            texts(&page_blocks(&doc)),
            vec!["Intro bold", "First.", "Tail text", "One link", "Two"]
        );
    }

    #[test]
    fn selector_matches_do_not_double_count() {
        let doc = Html::parse_document("<div class=c><div class=c><p>A</p></div><p>B</p></div>");
        let sel = Selector::parse(".c").expect("selector");
        assert_eq!(texts(&selected_blocks(&doc, &sel)), vec!["A", "B"]);
    }

    #[test]
    fn deep_nesting_is_walked_without_recursion() {
        let depth = 3_000;
        let html = format!(
            "{}<p>We have never received a warrant.</p>{}",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let doc = Html::parse_document(&html);
        let blocks = page_blocks(&doc);
        assert!(
            texts(&blocks)
                .iter()
                .any(|t| t.contains("never received a warrant"))
        );
    }
}
