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

/// The sentence is about this canary's own renewal, not news: it names the canary, its
/// statement or report, or its next issue. "Council to publish its budget by March" is not.
static ABOUT_ITSELF: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"canar|statement|report|déclaration|rapport|\bnext\b|prochain|\bthis\s+(?:page|notice|document)|re-?sign|renew|renouvel|re-?issu|\bmis\s+à\s+jour|\bmise\s+à\s+jour|\bupdated?\b",
    )
});

/// Quoted text (a headline, a title) says nothing about the canary's cadence.
static QUOTED: LazyLock<Regex> = LazyLock::new(|| re(r#""[^"]*""#));

/// Words that put a date as a limit: "by", "before", "no later than", "avant le"…
static DEADLINE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:by|before|no\s+later\s+than|not\s+later\s+than|until|till|on\s+or\s+before|expires?(?:\s+on)?|valid\s+(?:until|through|thru)|avant\s+le|au\s+plus\s+tard\s+le|d'ici\s+(?:le|au)|jusqu'au|expire\s+le)\b",
    )
});

/// "in the first fourteen days of <month>", "first two weeks of", "first week of", "last
/// fourteen days of", "by the end of <month>", French "dans les quatorze premiers jours de",
/// "dans les deux premières semaines de", "fin de".
static WITHIN_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"(?x)\b(?:
            (?:in|within|during|over)\s+the\s+(?P<side>first|last|final)\s+(?:(?P<n>{NUMBER})\s+)?(?P<unit>days?|weeks?|fortnight)
          | (?:by\s+)?the\s+(?P<end>end)
          | (?:dans|durant|pendant|au\s+cours)\s+(?:les|la|de\s+la|des)\s+(?:(?P<nfr>{NUMBER})\s+)?(?P<sidefr>premi[eè]re?s?|derni[eè]re?s?)\s+(?P<unitfr>jours|semaines?|quinzaine)
          | (?:dans|durant|pendant)\s+(?:les|la)\s+(?P<sidefr2>premi[eè]re?s?|derni[eè]re?s?)\s+(?:(?P<nfr2>{NUMBER})\s+)?(?P<unitfr2>jours|semaines?|quinzaine)
          | (?P<fin>fin)
        )\s+(?:of|de|d'|du)\s*"
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

/// The date written at byte `at` of `text` (nothing but spaces before it), and whether it is
/// a month alone. A day and month without a year ("1 March"), or a month alone
/// ("September"), is its next occurrence after `from`.
fn date_at(text: &str, at: usize, from: NaiveDate) -> Option<(NaiveDate, bool)> {
    let mut at = at;
    let mut rest = text.get(at..)?;
    for article in [" the ", " le ", " la "] {
        if rest.starts_with(article) {
            at += article.len() - 1;
            rest = &rest[article.len() - 1..];
        }
    }
    let skipped = rest.len() - rest.trim_start().len();
    if let Some(f) = find(text)
        .into_iter()
        .find(|f| f.start >= at && f.start <= at + skipped)
    {
        return Some((f.date, f.month_only));
    }
    let rest = rest.trim_start();
    let next = |m: u32, d: u32| {
        (from.year()..=from.year() + 1)
            .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
            .find(|x| *x > from)
    };
    if let Some(c) = MONTH_DAY.captures(rest)
        && c.get(0).is_some_and(|m| m.start() == 0)
    {
        let (m, d) = match (c.name("m1"), c.name("d1"), c.name("m2"), c.name("d2")) {
            (Some(m), Some(d), _, _) | (_, _, Some(m), Some(d)) => (m, d),
            _ => return None,
        };
        let d = d.as_str().parse::<u32>().ok()?;
        return Some((next(month_number(m.as_str())?, d)?, false));
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '.')
        .collect();
    let m = month_number(&word)?;
    // The month's last day must be after `from` for the month to be the next one.
    let first = (from.year()..=from.year() + 1)
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, 1))
        .find(|x| last_day_of_month(*x).is_some_and(|l| l > from))?;
    Some((first, true))
}

/// The first date after a deadline cue ("by", "avant le") in a sentence about updates; a
/// month alone means its last day.
fn explicit(text: &str, from: NaiveDate) -> Option<NaiveDate> {
    DEADLINE_CUE.find_iter(text).find_map(|cue| {
        let (date, month_only) = date_at(text, cue.end(), from)?;
        if month_only {
            last_day_of_month(date)
        } else {
            Some(date)
        }
    })
}

/// "in the first fourteen days of September 2026" → 2026-09-14; "first two weeks of" → the
/// 14th; "first week of" → the 7th; "last fourteen days of" and "end of May 2025" → the
/// month's last day.
fn within_month(text: &str, from: NaiveDate) -> Option<NaiveDate> {
    WITHIN_MONTH.captures_iter(text).find_map(|c| {
        let whole = c.get(0)?;
        let (date, _) = date_at(text, whole.end(), from)?;
        let last = last_day_of_month(date)?;
        let side = c.name("side").or(c.name("sidefr")).or(c.name("sidefr2"));
        let Some(side) = side else {
            return Some(last);
        };
        if !side.as_str().starts_with("first") && !side.as_str().starts_with("prem") {
            return Some(last);
        }
        let unit = c
            .name("unit")
            .or(c.name("unitfr"))
            .or(c.name("unitfr2"))?
            .as_str();
        let n = match c.name("n").or(c.name("nfr")).or(c.name("nfr2")) {
            Some(n) => number(n.as_str())?,
            None => 1,
        };
        let days = if unit.starts_with("day") || unit.starts_with("jour") {
            n
        } else if unit.starts_with("fortnight") || unit.starts_with("quinzaine") {
            14 * n
        } else {
            7 * n
        };
        date.with_day(days.clamp(1, 31)).or(Some(last))
    })
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
                QUOTED.replace_all(&fold(t), " ").into_owned()
            } else {
                String::new()
            }
        })
        .collect();
    let about: Vec<&String> = texts
        .iter()
        .filter(|t| ABOUT_UPDATES.is_match(t) && ABOUT_ITSELF.is_match(t))
        .collect();
    let explicit_date = about
        .iter()
        .filter_map(|t| explicit(t, canary_date))
        .filter(|d| *d > canary_date)
        .min();
    let window = || {
        about
            .iter()
            .filter_map(|t| within_month(t, canary_date))
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
mod tests;
