//! Failed fetches and their end: `gone` after 404/410 with a baseline, `unreachable` after
//! failing for long enough, `recovered` when an alerted condition is over.

use chrono::{DateTime, Utc};

use super::baseline::baseline_claims;
use super::{Condition, Failing, Notice, Policy, WatchState, event};
use crate::judge::event::{Event, EventKind, Severity};
use crate::words::{describe_elapsed, describe_time, plural};

pub(super) fn failed(
    state: &mut WatchState,
    gone: bool,
    error: String,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    if gone && state.baseline.is_some() {
        let c = &mut state.gone;
        c.count += 1;
        c.since.get_or_insert(at);
        if c.count >= policy.confirm && !c.alerted {
            c.alerted = true;
            let since = c.since.unwrap_or(at);
            let claims = baseline_claims(state);
            events.push(event(
                policy,
                Notice {
                    kind: EventKind::Gone,
                    at,
                    first_seen: since,
                    severity: Severity::High,
                    detail: format!(
                        "{error} on {} since {}: the canary page was taken down",
                        plural(state.gone.count, "consecutive check"),
                        describe_time(since)
                    ),
                    statements: claims,
                },
            ));
        }
        return;
    }
    let f = state.failing.get_or_insert_with(|| Failing {
        since: at,
        count: 0,
        last_error: String::new(),
        alerted: false,
    });
    f.count += 1;
    f.last_error = error;
    let down_for = (at - f.since).to_std().unwrap_or_default();
    if !f.alerted && down_for >= policy.unreachable_after {
        f.alerted = true;
        let detail = format!(
            "every fetch has failed for {} ({} since {}); last error: {}",
            describe_elapsed(down_for),
            plural(f.count, "attempt"),
            describe_time(f.since),
            f.last_error
        );
        let since = f.since;
        events.push(event(
            policy,
            Notice {
                kind: EventKind::Unreachable,
                at,
                first_seen: since,
                severity: Severity::Low,
                detail,
                statements: Vec::new(),
            },
        ));
    }
}

/// A fetch worked: ends `unreachable` and `gone`.
pub(super) fn recovered_fetch(
    state: &mut WatchState,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    if let Some(f) = state.failing.take()
        && f.alerted
    {
        let detail = format!(
            "the page answers again after {} since {}",
            plural(f.count, "failed fetch"),
            describe_time(f.since)
        );
        events.push(event(policy, Notice::recovered(at, f.since, detail)));
    }
    let gone = std::mem::take(&mut state.gone);
    recover(&gone, at, policy, events, |since| {
        format!("the page is back after answering 404/410 since {since}")
    });
}

/// Raises `recovered` for a condition that had been alerted and has now ended.
pub(super) fn recover(
    ended: &Condition,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
    detail: impl FnOnce(String) -> String,
) {
    if ended.alerted {
        let since = ended.since.unwrap_or(at);
        let detail = detail(describe_time(since));
        events.push(event(policy, Notice::recovered(at, since, detail)));
    }
}
