//! The per-watch rules the judge applies, as `config` resolves them from the watchlist.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::judge::event::NotifySet;

/// What happens to a low-severity `changed` event (a claim reworded without saying less).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangedLow {
    /// Recorded with its word diff, not emailed (the default).
    #[default]
    Record,
    /// Emailed like any other `changed`.
    Notify,
}

/// How long the same short page must keep being served before it is content, not a
/// transient error page (with `confirm` consecutive checks).
pub const DEFAULT_CONFIRM_AFTER: Duration = Duration::from_secs(10 * 60);

/// The per-watch rules the judge applies (resolved from the watchlist by `config`).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Consecutive observations before a removal or change is alerted.
    pub confirm: u32,
    /// How soon a difference awaiting confirmation is looked at again; also, the same short
    /// page without statements, served on `confirm` consecutive checks spanning at least this
    /// long, replaced the canary: `missing`, not a failed fetch.
    pub confirm_after: Duration,
    pub notify: NotifySet,
    pub unreachable_after: Duration,
    pub max_age: Option<Duration>,
    pub stale_grace: Duration,
    /// Whether low-severity `changed` events (rewording that says no less) are emailed.
    pub changed_low: ChangedLow,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            confirm: 2,
            notify: NotifySet::default(),
            unreachable_after: Duration::from_secs(2 * 86400),
            max_age: None,
            stale_grace: Duration::from_secs(7 * 86400),
            changed_low: ChangedLow::default(),
            confirm_after: DEFAULT_CONFIRM_AFTER,
        }
    }
}
