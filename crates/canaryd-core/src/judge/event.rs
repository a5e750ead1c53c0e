//! What canaryd can say about a watch: the event kinds (a contract), events, and who is told.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The kinds of event. Their names are a contract (watchlist `notify`, `replay --format json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A claim the canary made is no longer made.
    Removed,
    /// A claim is still there but worded differently (weakened or broadened).
    Changed,
    /// A new statement appeared.
    Added,
    /// The page loads but no canary statements are found on it any more.
    Missing,
    /// The page answers 404 or 410 after having worked.
    Gone,
    /// Fetches have failed continuously for `unreachable_after`.
    Unreachable,
    /// The canary is past the date by which it should have been renewed, or its date is wrong.
    Stale,
    /// A statement keeps coming and going.
    Flapping,
    /// A failure state (missing, gone, unreachable, stale) has ended.
    Recovered,
    /// The canary's signatures are missing, bad, by unpinned keys or too few (or a signer
    /// joined, recorded without an alert).
    Signature,
    /// The canary's proof of freshness does not show it was written when it says: a block
    /// hash or height an earlier version quoted, a height that goes backwards or is far
    /// from the canary's date, every proof unchanged on a re-issue.
    Freshness,
}

impl EventKind {
    pub const ALL: [EventKind; 11] = [
        EventKind::Removed,
        EventKind::Changed,
        EventKind::Added,
        EventKind::Missing,
        EventKind::Gone,
        EventKind::Unreachable,
        EventKind::Stale,
        EventKind::Flapping,
        EventKind::Recovered,
        EventKind::Signature,
        EventKind::Freshness,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Removed => "removed",
            EventKind::Changed => "changed",
            EventKind::Added => "added",
            EventKind::Missing => "missing",
            EventKind::Gone => "gone",
            EventKind::Unreachable => "unreachable",
            EventKind::Stale => "stale",
            EventKind::Flapping => "flapping",
            EventKind::Recovered => "recovered",
            EventKind::Signature => "signature",
            EventKind::Freshness => "freshness",
        }
    }

    /// The phrase used in an alert's subject line.
    pub fn headline(self) -> &'static str {
        match self {
            EventKind::Removed => "canary statement removed",
            EventKind::Changed => "canary statement changed",
            EventKind::Added => "canary statement added",
            EventKind::Missing => "canary statements missing from the page",
            EventKind::Gone => "canary page gone",
            EventKind::Unreachable => "canary page unreachable",
            EventKind::Stale => "canary is overdue",
            EventKind::Flapping => "canary statement flapping",
            EventKind::Recovered => "recovered",
            EventKind::Signature => "canary signature problem",
            EventKind::Freshness => "canary's proof of freshness does not hold",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// Which event kinds are emailed. Default: all but `added`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifySet(u16);

impl NotifySet {
    pub fn empty() -> Self {
        NotifySet(0)
    }
    pub fn insert(&mut self, kind: EventKind) {
        self.0 |= kind.bit();
    }
    pub fn contains(&self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }
}

impl Default for NotifySet {
    fn default() -> Self {
        let mut set = NotifySet::empty();
        for kind in EventKind::ALL {
            if kind != EventKind::Added {
                set.insert(kind);
            }
        }
        set
    }
}

/// How much an event matters to a reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Low,
    Info,
}

/// One changed statement, with the evidence an alert shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub old: String,
    pub new: String,
    /// Word-level diff of the wording; written as `[-removed words-]` and `{+added words+}`.
    pub word_diff: crate::judge::word_diff::WordDiff,
    /// True when the new wording only gains words (a broader claim).
    pub broadened: bool,
    /// True when the claim now says less: a negation, quantifier or limiting word lost or
    /// replaced, an object dropped, or its scope narrowed. High severity; other rewording
    /// is low.
    #[serde(default)]
    pub weakened: bool,
}

/// Something that happened to a watch, recorded with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub severity: Severity,
    /// The rule that fired and why, in a sentence.
    pub detail: String,
    /// The statements concerned, verbatim (removed, added, flapping, or the claims now missing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<String>,
    /// For `changed`: old and new wording with the word diff.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// Whether the statements concerned are claims (not context). Context never alerts.
    pub claim: bool,
    /// When the condition was first observed (before confirmation).
    pub first_seen: DateTime<Utc>,
    /// Whether this event is emailed, after the watch's `notify` list.
    pub notify: bool,
    /// For statement events: the evidence of the whole statement list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// The statement list before and after, for alerts that quote a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Unified diff of the statement list, one statement per line.
    pub unified_diff: String,
    pub old_set_hash: String,
    pub new_set_hash: String,
}
