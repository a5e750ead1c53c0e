//! When each watch is next due: intervals with jitter, quick re-checks of unconfirmed
//! differences, and restarts spread out instead of every watch at once.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::time::Instant;

/// Jitter is at most this fraction of the interval…
const JITTER_FRACTION: f64 = 0.1;
/// …and never more than this.
const JITTER_CAP: Duration = Duration::from_secs(15 * 60);
/// Overdue watches after a restart are spread over at most this window.
const RESTART_SPREAD_CAP: Duration = Duration::from_secs(5 * 60);
/// Watches never checked before are spread over this much: seconds, so a newcomer's first
/// `canaryd run` shows a result at once, yet a large new watchlist does not fire in one burst.
const NEW_WATCH_SPREAD: Duration = Duration::from_secs(10);
/// A due time this far out is "never" for a daemon; adding more could overflow `Instant`.
const FAR_FUTURE: Duration = Duration::from_secs(30 * 365 * 86400);

/// `now` plus `d`, at most `FAR_FUTURE` ahead, so no interval can overflow the clock.
pub fn later(now: Instant, d: Duration) -> Instant {
    // A monotonic clock is centuries from its end, so this never falls back to `now`; the
    // fallback only keeps the arithmetic free of panics.
    now.checked_add(d.min(FAR_FUTURE)).unwrap_or(now)
}

/// The due times of all watches, earliest first.
#[derive(Debug, Default)]
pub struct Scheduler {
    queue: BTreeSet<(Instant, String)>,
    by_name: HashMap<String, Instant>,
}

impl Scheduler {
    pub fn set(&mut self, name: &str, at: Instant) {
        if let Some(old) = self.by_name.insert(name.to_string(), at) {
            self.queue.remove(&(old, name.to_string()));
        }
        self.queue.insert((at, name.to_string()));
    }

    pub fn remove(&mut self, name: &str) {
        if let Some(old) = self.by_name.remove(name) {
            self.queue.remove(&(old, name.to_string()));
        }
    }

    pub fn due_at(&self, name: &str) -> Option<Instant> {
        self.by_name.get(name).copied()
    }

    /// The earliest due time.
    pub fn next(&self) -> Option<Instant> {
        self.queue.first().map(|(t, _)| *t)
    }

    /// Removes and returns every watch due at or before `now`, earliest first.
    pub fn take_due(&mut self, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        while let Some((t, _)) = self.queue.first() {
            if *t > now {
                break;
            }
            if let Some((_, name)) = self.queue.pop_first() {
                self.by_name.remove(&name);
                out.push(name);
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

/// Random jitter in `[-j, +j]` with `j = min(interval × 10%, 15 min)`.
fn jitter(interval: Duration) -> (Duration, bool) {
    let j = interval.mul_f64(JITTER_FRACTION).min(JITTER_CAP);
    (j.mul_f64(fastrand::f64()), fastrand::bool())
}

/// When to check again after a check that finished at `now`: `confirm_after` while a
/// difference awaits confirmation, else one interval with jitter.
pub fn after_check(
    now: Instant,
    interval: Duration,
    pending: bool,
    confirm_after: Duration,
) -> Instant {
    later(now, wait_after_check(interval, pending, confirm_after))
}

/// How long after a check to check again: see [`after_check`].
pub fn wait_after_check(interval: Duration, pending: bool, confirm_after: Duration) -> Duration {
    if pending {
        return confirm_after.min(interval);
    }
    let (j, after) = jitter(interval);
    if after {
        interval.saturating_add(j)
    } else {
        interval.saturating_sub(j)
    }
}

/// What the state says of a watch when the daemon starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Never checked: there is no baseline yet.
    New,
    /// Checked before, and its persisted next-check time is past (or unknown).
    Overdue,
    /// Checked before, next due this long from now.
    In(Duration),
}

/// When a watch is first due after (re)start. Watches never checked are due within seconds
/// (the first result of a new watchlist should not wait minutes); overdue ones are spread
/// over a window instead of all firing at once; the rest keep their persisted time.
pub fn on_start(now: Instant, start: Start, interval: Duration) -> Instant {
    match start {
        Start::In(r) => later(
            now,
            r.min(interval.saturating_add(interval.mul_f64(JITTER_FRACTION).min(JITTER_CAP))),
        ),
        Start::New => later(now, NEW_WATCH_SPREAD.min(interval).mul_f64(fastrand::f64())),
        Start::Overdue => {
            let window = interval.min(RESTART_SPREAD_CAP);
            later(now, window.mul_f64(fastrand::f64()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn take_due_returns_only_due_watches_in_order() {
        let t0 = Instant::now();
        let mut s = Scheduler::default();
        s.set("b", t0 + Duration::from_secs(20));
        s.set("a", t0 + Duration::from_secs(10));
        s.set("c", t0 + Duration::from_secs(30));
        s.set("c", t0 + Duration::from_secs(5)); // rescheduled, not duplicated
        assert_eq!(s.len(), 3);
        assert_eq!(s.next(), Some(t0 + Duration::from_secs(5)));
        tokio::time::advance(Duration::from_secs(15)).await;
        assert_eq!(
            s.take_due(Instant::now()),
            vec!["c".to_string(), "a".to_string()]
        );
        assert_eq!(s.take_due(Instant::now()), Vec::<String>::new());
        assert_eq!(s.next(), Some(t0 + Duration::from_secs(20)));
    }

    #[tokio::test(start_paused = true)]
    async fn interval_jitter_stays_within_ten_percent() {
        let now = Instant::now();
        let interval = Duration::from_secs(3600);
        let mut seen_early = false;
        let mut seen_late = false;
        for _ in 0..500 {
            let t = after_check(now, interval, false, Duration::from_secs(600));
            let d = t - now;
            assert!(
                d >= Duration::from_secs(3240) && d <= Duration::from_secs(3960),
                "{d:?}"
            );
            seen_early |= d < interval;
            seen_late |= d > interval;
        }
        assert!(seen_early && seen_late, "jitter goes both ways");
    }

    #[tokio::test(start_paused = true)]
    async fn long_interval_jitter_is_capped() {
        let now = Instant::now();
        let interval = Duration::from_secs(7 * 86400);
        for _ in 0..200 {
            let d = after_check(now, interval, false, Duration::from_secs(600)) - now;
            assert!(d >= interval - JITTER_CAP && d <= interval + JITTER_CAP);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pending_confirmation_rechecks_after_confirm_after() {
        let now = Instant::now();
        let t = after_check(
            now,
            Duration::from_secs(6 * 3600),
            true,
            Duration::from_secs(600),
        );
        assert_eq!(t - now, Duration::from_secs(600));
        // Never later than the interval itself.
        let t = after_check(now, Duration::from_secs(60), true, Duration::from_secs(600));
        assert_eq!(t - now, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn restart_spreads_overdue_watches_and_keeps_persisted_times() {
        let now = Instant::now();
        let interval = Duration::from_secs(6 * 3600);
        let times: Vec<Duration> = (0..200)
            .map(|_| on_start(now, Start::Overdue, interval) - now)
            .collect();
        assert!(times.iter().all(|d| *d <= RESTART_SPREAD_CAP));
        let distinct: BTreeSet<_> = times.iter().map(|d| d.as_secs()).collect();
        assert!(
            distinct.len() > 50,
            "overdue watches must not all fire at once"
        );
        let persisted = on_start(now, Start::In(Duration::from_secs(1234)), interval) - now;
        assert_eq!(persisted, Duration::from_secs(1234));
        // A persisted time absurdly far away (clock jump) is bounded by one interval.
        let far = on_start(now, Start::In(Duration::from_secs(10 * 86400)), interval) - now;
        assert!(far <= interval + JITTER_CAP);
    }

    #[tokio::test(start_paused = true)]
    async fn never_checked_watches_are_due_within_seconds_not_minutes() {
        let now = Instant::now();
        let interval = Duration::from_secs(6 * 3600);
        let times: Vec<Duration> = (0..200)
            .map(|_| on_start(now, Start::New, interval) - now)
            .collect();
        assert!(times.iter().all(|d| *d <= NEW_WATCH_SPREAD), "{times:?}");
        let distinct: BTreeSet<_> = times.iter().map(|d| d.as_millis()).collect();
        assert!(distinct.len() > 50, "new watches are spread, not one burst");
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_intervals_saturate_instead_of_overflowing_the_clock() {
        let now = Instant::now();
        for interval in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
            for pending in [false, true] {
                let d = after_check(now, interval, pending, Duration::MAX) - now;
                assert!(d >= FAR_FUTURE - JITTER_CAP && d <= FAR_FUTURE, "{d:?}");
            }
            let d = on_start(now, Start::In(Duration::MAX), interval) - now;
            assert_eq!(d, FAR_FUTURE);
            assert!(on_start(now, Start::Overdue, interval) - now <= RESTART_SPREAD_CAP);
        }
        assert_eq!(
            later(now, Duration::from_secs(90)) - now,
            Duration::from_secs(90)
        );
    }
}
