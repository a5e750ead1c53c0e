//! Text from PDF reports: pdf-extract decodes the glyphs and their positions, this module puts
//! them in reading order (two-column pages column by column, whatever order the content
//! stream drew them in) and tidies the result (hyphenated line breaks joined).
//!
//! pure: the caller passes the bytes. pdf-extract panics on many malformed inputs; every call
//! into it is contained (`crate::contained`: no backtrace printed) and a panic becomes
//! [`PdfError::Malformed`]. A page whose content stream cannot be decoded is refused too:
//! pdf-extract would read it as a page without text, and its claims as removed. So is one
//! whose page tree or forms would send pdf-extract's recursion round for ever (`nesting`).

mod nesting;

use pdf_extract::{Document, MediaBox, Object, OutputDev, OutputError, Stream, Transform};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// Encrypted with a password other than the empty one: nothing can be read.
    #[error("the PDF is encrypted")]
    Encrypted,
    /// The PDF holds no text, only whitespace or images (a scan, say).
    #[error("the PDF has no extractable text (scanned or image-only?)")]
    NoText,
    #[error("malformed PDF: {0}")]
    Malformed(String),
    /// Past one of the bounds on reading a PDF (pages, characters; in the isolated reader
    /// also memory, CPU time, wall time and text size): a failed read, never a short canary.
    #[error("the PDF is past canaryd's bounds for reading one: {0}")]
    TooBig(String),
}

/// Most pages read from one PDF: a canary or transparency report has a few dozen.
pub const MAX_PAGES: usize = 1_000;
/// Most characters drawn in one PDF (about 400 dense pages): past it, extraction stops.
pub const MAX_CHARS: usize = 1_000_000;

/// How PDFs are read when something other than this pure module is in charge (the binary
/// installs a reader running in a bounded child process: see `crate::isolate`).
pub type Reader = fn(&[u8]) -> Result<String, PdfError>;

static READER: std::sync::OnceLock<Reader> = std::sync::OnceLock::new();

/// Installs the process's PDF reader; the first call wins.
pub fn set_reader(reader: Reader) {
    let _ = READER.set(reader);
}

/// A PDF's text, with the installed reader, else in this process by [`extract_text`].
pub fn read(bytes: &[u8]) -> Result<String, PdfError> {
    match READER.get() {
        Some(reader) => reader(bytes),
        None => extract_text(bytes),
    }
}

/// True for a `Content-Type` of `application/pdf` (or `application/x-pdf`), or for bytes
/// with the `%PDF-` signature in their first 1024 bytes (where readers look for it).
pub fn looks_like_pdf(bytes: &[u8], content_type: Option<&str>) -> bool {
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
pub fn extract_text(bytes: &[u8]) -> Result<String, PdfError> {
    let pages = crate::contained::run(|| glyphs_of(bytes))
        .map_err(|message| PdfError::Malformed(format!("the PDF reader gave up: {message}")))??;
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
    let pages = doc.page_iter().take(MAX_PAGES + 1).count();
    if pages > MAX_PAGES {
        return Err(PdfError::TooBig(format!("more than {MAX_PAGES} pages")));
    }
    if let Some(e) = unreadable_page(&doc).or_else(|| nesting::unbounded(&doc)) {
        return Err(e);
    }
    let mut collector = Collector::default();
    let result = pdf_extract::output_doc(&doc, &mut collector);
    if collector.chars > MAX_CHARS {
        return Err(PdfError::TooBig(format!(
            "more than {MAX_CHARS} characters drawn"
        )));
    }
    result.map_err(|e| match e {
        OutputError::PdfError(e) => classify(&e),
        other => PdfError::Malformed(other.to_string()),
    })?;
    Ok(collector.pages)
}

/// Most bytes a content stream is decoded to when checking that it decodes.
const MAX_CHECKED: u64 = 64 << 20;

/// The first page whose content cannot be read: a content stream that is missing, or that
/// does not decode (lopdf then hands pdf-extract the raw bytes, or the part decoded before
/// the damage, and the page reads as if its text were gone).
fn unreadable_page(doc: &Document) -> Option<PdfError> {
    for (n, page) in doc.get_pages() {
        for id in doc.get_page_contents(page) {
            let why = match doc.get_object(id).and_then(Object::as_stream) {
                Ok(stream) => match decodes(stream) {
                    Ok(()) => continue,
                    Err(why) => why,
                },
                Err(_) => Damage::Missing(id),
            };
            return Some(PdfError::Malformed(format!(
                "page {n} cannot be read: {why}; a damaged page is a failed read, not a page without its text"
            )));
        }
    }
    None
}

/// Why a page's content cannot be read.
#[derive(Debug, thiserror::Error)]
enum Damage {
    #[error("its content stream (object {} {}) is missing", .0.0, .0.1)]
    Missing((u32, u16)),
    #[error("its content stream is corrupt ({0})")]
    Corrupt(Inflate),
    #[error("its content stream cannot be decoded ({0})")]
    Undecodable(String),
}

/// Why a deflate stream does not inflate to its end.
#[derive(Debug, thiserror::Error)]
enum Inflate {
    #[error("it is cut short")]
    CutShort,
    #[error("{0}")]
    Damaged(flate2::DecompressError),
}

/// Whether `stream` decodes: zlib strictly (a raw deflate stream with a bad checksum, as
/// some encrypting producers write, still counts), the other filters as lopdf decodes them.
fn decodes(stream: &Stream) -> Result<(), Damage> {
    let Ok(filters) = stream.filters() else {
        return Ok(()); // not compressed
    };
    if filters.first() == Some(&&b"FlateDecode"[..]) {
        let input = stream.content.as_slice();
        return inflates(input, true)
            .or_else(|_| inflates(input.get(2..).unwrap_or_default(), false))
            .map_err(Damage::Corrupt);
    }
    stream
        .decompressed_content()
        .map(drop)
        .map_err(|e| Damage::Undecodable(e.to_string()))
}

/// Whether `input` inflates to its end (zlib, or raw deflate): damaged or cut short, it does
/// not. Stops looking after [`MAX_CHECKED`] bytes of output.
fn inflates(input: &[u8], zlib: bool) -> Result<(), Inflate> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut inflater = Decompress::new(zlib);
    let mut out = vec![0u8; 64 << 10];
    loop {
        let (read, written) = (inflater.total_in(), inflater.total_out());
        let rest = input.get(read as usize..).unwrap_or_default();
        match inflater.decompress(rest, &mut out, FlushDecompress::None) {
            Ok(Status::StreamEnd) => return Ok(()),
            Ok(_) if inflater.total_out() > MAX_CHECKED => return Ok(()),
            Ok(_) if (inflater.total_in(), inflater.total_out()) == (read, written) => {
                return Err(Inflate::CutShort);
            }
            Ok(_) => {}
            Err(e) => return Err(Inflate::Damaged(e)),
        }
    }
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
    /// Characters drawn so far; past [`MAX_CHARS`] the collector stops the extraction.
    chars: usize,
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
        self.chars += 1;
        if self.chars > MAX_CHARS {
            // Any error ends pdf-extract's walk; `glyphs_of` reports why.
            return Err(OutputError::FormatError(std::fmt::Error));
        }
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
mod tests;
