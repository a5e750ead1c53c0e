//! SIGHUP: the daemon applies a valid watchlist without losing state, and keeps the old one
//! if the new one is invalid.

use std::sync::Arc;

use tokio::time::Instant;

use super::{Daemon, start, systemd};
use crate::config::Watchlist;
use crate::notify::channel::Channels;
use crate::schedule::pass::Limits;
use crate::schedule::scheduler;

impl Daemon {
    pub(super) fn reload(&mut self) {
        systemd::notify(&[
            sd_notify::NotifyState::Reloading,
            sd_notify::NotifyState::monotonic_usec_now()
                .unwrap_or(sd_notify::NotifyState::Status("reloading")),
        ]);
        match Watchlist::load(&self.parts.watchlist) {
            Err(e) => {
                // One line: under journald every line is its own entry.
                let error = e.to_string().replace("\n  ", "; ");
                tracing::error!(%error, "reload failed: keeping the previous watchlist");
            }
            Ok(new) => match Channels::from_watchlist(&new) {
                Err(e) => {
                    tracing::error!(error = %crate::error_chain(e.as_ref()), "reload failed (notification channels): keeping the previous watchlist")
                }
                Ok(channels) => self.apply(new, channels),
            },
        }
        systemd::notify(&[sd_notify::NotifyState::Ready]);
    }

    /// Switches to `new`: watches gone are unscheduled, new ones scheduled as at start, and
    /// a watch whose interval shrank is not left waiting out its old one.
    fn apply(&mut self, new: Watchlist, channels: Channels) {
        start::configure_browser(&self.checker, &new);
        let now = Instant::now();
        for old in &self.wl.watches {
            if new.watch(&old.name).is_none() {
                self.sched.remove(&old.name);
            }
        }
        for w in &new.watches {
            match self.sched.due_at(&w.name) {
                None if self.wl.watch(&w.name).is_none() => {
                    start::schedule_on_start(&mut self.sched, &self.checker, w)
                }
                Some(due) if due > scheduler::later(now, w.shared.interval) => self.sched.set(
                    &w.name,
                    scheduler::on_start(now, scheduler::Start::Overdue, w.shared.interval),
                ),
                _ => {}
            }
        }
        // Alerts queued from now on are for the new channels; those already queued keep
        // theirs (by id, so a reordering resends nothing).
        self.checker.outbox().set_routes(channels.routes());
        let _ = self.channels.send(Arc::new(channels));
        self.limits = Limits::new(&new.settings);
        tracing::info!(watches = new.watches.len(), "watchlist reloaded");
        self.wl = new;
        start::warn_short_intervals(&self.wl);
        if let Some(p) = &self.publisher {
            p.watchlist_changed(&self.wl);
        }
    }
}
