//! One pass over every watch: concurrent fetches within the global and per-host bounds.

use futures_util::StreamExt;

use crate::config::{Settings, Watch};
use crate::pipeline::{CheckReport, Checker};
use crate::schedule::politeness::HostGate;
use crate::store::StoreError;

/// The outcome of one watch in a pass.
pub type Outcome = Result<CheckReport, (String, StoreError)>;

/// The politeness key of a watch: its host, or none for `file://`.
pub fn host_key(watch: &Watch) -> Option<String> {
    watch.url.host_str().map(|h| {
        let port = watch.url.port_or_known_default().unwrap_or(0);
        format!("{h}:{port}")
    })
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

/// Checks every watch once, calling `on_done` as each finishes (in completion order).
pub async fn check_all(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    mut on_done: impl FnMut(&Outcome),
) -> Tally {
    let gate = HostGate::new(settings.host_concurrency, settings.host_delay);
    let mut stream = futures_util::stream::iter(watches.iter().map(|w| {
        let gate = gate.clone();
        async move {
            let _permit = match host_key(w) {
                Some(host) => Some(gate.enter(&host).await),
                None => None,
            };
            checker.check(w).await.map_err(|e| (w.name.clone(), e))
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
    tally
}
