//! One watch as `list` reports it, in the table and as JSON (fields are only ever added).
//! Typed until shown: `list_table` renders the cells, serde the JSON (times RFC 3339 with
//! `+00:00`, as they always were).

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::health::Level;
use crate::observe::signature::SignatureTally;
use crate::store::CheckResult;

/// One watch's row.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub url: String,
    /// For a `follow` watch, the document of the series its last check read.
    pub followed: Option<String>,
    pub statements: usize,
    pub claims: usize,
    pub canary_date: Option<String>,
    /// Where the canary's date was read ("issue-date statement", "proof of freshness"…).
    pub canary_date_source: Option<String>,
    /// The date by which the canary says its next issue is due (its own words, no grace).
    pub next_deadline: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub last_check: Option<DateTime<Utc>>,
    /// "ok", "unchanged", "failed", or "never checked".
    #[serde(serialize_with = "result_json")]
    pub last_result: CheckResult,
    pub last_error: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub last_change: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub next_check: Option<DateTime<Utc>>,
    /// Differences awaiting confirmation, e.g. "removed 1/2: We have never…".
    pub pending: Vec<String>,
    /// Failure states in force: unreachable, gone, missing, stale.
    pub conditions: Vec<String>,
    /// Alerts some channel has not taken: still queued, or refused for good by a channel.
    pub undelivered: usize,
    pub delivery_error: Option<String>,
    /// Per channel, what is waiting on it (or was refused by it for good).
    pub undelivered_channels: Vec<ChannelBacklog>,
    /// How often `run` checks it, e.g. "6h".
    pub interval: String,
    /// Evidence snapshots recorded (`canaryd history NAME`).
    pub snapshots: u64,
    /// When the newest snapshot was recorded.
    #[serde(serialize_with = "rfc3339")]
    pub last_snapshot: Option<DateTime<Utc>>,
    /// The last check's signatures: "2/2 ok", "1/2", "BAD", "unsigned"; "-" for a watch
    /// without pinned keys (or before its first verdict).
    #[serde(serialize_with = "signature_json")]
    pub signature: Option<SignatureTally>,
    /// "ok", "warning", or "unknown" before the first check (see `crate::health`).
    pub health: Level,
    /// Why it is not "ok": "tracks nothing", "3 claims missing", "claims lost", "last fetch
    /// failed", "stale", "signatures do not verify". Empty when healthy.
    pub health_reasons: Vec<String>,
    /// The newest alert any channel was told of, from the event log.
    pub last_alert: Option<AlertSeen>,
    /// The date by which the canary says its next issue is due (`next_deadline`, under the
    /// name the NEXT DUE column has).
    pub next_due: Option<String>,
    /// A signed watch's refusals in words (what was refused, why, the setting that accepts
    /// it) and signatures accepted only by `accept_sha1`, from its last check.
    pub signature_notes: Vec<String>,
    /// The last refresh of each pinned key from its `key_url`.
    pub key_refreshes: Vec<crate::store::keys::KeyRefresh>,
    /// The advice `list` prints under the table for an unhealthy watch (not in JSON).
    #[serde(skip)]
    pub health_notes: Vec<String>,
}

/// An alert as `list` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertSeen {
    /// The event kind: "removed", "missing", "stale"…
    pub kind: String,
    /// When it was raised (RFC 3339).
    #[serde(serialize_with = "rfc3339_at")]
    pub at: DateTime<Utc>,
}

/// The RESULT cell and JSON `last_result`: the result's word, "never checked" before one.
pub fn result_words(result: CheckResult) -> &'static str {
    match result {
        CheckResult::None => "never checked",
        r => r.as_str(),
    }
}

/// The SIGNATURE cell and JSON `signature`: the tally's words, "-" without one.
pub fn signature_words(tally: Option<SignatureTally>) -> String {
    tally.map_or_else(|| "-".into(), |t| t.to_string())
}

fn rfc3339_at<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

fn rfc3339<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339_at(t, s),
        None => s.serialize_none(),
    }
}

fn result_json<S: Serializer>(r: &CheckResult, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(result_words(*r))
}

fn signature_json<S: Serializer>(t: &Option<SignatureTally>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&signature_words(*t))
}

/// What one channel owes one watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChannelBacklog {
    /// The channel's id, e.g. `webhook:https://hooks.example.org/canaryd`.
    pub channel: String,
    /// Alerts about the watch this channel has not taken.
    pub alerts: usize,
    /// Most delivery attempts of any of them.
    pub attempts: u32,
    pub last_error: Option<String>,
    /// The channel refused them for good: they are not retried there.
    pub permanent: bool,
}
