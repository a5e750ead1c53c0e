//! Staleness: a canary past the renewal it promised (or past `max_age`), or wrongly dated.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, TimeDelta, Utc};

use super::{Notice, Policy, Stale, WatchState, event};
use crate::judge::event::{Event, EventKind, Severity};
use crate::words::{describe_duration, describe_time};

/// Dates a day ahead are always tolerated: time zones differ. Beyond that, a canary dated
/// ahead of the check by up to `stale_grace` is normal (signed ahead for its publication).
const FUTURE_SLACK_DAYS: u64 = 1;

/// Opens the detail of a `stale` event for a canary dated in the future (alerts title it so).
pub const DATED_IN_THE_FUTURE: &str = "the canary is dated in the future";
/// Opens the detail of a `stale` event for a canary whose date went backwards.
pub const DATE_WENT_BACKWARDS: &str = "the canary's date went backwards";

/// The date staleness is measured from: the canary's own date, else its last change.
fn reference(state: &WatchState) -> Option<(NaiveDate, String)> {
    let b = state.baseline.as_ref()?;
    match b.canary_date {
        Some(d) => Some((d, format!("dated {d}"))),
        None => {
            let d = state.last_change?.date_naive();
            Some((d, format!("undated, last changed {d}")))
        }
    }
}

/// When the watch turns stale if nothing new appears, and why. `None` when no deadline
/// applies, or every one lies beyond the last time a `DateTime` can hold.
pub fn stale_due(state: &WatchState, policy: &Policy) -> Option<(DateTime<Utc>, String)> {
    let (reference, what) = reference(state)?;
    let b = state.baseline.as_ref()?;
    let mut due: Option<(DateTime<Utc>, String)> = None;
    let mut consider = |t: DateTime<Utc>, why: String| {
        if due.as_ref().is_none_or(|(d, _)| t < *d) {
            due = Some((t, why));
        }
    };
    // A deadline past the end of representable time is never reached: no deadline at all,
    // rather than a panic (an absurd `max_age` or `stale_grace` means "never stale").
    if let Some(max_age) = policy.max_age
        && let Some(t) = after(start_of(reference), max_age)
    {
        consider(
            t,
            format!(
                "the canary ({what}) is older than max_age {}",
                describe_duration(max_age)
            ),
        );
    }
    let texts: Vec<&str> = b.statements.iter().map(|s| s.text.as_str()).collect();
    if let Some(deadline) = crate::observe::cadence::next_deadline(&texts, reference)
        && let Some(t) = start_of(deadline)
            .checked_add_signed(TimeDelta::days(1))
            .and_then(|t| after(t, policy.stale_grace))
    {
        consider(
            t,
            format!(
                "the canary ({what}) says the next one is due by {deadline}; none has appeared within the {} grace period",
                describe_duration(policy.stale_grace)
            ),
        );
    }
    due
}

/// `t` plus `d`, or `None` when that lies beyond what a `DateTime` can hold.
fn after(t: DateTime<Utc>, d: Duration) -> Option<DateTime<Utc>> {
    t.checked_add_signed(TimeDelta::from_std(d).ok()?)
}

fn start_of(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default()
}

/// Raises or ends `stale` as of `at`.
pub(super) fn check(
    state: &mut WatchState,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let Some((reference, _)) = reference(state) else {
        return;
    };
    if let Some(stale) = &state.stale
        && reference > stale.reference
    {
        let detail = format!(
            "a newer canary appeared ({reference}; stale since {})",
            describe_time(stale.at)
        );
        let since = stale.at;
        events.push(event(policy, Notice::recovered(at, since, detail)));
        state.stale = None;
    }
    let canary_date = state.baseline.as_ref().and_then(|b| b.canary_date);
    if let Some(date) = canary_date {
        let newest = state.newest_date.get_or_insert(date);
        let went_back = date < *newest;
        if date > *newest {
            *newest = date;
        }
        if state.stale.is_none() {
            let grace_days = policy.stale_grace.as_secs().div_ceil(86_400);
            let limit = at
                .date_naive()
                .checked_add_days(Days::new(grace_days.max(FUTURE_SLACK_DAYS)));
            let reason = if limit.is_some_and(|t| date > t) {
                Some(format!(
                    "{DATED_IN_THE_FUTURE}: {date}, more than the {} stale_grace after this check ({})",
                    describe_duration(policy.stale_grace),
                    at.date_naive()
                ))
            } else if went_back {
                Some(format!(
                    "{DATE_WENT_BACKWARDS} to {date} from {}",
                    state.newest_date.unwrap_or(date)
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                raise(state, reason, reference, at, policy, events);
                return;
            }
        }
    }
    if state.stale.is_none()
        && let Some((due, reason)) = stale_due(state, policy)
        && at >= due
    {
        raise(state, reason, reference, at, policy, events);
    }
}

fn raise(
    state: &mut WatchState,
    reason: String,
    reference: NaiveDate,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    events.push(event(
        policy,
        Notice {
            kind: EventKind::Stale,
            at,
            first_seen: at,
            severity: Severity::High,
            detail: reason.clone(),
            statements: Vec::new(),
        },
    ));
    state.stale = Some(Stale {
        reason,
        at,
        reference,
    });
}

#[cfg(test)]
mod tests;
