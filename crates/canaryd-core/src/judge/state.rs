//! What the judge remembers about one watch between checks (persisted as `state.json`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::EventKind;
use crate::observe::statement::Statement;

/// Everything the judgement of one watch depends on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WatchState {
    /// The confirmed statements: what the canary says as far as anyone has been told.
    pub baseline: Option<Baseline>,
    /// Differences seen but not yet confirmed.
    #[serde(default)]
    pub pending: Vec<Pending>,
    /// Consecutive failed fetches, if the latest fetch failed.
    #[serde(default)]
    pub failing: Option<Failing>,
    /// 404/410 answers after the page had worked.
    #[serde(default)]
    pub gone: Condition,
    /// Pages that loaded but held no canary statements.
    #[serde(default)]
    pub missing: Condition,
    /// The staleness alert in force, if any.
    #[serde(default)]
    pub stale: Option<Stale>,
    /// Statements whose presence has flipped recently.
    #[serde(default)]
    pub flaps: Vec<Flap>,
    /// When the confirmed statements last changed.
    pub last_change: Option<DateTime<Utc>>,
    /// Typical body size of a good page, to recognise error pages served with 200.
    pub usual_size: Option<u64>,
    /// The newest canary date ever seen, to notice a date going backwards.
    pub newest_date: Option<NaiveDate>,
    /// How many checks have raised events. Each event's identity derives from the
    /// generation it departs from, so a check killed before saving this state is judged again
    /// from the same generation and finds what it had already logged and queued.
    #[serde(default)]
    pub generation: u64,
    /// The short page without statements served in place of the canary, while it lasts.
    #[serde(default)]
    pub short_page: Option<ShortPage>,
    /// The rule `canary_date` and `newest_date` were read with; an older rule's dates are
    /// read again (see `judge::DATING_RULE`).
    #[serde(default)]
    pub dating_rule: u32,
    /// Signers of the last whole version, and a signature problem being confirmed.
    #[serde(default)]
    pub signature: super::SignatureState,
    /// The proofs of freshness of the versions seen, and the problems alerted for the
    /// version now published.
    #[serde(
        default,
        skip_serializing_if = "super::freshness::FreshnessState::is_empty"
    )]
    pub freshness: super::freshness::FreshnessState,
}

/// A short page without any of the canary's statements, served on consecutive checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShortPage {
    /// Its hash: the same page served again counts towards persistence; another restarts it.
    pub hash: String,
    pub first_seen: DateTime<Utc>,
    pub count: u32,
}

/// The confirmed snapshot of a canary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub statements: Vec<Statement>,
    pub set_hash: String,
    /// When these statements were first taken as the baseline.
    pub since: DateTime<Utc>,
    /// The canary's own date: the latest date in its statements.
    pub canary_date: Option<NaiveDate>,
}

impl Baseline {
    pub fn claims(&self) -> impl Iterator<Item = &Statement> {
        self.statements.iter().filter(|s| s.claim)
    }
}

/// A difference awaiting `confirm` consecutive observations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub kind: EventKind,
    /// The baseline statement concerned (removed/changed).
    pub old: Option<Statement>,
    /// The new statement (changed/added).
    pub new: Option<Statement>,
    pub count: u32,
    pub first_seen: DateTime<Utc>,
}

impl Pending {
    /// Identity across observations: the old statement for removals and changes, the new
    /// one for additions, so a removal that turns into a rewording keeps its count.
    pub fn identity(&self) -> &str {
        match (&self.old, &self.new) {
            (Some(old), _) => &old.hash,
            (None, Some(new)) => &new.hash,
            (None, None) => "",
        }
    }
}

/// A run of failed fetches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failing {
    pub since: DateTime<Utc>,
    pub count: u32,
    pub last_error: String,
    /// Whether `unreachable` has been raised for this run.
    pub alerted: bool,
}

/// A condition that needs `confirm` consecutive observations before it is raised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub count: u32,
    pub since: Option<DateTime<Utc>>,
    pub alerted: bool,
}

/// A raised staleness alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stale {
    /// The deadline (or bad date) the alert was raised for.
    pub reason: String,
    pub at: DateTime<Utc>,
    /// The canary's date (or, undated, its last change) when it was raised; a newer one ends it.
    pub reference: NaiveDate,
}

/// A statement that has been coming and going.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flap {
    pub hash: String,
    pub text: String,
    pub present: bool,
    /// Times its presence flipped, within the flap window.
    pub flips: Vec<DateTime<Utc>>,
    /// Whether `flapping` has been raised for the current run of flips.
    pub notified: bool,
}
