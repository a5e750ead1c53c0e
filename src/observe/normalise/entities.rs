//! HTML character references in text/plain canaries (scraper already decodes real HTML).

/// The named references canaries and their editors actually produce. Anything else is left
/// as written: guessing at an unknown name would change the wording we quote.
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{00A0}"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("thinsp", "\u{2009}"),
    ("shy", "\u{00AD}"),
    ("zwsp", "\u{200B}"),
    ("zwnj", "\u{200C}"),
    ("zwj", "\u{200D}"),
    ("ndash", "\u{2013}"),
    ("mdash", "\u{2014}"),
    ("minus", "\u{2212}"),
    ("hyphen", "\u{2010}"),
    ("lsquo", "\u{2018}"),
    ("rsquo", "\u{2019}"),
    ("sbquo", "\u{201A}"),
    ("ldquo", "\u{201C}"),
    ("rdquo", "\u{201D}"),
    ("bdquo", "\u{201E}"),
    ("laquo", "\u{00AB}"),
    ("raquo", "\u{00BB}"),
    ("lsaquo", "\u{2039}"),
    ("rsaquo", "\u{203A}"),
    ("prime", "\u{2032}"),
    ("Prime", "\u{2033}"),
    ("hellip", "\u{2026}"),
    ("bull", "\u{2022}"),
    ("middot", "\u{00B7}"),
    ("deg", "\u{00B0}"),
    ("sect", "\u{00A7}"),
    ("para", "\u{00B6}"),
    ("copy", "\u{00A9}"),
    ("reg", "\u{00AE}"),
    ("trade", "\u{2122}"),
    ("euro", "\u{20AC}"),
    ("pound", "\u{00A3}"),
    ("times", "\u{00D7}"),
    ("agrave", "à"),
    ("aacute", "á"),
    ("acirc", "â"),
    ("auml", "ä"),
    ("ccedil", "ç"),
    ("egrave", "è"),
    ("eacute", "é"),
    ("ecirc", "ê"),
    ("euml", "ë"),
    ("icirc", "î"),
    ("iuml", "ï"),
    ("iacute", "í"),
    ("ntilde", "ñ"),
    ("ocirc", "ô"),
    ("oacute", "ó"),
    ("ouml", "ö"),
    ("oelig", "œ"),
    ("ugrave", "ù"),
    ("uacute", "ú"),
    ("ucirc", "û"),
    ("uuml", "ü"),
    ("szlig", "ß"),
    ("Agrave", "À"),
    ("Ccedil", "Ç"),
    ("Eacute", "É"),
    ("Egrave", "È"),
    ("Ecirc", "Ê"),
    ("OElig", "Œ"),
];

/// Longest reference body we look for after '&' ("#x10FFFF", "thinsp"): bounds the scan so a
/// lone '&' in a 10 MB line costs nothing.
const MAX_REF: usize = 10;

/// Windows-1252 code points that HTML maps numeric references 128–159 to (old editors wrote
/// "&#146;" for an apostrophe).
const CP1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// Decodes `&name;`, `&#NNN;` and `&#xHHH;` in one linear pass. Decoding happens once, so
/// "&amp;amp;" becomes "&amp;", as a browser shows it.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        let semi = tail
            .char_indices()
            .take(MAX_REF + 1)
            .find(|&(_, c)| c == ';')
            .map(|(j, _)| j);
        match semi.and_then(|j| reference(&tail[..j]).map(|c| (c, j))) {
            Some((decoded, j)) => {
                out.push_str(&decoded);
                rest = &tail[j + 1..];
            }
            None => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u32::from_str_radix(hex, 16).ok()?
            }
            None if !num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) => {
                num.parse::<u32>().ok()?
            }
            _ => return None,
        };
        let c = match code {
            0x80..=0x9F => CP1252[(code - 0x80) as usize],
            // NUL, surrogates and out-of-range values are what browsers replace, too.
            _ => char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{FFFD}'),
        };
        return Some(c.to_string());
    }
    NAMED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| (*v).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_decode() {
        let cases: &[(&str, &str)] = &[
            ("A &amp; B", "A & B"),
            ("it&#8217;s", "it\u{2019}s"),
            ("it&#x2019;s", "it\u{2019}s"),
            ("it&#X2019;s", "it\u{2019}s"),
            ("it&#146;s", "it\u{2019}s"),
            ("a&nbsp;b", "a\u{00A0}b"),
            ("n&eacute;ant &ndash; rien", "néant \u{2013} rien"),
            ("&ldquo;never&rdquo;", "\u{201C}never\u{201D}"),
            ("&amp;amp;", "&amp;"),
            ("&#0;", "\u{FFFD}"),
            ("&#xD800;", "\u{FFFD}"),
            ("&#99999999;", "\u{FFFD}"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode(raw), *want, "{raw}");
        }
    }

    #[test]
    fn unknown_or_broken_references_stay() {
        let cases = [
            "AT&T",
            "&bogus;",
            "& alone",
            "&#xZZ;",
            "&#;",
            "&#x;",
            "&amp",
            "&verylongentityname;",
        ];
        for raw in cases {
            assert_eq!(decode(raw), raw);
        }
    }

    #[test]
    fn many_ampersands_stay_linear() {
        let raw = "&".repeat(1_000_000);
        assert_eq!(decode(&raw).len(), 1_000_000);
    }
}
