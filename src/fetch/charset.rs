//! Turning body bytes into text: which charset (header, BOM, `<meta>`, sniffing) and which
//! format (HTML or plain text). Pure functions, no I/O.
//!
//! Order: a byte-order mark wins (as in browsers: it is unambiguous and it is in the bytes
//! themselves), then the Content-Type header's `charset`, then for HTML a `<meta>` charset in
//! the first 4 KiB, then UTF-8 if the bytes are valid UTF-8, else the non-Latin charset
//! `chardetng` (Firefox's detector) finds in the bytes (windows-1251, Shift_JIS, GBK… for
//! pages that never said they were Cyrillic or Japanese), else windows-1252.
//!
//! A declared charset that is wrong (says UTF-8, bytes are Latin-1) is still used: malformed
//! sequences become U+FFFD. We do not switch the whole page to another charset on a bad byte,
//! because a page that is UTF-8 except for one stray byte would then be garbled everywhere,
//! and fixing that byte would later change every statement at once (a false alarm). Labels
//! that decode to nothing useful (WHATWG's "replacement" encoding) are ignored.

use std::borrow::Cow;

use bytestring::ByteString;
use encoding_rs::{Encoding, REPLACEMENT, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252, X_USER_DEFINED};
use url::Url;

/// How the extractor should read the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Html,
    Text,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Html => "HTML",
            Format::Text => "plain text",
        })
    }
}

/// How many leading bytes of an HTML body are searched for a `<meta>` charset.
const META_SCAN_BYTES: usize = 4096;

/// Decodes a fetched body to UTF-8 text, returning the text and the encoding_rs name of the
/// charset actually used. Never panics and never fails: undecodable bytes become U+FFFD.
/// The text shares the body's memory when it is the bytes themselves (valid UTF-8, or ASCII
/// in an ASCII-compatible charset: most pages): a page is decoded at every check, also when
/// it turns out to be the baseline's again.
pub fn decode_page(
    body: &bytes::Bytes,
    content_type: Option<&str>,
    format: Format,
) -> (ByteString, &'static str) {
    let encoding = choose_encoding(body, content_type, format);
    if encoding == UTF_8
        && Encoding::for_bom(body).is_none()
        && let Ok(text) = ByteString::try_from(body.clone())
    {
        // What `decode` would make of it, without validating it a second time below.
        return (text, UTF_8.name());
    }
    // `decode` sniffs and strips a BOM itself, so the BOM wins as documented above.
    let (text, used, _had_errors) = encoding.decode(body);
    let text = match text {
        Cow::Borrowed(s) => {
            let shared = body.slice_ref(s.as_bytes());
            ByteString::try_from(shared).expect("the bytes of a str are UTF-8")
        }
        Cow::Owned(s) => ByteString::from(s),
    };
    (text, used.name())
}

/// Text for `text/plain`, or for a `.txt` path served without any content type; HTML otherwise.
pub fn format_for(content_type: Option<&str>, url: &Url) -> Format {
    match content_type.map(mime_type) {
        Some(mime) if !mime.is_empty() => {
            if mime.eq_ignore_ascii_case("text/plain") {
                Format::Text
            } else {
                Format::Html
            }
        }
        _ if url.path().to_ascii_lowercase().ends_with(".txt") => Format::Text,
        _ => Format::Html,
    }
}

/// What the decoded text looks like, whatever its declared type: [`Format::Html`] when it
/// starts (after a byte-order mark and whitespace) with one of the WHATWG MIME-sniffing
/// "HTML" signatures — `<!DOCTYPE HTML`, `<HTML`, `<HEAD`, `<BODY`, `<!--`, `<P`, `<DIV`,
/// … (case-insensitive, followed by a space or `>`) — and [`Format::Text`] otherwise.
///
/// Browsers only sniff bodies with no usable type; canaryd does not read pages by it either
/// (see [`Page::format`](super::Page::format)): it is the caller's way to tell "the server
/// relabelled the same document" from "the document changed".
pub fn sniff_format(text: &str) -> Format {
    // The signatures of the WHATWG MIME Sniffing standard, "identifying a resource with an
    // unknown MIME type", HTML rows.
    const SIGNATURES: [&str; 17] = [
        "<!doctype html",
        "<html",
        "<head",
        "<script",
        "<iframe",
        "<h1",
        "<div",
        "<font",
        "<table",
        "<a",
        "<style",
        "<title",
        "<b",
        "<body",
        "<br",
        "<p",
        "<!--",
    ];
    let start = text
        .trim_start_matches('\u{FEFF}')
        .trim_start_matches([' ', '\t', '\n', '\r', '\x0C']);
    let head = start.as_bytes();
    let html = SIGNATURES.iter().any(|sig| {
        let sig = sig.as_bytes();
        head.len() > sig.len()
            && head[..sig.len()].eq_ignore_ascii_case(sig)
            // "<!--" needs no terminator; the others must end the tag name.
            && (sig == b"<!--" || matches!(head[sig.len()], b' ' | b'>'))
    });
    if html { Format::Html } else { Format::Text }
}

fn choose_encoding(bytes: &[u8], content_type: Option<&str>, format: Format) -> &'static Encoding {
    if let Some((bom, _)) = Encoding::for_bom(bytes) {
        return bom;
    }
    if let Some(declared) = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .filter(|e| *e != REPLACEMENT)
    {
        return declared;
    }
    if format == Format::Html {
        let head = &bytes[..bytes.len().min(META_SCAN_BYTES)];
        if let Some(meta) = meta_charset(head) {
            return meta;
        }
    }
    if std::str::from_utf8(bytes).is_ok() {
        UTF_8
    } else {
        detect(bytes)
    }
}

/// The legacy encoding an undeclared, non-UTF-8 body most likely uses, when that is a
/// non-Latin one (Cyrillic, Greek, Hebrew, Arabic, Thai, Japanese, Chinese, Korean); else
/// windows-1252, as before detection. Latin guesses (windows-1250, ISO-8859-2…) are not taken:
/// such a page read as windows-1252 lost a few letters, and switching it now would change
/// every statement of an existing baseline at once, a false alarm; a non-Latin page read as
/// windows-1252 had no readable statement to lose. `chardetng` never answers UTF-8 here (the
/// bytes were not valid UTF-8) nor UTF-16.
fn detect(bytes: &[u8]) -> &'static Encoding {
    use encoding_rs::{
        ISO_8859_2, ISO_8859_3, ISO_8859_4, ISO_8859_10, ISO_8859_13, ISO_8859_14, ISO_8859_15,
        ISO_8859_16, MACINTOSH, WINDOWS_1250, WINDOWS_1254, WINDOWS_1257, WINDOWS_1258,
    };
    const LATIN: [&Encoding; 13] = [
        WINDOWS_1250,
        WINDOWS_1254,
        WINDOWS_1257,
        WINDOWS_1258,
        ISO_8859_2,
        ISO_8859_3,
        ISO_8859_4,
        ISO_8859_10,
        ISO_8859_13,
        ISO_8859_14,
        ISO_8859_15,
        ISO_8859_16,
        MACINTOSH,
    ];
    // ISO-2022-JP is refused as browsers refuse it: its escapes can hide markup.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    if guess == REPLACEMENT || guess == UTF_16BE || guess == UTF_16LE || LATIN.contains(&guess) {
        WINDOWS_1252
    } else {
        guess
    }
}

/// "text/html" from "text/html; charset=utf-8".
fn mime_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or("").trim()
}

/// The `charset` parameter of a Content-Type value, unquoted.
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
            .filter(|v| !v.is_empty())
    })
}

/// A simplified WHATWG "prescan": the first `<meta charset>` or
/// `<meta http-equiv="content-type" content="...charset=...">`, skipping comments.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let mut i = 0;
    while i < head.len() {
        let rest = &head[i..];
        if rest.starts_with(b"<!--") {
            // The "-->" may overlap the opening ("<!-->"), as in the HTML spec.
            match find(&rest[2..], b"-->") {
                Some(end) => i += 2 + end + 3,
                None => return None,
            }
            continue;
        }
        if rest.len() > 5
            && rest[..5].eq_ignore_ascii_case(b"<meta")
            && (rest[5].is_ascii_whitespace() || rest[5] == b'/')
        {
            let (attrs, consumed) = parse_attributes(&rest[5..]);
            i += 5 + consumed;
            if let Some(enc) = meta_encoding(&attrs) {
                return Some(enc);
            }
            continue;
        }
        i += 1;
    }
    None
}

/// The encoding a `<meta>` element's attributes declare, adjusted as browsers do.
fn meta_encoding(attrs: &[(String, String)]) -> Option<&'static Encoding> {
    let get = |name: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let label = match get("charset") {
        Some(label) => label.to_string(),
        None => {
            let equiv = get("http-equiv")?;
            if !equiv.trim().eq_ignore_ascii_case("content-type") {
                return None;
            }
            charset_from_content(get("content")?)?
        }
    };
    let enc = Encoding::for_label(label.as_bytes())?;
    // A meta tag cannot really mean UTF-16 (it was readable as ASCII), per the HTML spec.
    if enc == UTF_16BE || enc == UTF_16LE {
        Some(UTF_8)
    } else if enc == X_USER_DEFINED {
        Some(WINDOWS_1252)
    } else if enc == REPLACEMENT {
        None
    } else {
        Some(enc)
    }
}

/// "text/html; charset=iso-8859-1" → "iso-8859-1" (the HTML spec's extraction algorithm, simplified).
fn charset_from_content(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = content[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let value = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next()?
    } else if let Some(q) = rest.strip_prefix('\'') {
        q.split('\'').next()?
    } else {
        rest.split(|c: char| c.is_ascii_whitespace() || c == ';')
            .next()?
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// Parses `name=value` pairs up to the closing `>`; returns them (names lowercased) and
/// how many bytes were consumed.
fn parse_attributes(s: &[u8]) -> (Vec<(String, String)>, usize) {
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while i < s.len() && (s[i].is_ascii_whitespace() || s[i] == b'/') {
            i += 1;
        }
        if i >= s.len() {
            return (attrs, i);
        }
        if s[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < s.len() && !s[i].is_ascii_whitespace() && !matches!(s[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = String::from_utf8_lossy(&s[start..i]).to_ascii_lowercase();
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < s.len() && s[i] == b'=' {
            i += 1;
            while i < s.len() && s[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < s.len() && (s[i] == b'"' || s[i] == b'\'') {
                let quote = s[i];
                i += 1;
                let vstart = i;
                while i < s.len() && s[i] != quote {
                    i += 1;
                }
                value = String::from_utf8_lossy(&s[vstart..i]).into_owned();
                i = (i + 1).min(s.len());
            } else {
                let vstart = i;
                while i < s.len() && !s[i].is_ascii_whitespace() && s[i] != b'>' {
                    i += 1;
                }
                value = String::from_utf8_lossy(&s[vstart..i]).into_owned();
            }
        }
        if !name.is_empty() && !attrs.iter().any(|(n, _)| *n == name) {
            attrs.push((name, value));
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRENCH: &str = "Nous n'avons reçu aucune réquisition";

    /// The plain decoding `decode_page` must equal: the text always a copy.
    fn decode_body(
        bytes: &[u8],
        content_type: Option<&str>,
        format: Format,
    ) -> (String, &'static str) {
        let encoding = choose_encoding(bytes, content_type, format);
        // `decode` sniffs and strips a BOM itself, so the BOM wins as documented above.
        let (text, used, _had_errors) = encoding.decode(bytes);
        (text.into_owned(), used.name())
    }

    fn latin1(s: &str) -> Vec<u8> {
        let (bytes, _, _) = WINDOWS_1252.encode(s);
        bytes.into_owned()
    }

    /// `decode_page` reads every body as `decode_body` does, and shares the body's memory
    /// exactly when the text is its bytes.
    #[test]
    fn decode_page_is_decode_body_sharing_the_body_when_it_can() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(FRENCH.as_bytes());
        let (utf16, _, _) = UTF_16LE.encode(FRENCH);
        let mut utf16 = utf16.into_owned();
        utf16.splice(0..0, [0xFF, 0xFE]);
        let cases: &[(&[u8], Option<&str>, bool)] = &[
            (FRENCH.as_bytes(), None, true),
            (FRENCH.as_bytes(), Some("text/html; charset=utf-8"), true),
            (
                b"<p>plain ASCII</p>",
                Some("text/html; charset=windows-1252"),
                true,
            ),
            (&bom, None, true),
            (
                &latin1(FRENCH),
                Some("text/html; charset=iso-8859-1"),
                false,
            ),
            (&latin1(FRENCH), Some("text/html; charset=utf-8"), false),
            (&utf16, None, false),
            (b"", None, true),
        ];
        for (bytes, content_type, shared) in cases {
            let body = bytes::Bytes::copy_from_slice(bytes);
            let (text, cs) = decode_page(&body, *content_type, Format::Html);
            let (want, want_cs) = decode_body(bytes, *content_type, Format::Html);
            assert_eq!(
                (&text[..], cs),
                (want.as_str(), want_cs),
                "{content_type:?}"
            );
            let inside = body.as_ptr_range().contains(&text.as_ptr());
            assert_eq!(
                inside || text.is_empty(),
                *shared,
                "{content_type:?} {want:?}"
            );
        }
    }

    #[test]
    fn header_charset_is_used() {
        let body = latin1(FRENCH);
        let (text, cs) = decode_body(&body, Some("text/html; charset=ISO-8859-1"), Format::Html);
        assert_eq!(text, FRENCH);
        assert_eq!(cs, "windows-1252");
        let (text, _) = decode_body(&body, Some("text/plain;charset=\"latin1\""), Format::Text);
        assert_eq!(text, FRENCH);
    }

    #[test]
    fn bom_wins() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend_from_slice(FRENCH.as_bytes());
        let (text, cs) = decode_body(&body, Some("text/html; charset=windows-1252"), Format::Html);
        assert_eq!(text, FRENCH);
        assert_eq!(cs, "UTF-8");
    }

    #[test]
    fn meta_charset_forms() {
        for head in [
            "<meta charset=\"iso-8859-1\">",
            "<META CHARSET=latin1>",
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\">",
            "<meta content='text/html; charset=windows-1252' http-equiv='content-type'/>",
        ] {
            let mut body = format!("<html><head>{head}</head><body><p>").into_bytes();
            body.extend(latin1(FRENCH));
            let (text, cs) = decode_body(&body, Some("text/html"), Format::Html);
            assert!(text.contains(FRENCH), "{head}: {text}");
            assert_eq!(cs, "windows-1252", "{head}");
        }
    }

    #[test]
    fn commented_out_meta_is_ignored_and_text_skips_meta() {
        let mut body = b"<!-- <meta charset=iso-8859-2> --><p>".to_vec();
        body.extend_from_slice(FRENCH.as_bytes());
        assert_eq!(decode_body(&body, None, Format::Html).1, "UTF-8");
        let body = b"<meta charset=iso-8859-2> plain".to_vec();
        assert_eq!(decode_body(&body, None, Format::Text).1, "UTF-8");
    }

    #[test]
    fn meta_beyond_scan_window_is_not_seen() {
        let mut body = vec![b' '; META_SCAN_BYTES];
        body.extend_from_slice(b"<meta charset=iso-8859-2>");
        assert_eq!(decode_body(&body, None, Format::Html).1, "UTF-8");
    }

    #[test]
    fn undeclared_sniffing() {
        assert_eq!(
            decode_body(FRENCH.as_bytes(), None, Format::Html).1,
            "UTF-8"
        );
        let (text, cs) = decode_body(&latin1(FRENCH), None, Format::Html);
        assert_eq!((text.as_str(), cs), (FRENCH, "windows-1252"));
    }

    /// Cyrillic and Japanese pages that declare nothing are read in their own charset, not
    /// as windows-1252 mojibake (whose every statement would read as nonsense); a Central
    /// European one stays windows-1252, as it was read before detection.
    #[test]
    fn undeclared_non_latin_pages_are_detected() {
        const RUSSIAN: &str = "Мы никогда не получали запросов от спецслужб и не подвергались запрету на разглашение информации о таких запросах.";
        const JAPANESE: &str = "当社は、これまでに政府機関から利用者情報の開示を求める秘密の命令を受けたことはありません。";
        for (enc, text, name) in [
            (encoding_rs::WINDOWS_1251, RUSSIAN, "windows-1251"),
            (encoding_rs::SHIFT_JIS, JAPANESE, "Shift_JIS"),
        ] {
            let (bytes, _, unmappable) = enc.encode(text);
            assert!(!unmappable);
            let html = [b"<html><body><p>".as_slice(), &bytes, b"</p></body></html>"].concat();
            for (body, format) in [(&html, Format::Html), (&bytes.to_vec(), Format::Text)] {
                let (decoded, cs) = decode_body(body, None, format);
                assert_eq!(cs, name, "{format}");
                assert!(decoded.contains(text), "{decoded}");
            }
        }
        let polish = "Nigdy nie otrzymaliśmy żadnego nakazu sądowego ani listu bezpieczeństwa narodowego, który zakazywałby nam mówienia o nim.";
        let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode(polish);
        assert_eq!(decode_body(&bytes, None, Format::Text).1, "windows-1252");
    }

    #[test]
    fn wrong_declaration_gives_replacement_chars_not_panic() {
        let (text, cs) = decode_body(
            &latin1(FRENCH),
            Some("text/html; charset=utf-8"),
            Format::Html,
        );
        assert_eq!(cs, "UTF-8");
        assert_eq!(text, "Nous n'avons re\u{FFFD}u aucune r\u{FFFD}quisition");
    }

    #[test]
    fn useless_labels_are_ignored() {
        let (text, cs) = decode_body(
            FRENCH.as_bytes(),
            Some("text/html; charset=iso-2022-kr"),
            Format::Html,
        );
        assert_eq!((text.as_str(), cs), (FRENCH, "UTF-8"));
        let (_, cs) = decode_body(b"<meta charset=utf-16><p>hi", None, Format::Html);
        assert_eq!(cs, "UTF-8");
        let (_, cs) = decode_body(b"x", Some("text/html; charset=no-such-thing"), Format::Html);
        assert_eq!(cs, "UTF-8");
    }

    #[test]
    fn sniffing_follows_the_bytes_not_the_label() {
        for html in [
            "<!DOCTYPE html>\n<html><p>x</p></html>",
            "\u{FEFF}  \n<html lang=en><body>",
            "<HTML>",
            "<!-- generated -->\n<!doctype html>",
            "\r\n<p>We have never received a National Security Letter.",
            "<head>\n<title>Canary</title>",
        ] {
            assert_eq!(sniff_format(html), Format::Html, "{html:?}");
        }
        for text in [
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n",
            "We have never received a National Security Letter.\n",
            "<pre>statement</pre>",
            "<htmlx>",
            "<p",
            "",
            "   ",
        ] {
            assert_eq!(sniff_format(text), Format::Text, "{text:?}");
        }
    }

    #[test]
    fn formats() {
        let txt = Url::parse("https://example.org/canary.txt").expect("valid url");
        let html = Url::parse("https://example.org/canary").expect("valid url");
        assert_eq!(
            format_for(Some("text/plain; charset=utf-8"), &html),
            Format::Text
        );
        assert_eq!(format_for(Some("Text/Plain"), &html), Format::Text);
        assert_eq!(format_for(Some("text/html"), &txt), Format::Html);
        assert_eq!(format_for(None, &txt), Format::Text);
        assert_eq!(format_for(None, &html), Format::Html);
    }
}
