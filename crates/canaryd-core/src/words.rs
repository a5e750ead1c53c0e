//! How canaryd says numbers, durations and times to people: durations in one unit, times to
//! the second with their zone, counted nouns that agree. Pure; every layer may use it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A duration in one compact unit, as people write it: "100 days", "7 days", "6 hours",
/// "90 minutes", "1 second"; the largest unit that divides it exactly.
pub fn describe_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let units: [(u64, &str); 4] = [
        (86_400, "day"),
        (3600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let (size, name) = units
        .into_iter()
        .find(|(size, _)| secs >= *size && secs.is_multiple_of(*size))
        .unwrap_or((1, "second"));
    plural(secs / size, name)
}

/// A measured duration (how long something has lasted) in one unit, rounded: "36 hours",
/// "3 days". The largest unit of which it holds at least two, so no reading loses more than
/// a third of its size to rounding. Exact durations read as [`describe_duration`] does.
pub fn describe_elapsed(d: Duration) -> String {
    let secs = d.as_secs();
    let units: [(u64, &str); 3] = [(86_400, "day"), (3600, "hour"), (60, "minute")];
    match units.into_iter().find(|(size, _)| secs >= 2 * size) {
        Some((size, name)) if !secs.is_multiple_of(size) => plural((secs + size / 2) / size, name),
        _ => describe_duration(d),
    }
}

/// A setting's duration as the watchlist writes it (humantime): "1day", "6h", "1h 30m",
/// "500ms". For intervals and delays that a reader may copy back into the watchlist.
pub fn describe_setting(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// A short measured wait, for errors and logs: "250ms", "5s", "1.5s".
pub fn describe_brief(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// "3h ago", "in 2d", "just now": how far `t` is from `now`, for a table's narrow column.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (n, future) = (secs.unsigned_abs(), secs < 0);
    let span = match n {
        0..=59 => return "just now".into(),
        60..=3599 => format!("{}m", n / 60),
        3600..=86_399 => format!("{}h", n / 3600),
        _ => format!("{}d", n / 86_400),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A time as alerts, logs and history show it to people: to the second, with its zone
/// ("2026-12-01 07:21:22 UTC").
pub fn describe_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A number of things, whatever integer type counts them (lengths are `usize`, counters
/// `u32`), so callers need no casts.
pub trait Count: Copy {
    fn count(self) -> u64;
}

macro_rules! count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(self) -> u64 {
                // Lossless on every platform canaryd builds for (64-bit usize at most).
                self as u64
            }
        }
    )*};
}
count!(u8, u16, u32, u64, usize);

/// `n` and a noun, the noun in the plural unless `n` is exactly one: "1 claim", "2 claims",
/// "0 statements", "3 fetches". See [`plural_noun`] for the noun alone.
pub fn plural(n: impl Count, noun: &str) -> String {
    let n = n.count();
    format!("{n} {}", plural_noun(n, noun))
}

/// The noun alone, in the plural unless `n` is exactly one ("statement", "statements"). The
/// regular English plural: "-ies" for a consonant and "y" (body), "-es" after a sibilant
/// (fetch, address), "-s" otherwise; every noun canaryd counts is regular.
pub fn plural_noun(n: impl Count, noun: &str) -> String {
    let consonant_y = noun.strip_suffix('y').filter(|stem| {
        stem.chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphabetic() && !"aeiou".contains(c))
    });
    if n.count() == 1 {
        noun.to_string()
    } else if let Some(stem) = consonant_y {
        format!("{stem}ies")
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|end| noun.ends_with(end))
    {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// What a canary's statements are, in words a reader understands: its claims (what alerts)
/// and its other statements, headings and notes that are only recorded: "3 claims",
/// "3 claims, 1 heading or note", "2 headings or notes, no claim".
pub fn statements_tracked(statements: impl Count, claims: impl Count) -> String {
    let (statements, claims) = (statements.count(), claims.count());
    let others = statements.saturating_sub(claims);
    let notes = match others {
        1 => "1 heading or note".to_string(),
        n => format!("{n} headings or notes"),
    };
    match (claims, others) {
        (0, 0) => "no statements".to_string(),
        (0, _) => format!("{notes}, no claim"),
        (_, 0) => plural(claims, "claim"),
        _ => format!("{}, {notes}", plural(claims, "claim")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_described_in_one_unit() {
        for (secs, want) in [
            (100 * 86_400, "100 days"),
            (7 * 86_400, "7 days"),
            (86_400, "1 day"),
            (6 * 3600, "6 hours"),
            (5400, "90 minutes"),
            (1, "1 second"),
            (0, "0 seconds"),
            (90061, "90061 seconds"),
        ] {
            assert_eq!(describe_duration(Duration::from_secs(secs)), want, "{secs}");
        }
    }

    #[test]
    fn measured_durations_are_rounded_to_one_unit() {
        for (secs, want) in [
            (3 * 86_400 + 4 * 3600 + 19 * 60 + 12, "3 days"),
            (2 * 86_400 + 13 * 3600, "3 days"),
            (36 * 3600 + 5, "36 hours"),
            (2 * 86_400, "2 days"),
            (90 * 60 + 7, "90 minutes"),
            (119, "119 seconds"),
            (100 * 86_400, "100 days"),
        ] {
            assert_eq!(describe_elapsed(Duration::from_secs(secs)), want, "{secs}");
        }
    }

    #[test]
    fn settings_brief_waits_and_relative_times_have_their_own_short_forms() {
        assert_eq!(describe_setting(Duration::from_secs(86_400)), "1day");
        assert_eq!(describe_setting(Duration::from_secs(5400)), "1h 30m");
        assert_eq!(describe_brief(Duration::from_millis(250)), "250ms");
        assert_eq!(describe_brief(Duration::from_secs(5)), "5s");
        assert_eq!(describe_brief(Duration::from_millis(1500)), "1.5s");
        let now: DateTime<Utc> = "2026-03-31T12:00:00Z".parse().expect("time");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        assert_eq!(relative(at("2026-03-31T11:59:30Z"), now), "just now");
        assert_eq!(relative(at("2026-03-31T09:00:00Z"), now), "3h ago");
        assert_eq!(relative(at("2026-04-02T12:00:00Z"), now), "in 2d");
        assert_eq!(relative(at("2026-03-31T12:05:00Z"), now), "in 5m");
    }

    #[test]
    fn statements_are_counted_as_claims_and_headings_or_notes() {
        for (statements, claims, want) in [
            (4u32, 3u32, "3 claims, 1 heading or note"),
            (5, 3, "3 claims, 2 headings or notes"),
            (3, 3, "3 claims"),
            (1, 1, "1 claim"),
            (2, 0, "2 headings or notes, no claim"),
            (0, 0, "no statements"),
        ] {
            assert_eq!(statements_tracked(statements, claims), want);
        }
    }

    #[test]
    fn times_are_shown_to_the_second_with_their_zone() {
        let t: DateTime<Utc> = "2026-12-01T07:21:22.830635442+00:00".parse().expect("time");
        assert_eq!(describe_time(t), "2026-12-01 07:21:22 UTC");
    }

    #[test]
    fn counted_nouns_agree_with_their_number() {
        assert_eq!(plural(1u32, "claim"), "1 claim");
        assert_eq!(plural(2usize, "claim"), "2 claims");
        assert_eq!(plural(0u8, "statement"), "0 statements");
        assert_eq!(plural(3u32, "fetch"), "3 fetches");
        assert_eq!(plural(1u32, "fetch"), "1 fetch");
        assert_eq!(plural_noun(2u32, "context statement"), "context statements");
        assert_eq!(plural(2usize, "body"), "2 bodies");
        assert_eq!(plural(2usize, "day"), "2 days");
        assert_eq!(plural(1usize, "body"), "1 body");
    }
}
