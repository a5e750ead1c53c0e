//! What the daemon does when a check ends: logs it and schedules the watch's next check
//! (the check itself wrote when, in its `check.json`), or, for a check that panicked,
//! records the panic and retries after a backoff.

use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::Instant;

use super::Daemon;
use super::in_flight::Joined;
use crate::backoff::{Backoff, Jitter};
use crate::clock::wall_after;
use crate::config::Watch;
use crate::health::{self, Reason};
use crate::pipeline::CheckReport;
use crate::schedule::scheduler;
use crate::store::{CheckRecord, CheckResult, StoreError};

impl Daemon {
    pub(super) fn ended(&mut self, joined: Joined) {
        match joined {
            Joined::Done(watch, outcome) => {
                self.panics.remove(&watch.name);
                if let (Some(p), Ok(report)) = (&self.publisher, outcome.as_ref()) {
                    p.checked(&self.wl, report);
                }
                self.finished(&watch, *outcome);
            }
            Joined::Panicked(watch, e) => self.panicked(&watch, e),
        }
    }

    /// Logs a finished check and schedules the next one.
    pub(super) fn finished(&mut self, watch: &Watch, outcome: Result<CheckReport, StoreError>) {
        // A watch removed by a reload while it was being checked is not rescheduled.
        let Some(current) = self.wl.watch(&watch.name) else {
            return;
        };
        let now = Instant::now();
        let report = match outcome {
            Ok(report) => report,
            Err(e) => {
                tracing::error!(watch = %watch.name, error = %crate::error_chain(&e), "check could not be recorded; will retry");
                let due = scheduler::after_check(
                    now,
                    current.shared.interval,
                    true,
                    current.shared.policy.confirm_after,
                );
                self.sched.set(&watch.name, due);
                return;
            }
        };
        let record = &report.record;
        let events: Vec<&str> = report.events.iter().map(|e| e.kind.as_str()).collect();
        let health = report.health.as_ref().map(|(h, _)| h);
        tracing::info!(
            watch = %watch.name,
            result = %record.result,
            health = %health.map_or("unknown", |h| h.level().as_str()),
            statements = record.statements,
            pending = report.pending,
            // Fields with nothing to say are left out, not logged empty.
            events = (!events.is_empty()).then(|| events.join(",")),
            duration_ms = record.duration_ms,
            error = record.error.as_deref(),
            "check"
        );
        // A failed fetch is a problem worth a look (`journalctl -p warning`), even before
        // it lasts long enough to be `unreachable`.
        if record.result == CheckResult::Failed {
            tracing::warn!(
                watch = %watch.name,
                error = record.error.as_deref().unwrap_or(""),
                "check failed"
            );
        }
        if let Some(h) = health {
            log_health(current, record, h);
        }
        // The daemon asked for a next check time with every check (see `launch_due`).
        let wait = report.next_in.unwrap_or(current.shared.interval);
        self.sched.set(&watch.name, scheduler::later(now, wait));
    }

    /// A check that panicked: logged at error with its watch, recorded so `list` shows it,
    /// and the watch rescheduled after a backoff that doubles with each panic in a row (from
    /// `confirm_after`, at most its interval), never dropped.
    fn panicked(&mut self, watch: &Watch, e: JoinError) {
        let what = crate::schedule::pass::why_it_ended(e);
        let Some(current) = self.wl.watch(&watch.name) else {
            return;
        };
        let n = self.panics.entry(watch.name.clone()).or_insert(0);
        *n += 1;
        let backoff = Backoff {
            base: current.shared.policy.confirm_after,
            cap: current.shared.interval,
            jitter: Jitter::None,
        }
        .ceiling(*n);
        tracing::error!(watch = %watch.name, panic = %what, retry_in = %crate::words::describe_setting(backoff), "check panicked; the watch stays scheduled");
        self.record_panic(&watch.name, &what, backoff);
        self.sched
            .set(&watch.name, scheduler::later(Instant::now(), backoff));
    }

    /// The panic in `name`'s `check.json`, with the retry's time: no check committed one.
    fn record_panic(&self, name: &str, what: &str, retry_in: Duration) {
        let store = self.checker.store();
        let at = self.checker.clock().now();
        let mut record = store.load_check(name).ok().flatten().unwrap_or_default();
        record.at = Some(at);
        record.result = CheckResult::Failed;
        record.error = Some(format!(
            "the check panicked: {what} (a bug in canaryd: please report it)"
        ));
        record.next_check = Some(wall_after(at, retry_in));
        if let Err(e) = store.save_check(name, &record) {
            tracing::warn!(watch = %name, error = %crate::error_chain(&e), "cannot record the panicked check");
        }
    }
}

/// A watch that cannot alert, or whose claims went, is worth a look at warning level on every
/// check, from the first (`journalctl -p warning`), like a failed fetch.
fn log_health(watch: &Watch, record: &CheckRecord, h: &health::Health) {
    for reason in &h.reasons {
        match reason {
            Reason::TracksNothing => tracing::warn!(
                watch = %watch.name,
                fix = %if record.scripted {
                    crate::observe::scripted::NEEDS_JAVASCRIPT.to_string()
                } else {
                    health::tracks_nothing_fix(&crate::fetch::redact(&watch.url))
                },
                "warning: tracks nothing: no canary claim on the page, so it can never alert"
            ),
            Reason::ClaimsMissing { claims, alerted } => tracing::warn!(
                watch = %watch.name,
                claims,
                alerted,
                "warning: claims missing from the page"
            ),
            Reason::ClaimsLost => tracing::warn!(
                watch = %watch.name,
                "warning: tracks nothing: its claims were removed"
            ),
            // Logged where they are raised: "check failed", and their events.
            Reason::FetchFailed | Reason::Stale | Reason::Signature | Reason::AcceptsSha1 => {}
        }
    }
}
