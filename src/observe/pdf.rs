//! Text from PDF reports: pdf-extract decodes the glyphs and their positions, this module puts
//! them in reading order (two-column pages column by column, whatever order the content
//! stream drew them in) and tidies the result (hyphenated line breaks joined).
//!
//! pure: the caller passes the bytes. pdf-extract panics on many malformed inputs; every call
//! into it runs under `catch_unwind` and a panic becomes [`PdfError::Malformed`] (the default
//! panic hook still prints the panic message to stderr).

use std::panic::{AssertUnwindSafe, catch_unwind};

use pdf_extract::{Document, MediaBox, OutputDev, OutputError, Transform};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PdfError {
    /// Encrypted with a password other than the empty one: nothing can be read.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The PDF holds no text, only whitespace or images (a scan, say).
    #[error("the PDF has no extractable text (scanned or image-only?)")]
    NoText,
    #[error("malformed PDF: {0}")]
    Malformed(String),
}

/// True for a `Content-Type` of `application/pdf` (or `application/x-pdf`), or for bytes
/// with the `%PDF-` signature in their first 1024 bytes (where readers look for it).
pub(crate) fn looks_like_pdf(bytes: &[u8], content_type: Option<&str>) -> bool {
    let by_type = content_type.is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/pdf")
            || essence.eq_ignore_ascii_case("application/x-pdf")
    });
    by_type || memchr::memmem::find(&bytes[..bytes.len().min(1024)], b"%PDF-").is_some()
}

/// The text of every page, pages separated by a blank line; never empty.
///
/// Documents encrypted with the empty user password (only an owner password, common for
/// "no copying" reports) are decrypted and read, as any viewer would.
pub(crate) fn extract_text(bytes: &[u8]) -> Result<String, PdfError> {
    let pages = catch_unwind(AssertUnwindSafe(|| glyphs_of(bytes))).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        PdfError::Malformed(format!("the PDF reader gave up: {message}"))
    })??;
    let raw: Vec<String> = pages.iter().map(|p| lay_out(p)).collect();
    let text = tidy(&raw.join("\n\n"));
    if text.is_empty() {
        Err(PdfError::NoText)
    } else {
        Ok(text)
    }
}

fn glyphs_of(bytes: &[u8]) -> Result<Vec<Vec<Glyph>>, PdfError> {
    let mut doc = Document::load_mem(bytes).map_err(|e| classify(&e))?;
    if doc.is_encrypted() {
        doc.decrypt("").map_err(|_| PdfError::Encrypted)?;
    }
    let mut collector = Collector::default();
    pdf_extract::output_doc(&doc, &mut collector).map_err(|e| match e {
        OutputError::PdfError(e) => classify(&e),
        other => PdfError::Malformed(other.to_string()),
    })?;
    Ok(collector.pages)
}

fn classify(e: &pdf_extract::Error) -> PdfError {
    match e {
        pdf_extract::Error::Decryption(_) | pdf_extract::Error::InvalidPassword => {
            PdfError::Encrypted
        }
        other => {
            let message = other.to_string();
            if message.to_ascii_lowercase().contains("encrypt") {
                PdfError::Encrypted
            } else {
                PdfError::Malformed(message)
            }
        }
    }
}

/// One drawn character, in page coordinates with y growing downwards.
#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    width: f64,
    size: f64,
    text: String,
}

#[derive(Default)]
struct Collector {
    pages: Vec<Vec<Glyph>>,
    top: f64,
}

impl OutputDev for Collector {
    fn begin_page(
        &mut self,
        _page_num: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.pages.push(Vec::new());
        self.top = media_box.ury;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        if text.trim().is_empty() {
            return Ok(()); // spaces come back from the gaps between glyphs
        }
        // The side of a square with the area of the transformed em, as pdf-extract does.
        let vx = font_size * (trm.m11 + trm.m21);
        let vy = font_size * (trm.m12 + trm.m22);
        let size = (vx * vy).abs().sqrt().max(0.1);
        let glyph = Glyph {
            x: trm.m31,
            y: self.top - trm.m32,
            width: width * size,
            size,
            text: text.to_owned(),
        };
        if glyph.x.is_finite() && glyph.y.is_finite() && glyph.width.is_finite() {
            match self.pages.last_mut() {
                Some(page) => page.push(glyph),
                None => self.pages.push(vec![glyph]),
            }
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// A horizontal run of glyphs on one line, with no gap wider than a column gutter.
#[derive(Debug)]
struct Segment {
    x0: f64,
    x1: f64,
    y: f64,
    size: f64,
    text: String,
}

/// Lines of a page, top to bottom, each a list of segments left to right.
fn lines_of(glyphs: &[Glyph]) -> Vec<Vec<Segment>> {
    let mut sorted: Vec<&Glyph> = glyphs.iter().collect();
    sorted.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
    let mut lines: Vec<Vec<&Glyph>> = Vec::new();
    for g in sorted {
        match lines.last_mut() {
            // Within half a size of the line's first glyph: the same line (superscripts too).
            Some(line) if (g.y - line[0].y).abs() < 0.5 * g.size.max(line[0].size) => {
                line.push(g);
            }
            _ => lines.push(vec![g]),
        }
    }
    lines
        .into_iter()
        .map(|mut line| {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut segments: Vec<Segment> = Vec::new();
            for g in line {
                match segments.last_mut() {
                    Some(s) if g.x - s.x1 < 1.5 * s.size.max(g.size) => {
                        if g.x - s.x1 > 0.12 * s.size.min(g.size) {
                            s.text.push(' ');
                        }
                        s.text.push_str(&g.text);
                        s.x1 = s.x1.max(g.x + g.width);
                        s.size = s.size.max(g.size);
                    }
                    _ => segments.push(Segment {
                        x0: g.x,
                        x1: g.x + g.width,
                        y: g.y,
                        size: g.size,
                        text: g.text.clone(),
                    }),
                }
            }
            segments
        })
        .collect()
}

/// A page's text in reading order. Runs of lines split by a common gutter (at least two lines
/// with text on both sides, no line crossing it, both sides wide enough to be prose) are read
/// left column first, then right; anything else line by line, top to bottom.
fn lay_out(glyphs: &[Glyph]) -> String {
    let lines = lines_of(glyphs);
    let mut out: Vec<(f64, f64, String)> = Vec::new(); // (y, size, text) in reading order
    let mut i = 0;
    while i < lines.len() {
        if let Some((end, mut left, mut right)) = column_band(&lines, i) {
            out.append(&mut left);
            out.append(&mut right);
            i = end;
        } else {
            let line = &lines[i];
            let text = line
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let size = line.iter().map(|s| s.size).fold(0.0, f64::max);
            out.push((line[0].y, size, text));
            i += 1;
        }
    }
    // A blank line where the vertical gap is well over a line's height (a paragraph break);
    // a jump back up (the next column) is not one.
    let mut text = String::new();
    let mut previous: Option<(f64, f64)> = None;
    for (y, size, line) in out {
        if let Some((py, psize)) = previous {
            text.push('\n');
            if y - py > 1.9 * psize.max(size) {
                text.push('\n');
            }
        }
        text.push_str(&line);
        previous = Some((y, size));
    }
    text
}

/// The median line of a text column is at least this many ems wide (a 10 pt column of prose
/// is usually 20 or more); narrower "columns" are read as a table, row by row.
const MIN_COLUMN_EMS: f64 = 8.0;

type Band = (usize, Vec<(f64, f64, String)>, Vec<(f64, f64, String)>);

/// The two-column band starting at line `start`, if there is one: (first line after it, left
/// column lines, right column lines).
fn column_band(lines: &[Vec<Segment>], start: usize) -> Option<Band> {
    let first = &lines[start];
    if first.len() != 2 {
        return None;
    }
    let (mut lo, mut hi) = (first[0].x1, first[1].x0);
    let mut end = start;
    let mut split_lines = 0;
    for line in &lines[start..] {
        if line.len() > 2 {
            break;
        }
        if line.len() == 2 {
            let (l, h) = (lo.max(line[0].x1), hi.min(line[1].x0));
            if l >= h {
                break;
            }
            (lo, hi) = (l, h);
            split_lines += 1;
        } else if line[0].x0 < hi && line[0].x1 > lo {
            break; // crosses the gutter: a heading or a footnote spanning the page
        }
        end += 1;
    }
    if split_lines < 2 {
        return None;
    }
    let band = &lines[start..end];
    let (left_side, right_side): (Vec<&Segment>, Vec<&Segment>) =
        band.iter().flatten().partition(|s| s.x1 <= lo);
    // Columns of prose are wide on both sides; a table ("FISA orders … 0") is not, and must
    // stay row by row so that each figure keeps its label.
    let wide = |side: &[&Segment]| {
        let mut widths: Vec<f64> = side.iter().map(|s| (s.x1 - s.x0) / s.size).collect();
        widths.sort_by(f64::total_cmp);
        widths
            .get(widths.len() / 2)
            .is_some_and(|w| *w >= MIN_COLUMN_EMS)
    };
    if !wide(&left_side) || !wide(&right_side) {
        return None;
    }
    let entry = |s: &&Segment| (s.y, s.size, s.text.clone());
    Some((
        end,
        left_side.iter().map(entry).collect(),
        right_side.iter().map(entry).collect(),
    ))
}

/// Trailing spaces off, hyphenated line breaks joined ("secu-\nrity" -> "security" when the
/// next line starts lowercase), runs of blank lines cut to one, the whole trimmed.
fn tidy(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(last) = lines.last_mut()
            && let Some(stem) = last.strip_suffix('-')
            && stem.chars().last().is_some_and(char::is_alphabetic)
            && line
                .trim_start()
                .chars()
                .next()
                .is_some_and(char::is_lowercase)
        {
            let joined = format!("{stem}{}", line.trim_start());
            *last = joined;
            continue;
        }
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line.to_owned());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdf_extract::{Dictionary, Object, Stream};

    fn name(n: &str) -> Object {
        Object::Name(n.as_bytes().to_vec())
    }

    fn dict(entries: Vec<(&str, Object)>) -> Dictionary {
        let mut d = Dictionary::new();
        for (k, v) in entries {
            d.set(k, v);
        }
        d
    }

    /// A PDF with one page per content stream, Helvetica as /F1 and a 2×2 grey image as /Im1.
    fn pdf_with(pages: &[&str], encoding: &str, trailer: Vec<(&str, Object)>) -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dict(vec![
            ("Type", name("Font")),
            ("Subtype", name("Type1")),
            ("BaseFont", name("Helvetica")),
            ("Encoding", name(encoding)),
        ]));
        let image = doc.add_object(Stream::new(
            dict(vec![
                ("Type", name("XObject")),
                ("Subtype", name("Image")),
                ("Width", Object::Integer(2)),
                ("Height", Object::Integer(2)),
                ("ColorSpace", name("DeviceGray")),
                ("BitsPerComponent", Object::Integer(8)),
            ]),
            vec![0, 255, 255, 0],
        ));
        let resources = doc.add_object(dict(vec![
            ("Font", Object::Dictionary(dict(vec![("F1", font.into())]))),
            (
                "XObject",
                Object::Dictionary(dict(vec![("Im1", image.into())])),
            ),
        ]));
        let mut kids = Vec::new();
        for content in pages {
            let content =
                doc.add_object(Stream::new(Dictionary::new(), content.as_bytes().to_vec()));
            let page = doc.add_object(dict(vec![
                ("Type", name("Page")),
                ("Parent", pages_id.into()),
                ("Contents", content.into()),
                ("Resources", resources.into()),
                (
                    "MediaBox",
                    Object::Array(vec![
                        Object::Integer(0),
                        Object::Integer(0),
                        Object::Integer(612),
                        Object::Integer(792),
                    ]),
                ),
            ]));
            kids.push(Object::from(page));
        }
        let count = kids.len() as i64;
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dict(vec![
                ("Type", name("Pages")),
                ("Kids", Object::Array(kids)),
                ("Count", Object::Integer(count)),
            ])),
        );
        let catalog = doc.add_object(dict(vec![
            ("Type", name("Catalog")),
            ("Pages", pages_id.into()),
        ]));
        doc.trailer.set("Root", catalog);
        for (k, v) in trailer {
            let v = match v {
                Object::Dictionary(d) => doc.add_object(d).into(),
                other => other,
            };
            doc.trailer.set(k, v);
        }
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn pdf(pages: &[&str]) -> Vec<u8> {
        pdf_with(pages, "WinAnsiEncoding", Vec::new())
    }

    /// `BT … ET` drawing each `(x, y, text)` at 10 pt, in the order given.
    fn text_ops(items: &[(u32, u32, &str)]) -> String {
        let mut s = String::from("BT /F1 10 Tf\n");
        for (x, y, t) in items {
            s.push_str(&format!("1 0 0 1 {x} {y} Tm ({t}) Tj\n"));
        }
        s.push_str("ET\n");
        s
    }

    const LEFT: [&str; 4] = [
        "We have never received a",
        "National Security Letter,",
        "a FISA order or a gag",
        "order of any kind.",
    ];
    const RIGHT: [&str; 4] = [
        "No warrants have been",
        "served on our premises",
        "and no hardware has been",
        "seized by any authority.",
    ];

    fn two_columns(interleaved: bool) -> String {
        let mut items = vec![(72, 740, "Transparency report 2026")];
        let rows = || (0..4).map(|i| 700 - 14 * i as u32);
        if interleaved {
            for (i, y) in rows().enumerate() {
                items.push((72, y, LEFT[i]));
                items.push((320, y, RIGHT[i]));
            }
        } else {
            items.extend(rows().enumerate().map(|(i, y)| (72, y, LEFT[i])));
            items.extend(rows().enumerate().map(|(i, y)| (320, y, RIGHT[i])));
        }
        items.push((
            72,
            100,
            "Footnote text spanning the whole width of the page, below both columns.",
        ));
        text_ops(&items)
    }

    fn expected_two_columns() -> String {
        format!(
            "Transparency report 2026\n\n{}\n{}\n\nFootnote text spanning the whole width of the page, below both columns.",
            LEFT.join("\n"),
            RIGHT.join("\n")
        )
    }

    #[test]
    fn two_columns_drawn_column_by_column() {
        let text = extract_text(&pdf(&[&two_columns(false)])).unwrap();
        assert_eq!(text, expected_two_columns());
    }

    #[test]
    fn two_columns_drawn_row_by_row_do_not_interleave() {
        let text = extract_text(&pdf(&[&two_columns(true)])).unwrap();
        assert_eq!(text, expected_two_columns());
        // pdf-extract's own plain-text output follows the content stream, row by row:
        let own = pdf_extract::extract_text_from_mem(&pdf(&[&two_columns(true)])).unwrap();
        assert!(
            own.contains("We have never received a No warrants have been"),
            "{own}"
        );
    }

    #[test]
    fn hyphenated_line_break_inside_a_claim_is_joined() {
        let content = text_ops(&[
            (72, 700, "We have not received any Nation-"),
            (72, 686, "al Security Letters or secu-"),
            (72, 672, "rity orders. Well-"),
            (72, 658, "Known words keep their hyphen-"),
            (72, 644, "- and dashes too."),
        ]);
        let text = extract_text(&pdf(&[&content])).unwrap();
        assert_eq!(
            text,
            "We have not received any National Security Letters or security orders. Well-\n\
             Known words keep their hyphen-\n- and dashes too."
        );
    }

    #[test]
    fn hyphen_join_across_a_column_break() {
        let content = text_ops(&[
            (72, 700, "We have never received a"),
            (72, 686, "National Security Let-"),
            (320, 700, "ter or a subpoena for"),
            (320, 686, "user data."),
        ]);
        let text = extract_text(&pdf(&[&content])).unwrap();
        assert_eq!(
            text,
            "We have never received a\nNational Security Letter or a subpoena for\nuser data."
        );
    }

    #[test]
    fn footnote_marker_stays_on_its_line() {
        // A superscript marker (smaller, raised with Ts) and the footnote at the page foot.
        let content = "BT /F1 10 Tf 1 0 0 1 72 700 Tm (No National Security Letters) Tj \
                       /F1 6 Tf 4 Ts (1) Tj 0 Ts /F1 10 Tf ( have been received.) Tj ET \
                       BT /F1 8 Tf 1 0 0 1 72 80 Tm (1 As of 1 December 2026.) Tj ET";
        let text = extract_text(&pdf(&[content])).unwrap();
        assert_eq!(
            text,
            "No National Security Letters1 have been received.\n\n1 As of 1 December 2026."
        );
    }

    #[test]
    fn tables_stay_row_by_row() {
        let content = text_ops(&[
            (72, 700, "Requests received in 2026"),
            (72, 680, "National Security Letters"),
            (400, 680, "0-249"),
            (72, 666, "FISA orders"),
            (400, 666, "0"),
            (72, 652, "Gag orders"),
            (400, 652, "none"),
        ]);
        assert_eq!(
            extract_text(&pdf(&[&content])).unwrap(),
            "Requests received in 2026\n\nNational Security Letters 0-249\nFISA orders 0\nGag orders none"
        );
    }

    #[test]
    fn kerned_words_get_their_spaces() {
        // Word spacing by TJ displacement (no space glyph), as many generators write it.
        let content = "BT /F1 10 Tf 1 0 0 1 72 700 Tm [(No) -300 (warrants) -20 (,) -300 (no) -300 (gags.)] TJ ET";
        assert_eq!(
            extract_text(&pdf(&[content])).unwrap(),
            "No warrants, no gags."
        );
    }

    #[test]
    fn pages_are_separated_by_a_blank_line() {
        let a = text_ops(&[(72, 700, "Page one.")]);
        let b = text_ops(&[(72, 700, "Page two.")]);
        assert_eq!(
            extract_text(&pdf(&[&a, &b])).unwrap(),
            "Page one.\n\nPage two."
        );
    }

    #[test]
    fn image_only_pdf_has_no_text() {
        let content = "q 200 0 0 200 100 400 cm /Im1 Do Q";
        assert_eq!(extract_text(&pdf(&[content])), Err(PdfError::NoText));
        // Whitespace only is no text either.
        let blank = text_ops(&[(72, 700, "   ")]);
        assert_eq!(
            extract_text(&pdf(&[&blank, content])),
            Err(PdfError::NoText)
        );
    }

    #[test]
    fn encrypted_pdf_is_reported() {
        let encrypt = Object::Dictionary(dict(vec![
            ("Filter", name("Standard")),
            ("V", Object::Integer(1)),
            ("R", Object::Integer(2)),
            ("Length", Object::Integer(40)),
            ("O", Object::string_literal(vec![0x11u8; 32])),
            ("U", Object::string_literal(vec![0x22u8; 32])),
            ("P", Object::Integer(-44)),
        ]));
        let id = Object::Array(vec![
            Object::string_literal(vec![0x33u8; 16]),
            Object::string_literal(vec![0x33u8; 16]),
        ]);
        let content = text_ops(&[(72, 700, "Secret canary")]);
        let bytes = pdf_with(
            &[&content],
            "WinAnsiEncoding",
            vec![("Encrypt", encrypt), ("ID", id)],
        );
        assert_eq!(extract_text(&bytes), Err(PdfError::Encrypted));
    }

    #[test]
    fn garbage_is_malformed() {
        for bytes in [
            &b"this is not a pdf"[..],
            b"%PDF-1.7\n1 0 obj << /Type /Catalog",
            b"",
        ] {
            assert!(
                matches!(extract_text(bytes), Err(PdfError::Malformed(_))),
                "{:?}",
                extract_text(bytes)
            );
        }
        // A truncated real document.
        let whole = pdf(&[&text_ops(&[(72, 700, "Canary")])]);
        assert!(matches!(
            extract_text(&whole[..whole.len() / 3]),
            Err(PdfError::Malformed(_))
        ));
    }

    #[test]
    fn a_panic_inside_the_reader_is_malformed() {
        // pdf-extract panics on an encoding name it does not know.
        let content = text_ops(&[(72, 700, "Canary")]);
        let bytes = pdf_with(&[&content], "NoSuchEncoding", Vec::new());
        let err = extract_text(&bytes).unwrap_err();
        assert!(
            matches!(&err, PdfError::Malformed(m) if m.contains("gave up")),
            "{err:?}"
        );
    }

    #[test]
    fn detection() {
        assert!(looks_like_pdf(b"%PDF-1.4\n", None));
        assert!(looks_like_pdf(
            b"\xef\xbb\xbf\r\n%PDF-1.4\n",
            Some("text/html")
        ));
        assert!(looks_like_pdf(b"", Some("application/pdf")));
        assert!(looks_like_pdf(b"", Some("Application/PDF; charset=binary")));
        assert!(!looks_like_pdf(b"<html>%PDF</html>", Some("text/html")));
        assert!(!looks_like_pdf(b"", None));
    }

    #[test]
    fn tidy_rules() {
        assert_eq!(tidy("secu-\nrity"), "security");
        assert_eq!(tidy("secu-\n  rity  \n\n\n\nnext"), "security\n\nnext");
        assert_eq!(tidy("2025-\n2026"), "2025-\n2026");
        assert_eq!(tidy("co-\nOperate"), "co-\nOperate");
        assert_eq!(tidy("a-\n\nb"), "a-\n\nb");
        assert_eq!(tidy("\n\n"), "");
    }
}
