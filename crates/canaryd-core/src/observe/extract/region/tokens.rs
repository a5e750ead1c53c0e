//! The tags of a page as the HTML tokenizer reads them, and only as far as the cut needs:
//! each tag's name and place, a start tag's first `id` and whether it is written
//! self-closing, and where comments, doctypes, bogus comments and raw text end. It follows the
//! tokenizer's states (WHATWG HTML, 13.2.5) for those; what it does not model (CDATA sections,
//! a script's double-escaped text) refuses, and the page is parsed whole. Nothing is
//! allocated: names and values are slices of the page, compared without regard to ASCII case.

use memchr::{memchr, memmem};

/// The page cannot be read here exactly: it is parsed whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Refused;

/// A tag, as the tokenizer emits it (names as written: compare them ignoring ASCII case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag<'b> {
    Start {
        name: &'b str,
        /// The value of the first attribute named `id` (character references not decoded).
        id: Option<&'b str>,
        self_closing: bool,
        /// The byte its `<` is at.
        at: usize,
    },
    End {
        name: &'b str,
        /// The byte after its `>`.
        end: usize,
    },
}

/// The tokenizer's whitespace, after the input stream turned CR into LF.
fn space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

pub(super) struct Tokens<'b> {
    s: &'b str,
    pos: usize,
}

impl<'b> Tokens<'b> {
    pub(super) fn new(s: &'b str) -> Self {
        Tokens { s, pos: 0 }
    }

    fn bytes(&self) -> &'b [u8] {
        self.s.as_bytes()
    }

    /// After the first `>` from `from` (a bogus comment or a doctype ends there), or the end.
    fn past_gt(&self, from: usize) -> usize {
        let b = self.bytes();
        b.get(from..)
            .and_then(|rest| memchr(b'>', rest))
            .map_or(b.len(), |k| from + k + 1)
    }

    /// The next tag from the data state; `Ok(None)` at the end of the page (a tag cut off by
    /// the end is dropped, as the tokenizer drops it).
    pub(super) fn next_tag(&mut self) -> Result<Option<Tag<'b>>, Refused> {
        let b = self.bytes();
        loop {
            let Some(off) = b.get(self.pos..).and_then(|rest| memchr(b'<', rest)) else {
                self.pos = b.len();
                return Ok(None);
            };
            let lt = self.pos + off;
            match b.get(lt + 1) {
                Some(b'!') => self.pos = self.markup(lt)?,
                Some(b'/') => match b.get(lt + 2) {
                    Some(c) if c.is_ascii_alphabetic() => return Ok(self.tag(lt, lt + 2, true)),
                    // `</>` is dropped.
                    Some(b'>') => self.pos = lt + 3,
                    Some(_) => self.pos = self.past_gt(lt + 2),
                    None => self.pos = b.len(),
                },
                Some(c) if c.is_ascii_alphabetic() => return Ok(self.tag(lt, lt + 1, false)),
                Some(b'?') => self.pos = self.past_gt(lt + 1),
                // A `<` that opens no tag is text.
                _ => self.pos = lt + 1,
            }
        }
    }

    /// Past a `<!…` at `lt`: a comment, a doctype or a bogus comment.
    fn markup(&self, lt: usize) -> Result<usize, Refused> {
        let b = self.bytes();
        let rest = &b[lt + 2..];
        if rest.starts_with(b"--") {
            return Ok(self.comment_end(lt + 4));
        }
        if rest.starts_with(b"[CDATA[") {
            // A CDATA section in foreign content, a bogus comment elsewhere: which one
            // depends on the tree, so it is not guessed here.
            return Err(Refused);
        }
        // A doctype ends at its first `>` in every state, as a bogus comment does.
        Ok(self.past_gt(lt + 2))
    }

    /// Past the comment whose text starts at `c`: `<!-->` and `<!--->` end at once, any
    /// other at the first `-->` or `--!>`, or at the end of the page.
    fn comment_end(&self, c: usize) -> usize {
        let b = self.bytes();
        let text = &b[c..];
        if text.starts_with(b">") {
            return c + 1;
        }
        if text.starts_with(b"->") {
            return c + 2;
        }
        let mut from = 0;
        while let Some(k) = memmem::find(&text[from..], b"--") {
            let at = from + k;
            match (text.get(at + 2), text.get(at + 3)) {
                (Some(b'>'), _) => return c + at + 3,
                (Some(b'!'), Some(b'>')) => return c + at + 4,
                _ => from = at + 1,
            }
        }
        b.len()
    }

    /// The tag whose `<` is at `lt` and whose name starts at `name_at`, with its attributes
    /// read as the tokenizer reads them (quoted values may hold `>`); None if the page ends
    /// inside it.
    fn tag(&mut self, lt: usize, name_at: usize, end_tag: bool) -> Option<Tag<'b>> {
        let (s, b) = (self.s, self.bytes());
        let n = b.len();
        let mut i = name_at;
        while i < n && !space(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        let name = &s[name_at..i];
        let mut id = None;
        let mut self_closing = false;
        loop {
            while i < n && space(b[i]) {
                i += 1;
            }
            match b.get(i) {
                None => {
                    self.pos = n;
                    return None;
                }
                Some(b'>') => {
                    i += 1;
                    break;
                }
                Some(b'/') => {
                    if b.get(i + 1) == Some(&b'>') {
                        self_closing = true;
                        i += 2;
                        break;
                    }
                    // A `/` not before `>` is dropped; the attributes go on.
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
            // An attribute's name: its first character may be `=`.
            let name_start = i;
            i += 1;
            while i < n && !space(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let attr = &s[name_start..i];
            while i < n && space(b[i]) {
                i += 1;
            }
            let mut value = "";
            if b.get(i) == Some(&b'=') {
                i += 1;
                while i < n && space(b[i]) {
                    i += 1;
                }
                match b.get(i) {
                    Some(&q @ (b'"' | b'\'')) => {
                        let Some(k) = memchr(q, &b[i + 1..]) else {
                            self.pos = n;
                            return None;
                        };
                        value = &s[i + 1..i + 1 + k];
                        i += k + 2;
                    }
                    // `id=>`: an empty value, and the tag ends.
                    Some(b'>') | None => {}
                    Some(_) => {
                        let start = i;
                        while i < n && !space(b[i]) && b[i] != b'>' {
                            i += 1;
                        }
                        value = &s[start..i];
                    }
                }
            }
            // The first of two attributes of one name is kept.
            if id.is_none() && attr.eq_ignore_ascii_case("id") {
                id = Some(value);
            }
        }
        self.pos = i;
        Some(if end_tag {
            Tag::End { name, end: i }
        } else {
            Tag::Start {
                name,
                id,
                self_closing,
                at: lt,
            }
        })
    }

    /// After the start tag of an HTML element whose content is raw text (`script`, `style`,
    /// `textarea`, `title`…): moves to the `</name` that ends it (then read as a tag), or to
    /// the end of the page. A script whose text could be double-escaped (a `<script` after a
    /// `<!--`) refuses: there an inner `</script>` need not end it.
    pub(super) fn skip_raw_text(&mut self, name: &str, script: bool) -> Result<(), Refused> {
        let b = self.bytes();
        let from = self.pos;
        let mut k = from;
        let end = loop {
            let Some(off) = b.get(k..).and_then(|rest| memmem::find(rest, b"</")) else {
                break b.len();
            };
            let at = k + off;
            let after = at + 2 + name.len();
            let named = b
                .get(at + 2..after)
                .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
            if named
                && b.get(after)
                    .is_some_and(|&c| space(c) || c == b'/' || c == b'>')
            {
                break at;
            }
            k = at + 2;
        };
        if script && could_double_escape(&b[from..end]) {
            return Err(Refused);
        }
        self.pos = end;
        Ok(())
    }
}

/// A `<script` (any case) after a `<!--` in a script's text.
fn could_double_escape(text: &[u8]) -> bool {
    let Some(open) = memmem::find(text, b"<!--") else {
        return false;
    };
    text[open..]
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"<script"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(page: &str) -> Vec<Tag<'_>> {
        let mut t = Tokens::new(page);
        let mut out = Vec::new();
        while let Some(tag) = t.next_tag().expect("readable") {
            if let Tag::Start { name, .. } = tag
                && ["script", "style", "title", "textarea"].contains(&name)
            {
                t.skip_raw_text(name, name == "script")
                    .expect("not escaped");
            }
            out.push(tag);
        }
        out
    }

    fn names(page: &str) -> Vec<String> {
        tags(page)
            .iter()
            .map(|t| match t {
                Tag::Start { name, .. } => name.to_string(),
                Tag::End { name, .. } => format!("/{name}"),
            })
            .collect()
    }

    #[test]
    fn attributes_are_read_as_the_tokenizer_reads_them() {
        let page = "<div title='a > b' id=\"x\" id=y><p class=c/>x</p><DIV ID=z/ >";
        assert_eq!(
            tags(page),
            vec![
                Tag::Start {
                    name: "div",
                    id: Some("x"),
                    self_closing: false,
                    at: 0
                },
                // An unquoted value takes the `/`: not self-closing.
                Tag::Start {
                    name: "p",
                    id: None,
                    self_closing: false,
                    at: 31
                },
                Tag::End { name: "p", end: 48 },
                Tag::Start {
                    name: "DIV",
                    id: Some("z/"),
                    self_closing: false,
                    at: 48
                },
            ]
        );
        let Tag::Start { self_closing, .. } = tags("<br/>")[0] else {
            panic!("a start tag")
        };
        assert!(self_closing);
        assert_eq!(names("<a<b id= >x"), ["a<b"]);
        assert_eq!(names("<x =y id=v>"), ["x"]);
        assert_eq!(tags("<x =id id=v>")[0], tags("<x id=v>")[0]);
    }

    #[test]
    fn comments_doctypes_and_bogus_comments_end_where_the_tokenizer_ends_them() {
        assert_eq!(
            names("<!DOCTYPE html><!--><a><!---><b><!-- <i> --!><u><!-- -- --->x<s>"),
            ["a", "b", "u", "s"]
        );
        assert_eq!(names("<?php <q> ?><i></ x><b></><u>"), ["i", "b", "u"]);
        assert_eq!(names("<!---!><a>--><b>"), ["b"]);
        assert_eq!(names("a < b <3 <p"), Vec::<String>::new());
        assert_eq!(names("<!-- never closed <a>"), Vec::<String>::new());
        assert_eq!(Tokens::new("<![CDATA[x]]>").next_tag(), Err(Refused));
    }

    #[test]
    fn raw_text_ends_only_at_its_own_end_tag() {
        assert_eq!(
            names("<script>if (a</b) '</scripts>'</script ><i><title><b></title/><u>"),
            ["script", "/script", "i", "title", "/title", "u"]
        );
        assert_eq!(
            names("<textarea></textarea"),
            ["textarea"],
            "no end tag before the end of the page"
        );
        let mut t = Tokens::new("<script><!-- <script></script> --></script>");
        t.next_tag().expect("a tag");
        assert_eq!(t.skip_raw_text("script", true), Err(Refused));
        assert_eq!(
            names("<script><!-- old browsers --></script><b>"),
            ["script", "/script", "b"]
        );
    }

    #[test]
    fn a_tag_cut_off_by_the_end_is_dropped() {
        assert_eq!(names("<p>x<div id='canary"), ["p"]);
        assert_eq!(names("<p>x</p"), ["p"]);
    }
}
