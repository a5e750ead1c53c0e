//! A short page without the canary's statements: an error page while it comes and goes,
//! the canary replaced (`missing`) once the same page stays.

use chrono::{DateTime, Utc};

use super::baseline::baseline_claims;
use super::{Notice, Policy, ShortPage, WatchState, event};
use crate::judge::event::Event;
use crate::words::{describe_time, plural};

/// Tracks a short page without statements; true once the same page (same hash) has been
/// served on `confirm` consecutive checks spanning at least `confirm_after`, and it is not a
/// known error or challenge template (those stay failed fetches however long they last).
pub(super) fn persistent_short_page(
    state: &mut WatchState,
    hash: Option<&str>,
    excerpt: Option<&str>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> bool {
    let (Some(hash), Some(excerpt)) = (hash, excerpt) else {
        state.short_page = None;
        return false;
    };
    if crate::observe::challenge::is_error_template(excerpt) {
        state.short_page = None;
        return false;
    }
    match &mut state.short_page {
        Some(p) if p.hash == hash => p.count += 1,
        _ => {
            state.short_page = Some(ShortPage {
                hash: hash.to_string(),
                first_seen: at,
                count: 1,
            })
        }
    }
    state.short_page.as_ref().is_some_and(|p| {
        p.count >= policy.confirm
            && (at - p.first_seen).to_std().unwrap_or_default() >= policy.confirm_after
    })
}

/// The canary was replaced by a short page: `missing` (once), quoting the claims that were
/// there and the page's text. The baseline stays, so the canary's return is `recovered`.
pub(super) fn replaced_by_short_page(
    state: &mut WatchState,
    excerpt: Option<&str>,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let Some(page) = state.short_page.clone() else {
        return;
    };
    let c = &mut state.missing;
    c.count = c.count.max(page.count);
    c.since.get_or_insert(page.first_seen);
    if c.alerted {
        return;
    }
    c.alerted = true;
    let since = c.since.unwrap_or(page.first_seen);
    let detail = format!(
        "the canary was replaced by a short page without any of its statements, served unchanged on {} since {}; the page now says: \"{}\"",
        plural(page.count, "consecutive check"),
        describe_time(since),
        excerpt.unwrap_or_default()
    );
    let claims = baseline_claims(state);
    events.push(event(policy, Notice::missing(at, since, detail, claims)));
}
