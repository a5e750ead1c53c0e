//! PDFs built in the tests with lopdf (through pdf-extract's re-export): pages drawn in
//! Helvetica as /F1 with a 2×2 grey image as /Im1, an image-only page, an encrypted document,
//! compressed and damaged streams, and bombs for the reader's bounds.

use std::io::Write as _;

use flate2::Compression;
use pdf_extract::{Dictionary, Document, Object, Stream};

pub fn name(n: &str) -> Object {
    Object::Name(n.as_bytes().to_vec())
}

pub fn dict(entries: Vec<(&str, Object)>) -> Dictionary {
    let mut d = Dictionary::new();
    for (k, v) in entries {
        d.set(k, v);
    }
    d
}

/// A PDF under construction: one page per content stream, in order.
#[derive(Debug)]
pub struct Pdf {
    encoding: String,
    pages: Vec<Stream>,
    forms: Vec<(String, Stream)>,
    parent_loop: bool,
    trailer: Vec<(String, Object)>,
}

impl Default for Pdf {
    fn default() -> Self {
        Self {
            encoding: "WinAnsiEncoding".into(),
            pages: Vec::new(),
            forms: Vec::new(),
            parent_loop: false,
            trailer: Vec::new(),
        }
    }
}

impl Pdf {
    pub fn new() -> Self {
        Self::default()
    }

    /// The font's /Encoding (WinAnsiEncoding unless set).
    pub fn encoding(mut self, encoding: &str) -> Self {
        self.encoding = encoding.into();
        self
    }

    /// A page drawn by the content stream `content`, uncompressed.
    pub fn page(self, content: &str) -> Self {
        self.page_stream(Stream::new(Dictionary::new(), content.as_bytes().to_vec()))
    }

    /// A form XObject named `name` in every page's resources (beside /Im1), drawn by
    /// `content`; it has no /Resources of its own, so it draws with those of its caller.
    pub fn form(mut self, name: &str, content: &str) -> Self {
        let dict = dict(vec![
            ("Type", self::name("XObject")),
            ("Subtype", self::name("Form")),
        ]);
        let stream = Stream::new(dict, content.as_bytes().to_vec());
        self.forms.push((name.into(), stream));
        self
    }

    /// The last page is its own /Parent and has neither /Resources nor /MediaBox, so a
    /// reader looking them up the page tree goes round for ever.
    pub fn parent_loop(mut self) -> Self {
        self.parent_loop = true;
        self
    }

    /// A page drawn by `stream` as given (already compressed, say).
    pub fn page_stream(mut self, stream: Stream) -> Self {
        self.pages.push(stream);
        self
    }

    /// A trailer entry; a dictionary becomes an indirect object.
    pub fn trailer(mut self, key: &str, value: Object) -> Self {
        self.trailer.push((key.into(), value));
        self
    }

    /// A Standard security handler with a user password the reader does not have.
    pub fn encrypted(self) -> Self {
        let encrypt = dict(vec![
            ("Filter", name("Standard")),
            ("V", Object::Integer(1)),
            ("R", Object::Integer(2)),
            ("Length", Object::Integer(40)),
            ("O", Object::string_literal(vec![0x11u8; 32])),
            ("U", Object::string_literal(vec![0x22u8; 32])),
            ("P", Object::Integer(-44)),
        ]);
        let id = Object::Array(vec![
            Object::string_literal(vec![0x33u8; 16]),
            Object::string_literal(vec![0x33u8; 16]),
        ]);
        self.trailer("Encrypt", Object::Dictionary(encrypt))
            .trailer("ID", id)
    }

    pub fn build(self) -> Vec<u8> {
        let mut doc = self.document();
        let mut out = Vec::new();
        doc.save_to(&mut out).expect("write the PDF");
        out
    }

    fn document(self) -> Document {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(dict(vec![
            ("Type", name("Font")),
            ("Subtype", name("Type1")),
            ("BaseFont", name("Helvetica")),
            ("Encoding", name(&self.encoding)),
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
        let mut xobjects = dict(vec![("Im1", image.into())]);
        for (name, form) in self.forms {
            xobjects.set(name, doc.add_object(form));
        }
        let resources = doc.add_object(dict(vec![
            ("Font", Object::Dictionary(dict(vec![("F1", font.into())]))),
            ("XObject", Object::Dictionary(xobjects)),
        ]));
        let mut kids = Vec::new();
        let last = self.pages.len();
        for (n, content) in (1..).zip(self.pages) {
            let content = doc.add_object(content);
            let media = [0, 0, 612, 792].map(Object::Integer).to_vec();
            let page = doc.add_object(dict(vec![
                ("Type", name("Page")),
                ("Parent", pages_id.into()),
                ("Contents", content.into()),
                ("Resources", resources.into()),
                ("MediaBox", Object::Array(media)),
            ]));
            if self.parent_loop && n == last {
                let own = doc.get_dictionary_mut(page).expect("the page just added");
                own.set("Parent", page);
                own.remove(b"Resources");
                own.remove(b"MediaBox");
            }
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
        for (k, v) in self.trailer {
            let v = match v {
                Object::Dictionary(d) => doc.add_object(d).into(),
                other => other,
            };
            doc.trailer.set(k, v);
        }
        doc
    }
}

/// `BT … ET` drawing each `(x, y, text)` at 10 pt, in the order given.
pub fn text_ops(items: &[(u32, u32, &str)]) -> String {
    let mut s = String::from("BT /F1 10 Tf\n");
    for (x, y, t) in items {
        s.push_str(&format!("1 0 0 1 {x} {y} Tm ({t}) Tj\n"));
    }
    s.push_str("ET\n");
    s
}

/// `lines` from the top of a page down, each 14 pt below the last.
fn report_page(lines: &[&str]) -> String {
    let items: Vec<(u32, u32, &str)> = (0u32..)
        .zip(lines)
        .map(|(i, line)| (72, 740 - 14 * i, *line))
        .collect();
    text_ops(&items)
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(bytes).expect("deflate");
    z.finish().expect("deflate")
}

/// A one-page report: each line drawn 14 pt below the last.
pub fn report(lines: &[&str]) -> Vec<u8> {
    Pdf::new().page(&report_page(lines)).build()
}

/// A scan: one page holding only an image.
pub fn image_only() -> Vec<u8> {
    Pdf::new()
        .page("q 200 0 0 200 100 400 cm /Im1 Do Q")
        .build()
}

/// Text behind a password the reader does not have.
pub fn encrypted(lines: &[&str]) -> Vec<u8> {
    let text = format!("BT /F1 10 Tf 1 0 0 1 72 700 Tm ({}) Tj ET", lines.join(" "));
    Pdf::new().page(&text).encrypted().build()
}

/// A PDF bomb: one page whose content stream is Flate-compressed twice and inflates to
/// `inflated` bytes of spaces (1 GiB from a few kilobytes). Built without inflating anything:
/// one sync-flushed deflate chunk of 1 MiB of spaces, repeated, is a valid deflate stream.
pub fn flate_bomb(inflated: u64) -> Vec<u8> {
    const CHUNK: u64 = 1 << 20;
    let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::best());
    raw.write_all(&vec![b' '; CHUNK as usize]).expect("deflate");
    raw.flush().expect("sync flush");
    let chunk = raw.get_ref().clone();
    let n = inflated / CHUNK * CHUNK;
    let mut inner = vec![0x78, 0xda];
    for _ in 0..n / CHUNK {
        inner.extend_from_slice(&chunk);
    }
    inner.extend_from_slice(&[0x03, 0x00]); // the final, empty block
    // Adler-32 of n spaces: a = 1 + 32n, b = n + 32 n(n+1)/2 (mod 65521).
    let (m, n128) = (65521u128, u128::from(n));
    let a = (1 + 32 * n128) % m;
    let b = (n128 + 32 * (n128 * (n128 + 1) / 2)) % m;
    inner.extend_from_slice(&(((b << 16) | a) as u32).to_be_bytes());
    let filters = Object::Array(vec![name("FlateDecode"), name("FlateDecode")]);
    let stream = Stream::new(dict(vec![("Filter", filters)]), zlib(&inner)).with_compression(false);
    Pdf::new().page_stream(stream).build()
}

/// One page drawing `n` characters in one text operator, its stream compressed once.
pub fn many_chars(n: usize) -> Vec<u8> {
    let mut content = b"BT /F1 1 Tf 1 0 0 1 10 700 Tm (".to_vec();
    content.extend(std::iter::repeat_n(b'x', n));
    content.extend_from_slice(b") Tj ET\n");
    let stream = Stream::new(dict(vec![("Filter", name("FlateDecode"))]), zlib(&content))
        .with_compression(false);
    Pdf::new().page_stream(stream).build()
}

/// `n` pages, each one short line.
pub fn pages(n: usize) -> Vec<u8> {
    let page = "BT /F1 10 Tf 1 0 0 1 72 700 Tm (We have never received a warrant.) Tj ET";
    (0..n).fold(Pdf::new(), |pdf, _| pdf.page(page)).build()
}

/// A report of one page per entry of `pages`, each content stream Flate-compressed; with
/// `damaged`, the last page's stream is cut short (as a broken upload or a bad mirror
/// leaves it).
pub fn compressed(pages: &[&[&str]], damaged: bool) -> Vec<u8> {
    let last = pages.len();
    let pdf = (1..).zip(pages).fold(Pdf::new(), |pdf, (n, lines)| {
        let mut bytes = zlib(report_page(lines).as_bytes());
        if damaged && n == last {
            bytes.truncate(bytes.len() / 2);
        }
        let stream =
            Stream::new(dict(vec![("Filter", name("FlateDecode"))]), bytes).with_compression(false);
        pdf.page_stream(stream)
    });
    pdf.build()
}

/// A page drawing the form /Fx, which draws itself.
pub fn self_drawing_form() -> Vec<u8> {
    Pdf::new().form("Fx", "/Fx Do").page("/Fx Do").build()
}

/// A page drawing `line` from inside `depth` forms nested in each other.
pub fn nested_forms(depth: usize, line: &str) -> Vec<u8> {
    let text = format!("BT /F1 10 Tf 1 0 0 1 72 700 Tm ({line}) Tj ET");
    let pdf = (0..depth).fold(Pdf::new(), |pdf, i| {
        let content = if i + 1 == depth {
            text.clone()
        } else {
            format!("/F{} Do", i + 1)
        };
        pdf.form(&format!("F{i}"), &content)
    });
    pdf.page(if depth == 0 { &text } else { "/F0 Do" }).build()
}

/// A page drawing a form that draws the next one twice, `depth` times over: 2^depth forms
/// drawn from a few hundred bytes.
pub fn form_fan_out(depth: usize) -> Vec<u8> {
    let pdf = (0..depth).fold(Pdf::new(), |pdf, i| {
        let next = i + 1;
        let content = if next == depth {
            "BT /F1 10 Tf 1 0 0 1 72 700 Tm (Fan) Tj ET".to_string()
        } else {
            format!("/F{next} Do /F{next} Do")
        };
        pdf.form(&format!("F{i}"), &content)
    });
    pdf.page("/F0 Do").build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_has_its_pages_and_its_text() {
        let doc =
            Document::load_mem(&report(&["We have never received a warrant."])).expect("a PDF");
        assert_eq!(doc.get_pages().len(), 1);
        let doc = Document::load_mem(&compressed(&[&["a"], &["b"]], false)).expect("a PDF");
        assert_eq!(doc.get_pages().len(), 2);
        let locked = Document::load_mem(&encrypted(&["x"])).expect("a PDF");
        assert!(locked.trailer.get(b"Encrypt").is_ok());
    }
}
