//! rPGP's errors in words: its messages can carry the Debug form of a parser error, byte
//! arrays of the input (`input: [66, 81, …]`) and whole backtraces, which say nothing to the
//! person reading an alert. Pure.

/// At most this many characters of an error's words.
const MAX_CHARS: usize = 240;

/// `e` said for people: what the parser was reading when it failed, never its raw bytes.
pub(crate) fn pgp_error(e: &dyn std::fmt::Display) -> String {
    let raw = e.to_string();
    let lower = raw.to_ascii_lowercase();
    // The places rPGP's armour reader fails, as the message names them.
    let place = [
        (
            "armor footer",
            "the armour's closing line (-----END PGP …-----) is missing or malformed",
        ),
        (
            "armor header",
            "the armour's opening line (-----BEGIN PGP …-----) is malformed",
        ),
        (
            "checksum",
            "the armour's checksum does not match: the file was damaged or altered",
        ),
        ("base64", "the armour's base64 body is malformed"),
    ]
    .iter()
    .find(|(word, _)| lower.contains(word))
    .map(|(_, words)| (*words).to_string());
    if let Some(words) = place {
        return words;
    }
    let words = plain(&raw);
    if words.is_empty() {
        "the data is not valid OpenPGP".to_string()
    } else {
        words
    }
}

/// The message up to the first Debug-formatted part (`Error(`, `{ `, `[`, a backtrace), on
/// one line, shortened.
fn plain(raw: &str) -> String {
    let mut cut = (raw.len(), "");
    for marker in ["Error(", "{", "[", "backtrace", "Backtrace", "\n"] {
        if let Some(i) = raw.find(marker)
            && i < cut.0
        {
            cut = (i, marker);
        }
    }
    let mut head = raw[..cut.0].trim_end();
    // "… Custom {": the word before a brace is the name of the type being printed.
    if cut.1 == "{"
        && let Some((before, name)) = head.rsplit_once(' ')
        && name.starts_with(|c: char| c.is_ascii_uppercase())
    {
        head = before;
    }
    let head = head.trim().trim_end_matches([':', ',', ';', '-']).trim();
    let head = head.strip_prefix("IO error: ").unwrap_or(head);
    let head = head.strip_prefix("failed reading: ").unwrap_or(head);
    let mut words: String = head.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.chars().count() > MAX_CHARS {
        words = words.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arrays_and_debug_forms_become_words() {
        let footer = "IO error: failed reading: armor footer Error(Error { input: [66, 81, 74, 45, 45], code: Tag })";
        let said = pgp_error(&footer);
        assert!(!said.contains('['), "{said}");
        assert!(said.contains("closing line"), "{said}");

        let nested = "Invalid Packet Content Custom {\n    message: \"assertion failed\",\n}";
        assert_eq!(pgp_error(&nested), "Invalid Packet Content");

        let traced = "packet is incomplete: UnexpectedEof { source: Custom { kind: UnexpectedEof }, backtrace: Some(Backtrace [{ fn: \"x\" }]) }";
        assert_eq!(pgp_error(&traced), "packet is incomplete");

        assert_eq!(pgp_error(&"[1, 2, 3]"), "the data is not valid OpenPGP");
        assert_eq!(
            pgp_error(&"unknown packet header version 0"),
            "unknown packet header version 0"
        );
    }
}
