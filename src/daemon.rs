//! `canaryd run`: the long-running scheduler. Checks each watch on its interval, delivers
//! alerts from the durable outbox, reloads on SIGHUP, stops cleanly on SIGTERM, and talks
//! to systemd (READY, RELOADING, STOPPING, WATCHDOG).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::backoff::{Backoff, Jitter};
use crate::clock::{SharedClock, wall_after};
use crate::config::{Watch, Watchlist};
use crate::health::{self, Reason};
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::pipeline::{CheckReport, Checker};
use crate::schedule::pass::host_key;
use crate::schedule::politeness::HostGate;
use crate::schedule::scheduler::{self, Scheduler};
use crate::store::{CheckResult, StoreError};

/// In-flight checks get this long to finish after a stop request; then they are dropped
/// (at an await point, so never in the middle of the synchronous durable writes).
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Upper bound on how long the delivery loop sleeps when nothing is queued.
const DELIVERY_IDLE: Duration = Duration::from_secs(3600);

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
    /// Called with the watch's name at the start of each of its checks, inside the check's
    /// task: how fault tests make a check panic. `None` outside tests.
    pub before_check: Option<BeforeCheck>,
}

/// See [`DaemonParts::before_check`].
#[derive(Clone)]
pub struct BeforeCheck(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for BeforeCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BeforeCheck(..)")
    }
}

/// What a sd_notify call would say; a no-op outside systemd.
fn notify_systemd(state: &[sd_notify::NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some()
        && let Err(e) = sd_notify::notify(state)
    {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

/// Runs the daemon until `parts.shutdown` is cancelled.
pub async fn run(parts: DaemonParts) -> anyhow::Result<()> {
    let mut wl = Watchlist::load(&parts.watchlist)?;
    let checker = Arc::new(Checker::new(&parts.state, parts.clock.clone(), "run")?);
    configure_browser(&checker, &wl);
    let channels = Channels::from_watchlist(&wl)?;
    checker.outbox.set_routes(channels.routes());
    let (channels_tx, channels_rx) = watch::channel(Arc::new(channels));
    let wake_delivery = Arc::new(Notify::new());
    let delivery = tokio::spawn(delivery_loop(
        checker.clone(),
        Feed::new(&parts.state).deferred(),
        channels_rx,
        wake_delivery.clone(),
        parts.shutdown.clone(),
        parts.backoff,
    ));

    let publisher =
        crate::report::publish::Publisher::start(&wl, &parts.state, parts.shutdown.clone()).await?;

    let mut sched = Scheduler::default();
    for w in &wl.watches {
        schedule_on_start(&mut sched, &checker, w);
    }
    let mut limits = Limits::new(&wl);
    let mut running: JoinSet<(Watch, Result<CheckReport, StoreError>)> = JoinSet::new();
    // Which watch each task checks, so a check that panics is still known by its watch.
    let mut tasks: HashMap<tokio::task::Id, Watch> = HashMap::new();
    let mut panics: HashMap<String, u32> = HashMap::new();
    let watchdog = sd_notify::watchdog_enabled().map(|d| d / 2);
    let mut watchdog_tick = tokio::time::interval(watchdog.unwrap_or(Duration::from_secs(3600)));
    warn_short_intervals(&wl);
    tracing::info!(watches = wl.watches.len(), state = %parts.state.display(), "canaryd running");
    log_schedule(&sched, &wl, &parts.clock);
    notify_systemd(&[
        sd_notify::NotifyState::Ready,
        sd_notify::NotifyState::Status("watching"),
    ]);

    loop {
        let next = sched.next();
        tokio::select! {
            _ = parts.shutdown.cancelled() => break,
            _ = parts.reload.notified() => {
                reload(&parts, &mut wl, &mut sched, &checker, &channels_tx, &mut limits);
                if let Some(p) = &publisher {
                    p.watchlist_changed(&wl);
                }
            }
            Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                match done {
                    Ok((id, (watch, outcome))) => {
                        tasks.remove(&id);
                        panics.remove(&watch.name);
                        if let (Some(p), Ok(report)) = (&publisher, &outcome) {
                            p.checked(&wl, report);
                        }
                        finished(&mut sched, &checker, &wl, &watch, outcome);
                    }
                    Err(e) => {
                        if let Some(watch) = tasks.remove(&e.id()) {
                            panicked(&mut sched, &checker, &wl, &watch, e, &mut panics);
                        }
                    }
                }
                wake_delivery.notify_one();
                if running.is_empty() {
                    crate::memory::release_free();
                }
            }
            _ = sleep_until(next), if next.is_some() => {
                for name in sched.take_due(Instant::now()) {
                    let Some(watch) = wl.watch(&name).cloned() else { continue };
                    if tasks.values().any(|w| w.name == name) {
                        continue;
                    }
                    let (checker, limits) = (checker.clone(), limits.clone());
                    let hook = parts.before_check.clone();
                    let task = watch.clone();
                    let handle = running.spawn(async move {
                        let _slot = limits.global.acquire().await;
                        let _host = match host_key(&task) {
                            Some(h) => Some(limits.hosts.enter(&h).await),
                            None => None,
                        };
                        if let Some(BeforeCheck(hook)) = hook {
                            hook(&task.name);
                        }
                        let outcome = checker.check(&task).await;
                        (task, outcome)
                    });
                    tasks.insert(handle.id(), watch);
                }
            }
            _ = watchdog_tick.tick(), if watchdog.is_some() => {
                notify_systemd(&[sd_notify::NotifyState::Watchdog]);
            }
        }
    }

    notify_systemd(&[sd_notify::NotifyState::Stopping]);
    let grace = tokio::time::sleep(STOP_GRACE);
    tokio::pin!(grace);
    while !running.is_empty() {
        tokio::select! {
            _ = &mut grace => {
                tracing::warn!(in_flight = running.len(), "stop grace period over: abandoning in-flight checks");
                running.abort_all();
                break;
            }
            Some(done) = running.join_next() => {
                if let Ok((watch, outcome)) = done {
                    finished(&mut sched, &checker, &wl, &watch, outcome);
                }
            }
        }
    }
    // The delivery loop stops at its next await; an alert mid-send stays queued.
    if tokio::time::timeout(Duration::from_secs(2), delivery)
        .await
        .is_err()
    {
        tracing::warn!(
            "alert delivery still in progress at stop; it stays queued for the next start"
        );
    }
    checker.flush_seen();
    // Its whole process group goes with it, and its profile.
    checker.browser.shutdown().await;
    tracing::info!("canaryd stopped");
    Ok(())
}

/// The watchlist's browser settings, and a missing browser said once (its watches then
/// fail their checks with the same words; the others are watched as usual).
fn configure_browser(checker: &Checker, wl: &Watchlist) {
    checker.browser.configure(&wl.settings.browser);
    if let Some(problem) = wl.browser_problem() {
        let error = problem.to_string().replace("\n  ", "; ");
        tracing::error!(%error, "render = \"browser\" watches cannot be checked");
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The global and per-host request bounds, rebuilt when the watchlist changes them.
#[derive(Clone)]
struct Limits {
    global: Arc<Semaphore>,
    hosts: HostGate,
}

impl Limits {
    fn new(wl: &Watchlist) -> Self {
        Limits {
            global: Arc::new(Semaphore::new(wl.settings.concurrency)),
            hosts: HostGate::new(wl.settings.host_concurrency, wl.settings.host_delay),
        }
    }
}

fn warn_short_intervals(wl: &Watchlist) {
    for w in &wl.watches {
        if w.shared.interval < Duration::from_secs(60)
            && w.url.scheme() != "file"
            && !is_loopback(w)
        {
            tracing::warn!(watch = %w.name, interval = %crate::words::describe_setting(w.shared.interval), "interval under a minute on a remote host: be polite");
        }
    }
}

fn is_loopback(w: &Watch) -> bool {
    match w.url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => true,
    }
}

/// First due time of a watch after start, from its persisted next-check time.
fn schedule_on_start(sched: &mut Scheduler, checker: &Checker, w: &Watch) {
    let now_wall = checker.clock.now();
    let start = match checker.store.load_check(&w.name).ok().flatten() {
        None => scheduler::Start::New,
        Some(c) => match c.next_check.and_then(|t| (t - now_wall).to_std().ok()) {
            Some(remaining) => scheduler::Start::In(remaining),
            None => scheduler::Start::Overdue,
        },
    };
    sched.set(
        &w.name,
        scheduler::on_start(Instant::now(), start, w.shared.interval),
    );
}

/// Up to this many watches, start-up logs each one's first check; past it, the summary only
/// (and each at debug), so a large watchlist does not flood the journal.
const LOG_EACH_DUE_UP_TO: usize = 20;

/// Says at start-up when the first check runs and when each watch is due, so a person
/// watching the log knows canaryd is working rather than silent for minutes.
fn log_schedule(sched: &Scheduler, wl: &Watchlist, clock: &SharedClock) {
    let now = Instant::now();
    let wall = clock.now();
    let at = |due: Instant| wall_after(wall, due.saturating_duration_since(now));
    let when = |due: Instant| {
        let d = due.saturating_duration_since(now);
        if d < Duration::from_secs(1) {
            "now".to_string()
        } else {
            format!(
                "in {} ({})",
                crate::words::describe_elapsed(Duration::from_secs(d.as_secs())),
                crate::words::describe_time(at(due))
            )
        }
    };
    let Some(first) = sched.next() else {
        tracing::info!("no watches in the watchlist; add one with `canaryd add URL`");
        return;
    };
    tracing::info!(
        "{}; first check {}",
        crate::words::plural(wl.watches.len(), "watch"),
        when(first)
    );
    for w in &wl.watches {
        let Some(due) = sched.due_at(&w.name) else {
            continue;
        };
        if wl.watches.len() <= LOG_EACH_DUE_UP_TO {
            tracing::info!(watch = %w.name, "due {}", when(due));
        } else {
            tracing::debug!(watch = %w.name, "due {}", when(due));
        }
    }
}

/// Logs a finished check and schedules the next one.
fn finished(
    sched: &mut Scheduler,
    checker: &Checker,
    wl: &Watchlist,
    watch: &Watch,
    outcome: Result<CheckReport, StoreError>,
) {
    // A watch removed by a reload while it was being checked is not rescheduled.
    let Some(current) = wl.watch(&watch.name) else {
        return;
    };
    let now = Instant::now();
    match outcome {
        Ok(report) => {
            let due = scheduler::after_check(
                now,
                current.shared.interval,
                report.pending > 0,
                current.shared.policy.confirm_after,
            );
            let mut record = report.record.clone();
            record.next_check = Some(wall_after(checker.clock.now(), due - now));
            // A check that changed nothing keeps its times in `.checks.json` (written once a
            // minute), not in a file of its own.
            if report.unchanged {
                checker.store.note_unchanged(&watch.name, &record);
            } else if let Err(e) = checker.store.save_check(&watch.name, &record) {
                tracing::warn!(watch = %watch.name, error = %crate::error_chain(&e), "cannot record the next check time");
            }
            let events: Vec<&str> = report.events.iter().map(|e| e.kind.as_str()).collect();
            let health = checker
                .health(&current.name, &record, current.signing.is_some())
                .map(|(h, _)| h);
            tracing::info!(
                watch = %watch.name,
                result = %record.result,
                health = %health.as_ref().map_or("unknown", |h| h.level().as_str()),
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
            if let Some(h) = &health {
                log_health(current, &record, h);
            }
            sched.set(&watch.name, due);
        }
        Err(e) => {
            tracing::error!(watch = %watch.name, error = %crate::error_chain(&e), "check could not be recorded; will retry");
            sched.set(
                &watch.name,
                scheduler::after_check(
                    now,
                    current.shared.interval,
                    true,
                    current.shared.policy.confirm_after,
                ),
            );
        }
    }
}

/// A watch that cannot alert, or whose claims went, is worth a look at warning level on every
/// check, from the first (`journalctl -p warning`), like a failed fetch.
fn log_health(watch: &Watch, record: &crate::store::CheckRecord, h: &health::Health) {
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

/// A check that panicked: logged at error with its watch, recorded so `list` shows it, and
/// the watch rescheduled after a backoff that doubles with each panic in a row (from
/// `confirm_after`, at most its interval), never dropped.
fn panicked(
    sched: &mut Scheduler,
    checker: &Checker,
    wl: &Watchlist,
    watch: &Watch,
    e: tokio::task::JoinError,
    panics: &mut HashMap<String, u32>,
) {
    let what = if e.is_panic() {
        let p = e.into_panic();
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into())
    } else {
        "the check was cancelled".into()
    };
    let Some(current) = wl.watch(&watch.name) else {
        return;
    };
    let n = panics.entry(watch.name.clone()).or_insert(0);
    *n += 1;
    let backoff = Backoff {
        base: current.shared.policy.confirm_after,
        cap: current.shared.interval,
        jitter: Jitter::None,
    }
    .ceiling(*n);
    let now = Instant::now();
    let due = scheduler::later(now, backoff);
    tracing::error!(watch = %watch.name, panic = %what, retry_in = %crate::words::describe_setting(backoff), "check panicked; the watch stays scheduled");
    let at = checker.clock.now();
    let mut record = checker
        .store
        .load_check(&watch.name)
        .ok()
        .flatten()
        .unwrap_or_default();
    record.at = Some(at);
    record.result = CheckResult::Failed;
    record.error = Some(format!(
        "the check panicked: {what} (a bug in canaryd: please report it)"
    ));
    record.next_check = Some(wall_after(at, backoff));
    if let Err(e) = checker.store.save_check(&watch.name, &record) {
        tracing::warn!(watch = %watch.name, error = %crate::error_chain(&e), "cannot record the panicked check");
    }
    sched.set(&watch.name, due);
}

/// SIGHUP: apply a valid watchlist without losing state; keep the old one if invalid.
fn reload(
    parts: &DaemonParts,
    wl: &mut Watchlist,
    sched: &mut Scheduler,
    checker: &Checker,
    channels_tx: &watch::Sender<Arc<Channels>>,
    limits: &mut Limits,
) {
    notify_systemd(&[
        sd_notify::NotifyState::Reloading,
        sd_notify::NotifyState::monotonic_usec_now()
            .unwrap_or(sd_notify::NotifyState::Status("reloading")),
    ]);
    match Watchlist::load(&parts.watchlist) {
        Err(e) => {
            // One line: under journald every line is its own entry.
            let error = e.to_string().replace("\n  ", "; ");
            tracing::error!(%error, "reload failed: keeping the previous watchlist");
        }
        Ok(new) => match Channels::from_watchlist(&new) {
            Err(e) => {
                tracing::error!(error = %crate::error_chain(e.as_ref()), "reload failed (notification channels): keeping the previous watchlist")
            }
            Ok(channels) => {
                configure_browser(checker, &new);
                let now = Instant::now();
                for old in &wl.watches {
                    if new.watch(&old.name).is_none() {
                        sched.remove(&old.name);
                    }
                }
                for w in &new.watches {
                    match sched.due_at(&w.name) {
                        None if wl.watch(&w.name).is_none() => schedule_on_start(sched, checker, w),
                        Some(due) if due > scheduler::later(now, w.shared.interval) => sched.set(
                            &w.name,
                            scheduler::on_start(now, scheduler::Start::Overdue, w.shared.interval),
                        ),
                        _ => {}
                    }
                }
                // Alerts queued from now on are for the new channels; those already queued
                // keep theirs (by id, so a reordering resends nothing).
                checker.outbox.set_routes(channels.routes());
                let _ = channels_tx.send(Arc::new(channels));
                *limits = Limits::new(&new);
                tracing::info!(watches = new.watches.len(), "watchlist reloaded");
                *wl = new;
                warn_short_intervals(wl);
            }
        },
    }
    notify_systemd(&[sd_notify::NotifyState::Ready]);
}

/// Drains the outbox into the channels (and newly queued alerts into the feed): everything
/// at start, then whatever is due, until shutdown.
async fn delivery_loop(
    checker: Arc<Checker>,
    feed: Feed,
    mut channels_rx: watch::Receiver<Arc<Channels>>,
    wake: Arc<Notify>,
    shutdown: CancellationToken,
    backoff: Backoff,
) {
    let mut first = true;
    loop {
        let channels = channels_rx.borrow_and_update().clone();
        let targets = Targets {
            outbox: &checker.outbox,
            channels: &channels,
            feed: &feed,
        };
        match deliver::drain(targets, checker.clock.now(), first, backoff).await {
            Ok(d) if d.delivered + d.failed + d.permanent > 0 => {
                tracing::info!(
                    delivered = d.delivered,
                    failed = d.failed,
                    waiting = d.waiting,
                    refused = d.permanent,
                    "outbox drained"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %crate::error_chain(&e), "cannot read the outbox"),
        }
        first = false;
        let now = checker.clock.now();
        let wait = checker
            .outbox
            .pending()
            .ok()
            .and_then(|p| p.iter().map(|q| q.next_attempt).min())
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(DELIVERY_IDLE)
            .min(DELIVERY_IDLE);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            r = channels_rx.changed() => if r.is_err() { return },
        }
    }
}
