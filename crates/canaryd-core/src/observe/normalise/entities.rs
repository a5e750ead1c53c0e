//! HTML character references in text/plain canaries (scraper already decodes real HTML).
//!
//! Named references come from HTML's own table (all 2,231 names, as markup5ever carries it for
//! html5ever), so a text canary decodes exactly what its HTML twin would. Only the
//! `&name;` form is decoded: the legacy forms without `;` ("&copy 2026") are left as
//! written, because in plain text "AT&T" or "R&Donly" are words, not references.

/// Longest reference body we look for after '&' (`CounterClockwiseContourIntegral`, the
/// longest name in HTML's table, has 31 characters): bounds the scan so a lone '&' in a 10 MB
/// line costs nothing.
const MAX_REF: usize = 32;

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
    // The table's keys end in ';' (with and without it for the legacy names) and it also
    // holds every prefix of a name, mapped to (0, 0), for html5ever's tokenizer.
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return None;
    }
    let (first, second) = *markup5ever::data::NAMED_ENTITIES.get(format!("{name};").as_str())?;
    let mut out: String = char::from_u32(first)
        .filter(|_| first != 0)
        .into_iter()
        .collect();
    out.extend(char::from_u32(second).filter(|_| second != 0));
    (!out.is_empty()).then_some(out)
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
            // Names beyond the few editors usually write: HTML's whole table.
            ("&Scaron;ibenik", "\u{160}ibenik"),
            ("&alpha;&Omega;", "\u{3B1}\u{3A9}"),
            ("&rarr; &check; &frac12;", "\u{2192} \u{2713} \u{BD}"),
            ("&CounterClockwiseContourIntegral;", "\u{2233}"),
            // Two code points for one name.
            ("&NotEqualTilde;", "\u{2242}\u{338}"),
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
            "&copy 2026",
            "&verylongentityname;",
            "&Counter;",
            "&amp-x;",
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
