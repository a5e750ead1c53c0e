//! The checks the daemon has running, each known by its watch, so a check that panics is
//! still known by the watch it was checking.

use std::collections::HashMap;
use std::future::Future;

use tokio::task::{self, JoinError, JoinSet};

use crate::config::Watch;
use crate::pipeline::CheckReport;
use crate::store::StoreError;

type Outcome = Result<CheckReport, StoreError>;

/// How a running check ended.
pub(super) enum Joined {
    /// The outcome is boxed: a report is large beside a panic.
    Done(Watch, Box<Outcome>),
    /// It panicked (or was cancelled) while checking this watch.
    Panicked(Watch, JoinError),
}

#[derive(Default)]
pub(super) struct InFlight {
    set: JoinSet<(Watch, Outcome)>,
    watches: HashMap<task::Id, Watch>,
}

impl InFlight {
    /// Runs `check` of `watch`; it hands the watch back with its outcome.
    pub(super) fn spawn(
        &mut self,
        watch: Watch,
        check: impl Future<Output = (Watch, Outcome)> + Send + 'static,
    ) {
        // Boxed, as a pass's checks are (see `schedule::pass`): moved as a pointer.
        let handle = self.set.spawn(Box::pin(check));
        self.watches.insert(handle.id(), watch);
    }

    pub(super) fn checking(&self, name: &str) -> bool {
        self.watches.values().any(|w| w.name == name)
    }

    /// The next check to end; `None` when none is running.
    pub(super) async fn join_next(&mut self) -> Option<Joined> {
        loop {
            match self.set.join_next_with_id().await? {
                Ok((id, (watch, outcome))) => {
                    self.forget(id);
                    return Some(Joined::Done(watch, Box::new(outcome)));
                }
                Err(e) => {
                    // Every task is recorded as it is spawned, so this always finds it.
                    if let Some(watch) = self.forget(e.id()) {
                        return Some(Joined::Panicked(watch, e));
                    }
                }
            }
        }
    }

    /// Takes the check `id` off the table. The table's room goes with its last check: a
    /// first pass over 1,000 watches grows it to about 0.8 MB (a [`Watch`] per entry), which
    /// an idle daemon would otherwise keep until the next burst.
    fn forget(&mut self, id: task::Id) -> Option<Watch> {
        let watch = self.watches.remove(&id);
        if self.watches.is_empty() {
            self.watches = HashMap::new();
        }
        watch
    }

    pub(super) fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.set.len()
    }

    pub(super) fn abort_all(&mut self) {
        self.set.abort_all();
    }
}
