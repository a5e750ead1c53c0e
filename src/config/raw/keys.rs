//! One key's written value read into its typed value, within the range docs/watchlist.md
//! documents for it, or the error that points at it and says what to write.

use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::super::notify_kinds_help;
use super::super::values::{parse_duration, parse_size};
use super::RawError;
use crate::judge::ChangedLow;
use crate::judge::event::{EventKind, NotifySet};
use crate::words::describe_duration;

/// The range a duration key accepts: anything outside it is a mistake (a typo'd unit, an
/// interval of a million years) that would misbehave later rather than fail now.
pub(super) struct Bounds {
    min: Duration,
    max: Duration,
}

const fn bounds(min_secs: u64, max_secs: u64) -> Bounds {
    Bounds {
        min: Duration::from_secs(min_secs),
        max: Duration::from_secs(max_secs),
    }
}

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;

/// The documented range of every duration key (docs/watchlist.md).
pub(super) const INTERVAL: Bounds = bounds(1, YEAR);
pub(super) const CONFIRM_AFTER: Bounds = bounds(1, 30 * DAY);
pub(super) const TIMEOUT: Bounds = bounds(1, HOUR);
pub(super) const MAX_AGE: Bounds = bounds(HOUR, 10 * YEAR);
pub(super) const STALE_GRACE: Bounds = bounds(0, YEAR);
pub(super) const UNREACHABLE_AFTER: Bounds = bounds(1, YEAR);
pub(super) const HOST_DELAY: Bounds = bounds(0, HOUR);

pub(super) fn duration(
    value: &Spanned<String>,
    key: &str,
    range: &Bounds,
) -> Result<Duration, RawError> {
    let d = parse_duration(value.get_ref()).map_err(|why| {
        RawError::at(
            value.span(),
            format!("`{key}`: {why}"),
            format!("write a duration such as {key} = \"30s\", \"10m\", \"6h\" or \"7d\""),
        )
    })?;
    if d < range.min || d > range.max {
        let show = |d: Duration| match d.as_secs() {
            1 => "one second".to_string(),
            _ => describe_duration(d),
        };
        let message = if d < range.min {
            format!("`{key}` must be at least {}", show(range.min))
        } else {
            format!(
                "`{key}` = \"{}\" is longer than {}",
                value.get_ref(),
                show(range.max)
            )
        };
        return Err(RawError::at(
            value.span(),
            message,
            format!(
                "use {key} = a duration from {} to {}",
                show(range.min),
                show(range.max)
            ),
        ));
    }
    Ok(d)
}

/// A shared key's value: the table's own, else `inherited`.
pub(super) fn or_duration(
    value: &Option<Spanned<String>>,
    key: &str,
    range: &Bounds,
    inherited: Duration,
) -> Result<Duration, RawError> {
    Ok(match value {
        Some(v) => duration(v, key, range)?,
        None => inherited,
    })
}

pub(super) fn count(value: &Spanned<i64>, key: &str, min: i64, max: i64) -> Result<i64, RawError> {
    let n = *value.get_ref();
    if n < min || n > max {
        return Err(RawError::at(
            value.span(),
            format!("`{key}` is {n}, out of range"),
            format!("use a whole number from {min} to {max}"),
        ));
    }
    Ok(n)
}

pub(super) fn size(value: &Spanned<String>, key: &str) -> Result<u64, RawError> {
    parse_size(value.get_ref()).map_err(|why| {
        RawError::at(
            value.span(),
            format!("`{key}`: {why}"),
            format!("write a size such as {key} = \"5MiB\", \"512KiB\" or \"10MB\""),
        )
    })
}

pub(super) fn proxy(value: &Spanned<String>) -> Result<Url, RawError> {
    let fix = "use proxy = \"socks5h://127.0.0.1:9050\" (Tor, DNS through the proxy), \"socks5://…\", or \"http://host:port\"";
    let url = Url::parse(value.get_ref())
        .map_err(|e| RawError::at(value.span(), format!("`proxy` is not a URL: {e}"), fix))?;
    match url.scheme() {
        "socks5" | "socks5h" | "http" | "https" => Ok(url),
        other => Err(RawError::at(
            value.span(),
            format!("`proxy` scheme \"{other}\" is not supported"),
            fix,
        )),
    }
}

pub(super) fn notify(value: &Spanned<Vec<Spanned<String>>>) -> Result<NotifySet, RawError> {
    let mut set = NotifySet::empty();
    for item in value.get_ref() {
        let kind: EventKind = item.get_ref().parse().map_err(|_| {
            RawError::at(
                item.span(),
                format!("`notify`: unknown event kind \"{}\"", item.get_ref()),
                format!("use event kinds from: {}", notify_kinds_help()),
            )
        })?;
        set.insert(kind);
    }
    Ok(set)
}

pub(super) fn changed_low(value: &Spanned<String>) -> Result<ChangedLow, RawError> {
    match value.get_ref().as_str() {
        "record" => Ok(ChangedLow::Record),
        "notify" => Ok(ChangedLow::Notify),
        other => Err(RawError::at(
            value.span(),
            format!("`changed_low` is \"{other}\""),
            "use changed_low = \"record\" (low-severity rewording recorded, not emailed) or \"notify\"",
        )),
    }
}
