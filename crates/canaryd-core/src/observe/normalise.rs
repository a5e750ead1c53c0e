//! Normalisation: a statement's display form, its comparison key (dates masked) and hash. Pure.

mod dates;
mod entities;

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use crate::observe::statement::Statement;

pub use dates::find_dates;
pub(crate) use dates::{MONTH_NAMES, find, month_number};

/// The token that replaces a date in comparison keys.
pub const DATE_TOKEN: &str = "<date>";

/// Footnote markers after a word ("As of March 31, 2015 [1], …", "operation[0]"): adding or
/// renumbering them is not a change of claim. A marker opening the text is the footnote
/// itself and stays.
static FOOTNOTE_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([^\s\[])(?:\s*\[\d{1,3}\])+").expect("the footnote pattern is a valid regex")
});

/// Spacing inside brackets and before punctuation is layout, not wording.
static SPACE_BEFORE_PUNCT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s+([.,;:!?)\]])").expect("the punctuation pattern is a valid regex")
});
static SPACE_AFTER_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([(\[])\s+").expect("the bracket pattern is a valid regex"));

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// Appends `text` to `out` with whitespace runs collapsed to one space and zero-width
/// characters dropped, `map` applied to every other character. No leading or trailing space.
fn collapse_into(text: &str, out: &mut String, mut map: impl FnMut(char, &mut String)) {
    let mut pending_space = false;
    for c in text.chars() {
        if is_zero_width(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        map(c, out);
    }
}

/// The display form: character references decoded, zero-width characters removed,
/// whitespace (NBSP included) collapsed, trimmed. Quote style and case are kept: alerts
/// quote this.
pub fn clean(raw: &str) -> String {
    let decoded = entities::decode(raw);
    let mut out = String::with_capacity(decoded.len());
    collapse_into(&decoded, &mut out, |c, out| out.push(c));
    out
}

/// Typographic variants an editor or CMS swaps without changing the wording.
fn fold_char(c: char, out: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
            out.push('\'');
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => {
            out.push('"');
        }
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            out.push('-')
        }
        '\u{2026}' => out.push_str("..."),
        c => out.extend(c.to_lowercase()),
    }
}

/// NFKC, typographic quotes, dashes and ellipses folded, lower-case, whitespace collapsed,
/// zero-width characters removed: the wording as compared, before dates are masked.
pub(crate) fn fold(text: &str) -> String {
    if text.is_ascii() {
        // NFKC leaves ASCII as it is; most canaries are ASCII, and this runs per block and,
        // for the deadline, on every statement of the baseline at every check.
        return fold_ascii(text);
    }
    let nfkc: String = text.nfkc().collect();
    let mut out = String::with_capacity(nfkc.len());
    collapse_into(&nfkc, &mut out, fold_char);
    out
}

/// [`fold`] of ASCII text, byte by byte: what `collapse_into` with `fold_char` makes of it
/// (ASCII whitespace as `char::is_whitespace` has it, vertical tab included; '`' folded).
fn fold_ascii(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut pending_space = false;
    for b in text.bytes() {
        if matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        out.push(if b == b'`' {
            b'\''
        } else {
            b.to_ascii_lowercase()
        });
    }
    String::from_utf8(out).expect("ASCII bytes in, ASCII bytes out")
}

/// The comparison form of `text` and the dates found in it, in order. See [`fold`]; then
/// footnote markers are dropped and dates masked as [`DATE_TOKEN`] (with the commas around
/// them), spacing before punctuation and a closing '.', ';' or ',' are dropped. Numbers that
/// are not dates stay: "0" becoming "0-249" changes the key.
pub fn comparison_key(text: &str) -> (String, Vec<NaiveDate>) {
    let folded = fold(&entities::decode(text));
    // The byte tests skip regex passes that cannot match; keys are built for every statement.
    let unmarked = if folded.contains('[') {
        FOOTNOTE_MARK.replace_all(&folded, "${1}")
    } else {
        Cow::Borrowed(folded.as_str())
    };
    let (masked, found) = if unmarked.bytes().any(|b| b.is_ascii_digit()) {
        dates::mask(&unmarked, DATE_TOKEN)
    } else {
        (unmarked.into_owned(), Vec::new())
    };
    let tight = SPACE_BEFORE_PUNCT.replace_all(&masked, "${1}");
    let tight = if tight.contains(['(', '[']) {
        Cow::Owned(SPACE_AFTER_OPEN.replace_all(&tight, "${1}").into_owned())
    } else {
        tight
    };
    let mut key = String::with_capacity(tight.len());
    collapse_into(&tight, &mut key, |c, out| out.push(c));
    let end = key.trim_end_matches(['.', ';', ',', ' ']).len();
    key.truncate(end);
    (key, found)
}

/// Lower-case hex SHA-256 (of a `&str` or of bytes): [`crate::digest`], here for its callers.
pub use crate::digest::sha256_hex;

/// One statement from its raw wording.
pub fn statement(raw: &str, claim: bool) -> Statement {
    let text = clean(raw);
    let (key, dates) = comparison_key(&text);
    let hash = sha256_hex(&key);
    Statement {
        text,
        key,
        hash,
        claim,
        dates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test dates are valid")
    }

    /// The ASCII shortcut folds exactly as the general path does, every ASCII byte and
    /// every whitespace arrangement included.
    #[test]
    fn ascii_fold_matches_the_general_fold() {
        let general = |t: &str| {
            let mut out = String::new();
            collapse_into(t, &mut out, fold_char);
            out
        };
        let every_byte: String = (0u8..=127).map(char::from).collect();
        let cases = [
            every_byte.as_str(),
            "  We HAVE   never\treceived\x0Ba `National` Security Letter.\x0C\r\n ",
            "\n\n",
            "",
            "ABC-def_GHI 2024-01-31 [1]",
            " \x0B\x0Cx\x0B",
        ];
        for t in cases {
            assert_eq!(fold_ascii(t), general(t), "{t:?}");
            assert_eq!(fold(t), general(t), "{t:?}");
        }
        assert_eq!(fold(" A\x0B`B` "), "a 'b'");
    }

    #[test]
    fn clean_decodes_strips_and_collapses() {
        let cases: &[(&str, &str)] = &[
            (
                "  We  \u{201C}never\u{201D}\n received &amp; kept\u{200B} ",
                "We \u{201C}never\u{201D} received & kept",
            ),
            ("Riseup&#8217;s&nbsp;canary", "Riseup\u{2019}s canary"),
            (
                "soft\u{00AD}hyphen and\u{2060}joiner\u{FEFF}",
                "softhyphen andjoiner",
            ),
            ("a\u{00A0}\u{2003}\t\r\nb", "a b"),
            ("\u{200B} \u{00A0}", ""),
            ("KEEP Case 'and' \"quotes\"", "KEEP Case 'and' \"quotes\""),
        ];
        for (raw, want) in cases {
            assert_eq!(clean(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn cosmetic_variants_share_one_key() {
        let base = "We have never received a \"National Security Letter\" - or a gag order...";
        for variant in [
            "We have  never\nreceived a \u{201C}National Security Letter\u{201D} \u{2014} or a gag order\u{2026}",
            "We have never re\u{200B}ceived a \u{201E}National Security Letter\u{201F} \u{2013} or a gag order...",
            "WE HAVE NEVER RECEIVED A \"NATIONAL SECURITY LETTER\" \u{2212} OR A GAG ORDER...",
            "We&nbsp;have never received a &ldquo;National Security Letter&rdquo; &ndash; or a gag order&hellip;",
            "We have never received a \u{00AB}National Security Letter\u{00BB}\u{00A0}- or a gag order...",
            "\u{FF37}e have never received a \"National Security Letter\" - or a gag order...",
        ] {
            assert_eq!(
                comparison_key(variant).0,
                comparison_key(base).0,
                "{variant}"
            );
        }
    }

    #[test]
    fn apostrophes_fold() {
        assert_eq!(
            comparison_key("Riseup\u{2019}s servers haven`t been seized").0,
            "riseup's servers haven't been seized"
        );
    }

    #[test]
    fn re_signing_keeps_the_key_and_returns_dates() {
        let cases: &[(&str, &str, Vec<NaiveDate>, Vec<NaiveDate>)] = &[
            (
                "As of April 21, 2014, Riseup has not received any National Security Letters.",
                "As of July 1, 2014 riseup has not received any National Security Letters",
                vec![d(2014, 4, 21)],
                vec![d(2014, 7, 1)],
            ),
            (
                "As of January 2, 2015, riseup has not received any NSL.",
                "As of July 27, 2015 [1], riseup has not received any NSL.",
                vec![d(2015, 1, 2)],
                vec![d(2015, 7, 27)],
            ),
            (
                "Au 1er mars 2024, Exemple n'a jamais reçu de mandat.",
                "Au 15 février 2025, Exemple n\u{2019}a jamais reçu de mandat.",
                vec![d(2024, 3, 1)],
                vec![d(2025, 2, 15)],
            ),
            (
                "Thu, 01 Aug 2024 12:00:00 +0000",
                "Sat, 20 Jan 2024 06:58:24 +0000",
                vec![d(2024, 8, 1)],
                vec![d(2024, 1, 20)],
            ),
        ];
        for (a, b, da, db) in cases {
            let (ka, fa) = comparison_key(a);
            let (kb, fb) = comparison_key(b);
            assert_eq!(ka, kb, "{a} / {b}");
            assert!(ka.contains(DATE_TOKEN), "{ka}");
            assert_eq!((&fa, &fb), (da, db));
        }
    }

    #[test]
    fn real_changes_change_the_key() {
        let pairs = [
            (
                "National security requests: 0",
                "National security requests: 0-249",
            ),
            ("We received 3 orders", "We received 4 orders"),
            (
                "We have never received an NSL.",
                "We have not received an NSL.",
            ),
            (
                "We have never received a warrant.",
                "We have never received a warrant?",
            ),
        ];
        for (a, b) in pairs {
            assert_ne!(comparison_key(a).0, comparison_key(b).0, "{a} / {b}");
        }
    }

    #[test]
    fn footnote_markers_are_dropped_except_leading() {
        let cases: &[(&str, &str)] = &[
            (
                "in a widely-reported incident [2], the FBI seized",
                "in a widely-reported incident, the fbi seized",
            ),
            ("ransomware operation[0].", "ransomware operation"),
            ("see [1][2] below", "see below"),
            ("[1] https://eff.org/x", "[1] https://eff.org/x"),
        ];
        for (text, want) in cases {
            assert_eq!(comparison_key(text).0, *want, "{text}");
        }
    }

    #[test]
    fn statement_hash_is_sha256_of_key() {
        let s = statement("We have  never received an NSL.", true);
        assert_eq!(s.text, "We have never received an NSL.");
        assert_eq!(s.key, "we have never received an nsl");
        assert_eq!(s.hash, sha256_hex(&s.key));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(s.claim);
        assert!(s.dates.is_empty());
    }
}
