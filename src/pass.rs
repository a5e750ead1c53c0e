//! One pass over every watch: concurrent fetches within the global and per-host bounds.

use futures_util::StreamExt;

use crate::pipeline::{CheckReport, Checker};
use crate::politeness::HostGate;
use crate::store::StoreError;
use crate::watchlist::{Settings, Watch};

/// The outcome of one watch in a pass.
pub type Outcome = Result<CheckReport, (String, StoreError)>;

/// The politeness key of a watch: its host, or none for `file://`.
pub fn host_key(watch: &Watch) -> Option<String> {
    watch.url.host_str().map(|h| {
        let port = watch.url.port_or_known_default().unwrap_or(0);
        format!("{h}:{port}")
    })
}

/// Checks every watch once, calling `on_done` as each finishes (in completion order).
pub async fn check_all(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    mut on_done: impl FnMut(&Outcome),
) -> Vec<Outcome> {
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
    let mut out = Vec::with_capacity(watches.len());
    while let Some(outcome) = stream.next().await {
        on_done(&outcome);
        out.push(outcome);
    }
    out
}
