//! The watch's health after a check, from what the check just committed (its new state and
//! record, in memory): the one place `check` and the daemon get it from.

use crate::health::{self, Health};
use crate::judge::WatchState;
use crate::store::CheckRecord;
use crate::store::alerts::AlertHistory;

use super::Checker;

impl Checker {
    /// `name`'s health after the check that committed `state` and `record` (`signed`: keys
    /// are pinned), and its alert history when the verdict needed it (see
    /// [`health::needs_history`]: only a watch left without claims, whose event log, this
    /// check's events included, is then read). `None` when that log cannot be read.
    pub(super) fn committed_health(
        &self,
        name: &str,
        state: &WatchState,
        record: &CheckRecord,
        signed: bool,
    ) -> Option<(Health, AlertHistory)> {
        let alerts = if health::needs_history(state) {
            self.store.alert_history(name).ok()?
        } else {
            AlertHistory::default()
        };
        Some((health::assess(state, record, signed, &alerts), alerts))
    }
}
