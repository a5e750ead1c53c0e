//! The timeline's time axis: ticks at round times chosen for the span shown (seconds apart
//! for checks seconds apart, then minutes, hours, days, months, years), labelled in the unit
//! that tells them apart, and anchored so no label runs past the chart's edge. Pure.

use chrono::{DateTime, Datelike as _, Months, NaiveDate, TimeDelta, Utc};

/// At most this many ticks: a label is up to ~16 characters at 12px in a 644-unit axis.
const MAX_TICKS: i64 = 6;

/// A label this close to an end of the axis (in SVG units) is anchored at that end, so it
/// never runs past the chart (the widest label, "Mar 31 23:59", is about 80 units).
const EDGE: f64 = 45.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    /// SVG `text-anchor`: "middle", or "end"/"start" near the edges.
    pub anchor: &'static str,
}

/// How far apart ticks are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Seconds(i64),
    Months(u32),
}

/// The smallest round step that gives at most [`MAX_TICKS`] ticks over `span` seconds.
fn step_for(span: i64) -> Step {
    const SECONDS: [i64; 22] = [
        1, 2, 5, 10, 15, 30, // seconds
        60, 120, 300, 600, 900, 1800, // minutes
        3600, 7200, 10800, 21600, 43200, // hours
        86400, 172800, 345600, 604800, 1209600, // days, weeks
    ];
    if let Some(&s) = SECONDS.iter().find(|&&s| span / s < MAX_TICKS) {
        return Step::Seconds(s);
    }
    const MONTH: i64 = 2_629_746; // a Gregorian month's mean length
    [1, 2, 3, 6, 12, 24, 60, 120, 600]
        .into_iter()
        .find(|&m| span / (MONTH * i64::from(m)) < MAX_TICKS)
        .map_or(Step::Months(1200), Step::Months)
}

fn first_of_month(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(t.year(), t.month(), 1)?
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
}

/// The round times from `t0` through `t1`.
fn times(t0: DateTime<Utc>, t1: DateTime<Utc>, step: Step) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    match step {
        Step::Seconds(s) => {
            let (a, b) = (t0.timestamp(), t1.timestamp());
            // Round up to a multiple of the step (days and weeks from the epoch, in UTC).
            let mut t = a.div_euclid(s) * s;
            if t < a {
                t += s;
            }
            while t <= b && out.len() < 64 {
                out.extend(DateTime::from_timestamp(t, 0));
                t += s;
            }
        }
        Step::Months(m) => {
            let Some(mut t) = first_of_month(t0) else {
                return out;
            };
            if t < t0 {
                t = t.checked_add_months(Months::new(1)).unwrap_or(t1);
            }
            // Years on a multiple of the step: 2020, 2025… for five years.
            let off_step = |t: DateTime<Utc>| {
                if m >= 12 {
                    t.year().rem_euclid((m / 12) as i32) != 0
                } else {
                    !t.month0().is_multiple_of(m)
                }
            };
            while off_step(t) {
                match t.checked_add_months(Months::new(1)) {
                    Some(n) if n <= t1 => t = n,
                    _ => return out,
                }
            }
            while t <= t1 && out.len() < 64 {
                out.push(t);
                match t.checked_add_months(Months::new(m)) {
                    Some(n) => t = n,
                    None => break,
                }
            }
        }
    }
    out
}

/// A tick's label: the unit that tells ticks `step` apart; under a day, the date is added
/// on the first tick and where the day changes, so a reader knows which day it is.
fn label(t: DateTime<Utc>, prev: Option<DateTime<Utc>>, step: Step) -> String {
    let new_day = prev.is_none_or(|p| p.date_naive() != t.date_naive());
    match step {
        Step::Seconds(s) if s < 60 && new_day => t.format("%b %-d %H:%M:%S").to_string(),
        Step::Seconds(s) if s < 60 => t.format("%H:%M:%S").to_string(),
        Step::Seconds(s) if s < 86400 && new_day => t.format("%b %-d %H:%M").to_string(),
        Step::Seconds(s) if s < 86400 => t.format("%H:%M").to_string(),
        Step::Seconds(_) => t.format("%Y-%m-%d").to_string(),
        Step::Months(m) if m < 12 => t.format("%b %Y").to_string(),
        Step::Months(_) => t.format("%Y").to_string(),
    }
}

/// Ticks over `t0`..`t1` (`t1` after `t0`), placed by `x`, between `left` and `right`.
pub fn ticks(
    t0: DateTime<Utc>,
    t1: DateTime<Utc>,
    left: f64,
    right: f64,
    x: impl Fn(DateTime<Utc>) -> f64,
) -> Vec<Tick> {
    let span = (t1 - t0).num_seconds().max(1);
    let step = step_for(span);
    let mut at = times(t0, t1, step);
    if at.is_empty() {
        // A span shorter than one round step (cannot happen for seconds, whose step 1 fits
        // any span): label its start.
        at.push(t0);
    }
    let mut prev = None;
    at.into_iter()
        .map(|t| {
            let tick = Tick {
                x: x(t),
                label: label(t, prev, step),
                anchor: anchor(x(t), left, right),
            };
            prev = Some(t);
            tick
        })
        .collect()
}

fn anchor(x: f64, left: f64, right: f64) -> &'static str {
    if right - x < EDGE {
        "end"
    } else if x - left < EDGE {
        "start"
    } else {
        "middle"
    }
}

/// The span's ends in words, precise to the unit its axis uses.
pub fn ends(t0: DateTime<Utc>, t1: DateTime<Utc>) -> (String, String) {
    let f = if t1 - t0 < TimeDelta::days(2) {
        "%Y-%m-%d %H:%M:%S UTC"
    } else {
        "%Y-%m-%d"
    };
    (t0.format(f).to_string(), t1.format(f).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn axis(a: &str, b: &str) -> Vec<Tick> {
        let (t0, t1) = (t(a), t(b));
        let span = (t1 - t0).num_seconds() as f64;
        ticks(t0, t1, 300.0, 944.0, |x| {
            300.0 + 644.0 * (x - t0).num_seconds() as f64 / span
        })
    }

    fn labels(a: &str, b: &str) -> Vec<String> {
        axis(a, b).into_iter().map(|t| t.label).collect()
    }

    #[test]
    fn the_unit_follows_the_span() {
        assert_eq!(
            labels("2026-03-01T14:00:01Z", "2026-03-01T14:00:09Z"),
            ["Mar 1 14:00:02", "14:00:04", "14:00:06", "14:00:08"]
        );
        assert_eq!(
            labels("2026-03-01T14:00:00Z", "2026-03-01T14:20:00Z"),
            ["Mar 1 14:00", "14:05", "14:10", "14:15", "14:20"]
        );
        assert_eq!(
            labels("2026-03-01T20:00:00Z", "2026-03-02T04:00:00Z"),
            ["Mar 1 20:00", "22:00", "Mar 2 00:00", "02:00", "04:00"]
        );
        assert_eq!(
            labels("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"),
            [
                "2026-03-01",
                "2026-03-02",
                "2026-03-03",
                "2026-03-04",
                "2026-03-05"
            ]
        );
        assert_eq!(
            labels("2024-01-08T00:00:00Z", "2024-12-16T00:00:00Z"),
            ["Mar 2024", "May 2024", "Jul 2024", "Sep 2024", "Nov 2024"]
        );
        assert_eq!(
            labels("2019-05-01T00:00:00Z", "2026-03-01T00:00:00Z"),
            ["2020", "2022", "2024", "2026"]
        );
    }

    #[test]
    fn no_label_runs_past_either_end_and_there_are_never_too_many() {
        let got = axis("2026-03-01T14:00:00Z", "2026-03-01T14:00:10Z");
        let t0 = t("2026-03-01T14:00:00Z");
        assert_eq!(got.first().map(|t| t.anchor), Some("start"));
        assert_eq!(got.last().map(|t| (t.x, t.anchor)), Some((944.0, "end")));
        assert!(got[1..got.len() - 1].iter().all(|t| t.anchor == "middle"));
        for span in [
            1,
            7,
            59,
            61,
            3599,
            86_399,
            86_401,
            10_000_000,
            1_000_000_000,
        ] {
            let n = ticks(t0, t0 + TimeDelta::seconds(span), 0.0, 1.0, |_| 0.5).len();
            assert!((1..=MAX_TICKS as usize).contains(&n), "{span} s: {n} ticks");
        }
    }
}
