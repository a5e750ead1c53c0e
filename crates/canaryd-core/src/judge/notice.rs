//! Events that are not about a statement (`gone`, `missing`, `recovered`, `stale`…), named
//! by their fields; whether one is notified is the policy's.

use chrono::{DateTime, Utc};

use super::Policy;
use crate::judge::event::{Event, EventKind, Severity};

/// What a non-statement event says, by name: [`event`] adds what the policy decides.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// When what it reports was first seen (`at` for something seen now).
    pub first_seen: DateTime<Utc>,
    pub severity: Severity,
    pub detail: String,
    /// The statements it names.
    pub statements: Vec<String>,
}

impl Notice {
    /// An info-level `recovered`: what was wrong since `since` is over.
    pub fn recovered(at: DateTime<Utc>, since: DateTime<Utc>, detail: String) -> Notice {
        Notice {
            kind: EventKind::Recovered,
            at,
            first_seen: since,
            severity: Severity::Info,
            detail,
            statements: Vec::new(),
        }
    }

    /// A high-severity `missing`, naming the baseline's claims that can no longer be seen.
    pub fn missing(
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        detail: String,
        claims: Vec<String>,
    ) -> Notice {
        Notice {
            kind: EventKind::Missing,
            at,
            first_seen: since,
            severity: Severity::High,
            detail,
            statements: claims,
        }
    }
}

/// Builds a non-statement event; whether it is notified is the policy's.
pub fn event(policy: &Policy, n: Notice) -> Event {
    Event {
        notify: policy.notify.contains(n.kind),
        kind: n.kind,
        at: n.at,
        severity: n.severity,
        detail: n.detail,
        statements: n.statements,
        changes: Vec::new(),
        claim: true,
        first_seen: n.first_seen,
        evidence: None,
    }
}
