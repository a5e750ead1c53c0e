//! Wall-clock time, injectable so tests can drive the daemon with paused tokio time.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Wall time that advances with tokio's clock, so `tokio::time::pause()` and `advance()`
/// move it too.
#[derive(Debug, Clone)]
pub struct TokioClock {
    start_wall: DateTime<Utc>,
    start: tokio::time::Instant,
}

impl TokioClock {
    pub fn starting_at(start_wall: DateTime<Utc>) -> Self {
        TokioClock {
            start_wall,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.start;
        // Saturates rather than panics: a paused test clock may be advanced past any date.
        wall_after(self.start_wall, elapsed)
    }
}

/// The wall-clock time `d` after `at`, or the last representable time: a time past it means
/// "not in any foreseeable future" (a next check, a paused test clock advanced past any
/// date), and must not panic. The one saturating clock add.
pub fn wall_after(at: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    TimeDelta::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub type SharedClock = Arc<dyn Clock>;

pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_next_check_beyond_representable_time_saturates() {
        let at = DateTime::<Utc>::MAX_UTC - TimeDelta::days(1);
        assert_eq!(
            wall_after(at, std::time::Duration::MAX),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            wall_after(at, std::time::Duration::from_secs(3 * 86400)),
            DateTime::<Utc>::MAX_UTC
        );
        let now = "2026-01-01T00:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("a valid time");
        assert_eq!(
            wall_after(now, std::time::Duration::from_secs(3600)),
            now + TimeDelta::hours(1)
        );
    }
}
