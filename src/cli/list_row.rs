//! One watch as `list` reports it, in the table and as JSON (fields are only ever added).

use serde::Serialize;

/// One watch's row.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub url: String,
    pub statements: usize,
    pub claims: usize,
    pub canary_date: Option<String>,
    pub last_check: Option<String>,
    pub last_result: String,
    pub last_error: Option<String>,
    pub last_change: Option<String>,
    pub next_check: Option<String>,
    /// Differences awaiting confirmation, e.g. "removed 1/2: We have never…".
    pub pending: Vec<String>,
    /// Failure states in force: unreachable, gone, missing, stale.
    pub conditions: Vec<String>,
    pub undelivered: usize,
    pub delivery_error: Option<String>,
    /// How often `run` checks it, e.g. "6h".
    pub interval: String,
    /// Evidence snapshots recorded (`canaryd history NAME`).
    pub snapshots: u64,
    /// When the newest snapshot was recorded.
    pub last_snapshot: Option<String>,
    /// The last check's signatures: "2/2 ok", "1/2", "BAD", "unsigned"; "-" for a watch
    /// without pinned keys (or before its first verdict).
    pub signature: String,
}
