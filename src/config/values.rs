//! Parsers for the watchlist's typed scalar values: durations and byte sizes.

use std::time::Duration;

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
    let n = secs / size;
    if n == 1 {
        format!("1 {name}")
    } else {
        format!("{n} {name}s")
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
    fn durations_are_humantime() {
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("6 hours-ish").is_err());
        assert!(parse_duration("").is_err());
    }
}
