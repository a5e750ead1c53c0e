//! Normalisation: the display form of a statement, its comparison key (dates masked) and
//! hashes. Pure.

mod dates;
mod entities;

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

use crate::statement::Statement;

pub use dates::find_dates;

/// The token that replaces a date in comparison keys.
pub const DATE_TOKEN: &str = "<date>";

/// Footnote markers inside a sentence ("As of March 31, 2015 [1], …"): renumbering them is
/// not a change of claim.
static FOOTNOTE_MARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*\[\d{1,3}\]").expect("the footnote pattern is valid"));

fn is_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
    )
}

/// The display form: entities decoded, zero-width characters removed, whitespace collapsed.
/// Keeps the original quote style and case (alerts quote it).
pub fn clean(raw: &str) -> String {
    let decoded = entities::decode(raw);
    let mut out = String::with_capacity(decoded.len());
    let mut pending_space = false;
    for c in decoded.chars() {
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
        out.push(c);
    }
    out
}

fn fold_char(c: char, out: &mut String) {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => {
            out.push('\'')
        }
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}'
        | '\u{00BB}' => out.push('"'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => {
            out.push('-')
        }
        '\u{2026}' => out.push_str("..."),
        c if is_zero_width(c) => {}
        c if c.is_whitespace() => out.push(' '),
        c => out.extend(c.to_lowercase()),
    }
}

/// The comparison form and the dates found in `text`: NFKC, typographic quotes, dashes and
/// ellipses folded, lower-case, whitespace collapsed, footnote markers dropped, dates masked.
/// Numbers that are not dates stay: "0" becoming "0-249" changes the key.
///
/// ```
/// use canaryd::normalise::comparison_key;
///
/// let (a, _) = comparison_key("As of April 21, 2014, we have “never” received an NSL.");
/// let (b, dates) = comparison_key("As of July 1, 2014 [1], we have  \"never\" received an NSL.");
/// assert_eq!(a, b);
/// assert_eq!(dates[0].to_string(), "2014-07-01");
/// assert_ne!(comparison_key("Requests: 0").0, comparison_key("Requests: 0-249").0);
/// ```
pub fn comparison_key(text: &str) -> (String, Vec<NaiveDate>) {
    let cleaned = clean(text);
    let nfkc: String = cleaned.nfkc().collect();
    let mut folded = String::with_capacity(nfkc.len());
    for c in nfkc.chars() {
        fold_char(c, &mut folded);
    }
    let unmarked = FOOTNOTE_MARK.replace_all(&folded, "");
    let (masked, found) = dates::mask(&unmarked, DATE_TOKEN);
    let collapsed = masked.split_whitespace().collect::<Vec<_>>().join(" ");
    (collapsed, found)
}

/// Lower-case hex sha256.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

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

    #[test]
    fn cosmetic_variants_share_one_key() {
        let base = "We have never received a \"National Security Letter\" - or a gag order.";
        for variant in [
            "We have  never\nreceived a “National Security Letter” — or a gag order.",
            "We have never re\u{200B}ceived a \u{201C}National Security Letter\u{201D} \u{2013} or a gag order.",
            "WE HAVE NEVER RECEIVED A \"NATIONAL SECURITY LETTER\" - OR A GAG ORDER.",
            "We&nbsp;have never received a &ldquo;National Security Letter&rdquo; &mdash; or a gag order.",
            "We have never received a \"National Security Letter\"\u{00A0}- or a gag order.",
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
            comparison_key("Riseup’s servers haven't been seized").0,
            comparison_key("Riseup's servers haven’t been seized").0
        );
    }

    #[test]
    fn dates_are_masked_and_returned() {
        let (a, da) = comparison_key(
            "As of April 21, 2014, Riseup has not received any National Security Letters.",
        );
        let (b, db) = comparison_key(
            "As of July 1, 2014 [1], riseup has not received any National Security Letters.",
        );
        assert_eq!(a, b);
        assert_eq!(
            da,
            vec![NaiveDate::from_ymd_opt(2014, 4, 21).expect("date")]
        );
        assert_eq!(db, vec![NaiveDate::from_ymd_opt(2014, 7, 1).expect("date")]);
    }

    #[test]
    fn numbers_are_not_masked() {
        assert_ne!(
            comparison_key("National security requests: 0").0,
            comparison_key("National security requests: 0-249").0
        );
        assert_ne!(
            comparison_key("We received 3 orders").0,
            comparison_key("We received 4 orders").0
        );
    }

    #[test]
    fn footnote_renumbering_is_not_a_change() {
        assert_eq!(
            comparison_key("in a widely-reported incident [1], the FBI seized").0,
            comparison_key("in a widely-reported incident [2], the FBI seized").0
        );
    }

    #[test]
    fn clean_keeps_case_and_quotes_but_collapses_space() {
        assert_eq!(
            clean("  We  “never”\n received &amp; kept\u{200B} "),
            "We “never” received & kept"
        );
    }

    #[test]
    fn statement_hash_is_sha256_of_key() {
        let s = statement("We have never received an NSL.", true);
        assert_eq!(s.hash, sha256_hex(&s.key));
        assert_eq!(s.hash.len(), 64);
    }
}
