//! One pass over every watch: concurrent fetches within the global and per-host bounds, and
//! those bounds ([`Limits`]), which the daemon's checks go through too.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Semaphore;

use crate::config::{Settings, Watch};
use crate::pipeline::{CheckReport, Checker, NextCheck};
use crate::schedule::politeness::{HostGate, HostPermit};
pub use crate::schedule::waiting::Waiting;
use crate::store::StoreError;

/// The outcome of one watch in a pass.
pub type Outcome = Result<CheckReport, (String, StoreError)>;

/// The politeness key of a watch: its host, or none for `file://`.
fn host_key(watch: &Watch) -> Option<String> {
    watch.url.host_str().map(|h| {
        let port = watch.url.port_or_known_default().unwrap_or(0);
        format!("{h}:{port}")
    })
}

/// Waits for the watch's host to allow a request (none for `file://`), counted in `waiting`
/// meanwhile.
async fn enter(gate: &HostGate, waiting: &Waiting, watch: &Watch) -> Option<HostPermit> {
    let (host, shown) = (host_key(watch)?, host_shown(watch)?);
    let _waiting = waiting.start(&shown);
    Some(gate.enter(&host).await)
}

/// The global and per-host request bounds of a watchlist's settings: every check, of a
/// pass or of the daemon, runs through [`Limits::check`]. Clones share the bounds.
#[derive(Debug, Clone)]
pub struct Limits {
    global: Arc<Semaphore>,
    hosts: HostGate,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        Limits {
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            hosts: HostGate::new(settings.host_concurrency, settings.host_delay),
        }
    }

    /// Checks `watch` once a global slot and its host allow (counted in `waiting` while its
    /// host holds it back); `next` as in [`Checker::check_then`].
    pub async fn check(
        &self,
        checker: &Checker,
        watch: &Watch,
        waiting: &Waiting,
        next: Option<NextCheck>,
    ) -> Result<CheckReport, StoreError> {
        let _slot = self
            .global
            .acquire()
            .await
            .expect("the global semaphore is never closed");
        let _host = enter(&self.hosts, waiting, watch).await;
        checker.check_then(watch, next).await
    }
}

/// What a pass did, counted as it went (reports are not kept: a pass over 10,000 watches
/// must not hold 10,000 reports in memory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub checked: usize,
    /// Checks whose fetch failed (the result was recorded).
    pub failed: usize,
    /// Checks that could not be recorded (state directory errors).
    pub store_errors: usize,
}

/// The host as people read it in "waiting on …": its name, and its port when not the
/// scheme's default.
pub fn host_shown(watch: &Watch) -> Option<String> {
    let host = watch.url.host_str()?;
    Some(match watch.url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Checks every watch once, calling `on_done` as each finishes (in completion order).
pub async fn check_all(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    on_done: impl FnMut(&Outcome),
) -> Tally {
    check_all_counting(checker, watches, settings, &Waiting::default(), on_done).await
}

/// Like [`check_all`], counting in `waiting` the watches held back by their host's
/// politeness while they wait (what `check`'s progress bar shows).
pub async fn check_all_counting(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    waiting: &Waiting,
    mut on_done: impl FnMut(&Outcome),
) -> Tally {
    let limits = Limits::new(settings);
    // At most `concurrency` futures exist at once (a pass over 10,000 watches does not hold
    // 10,000), so the global slot never makes one wait here; the host gate does.
    let mut stream = futures_util::stream::iter(watches.iter().map(|w| {
        let limits = &limits;
        async move {
            limits
                .check(checker, w, waiting, None)
                .await
                .map_err(|e| (w.name.clone(), e))
        }
    }))
    .buffer_unordered(settings.concurrency.max(1));
    let mut tally = Tally::default();
    while let Some(outcome) = stream.next().await {
        on_done(&outcome);
        tally.checked += 1;
        match &outcome {
            Ok(r) if r.record.result == crate::store::CheckResult::Failed => tally.failed += 1,
            Ok(_) => {}
            Err(_) => tally.store_errors += 1,
        }
    }
    // The last check times of the watches that changed nothing, in one file.
    checker.flush_seen();
    tally
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn watch(url: &str) -> Watch {
        let text = format!("[[watch]]\nname = \"w\"\nurl = \"{url}\"\n");
        let wl = crate::config::Watchlist::parse(&text, std::path::Path::new("watchlist.toml"))
            .expect("watchlist");
        wl.watches.into_iter().next().expect("a watch")
    }

    #[tokio::test(start_paused = true)]
    async fn a_watch_held_by_its_host_delay_is_counted_while_it_waits() {
        let gate = HostGate::new(1, Duration::from_secs(2));
        let waiting = Waiting::default();
        let w = watch("https://example.org/canary");
        drop(enter(&gate, &waiting, &w).await);
        assert!(waiting.snapshot().is_empty(), "the first one did not wait");
        let second = {
            let (gate, waiting, w) = (gate.clone(), waiting.clone(), w.clone());
            tokio::spawn(async move { enter(&gate, &waiting, &w).await.is_some() })
        };
        // Let the second reach its wait; the clock is paused, so no time passes.
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert_eq!(
            waiting.message(Duration::from_secs(2)).as_deref(),
            Some("1 waiting on example.org (host_delay 2s)")
        );
        assert!(second.await.expect("join"));
        assert!(waiting.snapshot().is_empty(), "uncounted once through");

        let file = watch("file:///srv/canary.txt");
        assert!(enter(&gate, &waiting, &file).await.is_none());
        assert!(waiting.snapshot().is_empty(), "a file waits on no host");
    }
}
