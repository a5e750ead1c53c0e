//! The watchlist's typed scalar values (durations, byte sizes) parsed. How they are said to
//! people is `crate::words`.

use std::time::Duration;

/// A duration or size the watchlist (or a flag) spells wrongly. Callers place it at the key
/// or flag it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("\"{text}\" is not a duration: unknown unit \"{unit}\" (use s, m, h, d or w)")]
    DurationUnit { text: String, unit: String },
    #[error("\"{text}\" is not a duration ({why})")]
    NotADuration { text: String, why: String },
    #[error("\"{0}\" does not start with a whole number")]
    NoNumber(String),
    #[error("unknown size unit \"{unit}\" in \"{text}\"")]
    SizeUnit { text: String, unit: String },
    #[error("\"{0}\" is too large")]
    TooLarge(String),
    #[error("a size of zero would reject every page")]
    ZeroSize,
}

/// Parses a humantime duration ("30s", "10m", "6h", "7d", "1h 30m").
pub fn parse_duration(text: &str) -> Result<Duration, ValueError> {
    humantime::parse_duration(text.trim()).map_err(|e| match e {
        // humantime's own words here list every spelling it knows "(and few variations)".
        humantime::DurationError::UnknownUnit { unit, .. } if !unit.is_empty() => {
            ValueError::DurationUnit {
                text: text.to_string(),
                unit,
            }
        }
        e => ValueError::NotADuration {
            text: text.to_string(),
            why: e.to_string(),
        },
    })
}

/// A `timeout` key's value: a duration of at least one second. `Err` is the message and the
/// fix, for the caller to place at the key's span.
pub fn parse_timeout(text: &str) -> Result<Duration, (String, String)> {
    let fix = "write a duration such as timeout = \"10s\" or \"1m\" (at least one second)";
    let d = parse_duration(text).map_err(|why| (format!("`timeout`: {why}"), fix.to_string()))?;
    if d < Duration::from_secs(1) {
        return Err((
            "`timeout` must be at least one second".into(),
            fix.to_string(),
        ));
    }
    Ok(d)
}

/// Parses a byte size: a whole number with an optional unit B, KB, KiB, MB, MiB, GB, GiB.
pub fn parse_size(text: &str) -> Result<u64, ValueError> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| ValueError::NoNumber(text.to_string()))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1000,
        "kib" | "k" => 1024,
        "mb" => 1000 * 1000,
        "mib" | "m" => 1024 * 1024,
        "gb" => 1000 * 1000 * 1000,
        "gib" | "g" => 1024 * 1024 * 1024,
        other => {
            return Err(ValueError::SizeUnit {
                text: text.to_string(),
                unit: other.to_string(),
            });
        }
    };
    let bytes = n
        .checked_mul(mult)
        .ok_or_else(|| ValueError::TooLarge(text.to_string()))?;
    if bytes == 0 {
        return Err(ValueError::ZeroSize);
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
    fn durations_are_humantime() {
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(21600)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("6 hours-ish").is_err());
        assert!(parse_duration("").is_err());
        assert_eq!(
            parse_duration("6 hourz").map_err(|e| e.to_string()),
            Err(
                "\"6 hourz\" is not a duration: unknown unit \"hourz\" (use s, m, h, d or w)"
                    .into()
            )
        );
    }
}
