//! Dates inside statements, English and French: found, parsed and masked. A canary's date
//! changes with every issue; what it claims does not.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

/// Month names and the abbreviations canaries use, English and French.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("janvier", 1),
    ("janv", 1),
    ("jan", 1),
    ("february", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fevr", 2),
    ("feb", 2),
    ("march", 3),
    ("mars", 3),
    ("mar", 3),
    ("april", 4),
    ("avril", 4),
    ("apr", 4),
    ("avr", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("juin", 6),
    ("jun", 6),
    ("july", 7),
    ("juillet", 7),
    ("juil", 7),
    ("jul", 7),
    ("august", 8),
    ("août", 8),
    ("aout", 8),
    ("aug", 8),
    ("september", 9),
    ("septembre", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("octobre", 10),
    ("oct", 10),
    ("november", 11),
    ("novembre", 11),
    ("nov", 11),
    ("december", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
    ("dec", 12),
];

/// The alternation of month names, longest first so "september" wins over "sep".
pub(crate) static MONTH_NAMES: LazyLock<String> = LazyLock::new(|| {
    let mut names: Vec<&str> = MONTHS.iter().map(|(n, _)| *n).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.join("|")
});

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let m = MONTH_NAMES.as_str();
    let weekday = r"(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?,?\s+|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)";
    let day = r"(?:0?[1-9]|[12]\d|3[01])";
    let year = r"(?:1[89]\d\d|2\d\d\d)";
    // `date -R`, `date` and ISO timestamps carry a time and zone that change with the date.
    let time = r"(?:,?\s+(?:at\s+|à\s+)?\d{1,2}[:h]\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s*(?:[+-]\d{2}:?\d{2}|utc|gmt|z|cest|cet|bst|[ecmp][sd]t)\b)?)?";
    let pattern = format!(
        r"(?ix)
        \b{weekday}?
        (?:
            (?P<m1>{m})\.?\s+(?P<d1>{day})(?:st|nd|rd|th)?,?\s+(?P<y1>{year})\b{time}
          | (?P<d2>{day})(?:st|nd|rd|th|er)?\s+(?:of\s+|de\s+)?(?P<m2>{m})\.?,?\s+(?P<y2>{year})\b{time}
          | (?P<m5>{m})\.?\s+(?P<d5>{day})\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?\s+(?:[a-z]{{2,5}}\s+)?(?P<y5>{year})\b
          | (?P<y3>{year})-(?P<mo3>[01]\d)-(?P<d3>[0-3]\d)(?:t\d{{2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?(?:z|[+-]\d{{2}}:?\d{{2}})?|\b(?:\s\d{{2}}:\d{{2}}(?::\d{{2}})?(?:\s?utc\b)?)?)
          | (?P<m4>{m})\.?,?\s+(?:of\s+|de\s+)?(?P<y4>{year})\b
        )"
    );
    // ASCII word boundaries keep the regex on the lazy DFA: a Unicode `\b` falls back to a
    // far slower engine on non-ASCII text (15 s for a 10 MB French line). ASCII digits: a
    // date's numbers are read with `str::parse`, which takes no others, and Unicode's `\d`
    // (every script's digits) made the automaton four times larger (0.5 MB, and 0.27 MB
    // of search cache for each thread that uses it, against 0.14 and 0.06). Spaces stay
    // Unicode: French writes "15 février" with a no-break space.
    let pattern = pattern.replace(r"\b", r"(?-u:\b)").replace(r"\d", "[0-9]");
    Regex::new(&pattern).expect("the date pattern is a valid regex")
});

/// A comma or space left either side of a masked date ("As of <date>, we" against
/// "as of <date> we") is punctuation of the date, not of the claim.
static AROUND_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\s*,?\s*\x00\s*,?\s*").expect("the token-tidying pattern is a valid regex")
});

/// One date found in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the date (weekday, time and zone included) in the searched text.
    pub start: usize,
    pub end: usize,
    /// The day; the 1st when only a month was written.
    pub date: NaiveDate,
    /// "April 2012": a month, not a day.
    pub month_only: bool,
}

/// The number (1–12) of a month name or abbreviation, any case, trailing '.' allowed.
pub fn month_number(name: &str) -> Option<u32> {
    let name = name.trim_end_matches('.').to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

fn parse(c: &Captures<'_>) -> Option<(NaiveDate, bool)> {
    let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
    let name = |k: &str| c.name(k).and_then(|m| month_number(m.as_str()));
    let (y, m, d, month_only) = if c.name("m1").is_some() {
        (num("y1")?, name("m1")?, num("d1")?, false)
    } else if c.name("m2").is_some() {
        (num("y2")?, name("m2")?, num("d2")?, false)
    } else if c.name("m5").is_some() {
        (num("y5")?, name("m5")?, num("d5")?, false)
    } else if c.name("y3").is_some() {
        (num("y3")?, num("mo3")?, num("d3")?, false)
    } else {
        (num("y4")?, name("m4")?, 1, true)
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    Some((date, month_only))
}

/// The dates in `text`, in order. Something date-shaped that is no date ("February 30,
/// 2020") is not one.
pub fn find(text: &str) -> Vec<Found> {
    DATE.captures_iter(text)
        .filter_map(|c| {
            let whole = c.get(0)?;
            let (date, month_only) = parse(&c)?;
            Some(Found {
                start: whole.start(),
                end: whole.end(),
                date,
                month_only,
            })
        })
        .collect()
}

/// The dates in `text` (any case), in order.
pub fn find_dates(text: &str) -> Vec<NaiveDate> {
    find(text).into_iter().map(|f| f.date).collect()
}

/// Replaces each date in `text` with `token`, swallowing the commas and spaces around it;
/// returns the masked text and the dates in order.
pub fn mask(text: &str, token: &str) -> (String, Vec<NaiveDate>) {
    let found = find(text);
    if found.is_empty() {
        return (text.to_string(), Vec::new());
    }
    // A NUL placeholder cannot occur in cleaned text, so tidying touches only our tokens.
    let mut marked = String::with_capacity(text.len());
    let mut last = 0;
    for f in &found {
        marked.push_str(&text[last..f.start]);
        marked.push('\0');
        last = f.end;
    }
    marked.push_str(&text[last..]);
    let spaced = format!(" {token} ");
    let tidied = AROUND_TOKEN.replace_all(&marked, spaced.as_str());
    (
        tidied.trim().to_string(),
        found.into_iter().map(|f| f.date).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test dates are valid")
    }

    #[test]
    fn english_and_french_forms() {
        let cases: &[(&str, NaiveDate, bool)] = &[
            ("As of April 21, 2014, Riseup", d(2014, 4, 21), false),
            ("Accurate as of October 07, 2024.", d(2024, 10, 7), false),
            ("as of january 29 2015", d(2015, 1, 29), false),
            ("on 21 April 2014 we", d(2014, 4, 21), false),
            ("Apr. 21, 2014", d(2014, 4, 21), false),
            ("Sept. 3rd, 2019", d(2019, 9, 3), false),
            ("dated 2014-04-21.", d(2014, 4, 21), false),
            ("at 2024-08-01T12:00:00Z", d(2024, 8, 1), false),
            ("au 1er mars 2024, nous", d(2024, 3, 1), false),
            ("1 mars 2024", d(2024, 3, 1), false),
            ("le 15 février 2023", d(2023, 2, 15), false),
            ("le 15 FÉVRIER 2023", d(2023, 2, 15), false),
            ("le 15\u{a0}février\u{a0}2023", d(2023, 2, 15), false),
            ("Monday, April 21, 2014", d(2014, 4, 21), false),
            ("Thu, 01 Aug 2024 12:00:00 +0000", d(2024, 8, 1), false),
            ("Thu Aug  1 12:00:00 UTC 2024", d(2024, 8, 1), false),
            ("the 3rd of May, 2021", d(2021, 5, 3), false),
            ("seized one server in April 2012.", d(2012, 4, 1), true),
            ("en avril 2012", d(2012, 4, 1), true),
            (
                "in the first fourteen days of September 2026",
                d(2026, 9, 1),
                true,
            ),
        ];
        for (text, want, month_only) in cases {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].date, *want, "{text}");
            assert_eq!(found[0].month_only, *month_only, "{text}");
        }
    }

    #[test]
    fn whole_timestamp_is_one_match() {
        let text = "Thu, 01 Aug 2024 12:00:00 +0000";
        let found = find(text);
        assert_eq!((found[0].start, found[0].end), (0, text.len()));
    }

    #[test]
    fn numbers_and_non_dates_are_not_dates() {
        for text in [
            "We received 0 requests",
            "0-249 national security letters",
            "There have been 84 security bulletins",
            "fingerprint 427F 11FD 0FAA 4B08",
            "February 30, 2020",
            "version 2.3.2014",
            "It may be 2019 soon",
            "12345-04-21",
            "21/04/2014",
            "section 2014",
            // Digits of other scripts are no date's numbers (`str::parse` reads ASCII only).
            "١٥ mars ٢٠٢٣",
            "१५ March २०२३",
        ] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
        }
    }

    #[test]
    fn masking_swallows_surrounding_commas() {
        let cases: &[(&str, &str)] = &[
            (
                "as of april 21, 2014, riseup has not",
                "as of <date> riseup has not",
            ),
            (
                "as of july 1, 2014 riseup has not",
                "as of <date> riseup has not",
            ),
            ("issued on 2014-04-21.", "issued on <date> ."),
            ("paris, le 15 février 2023", "paris, le <date>"),
            ("no dates here, 0", "no dates here, 0"),
        ];
        for (text, want) in cases {
            assert_eq!(mask(text, "<date>").0, *want, "{text}");
        }
    }

    #[test]
    fn several_dates_in_order() {
        assert_eq!(
            find_dates("From January 1, 2020 to 2020-03-31 and in May 2021"),
            vec![d(2020, 1, 1), d(2020, 3, 31), d(2021, 5, 1)]
        );
    }
}
