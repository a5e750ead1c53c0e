//! PDFs built in the tests with lopdf (through pdf-extract's re-export): text pages in
//! Helvetica, an image-only page, and an encrypted document.

use pdf_extract::{Dictionary, Document, Object, Stream};

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

/// One page per content stream; `encrypt` adds a Standard security handler with an unknown
/// user password.
fn build(pages: &[String], encrypt: bool) -> Vec<u8> {
    let streams = pages
        .iter()
        .map(|c| Stream::new(Dictionary::new(), c.as_bytes().to_vec()))
        .collect();
    build_streams(streams, encrypt)
}

/// One page per content stream, the streams as given (already compressed, say).
fn build_streams(pages: Vec<Stream>, encrypt: bool) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dict(vec![
        ("Type", name("Font")),
        ("Subtype", name("Type1")),
        ("BaseFont", name("Helvetica")),
        ("Encoding", name("WinAnsiEncoding")),
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
        let content = doc.add_object(content);
        let media = [0, 0, 612, 792].map(Object::Integer).to_vec();
        let page = doc.add_object(dict(vec![
            ("Type", name("Page")),
            ("Parent", pages_id.into()),
            ("Contents", content.into()),
            ("Resources", resources.into()),
            ("MediaBox", Object::Array(media)),
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
    if encrypt {
        let e = doc.add_object(dict(vec![
            ("Filter", name("Standard")),
            ("V", Object::Integer(1)),
            ("R", Object::Integer(2)),
            ("Length", Object::Integer(40)),
            ("O", Object::string_literal(vec![0x11u8; 32])),
            ("U", Object::string_literal(vec![0x22u8; 32])),
            ("P", Object::Integer(-44)),
        ]));
        doc.trailer.set("Encrypt", e);
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::string_literal(vec![0x33u8; 16]),
                Object::string_literal(vec![0x33u8; 16]),
            ]),
        );
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write the PDF");
    out
}

/// A one-page report: each line drawn 14 pt below the last.
pub fn report(lines: &[&str]) -> Vec<u8> {
    let mut s = String::from("BT /F1 10 Tf\n");
    for (i, line) in lines.iter().enumerate() {
        let y = 740 - 14 * i;
        s.push_str(&format!("1 0 0 1 72 {y} Tm ({line}) Tj\n"));
    }
    s.push_str("ET\n");
    build(&[s], false)
}

/// A scan: one page holding only an image.
pub fn image_only() -> Vec<u8> {
    build(&["q 200 0 0 200 100 400 cm /Im1 Do Q".to_string()], false)
}

/// Text behind a password the reader does not have.
pub fn encrypted(lines: &[&str]) -> Vec<u8> {
    let text = format!("BT /F1 10 Tf 1 0 0 1 72 700 Tm ({}) Tj ET", lines.join(" "));
    build(&[text], true)
}

/// A PDF bomb: one page whose content stream is Flate-compressed twice and inflates to
/// `inflated` bytes of spaces (1 GiB from a few kilobytes). Built without inflating anything:
/// one sync-flushed deflate chunk of 1 MiB of spaces, repeated, is a valid deflate stream.
pub fn flate_bomb(inflated: u64) -> Vec<u8> {
    use flate2::Compression;
    use std::io::Write as _;
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
    let mut outer = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    outer.write_all(&inner).expect("deflate");
    let outer = outer.finish().expect("deflate");
    let filters = Object::Array(vec![name("FlateDecode"), name("FlateDecode")]);
    let stream = Stream::new(dict(vec![("Filter", filters)]), outer).with_compression(false);
    build_streams(vec![stream], false)
}

/// One page drawing `n` characters in one text operator, its stream compressed once.
pub fn many_chars(n: usize) -> Vec<u8> {
    use flate2::Compression;
    use std::io::Write as _;
    let mut content = b"BT /F1 1 Tf 1 0 0 1 10 700 Tm (".to_vec();
    content.extend(std::iter::repeat_n(b'x', n));
    content.extend_from_slice(b") Tj ET\n");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(&content).expect("deflate");
    let stream = Stream::new(
        dict(vec![("Filter", name("FlateDecode"))]),
        z.finish().expect("deflate"),
    )
    .with_compression(false);
    build_streams(vec![stream], false)
}

/// `n` pages, each one short line.
pub fn pages(n: usize) -> Vec<u8> {
    let page =
        "BT /F1 10 Tf 1 0 0 1 72 700 Tm (We have never received a warrant.) Tj ET".to_string();
    build(&vec![page; n], false)
}

/// A report of one page per entry of `pages`, each content stream Flate-compressed; with
/// `damaged`, the last page's stream is cut short (as a broken upload or a bad mirror
/// leaves it).
#[allow(dead_code)]
pub fn compressed(pages: &[&[&str]], damaged: bool) -> Vec<u8> {
    use std::io::Write as _;
    let streams: Vec<String> = pages
        .iter()
        .map(|lines| {
            let mut s = String::from("BT /F1 10 Tf\n");
            for (i, line) in lines.iter().enumerate() {
                s.push_str(&format!("1 0 0 1 72 {} Tm ({line}) Tj\n", 740 - 14 * i));
            }
            s + "ET\n"
        })
        .collect();
    let mut doc = Document::load_mem(&build(&streams, false)).expect("reload");
    let pages = doc.get_pages();
    let last = pages.len() as u32;
    for (n, page) in pages {
        for id in doc.get_page_contents(page) {
            let Ok(Object::Stream(stream)) = doc.get_object_mut(id) else {
                continue;
            };
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&stream.content).expect("compress");
            let mut bytes = z.finish().expect("compress");
            if damaged && n == last {
                bytes.truncate(bytes.len() / 2);
            }
            stream.dict.set("Filter", name("FlateDecode"));
            stream.set_content(bytes);
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write the PDF");
    out
}
