//! Confirmation: differences wait for `confirm` consecutive observations; confirmed ones
//! become events and are applied to the baseline.

use chrono::{DateTime, Utc};

use super::{Pending, Policy, WatchState};
use crate::judge::diff::{self, StatementDiff};
use crate::judge::event::{Change, Event, EventKind, Evidence, Severity};
use crate::observe::statement::Statement;
use crate::words::{plural, plural_noun};

pub(super) fn update_pending(state: &mut WatchState, d: &StatementDiff, at: DateTime<Utc>) {
    let mut current: Vec<Pending> = Vec::new();
    for s in &d.removed {
        current.push(Pending {
            kind: EventKind::Removed,
            old: Some(s.clone()),
            new: None,
            count: 1,
            first_seen: at,
        });
    }
    for c in &d.changed {
        current.push(Pending {
            kind: EventKind::Changed,
            old: Some(c.old.clone()),
            new: Some(c.new.clone()),
            count: 1,
            first_seen: at,
        });
    }
    for s in &d.added {
        current.push(Pending {
            kind: EventKind::Added,
            old: None,
            new: Some(s.clone()),
            count: 1,
            first_seen: at,
        });
    }
    // A pending difference no longer seen is dropped: the statement came back in time.
    for p in &mut current {
        if let Some(prev) = state
            .pending
            .iter()
            .find(|q| q.identity() == p.identity() && q.old.is_some() == p.old.is_some())
        {
            p.count = prev.count + 1;
            p.first_seen = prev.first_seen;
        }
    }
    state.pending = current;
}

pub(super) fn pending_is_claim(p: &Pending) -> bool {
    p.old.as_ref().or(p.new.as_ref()).is_some_and(|s| s.claim)
}

/// Whether a confirmed change makes its claim say less.
pub(super) fn pending_weakens(p: &Pending) -> bool {
    match (&p.old, &p.new) {
        (Some(old), Some(new)) => diff::change(old, new).weakened,
        _ => false,
    }
}

pub(super) fn confirmed_event(
    kind: EventKind,
    claim: bool,
    group: &[&Pending],
    flapping: &[String],
    evidence: &Evidence,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Option<Event> {
    let first_seen = group.iter().map(|p| p.first_seen).min()?;
    let checks = group.iter().map(|p| p.count).max().unwrap_or(1);
    let mut statements = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    for p in group {
        match (kind, &p.old, &p.new) {
            (EventKind::Changed, Some(old), Some(new)) => changes.push(diff::change(old, new)),
            (EventKind::Removed, Some(old), _) => statements.push(old.text.clone()),
            (_, _, Some(new)) => statements.push(new.text.clone()),
            _ => {}
        }
    }
    let noun = if claim { "claim" } else { "context statement" };
    let what = plural(group.len(), noun);
    let seen = format!("seen on {}", plural(checks, "consecutive check"));
    let (severity, mut detail) = match kind {
        EventKind::Removed => (
            if claim {
                Severity::High
            } else {
                Severity::Info
            },
            format!("{what} no longer on the page, {seen}"),
        ),
        EventKind::Changed => {
            let weakened = changes.iter().any(|c| c.weakened);
            let how = if weakened {
                "weakened (the claim now says less: a negation, quantifier or object lost, or its scope narrowed)"
            } else if changes.iter().all(|c| c.broadened) {
                "broadened (words only added)"
            } else {
                "reworded without saying less (low severity)"
            };
            let severity = match (claim, weakened) {
                (false, _) => Severity::Info,
                (true, true) => Severity::High,
                (true, false) => Severity::Low,
            };
            (severity, format!("{what} reworded, {how}, {seen}"))
        }
        _ => (
            Severity::Info,
            format!(
                "{} new {}, {seen}",
                group.len(),
                plural_noun(group.len(), noun)
            ),
        ),
    };
    let flaps = group.iter().any(|p| {
        [&p.old, &p.new]
            .into_iter()
            .flatten()
            .any(|s| flapping.contains(&s.hash))
    });
    let mut notify = claim && policy.notify.contains(kind);
    if !claim {
        detail.push_str("; context only, not emailed");
    } else if kind == EventKind::Changed
        && severity == Severity::Low
        && policy.changed_low == super::ChangedLow::Record
        && notify
    {
        notify = false;
        detail.push_str("; recorded, not emailed (changed_low = \"record\")");
    } else if flaps && notify {
        notify = false;
        detail.push_str("; not emailed: the statement is flapping");
    }
    Some(Event {
        kind,
        at,
        severity,
        detail,
        statements,
        changes,
        claim,
        first_seen,
        notify,
        evidence: Some(evidence.clone()),
    })
}

/// The old baseline with the confirmed differences applied, others left pending.
pub(super) fn apply(old: &[Statement], confirmed: &[Pending]) -> Vec<Statement> {
    let mut out: Vec<Statement> = Vec::with_capacity(old.len());
    for s in old {
        match confirmed
            .iter()
            .find(|p| p.old.as_ref().is_some_and(|o| o.hash == s.hash))
        {
            Some(p) if p.kind == EventKind::Removed => {}
            Some(p) => out.extend(p.new.clone()),
            None => out.push(s.clone()),
        }
    }
    for p in confirmed.iter().filter(|p| p.kind == EventKind::Added) {
        out.extend(p.new.clone());
    }
    out
}
