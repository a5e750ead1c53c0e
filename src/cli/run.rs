//! `canaryd run`: validates the watchlist, wires signals to the daemon and starts it.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::daemon::{self, DaemonParts};
use crate::notify::outbox::DELIVERY_BACKOFF;

/// `canaryd run` from the command line: signals wired to the daemon.
pub(super) async fn run(watchlist: &Path, state: &Path) -> anyhow::Result<u8> {
    // Validate before anything else: a bad watchlist is exit 78, and systemd won't restart.
    if let Err(code) = super::load_watchlist(watchlist) {
        return Ok(code);
    }
    let parts = DaemonParts {
        watchlist: watchlist.to_path_buf(),
        state: state.to_path_buf(),
        clock: crate::clock::system(),
        shutdown: CancellationToken::new(),
        reload: Arc::new(Notify::new()),
        backoff: DELIVERY_BACKOFF,
    };
    spawn_signal_handler(parts.shutdown.clone(), parts.reload.clone())?;
    daemon::run(parts).await?;
    Ok(0)
}

fn spawn_signal_handler(shutdown: CancellationToken, reload: Arc<Notify>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut hup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    tokio::spawn(async move {
        loop {
            let stop = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => {
                    reload.notify_one();
                    continue;
                }
            };
            if shutdown.is_cancelled() {
                tracing::warn!(signal = stop, "second stop signal: exiting at once");
                std::process::exit(130);
            }
            tracing::info!(signal = stop, "stopping: finishing in-flight checks");
            shutdown.cancel();
        }
    });
    Ok(())
}
