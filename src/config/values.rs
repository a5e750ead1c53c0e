//! The watchlist's typed scalar values (durations, byte sizes) parsed, and the words people
//! read them in: durations in one unit, times to the second with their zone, counted nouns.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Parses a humantime duration ("30s", "10m", "6h", "7d", "1h 30m").
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("\"{text}\" is not a duration ({e})"))
}

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

/// Parses a byte size: a whole number with an optional unit B, KB, KiB, MB, MiB, GB, GiB.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("\"{text}\" does not start with a whole number"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1000 * 1000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1000 * 1000 * 1000,
        "gib" | "g" => 1024 * 1024 * 1024,
        other => return Err(format!("unknown size unit \"{other}\" in \"{text}\"")),
    };
    let bytes = n
        .checked_mul(mult)
        .ok_or_else(|| format!("\"{text}\" is too large"))?;
    if bytes == 0 {
        return Err("a size of zero would reject every page".into());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_and_decimal_units() {
        for (text, want) in [
            ("5MiB", 5 * 1024 * 1024),
            ("5 MiB", 5 * 1024 * 1024),
            ("512KiB", 512 * 1024),
            ("10MB", 10_000_000),
            ("1024", 1024),
            ("2g", 2 * 1024 * 1024 * 1024),
        ] {
            assert_eq!(parse_size(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "MiB",
            "5 parsecs",
            "0",
            "-1MiB",
            "99999999999999999999GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad} should be rejected");
        }
    }

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

    #[test]
    fn durations_are_humantime() {
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("6 hours-ish").is_err());
        assert!(parse_duration("").is_err());
    }
}
