//! The report as `run` keeps it: written into `<state>/.report` when the daemon starts and
//! again after each check that changed something (an event, or a different result), and
//! served on the `[web]` address. Generation runs on a blocking thread; checks that finish
//! while it runs are folded into one more generation, never queued one by one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::serve::{self, Served};
use crate::clock::SharedClock;
use crate::config::Watchlist;
use crate::pipeline::CheckReport;
use crate::store::CheckResult;

/// The daemon's handle on its report.
#[derive(Debug)]
pub struct Publisher {
    tx: watch::Sender<Arc<Watchlist>>,
    /// Each watch's last result, to tell a check that changed something.
    results: Mutex<HashMap<String, CheckResult>>,
}

impl Publisher {
    /// Binds `[web] listen`, writes the report once and starts serving it; `None` when the
    /// watchlist has no `[web]`. Fails when the address cannot be bound.
    pub async fn start(
        wl: &Watchlist,
        state: &Path,
        clock: SharedClock,
        stop: CancellationToken,
    ) -> anyhow::Result<Option<Publisher>> {
        let Some(web) = wl.web else {
            return Ok(None);
        };
        let listener = serve::bind(web.listen).await?;
        let root = state.join(super::SERVED_DIR);
        let served = Served::default();
        let (tx, rx) = watch::channel(Arc::new(wl.clone()));
        tokio::spawn(regenerate(
            rx,
            state.to_path_buf(),
            root.clone(),
            served.clone(),
            clock,
            stop.clone(),
        ));
        tokio::spawn(serve::serve(
            listener,
            root,
            state.to_path_buf(),
            served,
            stop,
        ));
        if web.remote {
            tracing::warn!(listen = %web.listen, "serving the report beyond loopback (allow_remote = true)");
        }
        tracing::info!(listen = %web.listen, "serving the report at http://{}/", web.listen);
        Ok(Some(Publisher {
            tx,
            results: Mutex::default(),
        }))
    }

    /// After a check: regenerates when it changed something.
    pub fn checked(&self, wl: &Watchlist, report: &CheckReport) {
        let changed = {
            let mut results = self.results.lock().unwrap_or_else(|p| p.into_inner());
            let before = results.insert(report.watch.clone(), report.record.result);
            before != Some(report.record.result) || !report.events.is_empty()
        };
        if changed {
            self.watchlist_changed(wl);
        }
    }

    /// After a reload: watches may have come or gone.
    pub fn watchlist_changed(&self, wl: &Watchlist) {
        self.tx.send_replace(Arc::new(wl.clone()));
    }
}

async fn regenerate(
    mut rx: watch::Receiver<Arc<Watchlist>>,
    state: PathBuf,
    root: PathBuf,
    served: Served,
    clock: SharedClock,
    stop: CancellationToken,
) {
    loop {
        let wl = rx.borrow_and_update().clone();
        let (state, root2, now) = (state.clone(), root.clone(), clock.now());
        let done = tokio::task::spawn_blocking(move || {
            super::generate(&wl, &state, &root2, now, super::Warcs::Served)
        })
        .await;
        match done {
            Ok(Ok(outcome)) => {
                served.set_all(&outcome.files, &outcome.warcs);
                tracing::debug!(
                    rebuilt = outcome.rebuilt,
                    written = outcome.written,
                    "report written"
                );
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %crate::error_chain(&e), dir = %root.display(), "cannot write the report; serving the previous one")
            }
            Err(e) => {
                tracing::error!(error = %e, "writing the report panicked; serving the previous one")
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            changed = rx.changed() => if changed.is_err() { return },
        }
    }
}
