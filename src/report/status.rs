//! A watch's state in one word for people, and the order the index lists them in: the word
//! a reader looks for ("dead", "overdue"…), from the same saved state `list` reads. Pure.

use crate::health::{Health, Reason};
use crate::judge::WatchState;
use crate::judge::event::{Event, EventKind};

/// What the report says about a watch, worst first (the index's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// A claim was removed or weakened, or every claim went from the page, or the page is
    /// gone (404/410), and nothing has brought it back.
    Dead,
    /// The signatures of a signed canary do not verify.
    SignatureProblem,
    /// Past the canary's own deadline or `max_age`, or wrongly dated.
    Overdue,
    /// Fetches keep failing (alerted `unreachable`, or the last fetch failed).
    Unreachable,
    /// Something needs a look but is not settled: claims missing awaiting confirmation.
    Warning,
    /// Checked, and no claim was ever found: it can never alert.
    TracksNothing,
    /// Not checked yet.
    Unknown,
    Alive,
}

impl Status {
    pub fn word(self) -> &'static str {
        match self {
            Status::Dead => "dead",
            Status::SignatureProblem => "signature problem",
            Status::Overdue => "overdue",
            Status::Unreachable => "unreachable",
            Status::Warning => "warning",
            Status::TracksNothing => "tracks nothing",
            Status::Unknown => "not checked yet",
            Status::Alive => "alive",
        }
    }

    /// The CSS class that colours it.
    pub fn class(self) -> &'static str {
        match self {
            Status::Dead => "dead",
            Status::SignatureProblem => "signature",
            Status::Overdue => "overdue",
            Status::Unreachable => "unreachable",
            Status::Warning => "warning",
            Status::TracksNothing => "nothing",
            Status::Unknown => "unknown",
            Status::Alive => "alive",
        }
    }
}

/// The last event that killed the canary and is still in force: a claim removed or
/// weakened, claims missing, the page gone; undone only by a recovery or a claim that
/// comes back. Events oldest first.
pub fn death(events: &[Event]) -> Option<&Event> {
    let mut dead = None;
    for e in events {
        match e.kind {
            EventKind::Removed | EventKind::Missing if e.claim => dead = Some(e),
            EventKind::Changed if e.claim && e.changes.iter().any(|c| c.weakened) => dead = Some(e),
            EventKind::Gone => dead = Some(e),
            EventKind::Recovered => dead = None,
            EventKind::Added if e.claim => dead = None,
            _ => {}
        }
    }
    dead
}

/// The watch's status from its health, state and event log.
pub fn status(health: &Health, state: &WatchState, events: &[Event]) -> Status {
    if !health.checked {
        return Status::Unknown;
    }
    let lost = health.has(|r| {
        matches!(
            r,
            Reason::ClaimsLost | Reason::ClaimsMissing { alerted: true, .. }
        )
    });
    if lost || state.gone.alerted || death(events).is_some() {
        return Status::Dead;
    }
    if health.has(|r| *r == Reason::Signature) {
        return Status::SignatureProblem;
    }
    if health.has(|r| *r == Reason::Stale) {
        return Status::Overdue;
    }
    if state.failing.as_ref().is_some_and(|f| f.alerted)
        || health.has(|r| *r == Reason::FetchFailed)
    {
        return Status::Unreachable;
    }
    if health.has(|r| *r == Reason::TracksNothing) {
        return Status::TracksNothing;
    }
    if !health.reasons.is_empty() {
        return Status::Warning;
    }
    Status::Alive
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::judge::event::{Change, Severity};

    fn event(kind: EventKind, claim: bool) -> Event {
        let at: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().expect("time");
        Event {
            kind,
            at,
            severity: Severity::High,
            detail: String::new(),
            statements: Vec::new(),
            changes: Vec::new(),
            claim,
            first_seen: at,
            notify: true,
            evidence: None,
        }
    }

    fn checked(reasons: Vec<Reason>) -> Health {
        Health {
            checked: true,
            reasons,
        }
    }

    #[test]
    fn a_removed_claim_is_dead_until_it_comes_back() {
        let s = WatchState::default();
        let removed = [event(EventKind::Removed, true)];
        assert_eq!(status(&checked(vec![]), &s, &removed), Status::Dead);
        let back = [
            event(EventKind::Removed, true),
            event(EventKind::Added, true),
        ];
        assert_eq!(status(&checked(vec![]), &s, &back), Status::Alive);
        // Context removed (an old date line) does not kill a canary.
        let context = [event(EventKind::Removed, false)];
        assert_eq!(status(&checked(vec![]), &s, &context), Status::Alive);
    }

    #[test]
    fn a_weakened_claim_is_dead_a_reworded_one_is_not() {
        let s = WatchState::default();
        let mut e = event(EventKind::Changed, true);
        e.changes = vec![Change {
            old: "We have never received a National Security Letter.".into(),
            new: "We have received a National Security Letter.".into(),
            word_diff: Default::default(),
            broadened: false,
            weakened: true,
        }];
        assert_eq!(status(&checked(vec![]), &s, &[e.clone()]), Status::Dead);
        e.changes[0].weakened = false;
        assert_eq!(status(&checked(vec![]), &s, &[e]), Status::Alive);
    }

    #[test]
    fn each_reason_has_its_word_and_death_comes_first() {
        let s = WatchState::default();
        let cases = [
            (
                vec![Reason::Signature, Reason::Stale],
                Status::SignatureProblem,
            ),
            (vec![Reason::Stale], Status::Overdue),
            (vec![Reason::FetchFailed], Status::Unreachable),
            (vec![Reason::TracksNothing], Status::TracksNothing),
            (
                vec![Reason::ClaimsMissing {
                    claims: 2,
                    alerted: false,
                }],
                Status::Warning,
            ),
            (
                vec![Reason::ClaimsMissing {
                    claims: 2,
                    alerted: true,
                }],
                Status::Dead,
            ),
            (vec![Reason::ClaimsLost, Reason::Stale], Status::Dead),
        ];
        for (reasons, want) in cases {
            assert_eq!(
                status(&checked(reasons.clone()), &s, &[]),
                want,
                "{reasons:?}"
            );
        }
        let unchecked = Health {
            checked: false,
            reasons: vec![],
        };
        assert_eq!(status(&unchecked, &s, &[]), Status::Unknown);
        assert!(Status::Dead < Status::Overdue && Status::Overdue < Status::Alive);
    }
}
