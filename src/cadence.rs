//! The renewal deadline a canary states for itself ("approximately once per quarter",
//! "within 4 weeks", "in the first fourteen days of March 2025", "re-signed on February 1,
//! May 1, …", "next update by …"). Pure.

use std::sync::LazyLock;

use chrono::{Datelike, Days, Months, NaiveDate};
use regex::Regex;

use crate::normalise::find_dates;

/// A canary published up to this many days before a scheduled date is that date's issue.
const EARLY_DAYS: u64 = 14;

static PERIOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        (?P<approx>approximately|about|roughly|around|environ|approximativement|à\ peu\ près)?\s*
        (?:
            once\ (?:a|per|every)\s+(?P<unit1>week|month|quarter|year)
          | every\s+(?P<n2>\d+|two|three|four|six|twelve)?\s*(?P<unit2>weeks?|months?|quarters?|years?|days?)
          | (?P<adv>weekly|monthly|quarterly|yearly|annually|hebdomadaire|mensuel|trimestriel|chaque\ trimestre|chaque\ mois|chaque\ semaine|tous\ les\ trimestres)
          | within\s+(?P<n3>\d+|two|three|four|six)\s+(?P<unit3>days?|weeks?|months?)
        )",
    )
    .expect("the period pattern is valid")
});

static FIRST_DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)first\s+(?P<n>\d+|seven|ten|fourteen|fifteen|twenty|thirty)\s+days\s+of\s+(?P<rest>[a-zé]+\s+\d{4})")
        .expect("the first-days pattern is valid")
});

static BY_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:next\s+(?:update|canary|statement|report)[^.]*?\b(?:by|before|on|no later than)\b|will be (?:published|updated|renewed)[^.]*?\b(?:by|before|no later than)\b|avant le|au plus tard le)\s+(?P<rest>.{6,40})")
        .expect("the by-date pattern is valid")
});

static SCHEDULE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)re-?signed on|(?:updated|published|renewed) on the following dates|following dates",
    )
    .expect("the schedule pattern is valid")
});

static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?P<m>january|february|march|april|may|june|july|august|september|october|november|december)\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\s*[.,;]?\s*$")
        .expect("the month-day pattern is valid")
});

fn number(word: &str) -> Option<u32> {
    match word.to_ascii_lowercase().as_str() {
        "two" => Some(2),
        "three" => Some(3),
        "four" => Some(4),
        "six" => Some(6),
        "seven" => Some(7),
        "ten" => Some(10),
        "twelve" => Some(12),
        "fourteen" => Some(14),
        "fifteen" => Some(15),
        "twenty" => Some(20),
        "thirty" => Some(30),
        w => w.parse().ok(),
    }
}

fn month_number(name: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// Adds a period to a date; "approximately" stretches it by half again (a quarterly canary
/// that comes four months later is late-ish, not dead).
fn add_period(from: NaiveDate, n: u32, unit: &str, approx: bool) -> Option<NaiveDate> {
    let unit = unit.to_ascii_lowercase();
    let days = if unit.starts_with("day") {
        u64::from(n)
    } else if unit.starts_with("week") || unit.contains("hebdo") || unit.contains("semaine") {
        7 * u64::from(n)
    } else {
        let months = if unit.starts_with("quarter") || unit.contains("trimest") {
            3 * n
        } else if unit.starts_with("year") || unit.starts_with("annual") {
            12 * n
        } else {
            n
        };
        let end = from.checked_add_months(Months::new(months))?;
        (end - from).num_days().max(0) as u64
    };
    let days = if approx { days + days / 2 } else { days };
    from.checked_add_days(Days::new(days))
}

fn from_period(text: &str, canary_date: NaiveDate) -> Option<NaiveDate> {
    let c = PERIOD.captures(text)?;
    let approx = c.name("approx").is_some();
    if let Some(u) = c.name("unit1") {
        return add_period(canary_date, 1, u.as_str(), approx);
    }
    if let Some(u) = c.name("unit2") {
        let n = c.name("n2").and_then(|m| number(m.as_str())).unwrap_or(1);
        return add_period(canary_date, n, u.as_str(), approx);
    }
    if let Some(a) = c.name("adv") {
        let a = a.as_str().to_lowercase();
        let unit = if a.contains("week") || a.contains("hebdo") || a.contains("semaine") {
            "week"
        } else if a.contains("month") || a.contains("mensuel") || a.contains("mois") {
            "month"
        } else if a.contains("year") || a.contains("annual") {
            "year"
        } else {
            "quarter"
        };
        return add_period(canary_date, 1, unit, approx);
    }
    let n = c.name("n3").and_then(|m| number(m.as_str()))?;
    add_period(canary_date, n, c.name("unit3")?.as_str(), false)
}

fn from_first_days(text: &str) -> Option<NaiveDate> {
    let c = FIRST_DAYS.captures(text)?;
    let n = number(c.name("n")?.as_str())?;
    let start = *find_dates(c.name("rest")?.as_str()).first()?;
    start
        .with_day(n.min(28))
        .or_else(|| start.checked_add_days(Days::new(u64::from(n) - 1)))
}

fn from_by_date(text: &str) -> Option<NaiveDate> {
    let c = BY_DATE.captures(text)?;
    find_dates(c.name("rest")?.as_str()).first().copied()
}

/// "February 1" / "May 1" … listed after a "re-signed on the following dates" line.
fn from_schedule(texts: &[&str], canary_date: NaiveDate) -> Option<NaiveDate> {
    let start = texts.iter().position(|t| SCHEDULE.is_match(t))?;
    let mut days: Vec<(u32, u32)> = Vec::new();
    // The dates may be in the same statement ("… on February 1, May 1, …") or listed after.
    let inline = texts[start];
    for part in inline
        .split([',', ';'])
        .chain(texts[start + 1..].iter().take(12).copied())
    {
        let part = part
            .trim()
            .trim_start_matches(|c: char| !c.is_alphanumeric());
        let part = part.rsplit(" on ").next().unwrap_or(part);
        if let Some(c) = MONTH_DAY.captures(part)
            && let (Some(m), Some(d)) = (month_number(&c["m"]), c["d"].parse::<u32>().ok())
        {
            days.push((m, d));
        }
    }
    if days.is_empty() {
        return None;
    }
    let earliest = canary_date.checked_add_days(Days::new(EARLY_DAYS))?;
    (canary_date.year()..=canary_date.year() + 1)
        .flat_map(|y| {
            days.iter()
                .filter_map(move |(m, d)| NaiveDate::from_ymd_opt(y, *m, *d))
        })
        .filter(|d| *d > earliest)
        .min()
}

/// The date by which the next canary is due, if the canary states its cadence or deadline.
/// The earliest deadline any statement implies wins.
pub fn next_deadline(statements_text: &[&str], canary_date: NaiveDate) -> Option<NaiveDate> {
    let mut found: Vec<NaiveDate> = Vec::new();
    for t in statements_text {
        found.extend(from_first_days(t));
        found.extend(from_by_date(t).filter(|d| *d > canary_date));
        found.extend(from_period(t, canary_date));
    }
    found.extend(from_schedule(statements_text, canary_date));
    found.into_iter().min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn stated_cadences() {
        let cases: &[(&[&str], NaiveDate, Option<NaiveDate>)] = &[
            // 3 months (92 days) and half again (46), for "approximately".
            (
                &["Riseup intends to update this report approximately once per quarter."],
                d(2016, 8, 15),
                Some(d(2016, 12, 31)),
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
                &["A new signature is created within 4 weeks."],
                d(2024, 1, 1),
                Some(d(2024, 1, 29)),
            ),
            (
                &[
                    "We plan to publish the next of these canary statements in the first fourteen days of December 2022.",
                ],
                d(2022, 9, 13),
                Some(d(2022, 12, 14)),
            ),
            (
                &["The next update will be published by March 31, 2025."],
                d(2025, 1, 2),
                Some(d(2025, 3, 31)),
            ),
            (
                &[
                    "This canary will be re-signed on the following dates:",
                    "February 1",
                    "May 1",
                    "August 1",
                    "November 1",
                ],
                d(2017, 7, 31),
                Some(d(2017, 11, 1)),
            ),
            (
                &[
                    "This canary will be re-signed on the following dates:",
                    "February 1",
                    "May 1",
                    "August 1",
                    "November 1",
                ],
                d(2023, 11, 2),
                Some(d(2024, 2, 1)),
            ),
            (
                &["Nous mettons à jour ce canari chaque trimestre."],
                d(2024, 1, 1),
                Some(d(2024, 4, 1)),
            ),
            (
                &["We have never received a National Security Letter."],
                d(2024, 1, 1),
                None,
            ),
        ];
        for (texts, date, want) in cases {
            assert_eq!(next_deadline(texts, *date), *want, "{texts:?} from {date}");
        }
    }
}
