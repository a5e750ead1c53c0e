//! The one backoff schedule: a wait doubling from `base` with each failure in a row, never
//! over `cap`, with the jitter the caller chooses (from `fastrand`). Fetch retries, the
//! outbox's delivery attempts and the daemon's panicked checks all use it.

use std::time::Duration;

/// How much of a wait is random, so that many retries do not fall in lockstep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the doubling wait.
    None,
    /// Uniform in `[0, wait]` ("full jitter").
    Full,
    /// Up to this percentage of the wait taken off: uniform in `[wait × (1 − p/100), wait]`.
    Shave(u8),
}

/// A capped doubling wait and its jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure, before jitter.
    pub base: Duration,
    /// The longest wait, before jitter.
    pub cap: Duration,
    pub jitter: Jitter,
}

impl Backoff {
    /// The wait after `failed` failures in a row (1 or more; 0 reads as 1), before jitter:
    /// `min(cap, base × 2^(failed−1))`, saturating.
    pub fn ceiling(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// The wait after `failed` failures with `unit` (in `[0, 1]`) as the random draw.
    pub fn delay_with(&self, failed: u32, unit: f64) -> Duration {
        let ceiling = self.ceiling(failed);
        let unit = unit.clamp(0.0, 1.0);
        match self.jitter {
            Jitter::None => ceiling,
            Jitter::Full => ceiling.mul_f64(unit),
            Jitter::Shave(percent) => {
                ceiling - ceiling.mul_f64(f64::from(percent.min(100)) / 100.0 * unit)
            }
        }
    }

    /// The wait after `failed` failures, jittered with `fastrand`.
    pub fn delay(&self, failed: u32) -> Duration {
        self.delay_with(failed, fastrand::f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn the_wait_doubles_to_its_cap_and_jitter_stays_in_its_range() {
        let b = Backoff {
            base: S(60),
            cap: S(3600),
            jitter: Jitter::None,
        };
        let ceilings: Vec<_> = [0, 1, 2, 3, 6, 7, 40, u32::MAX]
            .map(|n| b.ceiling(n).as_secs())
            .into();
        assert_eq!(ceilings, [60, 60, 120, 240, 1920, 3600, 3600, 3600]);
        assert_eq!(b.delay(3), S(240));
        let full = Backoff {
            jitter: Jitter::Full,
            ..b
        };
        assert_eq!(full.delay_with(2, 0.0), S(0));
        assert_eq!(full.delay_with(2, 0.5), S(60));
        assert_eq!(full.delay_with(2, 7.0), S(120));
        let shave = Backoff {
            jitter: Jitter::Shave(20),
            ..b
        };
        assert_eq!(shave.delay_with(1, 1.0), S(48));
        assert_eq!(shave.delay_with(1, 0.0), S(60));
        for _ in 0..100 {
            let d = shave.delay(40);
            assert!(d >= S(2880) && d <= S(3600), "{d:?}");
        }
        // A huge base saturates instead of overflowing.
        let huge = Backoff {
            base: Duration::MAX,
            cap: Duration::MAX,
            jitter: Jitter::None,
        };
        assert_eq!(huge.ceiling(9), Duration::MAX);
    }
}
