//! Sentence splitting for canary paragraphs, robust to abbreviations, initials, decimals,
//! URLs and numbered references.

/// Words that end with a period without ending a sentence (lower-case, no period).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "eg", "ie",
    "inc", "ltd", "llc", "corp", "co", "art", "sec", "secs", "approx", "fig", "vol", "p", "pp",
    "cf", "al", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "u.s", "u.s.a", "u.k", "u.n", "e.u", "gov", "dept", "est", "ca", "viz", "resp", "mme",
    "mlle", "cie", "av", "ref", "refs", "para", "ch",
];

fn is_abbreviation(word: &str) -> bool {
    let w = word
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    if w.is_empty() {
        return false;
    }
    // Single initials ("J. Smith") and dotted acronyms ("U.S", "e.g").
    if w.chars().count() == 1 && w.chars().all(char::is_alphabetic) {
        return true;
    }
    if w.contains('.') && w.split('.').all(|p| p.chars().count() <= 2) {
        return true;
    }
    ABBREVIATIONS.contains(&w.as_str())
}

/// Whether a sentence may start at `rest` (the text after the whitespace).
fn starts_sentence(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() || c.is_ascii_digit() => true,
        Some('"' | '\'' | '(' | '[' | '\u{201C}' | '\u{2018}' | '\u{00AB}' | '¿' | '¡') => chars
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()),
        _ => false,
    }
}

/// Splits a paragraph into sentences, trimmed, in order.
///
/// ```
/// use canaryd::extract::split_sentences;
///
/// let s = split_sentences("The U.S. Government has never served us. See Order No. 5. It was sealed.");
/// assert_eq!(s, ["The U.S. Government has never served us.", "See Order No. 5.", "It was sealed."]);
/// ```
pub fn split_sentences(paragraph: &str) -> Vec<String> {
    let text = paragraph.trim();
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'.' | b'!' | b'?') {
            // Swallow a run of terminators and closing quotes/brackets.
            let mut end = i + 1;
            while end < bytes.len()
                && matches!(bytes[end], b'.' | b'!' | b'?' | b'"' | b'\'' | b')' | b']')
            {
                end += 1;
            }
            let mut tail = &text[end..];
            // Typographic closing quotes are multi-byte.
            for q in ['\u{201D}', '\u{2019}', '\u{00BB}'] {
                if let Some(t) = tail.strip_prefix(q) {
                    tail = t;
                }
            }
            let end = text.len() - tail.len();
            let after = tail.trim_start();
            if tail.len() > after.len()
                && starts_sentence(after)
                && !keeps_going(&text[start..i], b, after)
            {
                let sentence = text[start..end].trim();
                if !sentence.is_empty() {
                    out.push(sentence.to_string());
                }
                start = text.len() - after.len();
                i = start;
                continue;
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    let last = text[start..].trim();
    if !last.is_empty() {
        out.push(last.to_string());
    }
    out
}

/// True when the period closing `before` does not end the sentence.
fn keeps_going(before: &str, terminator: u8, after: &str) -> bool {
    if terminator != b'.' {
        return false;
    }
    let word = before.rsplit(char::is_whitespace).next().unwrap_or("");
    // "No. 1234" is a number sign; "A: No. We never…" ends a sentence.
    if matches!(word.to_lowercase().as_str(), "no" | "nos" | "nr") {
        return after.starts_with(|c: char| c.is_ascii_digit());
    }
    // A list marker or reference number at the very start ("1. The date…").
    if before
        .trim()
        .chars()
        .all(|c| c.is_ascii_digit() || c == '(' || c == ')')
    {
        return true;
    }
    is_abbreviation(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_tricky_paragraphs() {
        let cases: &[(&str, &[&str])] = &[
            (
                "As of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court. Riseup has never placed any backdoors in our software and have not received any requests to do so. Riseup has never disclosed any user communications to any third party.",
                &[
                    "As of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court.",
                    "Riseup has never placed any backdoors in our software and have not received any requests to do so.",
                    "Riseup has never disclosed any user communications to any third party.",
                ],
            ),
            (
                "The U.S. Government has never served us. We comply, e.g. with court orders. Next one.",
                &[
                    "The U.S. Government has never served us.",
                    "We comply, e.g. with court orders.",
                    "Next one.",
                ],
            ),
            (
                "See Order No. 1234 of the court. It was sealed.",
                &["See Order No. 1234 of the court.", "It was sealed."],
            ),
            (
                "Example Inc. has never received an NSL. J. Smith signed it.",
                &[
                    "Example Inc. has never received an NSL.",
                    "J. Smith signed it.",
                ],
            ),
            (
                "We answered 1.5 requests per day. None were NSLs.",
                &["We answered 1.5 requests per day.", "None were NSLs."],
            ),
            (
                "Read riseup.net/canary and https://eff.org/a.b for more. Thanks.",
                &[
                    "Read riseup.net/canary and https://eff.org/a.b for more.",
                    "Thanks.",
                ],
            ),
            (
                "1. The date of issue of this canary is May 1, 2024.",
                &["1. The date of issue of this canary is May 1, 2024."],
            ),
            (
                "A: No. We have never permitted monitoring.",
                &["A: No.", "We have never permitted monitoring."],
            ),
            (
                "Why not? \"We never did.\" Fine!",
                &["Why not?", "\"We never did.\"", "Fine!"],
            ),
            ("no terminator at all", &["no terminator at all"]),
            ("", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(
                split_sentences(text),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{text}"
            );
        }
    }

    #[test]
    fn one_long_line_is_linear() {
        let line = "We have never received a warrant ".repeat(300_000);
        assert_eq!(split_sentences(&line).len(), 1);
    }
}
