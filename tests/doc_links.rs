//! The docs' links hold: every relative link in README.md and docs/*.md (outside code) names a
//! file that exists, and a `#fragment` names a heading of that file (as the forge and mdBook
//! make anchors); docs/SUMMARY.md, the book's table of contents, lists every chapter in docs/
//! and only files that exist. Cheap, and what a reader of the forge or the book runs into first.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The text outside fenced code blocks and inline code, line by line (numbered from 1).
fn prose(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop `inline code` spans.
        let mut kept = String::new();
        for (j, part) in line.split('`').enumerate() {
            if j % 2 == 0 {
                kept.push_str(part);
            }
        }
        out.push((i + 1, kept));
    }
    out
}

/// The targets of `[text](target)` and `![alt](target)` links in a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or_default();
        found.push(target.trim_matches(['<', '>']).to_string());
        rest = &after[end..];
    }
    found
}

/// A heading's anchor as GitHub and mdBook make it: lower case, spaces to `-`, everything
/// but letters, digits, `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            let base = slug(line.trim_start_matches('#').replace('`', "").as_str());
            // Repeated headings get -1, -2, … on both.
            let mut name = base.clone();
            let mut n = 0;
            while !out.insert(name.clone()) {
                n += 1;
                name = format!("{base}-{n}");
            }
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_names_a_file_and_heading_that_exist() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("read");
        let dir = doc.parent().expect("a folder");
        let name = doc
            .strip_prefix(repo())
            .unwrap_or(&doc)
            .display()
            .to_string();
        for (line_no, line) in prose(&text) {
            for target in link_targets(&line) {
                if target.is_empty()
                    || target.contains("://")
                    || target.starts_with("mailto:")
                    || target.starts_with("man:")
                {
                    continue;
                }
                checked += 1;
                let (file, fragment) = match target.split_once('#') {
                    Some((f, frag)) => (f, Some(frag)),
                    None => (target.as_str(), None),
                };
                let resolved = if file.is_empty() {
                    doc.clone()
                } else {
                    dir.join(file)
                };
                if !resolved.exists() {
                    broken.push(format!("{name}:{line_no}: {target}: no such file"));
                    continue;
                }
                if let Some(fragment) = fragment
                    && resolved.extension().is_some_and(|e| e == "md")
                    && !anchors(&resolved).contains(fragment)
                {
                    broken.push(format!(
                        "{name}:{line_no}: {target}: no heading with the anchor #{fragment} in {file}"
                    ));
                }
            }
        }
    }
    assert!(
        checked > 20,
        "the docs have links to check ({checked} found)"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_books_table_of_contents_lists_every_chapter_and_nothing_else() {
    let summary = std::fs::read_to_string(repo().join("docs/SUMMARY.md")).expect("SUMMARY.md");
    let listed: BTreeSet<String> = prose(&summary)
        .iter()
        .flat_map(|(_, l)| link_targets(l))
        .collect();
    for chapter in &listed {
        assert!(
            repo().join("docs").join(chapter).is_file(),
            "docs/SUMMARY.md lists {chapter}, which does not exist"
        );
    }
    for doc in documents().iter().skip(1) {
        let file = doc.file_name().expect("name").to_string_lossy().to_string();
        if file != "SUMMARY.md" {
            assert!(
                listed.contains(&file),
                "docs/{file} is not in docs/SUMMARY.md: the book would leave it out"
            );
        }
    }
}

#[test]
fn the_slugs_follow_the_forge() {
    assert_eq!(
        slug("Run it as a service (systemd)"),
        "run-it-as-a-service-systemd"
    );
    assert_eq!(slug("The Debian package"), "the-debian-package");
    assert_eq!(slug("`render = \"browser\"`"), "render--browser");
    assert_eq!(
        link_targets("see [a](daemon.md#state-directory) and ![b](img/x.png)"),
        ["daemon.md#state-directory", "img/x.png"]
    );
}
