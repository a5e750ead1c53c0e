//! What the daemon does with a watchlist as it starts (or reloads) one: its browser
//! settings, each watch's first due time, and what the log says of them.

use std::time::Duration;

use tokio::time::Instant;

use crate::clock::{SharedClock, wall_after};
use crate::config::{Watch, Watchlist};
use crate::pipeline::Checker;
use crate::schedule::scheduler::{self, Scheduler};

/// Up to this many watches, start-up logs each one's first check; past it, the summary only
/// (and each at debug), so a large watchlist does not flood the journal.
const LOG_EACH_DUE_UP_TO: usize = 20;

/// The watchlist's browser settings, and a missing browser said once (its watches then
/// fail their checks with the same words; the others are watched as usual).
pub(super) fn configure_browser(checker: &Checker, wl: &Watchlist) {
    checker.browser().configure(&wl.settings.browser);
    if let Some(problem) = wl.browser_problem() {
        let error = problem.to_string().replace("\n  ", "; ");
        tracing::error!(%error, "render = \"browser\" watches cannot be checked");
    }
}

pub(super) fn warn_short_intervals(wl: &Watchlist) {
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
pub(super) fn schedule_on_start(sched: &mut Scheduler, checker: &Checker, w: &Watch) {
    let now_wall = checker.clock().now();
    let start = match checker.store().load_check(&w.name).ok().flatten() {
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

/// Says at start-up when the first check runs and when each watch is due, so a person
/// watching the log knows canaryd is working rather than silent for minutes.
pub(super) fn log_schedule(sched: &Scheduler, wl: &Watchlist, clock: &SharedClock) {
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
