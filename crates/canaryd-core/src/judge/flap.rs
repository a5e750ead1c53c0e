//! Flapping: a claim that keeps coming and going (A/B tests, partial renders) is reported
//! once as `flapping` instead of once per flip.

use std::collections::HashSet;

use chrono::{DateTime, TimeDelta, Utc};

use super::{Baseline, Flap, Notice, Policy, WatchState, event};
use crate::judge::event::{Event, EventKind, Severity};
use crate::observe::statement::Statement;

/// Flips counted within this window.
const WINDOW_DAYS: i64 = 7;
/// This many flips within the window make a statement flapping.
const FLIPS: usize = 3;

/// Records presence flips of claims; returns the hashes of claims flapping now.
pub(super) fn track(
    state: &mut WatchState,
    baseline: &Baseline,
    statements: &[Statement],
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) -> Vec<String> {
    let present: HashSet<&str> = statements
        .iter()
        .filter(|s| s.claim)
        .map(|s| s.hash.as_str())
        .collect();
    let in_baseline: HashSet<&str> = baseline.claims().map(|s| s.hash.as_str()).collect();
    // Near the start of representable time the window reaches back to that start.
    let horizon = at
        .checked_sub_signed(TimeDelta::days(WINDOW_DAYS))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);

    for f in &mut state.flaps {
        let now = present.contains(f.hash.as_str());
        if now != f.present {
            f.present = now;
            f.flips.push(at);
        }
        f.flips.retain(|t| *t > horizon);
    }
    state.flaps.retain(|f| !f.flips.is_empty());

    let known: HashSet<String> = state.flaps.iter().map(|f| f.hash.clone()).collect();
    // A baseline claim seen missing, or a new claim seen appearing, starts a record.
    for s in baseline
        .claims()
        .filter(|s| !present.contains(s.hash.as_str()))
    {
        if !known.contains(&s.hash) {
            state.flaps.push(new_flap(s, false, at));
        }
    }
    for s in statements
        .iter()
        .filter(|s| s.claim && !in_baseline.contains(s.hash.as_str()))
    {
        if !known.contains(&s.hash) {
            state.flaps.push(new_flap(s, true, at));
        }
    }

    let mut flapping = Vec::new();
    for f in &mut state.flaps {
        if f.flips.len() >= FLIPS {
            flapping.push(f.hash.clone());
            if !f.notified {
                f.notified = true;
                let first = f.flips.first().copied().unwrap_or(at);
                let detail = format!(
                    "the statement appeared or disappeared {} since {}; changes to it are recorded but not alerted until it settles",
                    crate::words::plural(f.flips.len(), "time"),
                    crate::words::describe_time(first)
                );
                events.push(event(
                    policy,
                    Notice {
                        kind: EventKind::Flapping,
                        at,
                        first_seen: first,
                        severity: Severity::Low,
                        detail,
                        statements: vec![f.text.clone()],
                    },
                ));
            }
        } else if f.flips.is_empty() {
            f.notified = false;
        }
    }
    flapping
}

fn new_flap(s: &Statement, present: bool, at: DateTime<Utc>) -> Flap {
    Flap {
        hash: s.hash.clone(),
        text: s.text.clone(),
        present,
        flips: vec![at],
        notified: false,
    }
}
