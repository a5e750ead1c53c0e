//! A page read as content: its statements against the baseline (flapping, confirmation,
//! the confirmed events), or `missing` when the canary is not where it was.

use chrono::{DateTime, Utc};

use super::baseline::{baseline_claims, new_baseline, refresh};
use super::failure::recover;
use super::{Notice, Pending, Policy, WatchState, confirm, diff, event, flap};
use crate::judge::event::{Event, EventKind, Evidence};
use crate::observe::statement::Statement;
use crate::words::{describe_time, plural};

pub(super) fn content(
    state: &mut WatchState,
    statements: Vec<Statement>,
    body_len: u64,
    had_claims: bool,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let has_claims = statements.iter().any(|s| s.claim);
    // Nothing at all where claims used to be: the canary block (or selector) is gone. Context
    // left without its claims is a withdrawal, reported as `removed` below.
    if had_claims && statements.is_empty() {
        count_missing(
            state,
            "the page loads but none of its canary statements were found",
            " (the selector matches nothing, or the canary block is gone)",
            at,
            policy,
            events,
        );
        return;
    }
    let missing = std::mem::take(&mut state.missing);
    recover(&missing, at, policy, events, |since| {
        format!("canary statements are on the page again (missing since {since})")
    });
    if has_claims || state.usual_size.is_none() {
        state.usual_size = Some(match state.usual_size {
            // A slow moving average, so one odd page does not redefine "usual".
            // In u128: a huge (or hostile) body length must not overflow the average.
            Some(usual) => {
                let avg = (u128::from(usual) * 3 + u128::from(body_len)) / 4;
                u64::try_from(avg).unwrap_or(u64::MAX)
            }
            None => body_len,
        });
    }

    let Some(baseline) = state.baseline.clone() else {
        state.baseline = Some(new_baseline(statements, at));
        state.last_change = Some(at);
        return;
    };

    let flapping = flap::track(state, &baseline, &statements, at, policy, events);
    let d = diff::diff(&baseline.statements, &statements);
    confirm::update_pending(state, &d, at);

    let confirmed: Vec<Pending> = state
        .pending
        .iter()
        .filter(|p| p.count >= policy.confirm)
        .cloned()
        .collect();
    state.pending.retain(|p| p.count < policy.confirm);

    if confirmed.is_empty() {
        if d.is_empty() {
            // Same statements; refresh the wording, order and dates (all cosmetic).
            refresh(state, statements, &baseline, at);
        }
        return;
    }

    let evidence = Evidence {
        unified_diff: diff::unified(&baseline.statements, &statements),
        old_set_hash: baseline.set_hash.clone(),
        new_set_hash: diff::set_hash(&statements),
    };
    for claim in [true, false] {
        for kind in [EventKind::Removed, EventKind::Changed, EventKind::Added] {
            // Weakened and merely reworded claims are told apart: one is high severity.
            for weakened in [true, false] {
                let group: Vec<&Pending> = confirmed
                    .iter()
                    .filter(|p| p.kind == kind && confirm::pending_is_claim(p) == claim)
                    .filter(|p| {
                        kind != EventKind::Changed || confirm::pending_weakens(p) == weakened
                    })
                    .collect();
                if kind != EventKind::Changed && !weakened {
                    continue;
                }
                if let Some(e) =
                    confirm::confirmed_event(kind, claim, &group, &flapping, &evidence, at, policy)
                {
                    events.push(e);
                }
            }
        }
    }

    let applied = confirm::apply(&baseline.statements, &confirmed);
    let rest = diff::diff(&applied, &statements);
    let new_statements = if rest.is_empty() { statements } else { applied };
    state.baseline = Some(new_baseline(new_statements, at));
    state.last_change = Some(at);
}

/// One more check without the canary where it is published (`what` says how it is
/// absent, `cause` what may explain it); `missing` once `confirm` checks in a row saw it.
pub(super) fn count_missing(
    state: &mut WatchState,
    what: &str,
    cause: &str,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let c = &mut state.missing;
    c.count += 1;
    c.since.get_or_insert(at);
    if c.count < policy.confirm || c.alerted {
        return;
    }
    c.alerted = true;
    let since = c.since.unwrap_or(at);
    let detail = format!(
        "{what} on {} since {}{cause}",
        plural(c.count, "consecutive check"),
        describe_time(since)
    );
    let claims = baseline_claims(state);
    events.push(event(policy, Notice::missing(at, since, detail, claims)));
}
