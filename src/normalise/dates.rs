//! Dates inside statements, English and French: found, parsed and masked. A canary's date
//! changes every issue; what it claims does not.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("february", 2),
    ("feb", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("may", 5),
    ("mai", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("juil", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("septembre", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("december", 12),
    ("dec", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
];

/// Month names long enough that "<month> <year>" is surely a date ("may 2012" is too).
const FULL: &str = "january|february|march|april|may|june|july|august|september|october|november|december|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let mut names: Vec<&str> = MONTHS.iter().map(|(n, _)| *n).collect();
    // Longest first, so "september" wins over "sep".
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let months = names.join("|");
    let pattern = format!(
        r"(?x)
        \b
        (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+|(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?
        (?:
            (?P<m1>{months})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d{{2}})
          | (?:le\s+)?(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er|re)?\s+(?:of\s+|de\s+)?(?P<m2>{months})\.?,?\s+(?P<y2>(?:19|20)\d{{2}})
          | (?P<y3>(?:19|20)\d{{2}})-(?P<mo3>\d{{2}})-(?P<d3>\d{{2}})(?:t\d{{2}}:\d{{2}}(?::\d{{2}})?(?:z|[+-]\d{{2}}:?\d{{2}})?)?
          | (?P<m4>{FULL})\s+(?:of\s+|de\s+)?(?P<y4>(?:19|20)\d{{2}})
        )
        (?:,?\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:\s*(?:[+-]\d{{4}}|utc|gmt|cest|cet|edt|est|pdt|pst))?)?
        \b"
    );
    Regex::new(&pattern).expect("the date pattern is valid")
});

fn month(name: &str) -> Option<u32> {
    MONTHS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

fn parse(c: &Captures<'_>) -> Option<NaiveDate> {
    let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<u32>().ok());
    let (y, m, d) = if let Some(m1) = c.name("m1") {
        (num("y1")?, month(m1.as_str())?, num("d1")?)
    } else if let Some(m2) = c.name("m2") {
        (num("y2")?, month(m2.as_str())?, num("d2")?)
    } else if c.name("y3").is_some() {
        (num("y3")?, num("mo3")?, num("d3")?)
    } else {
        (num("y4")?, month(c.name("m4")?.as_str())?, 1)
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

/// Replaces each date in lower-case `text` with `token`; returns the text and the dates in
/// order. Something date-shaped that is no date ("February 30, 2020") is left alone.
pub fn mask(text: &str, token: &str) -> (String, Vec<NaiveDate>) {
    let mut found = Vec::new();
    let masked = DATE.replace_all(text, |c: &Captures<'_>| match parse(c) {
        Some(d) => {
            found.push(d);
            token.to_string()
        }
        None => c[0].to_string(),
    });
    (masked.into_owned(), found)
}

/// The dates in `text` (any case), in order.
pub fn find_dates(text: &str) -> Vec<NaiveDate> {
    mask(&text.to_lowercase(), "").1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn english_and_french_forms() {
        let cases: &[(&str, NaiveDate)] = &[
            ("As of April 21, 2014, Riseup", d(2014, 4, 21)),
            ("Accurate as of October 07, 2024.", d(2024, 10, 7)),
            ("as of january 29 2015", d(2015, 1, 29)),
            ("on 21 April 2014 we", d(2014, 4, 21)),
            ("Apr. 21, 2014", d(2014, 4, 21)),
            ("Sept. 3, 2019", d(2019, 9, 3)),
            ("dated 2014-04-21.", d(2014, 4, 21)),
            ("au 1er mars 2024, nous", d(2024, 3, 1)),
            ("le 15 février 2023", d(2023, 2, 15)),
            ("Monday, April 21, 2014", d(2014, 4, 21)),
            ("Thu, 01 Aug 2024 12:00:00 +0000", d(2024, 8, 1)),
            ("seized one server in April 2012.", d(2012, 4, 1)),
            ("en avril 2012", d(2012, 4, 1)),
            (
                "in the first fourteen days of September 2026",
                d(2026, 9, 1),
            ),
            (
                "The date of issue of this canary is December 03, 2024.",
                d(2024, 12, 3),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(find_dates(text), vec![*want], "{text}");
        }
    }

    #[test]
    fn masking_leaves_the_rest() {
        let (masked, dates) = mask(
            "as of april 21, 2014, riseup has not received 3 letters",
            "<date>",
        );
        assert_eq!(masked, "as of <date>, riseup has not received 3 letters");
        assert_eq!(dates.len(), 1);
    }

    #[test]
    fn numbers_and_non_dates_are_not_dates() {
        for text in [
            "We received 0 requests",
            "0-249 national security letters",
            "There have been 84 security bulletins",
            "fingerprint 427F 11FD 0FAA 4B08",
            "February 30, 2020",
            "we may 2 and 2014",
            "version 2.3.2014",
            "It may be 2019 soon",
        ] {
            assert!(
                find_dates(text).is_empty(),
                "{text}: {:?}",
                find_dates(text)
            );
        }
    }

    #[test]
    fn several_dates_in_order() {
        assert_eq!(
            find_dates("From January 1, 2020 to March 31, 2020"),
            vec![d(2020, 1, 1), d(2020, 3, 31)]
        );
    }
}
