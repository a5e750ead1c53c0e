//! Retrying inside one fetch: the policy, capped exponential backoff with full jitter,
//! `Retry-After` parsing, and HTTP-date formatting.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::backoff::{Backoff, Jitter};

/// How often and how patiently one fetch retries transient failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (0 is treated as 1).
    pub attempts: u32,
    /// Backoff before the second attempt, before jitter; doubles each time.
    pub base: Duration,
    /// Upper bound of the backoff before jitter.
    pub cap: Duration,
    /// Longest `Retry-After` we wait out inside one fetch. A server asking for longer gets no
    /// retry now: the error (carrying its `retry_after`) goes back to the caller's schedule.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
            retry_after_cap: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            attempts: 1,
            ..Default::default()
        }
    }

    /// The pause before the next attempt after `failed` attempts have failed transiently, or
    /// `None` when there should be no further attempt. `retry_after` is the server's
    /// `Retry-After`, which replaces the backoff when present (the server knows best).
    pub fn delay_after(&self, failed: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if failed >= self.attempts.max(1) {
            return None;
        }
        match retry_after {
            Some(wait) if wait > self.retry_after_cap => None,
            Some(wait) => Some(wait),
            None => Some(self.schedule().delay(failed)),
        }
    }

    /// Full jitter: uniform in `[0, min(cap, base * 2^(failed-1))]`, `unit` in `[0, 1)`.
    /// Full jitter keeps many watches on one host from retrying in lockstep.
    pub fn backoff(&self, failed: u32, unit: f64) -> Duration {
        self.schedule().delay_with(failed, unit)
    }

    /// The doubling schedule between attempts, with full jitter.
    fn schedule(&self) -> Backoff {
        Backoff {
            base: self.base,
            cap: self.cap,
            jitter: Jitter::Full,
        }
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (relative to `now`; a date in
/// the past means "now").
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers saturate rather than fail: they mean "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let when = parse_http_date(value)?;
    Some((when - now).to_std().unwrap_or(Duration::ZERO))
}

/// Parses the three HTTP-date forms of RFC 9110 (IMF-fixdate, RFC 850, asctime), with the
/// `httpdate` crate.
pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    httpdate::parse_http_date(value.trim())
        .ok()
        .map(DateTime::from)
}

/// Formats a time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). `httpdate` covers
/// the years 1970 to 9999 (and panics outside): a time outside, which no file or server
/// gives, is shown as the nearest end of that range.
pub fn http_date(t: DateTime<Utc>) -> String {
    let last = DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::UNIX_EPOCH);
    httpdate::fmt_http_date(t.clamp(DateTime::UNIX_EPOCH, last).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(350),
            retry_after_cap: Duration::from_secs(10),
        }
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let p = policy();
        assert_eq!(
            p.backoff(1, 0.999_999),
            Duration::from_millis(100).mul_f64(0.999_999)
        );
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 1.0), Duration::from_millis(350));
        assert_eq!(p.backoff(40, 1.0), Duration::from_millis(350));
        assert_eq!(p.backoff(3, 0.0), Duration::ZERO);
        for failed in 1..4 {
            let d = p.delay_after(failed, None).expect("attempts left");
            assert!(d <= p.cap);
        }
    }

    #[test]
    fn attempts_run_out() {
        let p = policy();
        assert!(p.delay_after(3, None).is_some());
        assert_eq!(p.delay_after(4, None), None);
        assert_eq!(RetryPolicy::none().delay_after(1, None), None);
        let zero = RetryPolicy {
            attempts: 0,
            ..policy()
        };
        assert_eq!(zero.delay_after(1, None), None);
    }

    #[test]
    fn retry_after_replaces_backoff_up_to_its_cap() {
        let p = policy();
        assert_eq!(
            p.delay_after(1, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay_after(1, Some(Duration::from_secs(11))), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("imf-fixdate");
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:37 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Sunday, 06-Nov-94 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun Nov  6 08:49:39 1994", now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(http_date(now), "Sun, 06 Nov 1994 08:49:37 GMT");
        let before = DateTime::from_timestamp(-5, 0).expect("1969");
        assert_eq!(http_date(before), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
