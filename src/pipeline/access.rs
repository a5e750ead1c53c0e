//! What callers of a [`Checker`] may see and set of it: the parts they share with the
//! checks (the outbox they deliver from, the browser they configure and stop, the clock,
//! the store), and the two settings a command changes before checking.

use crate::clock::SharedClock;
use crate::fetch::RetryPolicy;
use crate::fetch::browser::BrowserPool;
use crate::notify::outbox::Outbox;
use crate::store::Store;

use super::Checker;

impl Checker {
    /// The one browser `render = "browser"` watches share.
    pub fn browser(&self) -> &BrowserPool {
        &self.browser
    }

    /// Closes the page fetches' idle keep-alive connections (see
    /// [`crate::fetch::Fetcher::close_idle_connections`]).
    pub fn close_idle_connections(&self) {
        self.fetcher.close_idle_connections();
    }

    /// The durable queue of alerts the checks fill.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Refresh every pinned key from its `key_url` on each check, not once a day
    /// (`canaryd keys refresh`, `check --refresh-keys`).
    pub fn set_force_key_refresh(&mut self, force: bool) {
        self.force_key_refresh = force;
    }

    /// How fetches are retried (tests turn retries off).
    pub fn set_retry(&mut self, retry: RetryPolicy) {
        self.retry = retry;
    }
}
