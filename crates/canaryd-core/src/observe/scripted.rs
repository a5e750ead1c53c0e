//! Pages that show their canary only after JavaScript runs: a `<noscript>` notice, or an empty
//! application root (`<div id="root"></div>`) with scripts and next to no text. canaryd reads
//! what the server sends and runs no scripts, so such a page tracks nothing; saying why beats
//! "pass --selector", which cannot help. Pure.

use scraper::{Html, Node};

/// What `preview`, `add` and `check` say of such a page.
pub const NEEDS_JAVASCRIPT: &str = "the page seems to need JavaScript, which canaryd does not run; look for a static or text version of the canary";

/// Elements whose text a reader never sees as the page's own.
const HIDDEN: [&str; 5] = ["script", "style", "noscript", "template", "head"];

/// Ids single-page applications mount themselves on (React, Vue, Next.js, Nuxt, Gatsby,
/// Svelte, Angular's usual names).
const APP_ROOTS: [&str; 8] = [
    "root",
    "app",
    "__next",
    "__nuxt",
    "___gatsby",
    "svelte",
    "main-app",
    "application",
];

/// A page with this much visible text is read as it is: plenty of static pages carry a
/// `<noscript>` fallback and scripts besides their content.
const FEW_CHARACTERS: usize = 400;

/// Whether `html` looks like it needs JavaScript to show its content.
pub fn needs_javascript(html: &str) -> bool {
    let doc = Html::parse_document(html);
    let mut scripts = false;
    let mut notice = false;
    let mut empty_root = false;
    let mut visible = 0usize;
    for node in doc.tree.nodes() {
        match node.value() {
            Node::Element(e) => match e.name() {
                "script" => scripts = true,
                "noscript" => {
                    let text: String = node
                        .descendants()
                        .filter_map(|n| n.value().as_text().map(|t| t.to_lowercase()))
                        .collect();
                    notice |= text.contains("javascript") || text.contains("enable");
                }
                _ if e.id().is_some_and(|id| APP_ROOTS.contains(&id)) || e.name() == "app-root" => {
                    empty_root |= !node
                        .descendants()
                        .any(|n| n.value().as_text().is_some_and(|t| !t.trim().is_empty()));
                }
                _ => {}
            },
            Node::Text(t) => {
                let hidden = node.ancestors().any(|a| {
                    a.value()
                        .as_element()
                        .is_some_and(|e| HIDDEN.contains(&e.name()))
                });
                if !hidden {
                    visible += t
                        .split_whitespace()
                        .map(|w| w.chars().count())
                        .sum::<usize>();
                }
            }
            _ => {}
        }
    }
    scripts && (notice || empty_root) && visible < FEW_CHARACTERS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_shell_needs_javascript() {
        let shells = [
            r#"<html><head><script src="/app.js"></script></head><body><div id="root"></div></body></html>"#,
            r#"<html><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="app"></div><script src="/main.js"></script></body></html>"#,
            r#"<!doctype html><html><body><h1>Acme</h1><noscript><p>Please turn on JavaScript.</p></noscript><script>render()</script></body></html>"#,
            r#"<html><body><app-root></app-root><script src="runtime.js"></script></body></html>"#,
        ];
        for html in shells {
            assert!(needs_javascript(html), "{html}");
        }
    }

    #[test]
    fn static_pages_do_not() {
        let long = "Example Co has never received a National Security Letter. ".repeat(10);
        let pages = [
            // No script at all: an empty page, not an app.
            r#"<html><body><div id="root"></div></body></html>"#.to_string(),
            // Scripts, but the content is in the page.
            format!(
                r#"<html><body><noscript>Enable JavaScript for the menu.</noscript><div id="root"><p>{long}</p></div><script src="/menu.js"></script></body></html>"#
            ),
            // Text beside an analytics script, no app root, no notice.
            format!(r#"<html><body><p>{long}</p><script>track()</script></body></html>"#),
            "<html><body><p>Opening hours are nine to five.</p></body></html>".to_string(),
        ];
        for html in &pages {
            assert!(!needs_javascript(html), "{html}");
        }
    }
}
