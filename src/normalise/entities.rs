//! HTML entity decoding for text/plain canaries (scraper already decodes HTML).

/// The named entities canaries actually use; anything else is left as written.
const NAMED: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{00A0}"),
    ("ndash", "\u{2013}"),
    ("mdash", "\u{2014}"),
    ("lsquo", "\u{2018}"),
    ("rsquo", "\u{2019}"),
    ("ldquo", "\u{201C}"),
    ("rdquo", "\u{201D}"),
    ("laquo", "\u{00AB}"),
    ("raquo", "\u{00BB}"),
    ("hellip", "\u{2026}"),
    ("shy", "\u{00AD}"),
    ("zwsp", "\u{200B}"),
    ("eacute", "é"),
    ("egrave", "è"),
    ("ecirc", "ê"),
    ("agrave", "à"),
    ("acirc", "â"),
    ("ccedil", "ç"),
    ("icirc", "î"),
    ("ocirc", "ô"),
    ("ugrave", "ù"),
    ("ucirc", "û"),
    ("euml", "ë"),
    ("iuml", "ï"),
    ("copy", "©"),
    ("reg", "®"),
];

/// Decodes `&name;`, `&#NNN;` and `&#xHHH;` in one linear pass.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        // Entities are short; a lone '&' must not make us scan the whole text.
        let end = tail
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(j, _)| j);
        let decoded = end.and_then(|j| entity(&tail[..j]).map(|s| (s, j)));
        match decoded {
            Some((s, j)) => {
                out.push_str(&s);
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

fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        return char::from_u32(code).map(String::from);
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
    fn named_and_numeric_entities_decode() {
        assert_eq!(
            decode("A&amp;B &#8217;s &#x201C;x&#x201D; &nbsp;"),
            "A&B \u{2019}s \u{201C}x\u{201D} \u{00A0}"
        );
        assert_eq!(decode("n&eacute;ant"), "néant");
    }

    #[test]
    fn unknown_or_broken_entities_stay() {
        assert_eq!(
            decode("AT&T and &bogus; and & alone &#xZZ;"),
            "AT&T and &bogus; and & alone &#xZZ;"
        );
    }
}
