//! `check --format json`, and the event object `history --format json` shares with it. The
//! field names are a contract for scripts (documented in the README): fields are added, never
//! renamed. They are this module's own structs, not the internal types, so a refactoring
//! elsewhere cannot change them by accident.

use serde::Serialize;

use crate::health::{Health, Level};
use crate::judge::event::Event;
use crate::schedule::pass::Outcome;

/// The whole pass: one document, printed after delivery.
#[derive(Debug, Serialize)]
pub struct Pass {
    /// Watches checked (those named, or every watch).
    pub checked: usize,
    pub fetched: usize,
    pub failed: usize,
    /// Checks whose result could not be stored (exit 1).
    pub store_errors: usize,
    pub alerts: Alerts,
    /// The exit status this pass returns.
    pub exit: u8,
    /// In completion order.
    pub watches: Vec<WatchCheck>,
}

/// What delivery did after the pass (alerts of earlier passes included).
#[derive(Debug, Serialize)]
pub struct Alerts {
    pub delivered: usize,
    pub waiting: usize,
    /// Refused for good by a channel in this pass.
    pub refused: usize,
    pub last_error: Option<String>,
}

/// One watch's check.
#[derive(Debug, Serialize)]
pub struct WatchCheck {
    pub name: String,
    /// "ok", "unchanged", "failed", or "error" when the result could not be stored.
    pub result: WatchResult,
    pub error: Option<String>,
    pub url: Option<String>,
    pub final_url: Option<String>,
    /// The HTTP status (absent for file:// and failures before an answer).
    pub status: Option<u16>,
    pub statements: usize,
    pub claims: usize,
    /// Differences awaiting confirmation.
    pub pending: usize,
    /// Alerts this check queued.
    pub queued: usize,
    pub duration_ms: u64,
    pub events: Vec<EventJson>,
    /// "ok", "warning", or "unknown" when the state could not be read (as `list`).
    pub health: Level,
    /// Why not healthy: "tracks nothing", "3 claims missing", … (as `list`). Empty when ok.
    pub health_reasons: Vec<String>,
}

/// How one watch's check ended, as scripts see it: the check's own result, or "error" when
/// it could not be stored. Its own enum (not `CheckResult`) so the words here stay put.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WatchResult {
    /// Never written for a finished check; kept so every `CheckResult` has a word.
    #[serde(rename = "")]
    None,
    Ok,
    Unchanged,
    Failed,
    Error,
}

impl From<crate::store::CheckResult> for WatchResult {
    fn from(r: crate::store::CheckResult) -> WatchResult {
        use crate::store::CheckResult;
        match r {
            CheckResult::None => WatchResult::None,
            CheckResult::Ok => WatchResult::Ok,
            CheckResult::Unchanged => WatchResult::Unchanged,
            CheckResult::Failed => WatchResult::Failed,
        }
    }
}

/// An event as scripts see it.
#[derive(Debug, Serialize)]
pub struct EventJson {
    /// "removed", "changed", "stale", … (README: Event kinds).
    pub kind: &'static str,
    /// Whether the statements concerned are claims (context never alerts).
    pub claim: bool,
    /// Whether it was (or will be) alerted.
    pub notify: bool,
    pub at: String,
    pub first_seen: String,
    pub detail: String,
    pub statements: Vec<String>,
    pub changes: Vec<ChangeJson>,
}

/// A changed statement: old and new wording and the word diff (`[-old-]{+new+}`).
#[derive(Debug, Serialize)]
pub struct ChangeJson {
    pub old: String,
    pub new: String,
    pub word_diff: String,
    pub broadened: bool,
}

pub fn event(e: &Event) -> EventJson {
    EventJson {
        kind: e.kind.as_str(),
        claim: e.claim,
        notify: e.notify,
        at: e.at.to_rfc3339(),
        first_seen: e.first_seen.to_rfc3339(),
        detail: e.detail.clone(),
        statements: e.statements.clone(),
        changes: e
            .changes
            .iter()
            .map(|c| ChangeJson {
                old: c.old.clone(),
                new: c.new.clone(),
                word_diff: c.word_diff.to_string(),
                broadened: c.broadened,
            })
            .collect(),
    }
}

pub fn watch(outcome: &Outcome, health: Option<&Health>) -> WatchCheck {
    let health_reasons = health.map(Health::words).unwrap_or_default();
    let health = health.map_or(Level::Unknown, Health::level);
    match outcome {
        Ok(r) => WatchCheck {
            name: r.watch.clone(),
            result: r.record.result.into(),
            error: r.record.error.clone(),
            url: r.record.url.clone(),
            final_url: r.record.final_url.clone(),
            status: r.record.status,
            statements: r.record.statements,
            claims: r.record.claims,
            pending: r.pending,
            queued: r.queued,
            duration_ms: r.record.duration_ms,
            events: r.events.iter().map(event).collect(),
            health,
            health_reasons,
        },
        Err((name, e)) => WatchCheck {
            name: name.clone(),
            result: WatchResult::Error,
            error: Some(crate::error_chain(e)),
            url: None,
            final_url: None,
            status: None,
            statements: 0,
            claims: 0,
            pending: 0,
            queued: 0,
            duration_ms: 0,
            events: Vec::new(),
            health,
            health_reasons,
        },
    }
}
