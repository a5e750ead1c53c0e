//! The renewal deadline a canary states for itself ("next update by …", "in the first
//! fourteen days of …", "re-signed on February 1, May 1, …", "approximately once per
//! quarter"), English and French. Pure.

use std::sync::LazyLock;

use chrono::{Datelike, Days, Months, NaiveDate};
use regex::{Captures, Regex};

use crate::observe::normalise::{MONTH_NAMES, find, fold, month_number};

/// Longest statement read for a cadence.
const MAX_TEXT: usize = 2_000;

/// Spoken numbers canaries use for periods and day counts.
const NUMBER_WORDS: &[(&str, u32)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("un", 1),
    ("une", 1),
    ("two", 2),
    ("deux", 2),
    ("other", 2),
    ("three", 3),
    ("trois", 3),
    ("four", 4),
    ("quatre", 4),
    ("five", 5),
    ("cinq", 5),
    ("six", 6),
    ("seven", 7),
    ("sept", 7),
    ("eight", 8),
    ("huit", 8),
    ("nine", 9),
    ("ten", 10),
    ("dix", 10),
    ("twelve", 12),
    ("douze", 12),
    ("fourteen", 14),
    ("quatorze", 14),
    ("fifteen", 15),
    ("quinze", 15),
    ("twenty", 20),
    ("vingt", 20),
    ("thirty", 30),
    ("trente", 30),
];

const NUMBER: &str = r"\d{1,3}|a|an|one|un|une|two|deux|other|three|trois|four|quatre|five|cinq|six|seven|sept|eight|huit|nine|ten|dix|twelve|douze|fourteen|quatorze|fifteen|quinze|twenty|vingt|thirty|trente";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the cadence patterns are valid regexes")
}

/// The sentence is about publishing the canary, so a period or date in it is its cadence.
static ABOUT_UPDATES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"updat|publish|renew|re-?sign|re-?issu|refresh|canar|statement|report|next|expire|valid|mis\s+à\s+jour|mettr|publi|renouvel|signé|prochain|valable|déclaration",
    )
});

/// Words that put a date as a limit: "by", "before", "no later than", "avant le"…
static DEADLINE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:by|before|no\s+later\s+than|not\s+later\s+than|until|till|on\s+or\s+before|expires?(?:\s+on)?|valid\s+(?:until|through|thru)|avant\s+le|au\s+plus\s+tard\s+le|d'ici\s+(?:le|au)|jusqu'au|expire\s+le)\b",
    )
});

/// "in the first fourteen days of <month year>", "by the end of <month year>".
static WITHIN_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(?:(?:in|within|during)\s+the\s+first\s+(?P<n>{NUMBER})\s+days|(?:in|within|during)\s+the\s+first\s+(?P<week>week)|(?:by\s+)?the\s+(?P<end>end)|dans\s+les\s+(?P<nfr>{NUMBER})\s+premiers\s+jours|(?P<fin>fin))\s+(?:of|de|d')\s*"
    ))
});

/// "re-signed on the following dates:", "aux dates suivantes".
static SCHEDULE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"following\s+dates|these\s+dates|dates\s+suivantes|re-?signed\s+(?:on|every)|(?:updated|published|renewed|issued)\s+on\s+the\s+following",
    )
});

/// A month and day without a year: "February 1", "1er février".
static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    let m = MONTH_NAMES.as_str();
    re(&format!(
        r"\b(?:(?P<m1>{m})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th|er)?\s+(?P<m2>{m}))\b"
    ))
});

/// A text that only lists dates ("May 1", "August 1, November 1."): part of a schedule.
static ONLY_DATES: LazyLock<Regex> = LazyLock::new(|| {
    let m = MONTH_NAMES.as_str();
    re(&format!(
        r"^(?:(?:and|et)?\s*(?:(?:{m})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th|er)?\s+(?:{m}))\s*[,;.]?\s*)+$"
    ))
});

/// A stated period: "once per quarter", "every 2 weeks", "monthly", "within 4 weeks",
/// "chaque trimestre", "tous les trois mois".
static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?x)
        \bonce\s+(?:a|per|every|each)\s+(?P<u1>day|week|fortnight|month|quarter|year)\b
      | \b(?:every|each)\s+(?:(?P<n2>{NUMBER})\s+)?(?P<u2>day|week|fortnight|month|quarter|year)s?\b
      | \bwithin\s+(?:(?P<n3>{NUMBER})\s+)?(?P<u3>day|week|month|quarter|year)s?\b
      | \b(?P<adv>daily|weekly|fortnightly|bi-?weekly|monthly|bi-?monthly|quarterly|semi-?annual(?:ly)?|bi-?annual(?:ly)?|half-?yearly|yearly|annually)\b
      | \b(?P<twice>twice|two\s+times)\s+(?:a|per)\s+year\b
      | \bune\s+fois\s+par\s+(?P<u4>jour|semaine|mois|trimestre|an|année)\b
      | \bchaque\s+(?P<u5>jour|semaine|mois|trimestre|semestre|année|an)\b
      | \btous\s+les\s+(?:(?P<n6>{NUMBER})\s+)?(?P<u6>jours|semaines|mois|trimestres|semestres|ans)\b
      | \bdans\s+les\s+(?P<n7>{NUMBER})\s+(?P<u7>jours|semaines|mois)\b
      | \b(?P<advfr>quotidien|hebdomadaire|mensuel|trimestriel|semestriel|annuel)"
    ))
});

fn number(word: &str) -> Option<u32> {
    word.parse().ok().or_else(|| {
        NUMBER_WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, n)| *n)
    })
}

fn last_day_of_month(d: NaiveDate) -> Option<NaiveDate> {
    d.with_day(1)?
        .checked_add_months(Months::new(1))?
        .pred_opt()
}

/// `from` plus `n` units; the unit is an English or French word or adverb stem.
fn add(from: NaiveDate, n: u32, unit: &str) -> Option<NaiveDate> {
    let months = |m: u32| from.checked_add_months(Months::new(m.checked_mul(n)?));
    let days = |d: u64| from.checked_add_days(Days::new(d.checked_mul(u64::from(n))?));
    match unit {
        u if u.starts_with("day") || u.starts_with("jour") || u == "daily" || u == "quotidien" => {
            days(1)
        }
        u if u.starts_with("fortnight") || u.starts_with("bi-week") || u.starts_with("biweek") => {
            days(14)
        }
        u if u.starts_with("week") || u.starts_with("semaine") || u == "hebdomadaire" => days(7),
        u if u.starts_with("bi-month") || u.starts_with("bimonth") => months(2),
        u if u.starts_with("month") || u == "mois" || u == "mensuel" => months(1),
        u if u.starts_with("quarter") || u.starts_with("trimest") => months(3),
        u if u.starts_with("semi")
            || u.starts_with("bi-annual")
            || u.starts_with("biannual")
            || u.starts_with("half")
            || u.starts_with("semest")
            || u == "twice" =>
        {
            months(6)
        }
        u if u.starts_with("year") || u.starts_with("annu") || u.starts_with("an") => months(12),
        _ => None,
    }
}

/// "Approximately once per quarter" promises a rhythm, not a date.
static APPROXIMATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:approximately|approx\.?|about|roughly|around|more or less|environ|approximativement|à peu près)\b")
        .expect("the approximate pattern is valid")
});

/// An approximate period gets half of itself again: Riseup's "approximately once per
/// quarter" canary came four months apart in good times, six months apart when it had died.
fn stretch(from: NaiveDate, due: NaiveDate) -> NaiveDate {
    let days = (due - from).num_days().max(0) as u64;
    from.checked_add_days(Days::new(days + days / 2))
        .unwrap_or(due)
}

fn period_deadline(c: &Captures<'_>, from: NaiveDate) -> Option<NaiveDate> {
    let n = |k: &str| c.name(k).map_or(Some(1), |m| number(m.as_str()));
    for (nk, uk) in [
        ("", "u1"),
        ("n2", "u2"),
        ("n3", "u3"),
        ("", "u4"),
        ("", "u5"),
        ("n6", "u6"),
        ("n7", "u7"),
        ("", "adv"),
        ("", "twice"),
        ("", "advfr"),
    ] {
        if let Some(u) = c.name(uk) {
            return add(from, n(nk)?, u.as_str());
        }
    }
    None
}

/// The first date after a deadline cue ("by", "avant le") in a sentence about updates; a
/// month alone means its last day.
fn explicit(text: &str) -> Option<NaiveDate> {
    let cue = DEADLINE_CUE.find(text)?;
    let f = find(text).into_iter().find(|f| f.start >= cue.end())?;
    // The date must follow the cue closely ("by the end of" is handled elsewhere).
    if text[cue.end()..f.start].trim().len() > 12 {
        return None;
    }
    if f.month_only {
        last_day_of_month(f.date)
    } else {
        Some(f.date)
    }
}

/// "in the first fourteen days of September 2026" → 2026-09-14; "end of May 2025" → 05-31.
fn within_month(text: &str) -> Option<NaiveDate> {
    let c = WITHIN_MONTH.captures(text)?;
    let whole = c.get(0)?;
    let f = find(text).into_iter().find(|f| f.start == whole.end())?;
    let last = last_day_of_month(f.date)?;
    let day = if let Some(n) = c.name("n").or_else(|| c.name("nfr")) {
        number(n.as_str())?
    } else if c.name("week").is_some() {
        7
    } else {
        return Some(last);
    };
    f.date.with_day(day).or(Some(last))
}

/// A listed re-signing schedule: the next listed day after `canary_date`. A canary signed a
/// little early or late is that date's issue, so dates within a third of the schedule's
/// spacing (at most 14 days) after it are skipped.
fn schedule(texts: &[String], canary_date: NaiveDate) -> Option<NaiveDate> {
    let start = texts.iter().position(|t| SCHEDULE.is_match(t))?;
    let trigger = SCHEDULE.find(&texts[start])?;
    let mut days: Vec<(u32, u32)> = Vec::new();
    let mut collect = |t: &str| {
        for c in MONTH_DAY.captures_iter(t) {
            let (m, d) = match (c.name("m1"), c.name("d1")) {
                (Some(m), Some(d)) => (m, d),
                _ => match (c.name("m2"), c.name("d2")) {
                    (Some(m), Some(d)) => (m, d),
                    _ => continue,
                },
            };
            if let (Some(m), Ok(d)) = (month_number(m.as_str()), d.as_str().parse::<u32>()) {
                days.push((m, d));
            }
        }
    };
    collect(&texts[start][trigger.end()..]);
    for t in texts[start + 1..]
        .iter()
        .take_while(|t| ONLY_DATES.is_match(t))
    {
        collect(t);
    }
    let year = canary_date.year();
    let mut candidates: Vec<NaiveDate> = (year..=year + 1)
        .flat_map(|y| {
            days.iter()
                .filter_map(move |&(m, d)| NaiveDate::from_ymd_opt(y, m, d))
        })
        .collect();
    candidates.sort();
    candidates.dedup();
    let spacing = candidates
        .windows(2)
        .map(|w| (w[1] - w[0]).num_days())
        .min()
        .unwrap_or(365);
    let tolerance = u64::try_from((spacing / 3).min(14)).unwrap_or(0);
    let after = canary_date.checked_add_days(Days::new(tolerance))?;
    candidates.into_iter().find(|d| *d > after)
}

/// The date by which the next canary is due, if the canary states its cadence or deadline.
/// In order of precision: an explicit date after `canary_date` ("next update by …"), a
/// window ("in the first fourteen days of …"), a listed schedule ("re-signed on February 1,
/// May 1, …"), then the first stated period ("quarterly", "every 2 weeks", "within 4
/// weeks") counted from `canary_date`. A deadline already past `canary_date` is stale text
/// and ignored. No grace is added: that is the caller's policy.
pub fn next_deadline(statements_text: &[&str], canary_date: NaiveDate) -> Option<NaiveDate> {
    // Cadence sentences are short; a huge hostile statement is not one and is not scanned.
    let texts: Vec<String> = statements_text
        .iter()
        .map(|t| {
            if t.len() <= MAX_TEXT {
                fold(t)
            } else {
                String::new()
            }
        })
        .collect();
    let about: Vec<&String> = texts.iter().filter(|t| ABOUT_UPDATES.is_match(t)).collect();
    let explicit_date = about
        .iter()
        .filter_map(|t| explicit(t))
        .filter(|d| *d > canary_date)
        .min();
    let window = || {
        about
            .iter()
            .filter_map(|t| within_month(t))
            .filter(|d| *d > canary_date)
            .min()
    };
    let period = || {
        about.iter().find_map(|t| {
            let due = PERIOD
                .captures_iter(t)
                .find_map(|c| period_deadline(&c, canary_date))?;
            Some(if APPROXIMATE.is_match(t) {
                stretch(canary_date, due)
            } else {
                due
            })
        })
    };
    explicit_date
        .or_else(window)
        .or_else(|| schedule(&texts, canary_date))
        .or_else(period)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test dates are valid")
    }

    const RESIGNED: &[&str] = &[
        "Riseup positively confirms that the integrity of our system is sound.",
        "This canary will be re-signed on the following dates:",
        "February 1",
        "May 1",
        "August 1",
        "November 1",
        "Frequently asked questions",
    ];

    #[test]
    fn stated_cadences() {
        let cases: &[(&[&str], NaiveDate, Option<NaiveDate>)] = &[
            (
                // A quarter (92 days) and half again (46) for "approximately".
                &["Riseup intends to update this report approximately once per quarter."],
                d(2016, 8, 15),
                Some(d(2016, 12, 31)),
            ),
            (
                &["We update this canary once per quarter."],
                d(2016, 8, 15),
                Some(d(2016, 11, 15)),
            ),
            (
                &["We update this canary quarterly."],
                d(2024, 1, 1),
                Some(d(2024, 4, 1)),
            ),
            (
                &["This canary is renewed every month."],
                d(2024, 1, 31),
                Some(d(2024, 2, 29)),
            ),
            (
                &["This statement is updated monthly."],
                d(2024, 3, 10),
                Some(d(2024, 4, 10)),
            ),
            (
                &["We re-sign this canary every 2 weeks."],
                d(2024, 1, 1),
                Some(d(2024, 1, 15)),
            ),
            (
                &["The canary is published every three months."],
                d(2024, 1, 1),
                Some(d(2024, 4, 1)),
            ),
            (
                &["This report is updated twice a year."],
                d(2024, 1, 1),
                Some(d(2024, 7, 1)),
            ),
            (
                &["A new canary is signed within 4 weeks of the last."],
                d(2024, 1, 1),
                Some(d(2024, 1, 29)),
            ),
            (
                &[
                    "We plan to publish the next of these canary statements in the first fourteen days of September 2026.",
                ],
                d(2026, 6, 3),
                Some(d(2026, 9, 14)),
            ),
            (
                &["The next canary will be published by the end of May 2025."],
                d(2025, 2, 1),
                Some(d(2025, 5, 31)),
            ),
            (RESIGNED, d(2017, 2, 16), Some(d(2017, 5, 1))),
            // Signed a day early for August 1: the next one is November's.
            (RESIGNED, d(2017, 7, 31), Some(d(2017, 11, 1))),
            (RESIGNED, d(2023, 11, 2), Some(d(2024, 2, 1))),
            (RESIGNED, d(2024, 2, 3), Some(d(2024, 5, 1))),
            (
                &["This canary will be re-signed on February 1, May 1, August 1 and November 1."],
                d(2024, 5, 2),
                Some(d(2024, 8, 1)),
            ),
            (
                &["The next update will be published by March 31, 2025."],
                d(2025, 1, 2),
                Some(d(2025, 3, 31)),
            ),
            (
                &["The next canary will be published before 1 July 2025."],
                d(2025, 4, 1),
                Some(d(2025, 7, 1)),
            ),
            (
                &["Next update by April 2025."],
                d(2025, 1, 15),
                Some(d(2025, 4, 30)),
            ),
            // A precise date wins over a period.
            (
                &[
                    "We update this canary quarterly.",
                    "The next update is due no later than 2025-02-15.",
                ],
                d(2025, 1, 1),
                Some(d(2025, 2, 15)),
            ),
            (
                &["Nous mettons à jour ce canari chaque trimestre."],
                d(2024, 1, 1),
                Some(d(2024, 4, 1)),
            ),
            (
                &["Ce canari est renouvelé tous les deux mois."],
                d(2024, 1, 1),
                Some(d(2024, 3, 1)),
            ),
            (
                &["La prochaine mise à jour sera publiée avant le 1er juin 2025."],
                d(2025, 3, 1),
                Some(d(2025, 6, 1)),
            ),
        ];
        for (texts, date, want) in cases {
            assert_eq!(next_deadline(texts, *date), *want, "{texts:?} from {date}");
        }
    }

    #[test]
    fn no_cadence_stated() {
        let cases: &[&[&str]] = &[
            &["We have never received a National Security Letter."],
            &["There have been 98 Qubes security bulletins published so far."],
            &["The FBI seized one of riseup's servers in April 2012."],
            &["As of April 21, 2014, Riseup has not received any National Security Letters."],
            &["Our customers love our monthly newsletter about cats."],
            &[],
        ];
        for texts in cases {
            assert_eq!(next_deadline(texts, d(2024, 1, 1)), None, "{texts:?}");
        }
    }

    #[test]
    fn a_past_deadline_is_ignored_for_the_period() {
        let texts = [
            "The next canary will be published before January 1, 2024.",
            "We update it quarterly.",
        ];
        assert_eq!(next_deadline(&texts, d(2024, 2, 1)), Some(d(2024, 5, 1)));
        assert_eq!(next_deadline(&texts[..1], d(2024, 2, 1)), None);
    }
}
