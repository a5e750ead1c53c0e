//! The watch's health after a check, read back from what the check saved: the one place
//! `check` and the daemon get it from.

use crate::health::{self, Health};
use crate::store::CheckRecord;
use crate::store::alerts::AlertHistory;

use super::Checker;

impl Checker {
    /// `name`'s health after the check that produced `record` (`signed`: keys are pinned),
    /// and its alert history when the verdict needed it (see [`health::needs_history`]).
    /// `None` when the saved state cannot be read: the next check says so.
    pub fn health(
        &self,
        name: &str,
        record: &CheckRecord,
        signed: bool,
    ) -> Option<(Health, AlertHistory)> {
        let state = self.store.load_state(name).ok()?;
        let alerts = if health::needs_history(&state) {
            self.store.alert_history(name).ok()?
        } else {
            AlertHistory::default()
        };
        Some((health::assess(&state, record, signed, &alerts), alerts))
    }
}
