//! `canaryd run`: the long-running scheduler. Checks each watch on its interval, delivers
//! alerts from the durable outbox, reloads on SIGHUP, stops cleanly on SIGTERM, and talks
//! to systemd (READY, RELOADING, STOPPING, WATCHDOG). This file owns the [`Daemon`] and
//! its loop; what happens when a check ends, on a reload, at start and in delivery is in
//! the files of `daemon/`.

mod delivery;
mod ended;
mod in_flight;
mod reload;
mod start;
mod systemd;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::clock::SharedClock;
use crate::config::{Watch, Watchlist};
use crate::fetch::POOL_IDLE;
use crate::notify::channel::Channels;
use crate::notify::feed::Feed;
use crate::pipeline::{Checker, NextCheck};
use crate::report::publish::Publisher;
use crate::schedule::pass::{Limits, Waiting};
use crate::schedule::scheduler::{self, Scheduler};

use in_flight::{InFlight, Joined};

/// In-flight checks get this long to finish after a stop request; then they are dropped
/// (at an await point, so never in the middle of the synchronous durable writes).
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Freed heap is given back this long after the last check in flight ended, not at once:
/// the connections closed then end on their own tasks, and their buffers go a moment later.
const TRIM_AFTER: Duration = Duration::from_secs(1);

/// Everything the daemon needs, injectable from tests.
#[derive(Debug, Clone)]
pub struct DaemonParts {
    pub watchlist: PathBuf,
    pub state: PathBuf,
    pub clock: SharedClock,
    /// Cancelled to stop the daemon.
    pub shutdown: CancellationToken,
    /// Notified to re-read the watchlist.
    pub reload: Arc<Notify>,
    /// Waits between delivery attempts of an alert.
    pub backoff: Backoff,
}

/// Called with the watch's name at the start of each of its checks, inside the check's
/// task: how fault tests make a check panic. Test-only: see [`run_with_fault_hook`].
#[derive(Clone)]
pub struct FaultHook(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for FaultHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FaultHook(..)")
    }
}

/// Runs the daemon until `parts.shutdown` is cancelled.
pub async fn run(parts: DaemonParts) -> anyhow::Result<()> {
    Daemon::start(parts, None).await?.run().await
}

/// Test-only: [`run`], calling `hook` at the start of every check (tests/daemon.rs makes a
/// check panic with it). An entry of its own rather than a field of [`DaemonParts`], so the
/// parts production builds carry no hook; not `#[cfg(test)]`, which integration tests do not
/// see, nor a cargo feature, which would build the crate a second way for the test suite.
#[doc(hidden)]
pub async fn run_with_fault_hook(parts: DaemonParts, hook: FaultHook) -> anyhow::Result<()> {
    Daemon::start(parts, Some(hook)).await?.run().await
}

/// The running daemon: its watchlist, the schedule, the checks in flight and what they run
/// within, and where alerts go.
struct Daemon {
    parts: DaemonParts,
    fault: Option<FaultHook>,
    wl: Watchlist,
    checker: Arc<Checker>,
    sched: Scheduler,
    /// The watchlist's request bounds, the same a `check` pass runs within.
    limits: Limits,
    in_flight: InFlight,
    /// Panics in a row, by watch: each doubles its backoff.
    panics: HashMap<String, u32>,
    /// The delivery task's channels, replaced on a reload.
    channels: watch::Sender<Arc<Channels>>,
    wake_delivery: Arc<Notify>,
    delivery: tokio::task::JoinHandle<()>,
    publisher: Option<Publisher>,
}

impl Daemon {
    /// Loads the watchlist, takes the state directory and starts delivery and publishing.
    async fn start(parts: DaemonParts, fault: Option<FaultHook>) -> anyhow::Result<Daemon> {
        let wl = Watchlist::load(&parts.watchlist)?;
        let checker = Arc::new(Checker::new(&parts.state, parts.clock.clone(), "run")?);
        start::configure_browser(&checker, &wl);
        let channels = Channels::from_watchlist(&wl)?;
        checker.outbox().set_routes(channels.routes());
        let (channels_tx, channels_rx) = watch::channel(Arc::new(channels));
        let wake_delivery = Arc::new(Notify::new());
        let delivery = tokio::spawn(
            delivery::Delivery {
                checker: checker.clone(),
                feed: Feed::new(&parts.state).deferred(),
                channels: channels_rx,
                wake: wake_delivery.clone(),
                shutdown: parts.shutdown.clone(),
                backoff: parts.backoff,
            }
            .run(),
        );
        let publisher = Publisher::start(
            &wl,
            &parts.state,
            parts.clock.clone(),
            parts.shutdown.clone(),
        )
        .await?;
        let mut sched = Scheduler::default();
        for w in &wl.watches {
            start::schedule_on_start(&mut sched, &checker, w);
        }
        Ok(Daemon {
            limits: Limits::new(&wl.settings),
            parts,
            fault,
            wl,
            checker,
            sched,
            in_flight: InFlight::default(),
            panics: HashMap::new(),
            channels: channels_tx,
            wake_delivery,
            delivery,
            publisher,
        })
    }

    /// Until shutdown: checks what is due, records what ends, reloads on request.
    async fn run(mut self) -> anyhow::Result<()> {
        let watchdog = sd_notify::watchdog_enabled().map(|d| d / 2);
        let mut watchdog_tick =
            tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(3600)));
        start::warn_short_intervals(&self.wl);
        tracing::info!(watches = self.wl.watches.len(), state = %self.parts.state.display(), "canaryd running");
        start::log_schedule(&self.sched, &self.wl, &self.parts.clock);
        systemd::notify(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status("watching"),
        ]);
        let (shutdown, reload) = (self.parts.shutdown.clone(), self.parts.reload.clone());
        let mut trim_at = None;
        loop {
            let next = self.sched.next();
            let running = !self.in_flight.is_empty();
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = reload.notified() => self.reload(),
                Some(joined) = self.in_flight.join_next(), if running => {
                    self.ended(joined);
                    self.wake_delivery.notify_one();
                    if self.in_flight.is_empty() {
                        if idle_past_pooling(self.sched.next(), Instant::now()) {
                            self.checker.close_idle_connections();
                        }
                        trim_at = Some(Instant::now() + TRIM_AFTER);
                    }
                }
                _ = sleep_until(trim_at), if trim_at.is_some() => {
                    trim_at = None;
                    crate::memory::release_free();
                }
                _ = sleep_until(next), if next.is_some() => self.launch_due(),
                _ = watchdog_tick.tick(), if watchdog.is_some() => {
                    systemd::notify(&[sd_notify::NotifyState::Watchdog]);
                }
            }
        }
        self.stop().await;
        Ok(())
    }

    /// Starts the check of every watch now due that is not being checked already.
    fn launch_due(&mut self) {
        for name in self.sched.take_due(Instant::now()) {
            let Some(watch) = self.wl.watch(&name).cloned() else {
                continue;
            };
            if self.in_flight.checking(&name) {
                continue;
            }
            let (checker, limits) = (self.checker.clone(), self.limits.clone());
            let fault = self.fault.clone();
            let next = next_check(&watch);
            let task = watch.clone();
            self.in_flight.spawn(watch, async move {
                if let Some(FaultHook(hook)) = fault {
                    hook(&task.name);
                }
                let outcome = limits
                    .check(&checker, &task, &Waiting::default(), Some(next))
                    .await;
                (task, outcome)
            });
        }
    }

    /// Gives the checks in flight [`STOP_GRACE`] to finish, then stops delivery and the
    /// browser.
    async fn stop(mut self) {
        systemd::notify(&[sd_notify::NotifyState::Stopping]);
        let grace = tokio::time::sleep(STOP_GRACE);
        tokio::pin!(grace);
        while !self.in_flight.is_empty() {
            tokio::select! {
                _ = &mut grace => {
                    tracing::warn!(in_flight = self.in_flight.len(), "stop grace period over: abandoning in-flight checks");
                    self.in_flight.abort_all();
                    break;
                }
                Some(joined) = self.in_flight.join_next() => {
                    // A panic now is not retried: the daemon is stopping.
                    if let Joined::Done(watch, outcome) = joined {
                        self.finished(&watch, *outcome);
                    }
                }
            }
        }
        // The delivery loop stops at its next await; an alert mid-send stays queued.
        if tokio::time::timeout(Duration::from_secs(2), &mut self.delivery)
            .await
            .is_err()
        {
            tracing::warn!(
                "alert delivery still in progress at stop; it stays queued for the next start"
            );
        }
        self.checker.flush_seen();
        // Its whole process group goes with it, and its profile.
        self.checker.browser().shutdown().await;
        tracing::info!("canaryd stopped");
    }
}

/// When `watch` is checked after this check, both ways (see [`NextCheck`]): chosen now,
/// written by the check itself.
fn next_check(watch: &Watch) -> NextCheck {
    let (interval, confirm_after) = (watch.shared.interval, watch.shared.policy.confirm_after);
    NextCheck {
        settled: scheduler::wait_after_check(interval, false, confirm_after),
        pending: scheduler::wait_after_check(interval, true, confirm_after),
    }
}

/// Whether nothing is due before a kept-open connection would close on its own
/// ([`POOL_IDLE`] after its last use): then keeping them open only holds their buffers.
fn idle_past_pooling(next: Option<Instant>, now: Instant) -> bool {
    next.is_none_or(|at| at.saturating_duration_since(now) > POOL_IDLE)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_close_only_when_nothing_is_due_before_they_would() {
        let now = Instant::now();
        assert!(idle_past_pooling(None, now), "nothing scheduled at all");
        assert!(idle_past_pooling(
            Some(now + Duration::from_secs(3600)),
            now
        ));
        assert!(idle_past_pooling(
            Some(now + POOL_IDLE + Duration::from_secs(1)),
            now
        ));
        assert!(
            !idle_past_pooling(Some(now + POOL_IDLE), now),
            "reused at the edge"
        );
        assert!(!idle_past_pooling(Some(now + Duration::from_secs(5)), now));
        assert!(!idle_past_pooling(Some(now), now), "something is due now");
    }
}
