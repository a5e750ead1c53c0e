//! A `follow` watch's series, judged: the newest document its index links must not be older
//! than the one followed before. The statements themselves are judged like any page's.

use chrono::{DateTime, Utc};

use crate::judge::event::{Event, EventKind, Severity};
use crate::judge::{self, Policy};
use crate::observe::follow::{self, FollowKey, Followed};

/// The document a `follow` watch read on its last check, as its record keeps it.
#[derive(Debug, Clone, Copy)]
pub struct Before<'a> {
    pub url: &'a str,
    pub key: &'a FollowKey,
}

/// `changed`, at once, when the newest document is older than the one followed before: the
/// newer document vanished from the index (or the index was rolled back). Never accepted
/// silently; the older document is followed from then on.
pub fn went_backwards(
    now: Option<&Followed>,
    before: Option<Before<'_>>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Option<Event> {
    let (Some(now), Some(before)) = (now, before) else {
        return None;
    };
    if !follow::is_older(now, before.key) {
        return None;
    }
    let detail = format!(
        "the series went backwards: the index now leads to {} ({}), older than {} ({}) followed until now, which the index no longer links",
        now.url, now.key, before.url, before.key
    );
    Some(judge::event(
        policy,
        judge::Notice {
            kind: EventKind::Changed,
            at,
            first_seen: at,
            severity: Severity::High,
            detail,
            statements: vec![now.url.to_string(), before.url.to_string()],
        },
    ))
}
