//! What a watch's event log says about its alerts: the newest one, and whether its claims
//! were ever lost. Read from the durable log, so `list` and `check` tell the same after a
//! restart as before it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::judge::event::{Event, EventKind};

/// The newest alert (an event some channel was told of), as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastAlert {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
}

/// The alert history of one watch, summarised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertHistory {
    pub last: Option<LastAlert>,
    /// When claims were last reported removed or missing: a watch left without claims
    /// afterwards lost its canary, it was not set up wrong.
    pub claims_lost: Option<DateTime<Utc>>,
}

/// Summarises events, oldest first (the log's order).
pub fn summarise<'a>(events: impl IntoIterator<Item = &'a Event>) -> AlertHistory {
    let mut out = AlertHistory::default();
    for e in events {
        if e.notify {
            out.last = Some(LastAlert {
                kind: e.kind,
                at: e.at,
            });
        }
        if e.claim && matches!(e.kind, EventKind::Removed | EventKind::Missing) {
            out.claims_lost = Some(e.at);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::Severity;

    fn event(kind: EventKind, minute: u32, notify: bool) -> Event {
        let at = DateTime::parse_from_rfc3339(&format!("2026-03-31T06:{minute:02}:00Z"))
            .expect("time")
            .with_timezone(&Utc);
        Event {
            kind,
            at,
            severity: Severity::High,
            detail: String::new(),
            statements: Vec::new(),
            changes: Vec::new(),
            claim: true,
            first_seen: at,
            notify,
            evidence: None,
        }
    }

    #[test]
    fn the_newest_told_event_is_the_last_alert() {
        let h = summarise(&[
            event(EventKind::Removed, 1, true),
            event(EventKind::Changed, 2, true),
            event(EventKind::Added, 3, false),
        ]);
        let last = h.last.expect("an alert");
        assert_eq!(last.kind, EventKind::Changed);
        assert_eq!(last.at.to_rfc3339(), "2026-03-31T06:02:00+00:00");
        assert_eq!(
            h.claims_lost.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-03-31T06:01:00+00:00")
        );
    }

    #[test]
    fn no_alerts_no_loss() {
        assert_eq!(summarise(&[]), AlertHistory::default());
        let h = summarise(&[event(EventKind::Added, 1, false)]);
        assert_eq!(h, AlertHistory::default());
    }
}
