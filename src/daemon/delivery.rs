//! The daemon's delivery task: drains the durable outbox into the channels, woken by each
//! finished check and by the channels changing on a reload.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::pipeline::Checker;

/// Upper bound on how long the delivery loop sleeps when nothing is queued.
const DELIVERY_IDLE: Duration = Duration::from_secs(3600);

/// What the delivery task delivers with.
pub(super) struct Delivery {
    pub checker: Arc<Checker>,
    pub feed: Feed,
    pub channels: watch::Receiver<Arc<Channels>>,
    pub wake: Arc<Notify>,
    pub shutdown: CancellationToken,
    pub backoff: Backoff,
}

impl Delivery {
    /// Drains the outbox into the channels (and newly queued alerts into the feed):
    /// everything at start, then whatever is due, until shutdown.
    pub(super) async fn run(mut self) {
        let mut first = true;
        loop {
            let channels = self.channels.borrow_and_update().clone();
            let targets = Targets {
                outbox: self.checker.outbox(),
                channels: &channels,
                feed: &self.feed,
            };
            let now = self.checker.clock().now();
            match deliver::drain(targets, now, first, self.backoff).await {
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
                Err(e) => {
                    tracing::error!(error = %crate::error_chain(&e), "cannot read the outbox")
                }
            }
            first = false;
            let wait = self.next_wait();
            tokio::select! {
                _ = self.shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                r = self.channels.changed() => if r.is_err() { return },
            }
        }
    }

    /// Until the next queued alert is due, at most [`DELIVERY_IDLE`].
    fn next_wait(&self) -> Duration {
        let now = self.checker.clock().now();
        self.checker
            .outbox()
            .pending()
            .ok()
            .and_then(|p| p.iter().map(|q| q.next_attempt).min())
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(DELIVERY_IDLE)
            .min(DELIVERY_IDLE)
    }
}
