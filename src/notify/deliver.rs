//! Delivery: drains the outbox into the channels, each alert to each channel it is for until
//! that channel has taken it, and adds newly queued alerts to the Atom feed on the way.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::notify::channel::{Channels, Outgoing};
use crate::notify::feed::{Feed, FeedEntry};
use crate::notify::outbox::{Backoff, Outbox, Queued};
use crate::store::StoreError;

/// What one drain of the outbox did, counted in alerts.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Taken by every channel they were for, and removed from the outbox.
    pub delivered: usize,
    /// Some channel failed them in this drain.
    pub failed: usize,
    /// Still queued (failed now on some channel, or not yet due).
    pub waiting: usize,
    /// Refused for good by some channel and moved to `outbox/failed/`.
    pub permanent: usize,
    pub last_error: Option<String>,
}

/// Everything a drain needs: where alerts wait, where they go, and the feed.
#[derive(Debug, Clone, Copy)]
pub struct Targets<'a> {
    pub outbox: &'a Outbox,
    pub channels: &'a Channels,
    /// A deferred feed: written once per drain.
    pub feed: &'a Feed,
}

/// Tries every queued alert that is due at `now` (all of them when `all_due`), oldest first,
/// on every channel it is still waiting for.
pub async fn drain(
    t: Targets<'_>,
    now: DateTime<Utc>,
    all_due: bool,
    backoff: Backoff,
) -> Result<Delivery, StoreError> {
    let mut report = Delivery::default();
    // One listing for both steps: an alert queued meanwhile waits for the next drain, so
    // nothing is delivered (and removed) before the feed has had it.
    // Through the commit gate: an alert a group commit has written but not yet made durable
    // is not listed (see `store::group`).
    let files = {
        let _committed = t.outbox.commit_gate().read().await;
        t.outbox.pending_files()?
    };
    let fed = feed_new(&t, &files)?;
    let routes = t.channels.routes();
    // Channels that timed out in this drain: not tried again until the next one.
    let mut stalled: HashSet<String> = HashSet::new();
    // Delivered alerts whose markers await one barrier for all of them (`Outbox::settle`).
    let mut settled: Vec<String> = Vec::new();
    for path in files {
        // Gone meanwhile, or unreadable and set aside: the others are still delivered.
        let Some(mut q) = t.outbox.take(&path)? else {
            continue;
        };
        let mut changed = false;
        if fed.contains(&q.alert.id) && !q.in_feed {
            q.in_feed = true;
            changed = true;
        }
        changed |= q.assign(&routes);
        changed |= retarget(&mut q, t.channels, now);
        let mut failed_now = false;
        let due: Vec<usize> = waiting(&q, t.channels)
            .filter(|&i| all_due || state(&q, i).next_attempt <= now)
            .collect();
        for (n, i) in due.iter().copied().enumerate() {
            let id = state(&q, i).channel.clone();
            let Some(channel) = t.channels.get(&id) else {
                continue;
            };
            if stalled.contains(&id) {
                continue;
            }
            let out = Outgoing::Alert {
                alert: &q.alert,
                queued_at: q.queued_at,
            };
            let result = channel.send(out).await;
            let a = &q.alert;
            let Some(s) = q.channels.as_mut().and_then(|c| c.get_mut(i)) else {
                continue;
            };
            match result {
                Ok(answer) => {
                    tracing::info!(watch = %a.watch, event = %a.kind, id = %a.id, channel = %id, %answer, "alert delivered");
                    s.delivered_at = Some(now);
                    s.last_error = None;
                }
                Err(e) => {
                    let msg = crate::error_chain(&e);
                    failed_now = true;
                    if e.timed_out() {
                        tracing::warn!(channel = %id, "channel timed out; this pass's other alerts for it wait in the outbox");
                        stalled.insert(id.clone());
                    }
                    if e.permanent() {
                        s.permanent = true;
                        s.attempts += 1;
                        s.last_error = Some(msg.clone());
                        tracing::error!(watch = %a.watch, event = %a.kind, id = %a.id, channel = %id, error = %msg, "alert refused for good by this channel; not retried there");
                    } else {
                        s.failed(&msg, now, backoff);
                        tracing::warn!(watch = %a.watch, event = %a.kind, id = %a.id, channel = %id, attempts = s.attempts, next = %crate::notify::channel::rfc3339(s.next_attempt), error = %msg, "alert delivery failed; will retry");
                    }
                    report.last_error = Some(msg);
                }
            }
            changed = true;
            // Record what this channel did before trying the next, so a crash in between
            // does not send it here again.
            if n + 1 < due.len() {
                q.summarise();
                t.outbox.rewrite(&q)?;
            }
        }
        if failed_now {
            report.failed += 1;
        }
        q.summarise();
        if waiting(&q, t.channels).next().is_none() {
            let refused = q.channels.iter().flatten().any(|s| s.permanent);
            if refused {
                t.outbox.retire(&q)?;
                report.permanent += 1;
            } else {
                t.outbox.delivered_deferred(&q.alert.id)?;
                settled.push(q.alert.id.clone());
                if settled.len() >= SETTLE_EVERY {
                    t.outbox.settle(&std::mem::take(&mut settled))?;
                }
                report.delivered += 1;
            }
        } else {
            if changed {
                t.outbox.rewrite(&q)?;
            }
            report.waiting += 1;
        }
    }
    t.outbox.settle(&settled)?;
    Ok(report)
}

/// Delivered alerts are made settled (marker durable, alert removed) at least this often,
/// so a crash in a long drain resends at most this many.
const SETTLE_EVERY: usize = 64;

fn state(q: &Queued, i: usize) -> &crate::notify::outbox::ChannelState {
    &q.channels.as_deref().unwrap_or_default()[i]
}

/// Indexes of the channel states still waiting on a channel that is configured.
fn waiting<'a>(q: &'a Queued, channels: &'a Channels) -> impl Iterator<Item = usize> + 'a {
    q.channels
        .iter()
        .flatten()
        .enumerate()
        .filter(move |(_, s)| !s.settled() && channels.get(&s.channel).is_some())
        .map(|(i, _)| i)
}

/// An alert none of whose channels is configured any more, and which no channel took, is
/// for the channels configured now (a fixed webhook URL, an `[email]` replaced by a
/// `[[channel]]`): never silently dropped. Returns whether it changed.
fn retarget(q: &mut Queued, channels: &Channels, now: DateTime<Utc>) -> bool {
    let Some(states) = &mut q.channels else {
        return false;
    };
    let any_configured = states.iter().any(|s| channels.get(&s.channel).is_some());
    let any_delivered = states.iter().any(|s| s.delivered_at.is_some());
    if states.is_empty() || any_configured || any_delivered {
        return false;
    }
    let before = states.len();
    for c in &channels.list {
        if c.route.accepts(&q.alert) {
            states.push(crate::notify::outbox::ChannelState {
                channel: c.id.clone(),
                attempts: 0,
                next_attempt: now,
                last_error: None,
                delivered_at: None,
                permanent: false,
            });
        }
    }
    if states.len() > before {
        tracing::warn!(id = %q.alert.id, watch = %q.alert.watch, "the channels this alert was queued for are no longer configured; sending it to the current ones");
    }
    states.len() > before
}

/// Adds the alerts the feed does not have yet to it; returns their ids once it is written.
fn feed_new(t: &Targets<'_>, files: &[std::path::PathBuf]) -> Result<HashSet<String>, StoreError> {
    let mut fed = HashSet::new();
    for path in files {
        let Some(q) = t.outbox.take(path)? else {
            continue;
        };
        if !q.in_feed {
            t.feed.add(vec![FeedEntry::new(&q.alert)])?;
            fed.insert(q.alert.id);
        }
    }
    if fed.is_empty() {
        return Ok(fed);
    }
    // The feed is a convenience beside the durable outbox: failing to write it must not stop
    // delivery; the alerts stay unfed and are offered to it again next time.
    if let Err(e) = t.feed.flush() {
        tracing::warn!(error = %crate::error_chain(&e), "cannot update feed.atom (alerts are unaffected)");
        fed.clear();
    }
    Ok(fed)
}
