//! The judge stage's one entry point: what a check saw (a body read, the same page again, a
//! failed fetch, a canary absent from its index), against what the watch knew, becomes a
//! [`Verdict`]: the series judged (`observe_signed`), the offline proofs of freshness, a
//! `follow` series going backwards, the CanaryTail document's own checks (with the duress
//! code alerted once), the events raised before the fetch, the generation bump, and the
//! quoted blocks left to confirm online. Live checks and `replay` both judge here.

use chrono::{DateTime, Utc};

use crate::judge::event::Event;
use crate::judge::follow::{self, Before};
use crate::judge::freshness::online::{Dates, Unconfirmed};
use crate::judge::tail::{self, TailRecord};
use crate::judge::{self, Judgement, Observation, Policy, WatchState};
use crate::observe::follow::Followed;
use crate::observe::statement::Statement;
use crate::observe::{Identity, Read, Reading};

/// What one check saw.
#[derive(Debug, Clone)]
pub enum Seen {
    /// A body read afresh (see [`crate::observe::read()`]).
    Read(Box<Read>),
    /// The same page as the baseline: a 304, or the same bytes read the same way.
    Unchanged,
    /// The fetch failed; `gone` when the server answered 404 or 410.
    Failed { gone: bool, error: String },
    /// Where the canary is published loaded, without the canary (see [`Observation::Absent`]).
    Absent { why: String },
}

/// What the watch knew before this check.
#[derive(Debug, Clone, Copy)]
pub struct Prior<'a> {
    pub state: &'a WatchState,
    /// A CanaryTail canary's pinned keys and open alerts.
    pub tail: Option<&'a TailRecord>,
    /// The document a `follow` watch read last.
    pub followed: Option<Before<'a>>,
}

/// The circumstances of this check.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub at: DateTime<Utc>,
    pub policy: &'a Policy,
    /// The document a `follow` watch's index led to this time.
    pub followed: Option<&'a Followed>,
    /// Events raised before the fetch (a pinned key refreshed), last in this check's events.
    pub raised: &'a [Event],
}

/// The judgement of one check.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub state: WatchState,
    /// In order: the series', the freshness proofs', the follow series', the CanaryTail
    /// document's, then [`Context::raised`].
    pub events: Vec<Event>,
    /// Set when the judge read a fetched page as a failed fetch, saying why.
    pub fetch_error: Option<String>,
    /// The CanaryTail record to keep (the previous one when nothing was read).
    pub tail: Option<TailRecord>,
    /// The quoted blocks `freshness_api` is to confirm.
    pub online: Option<Unconfirmed>,
    /// What was read, its reading as judged: a CanaryTail document that can no longer stand
    /// for the signed ones before it is unreadable here (see [`tail::gate`]).
    pub read: Option<Read>,
}

impl Verdict {
    /// The statements judged, when a document was read afresh into statements.
    pub fn statements(&self) -> Option<&[Statement]> {
        self.read
            .as_ref()
            .and_then(|r| r.document.as_ref())
            .and_then(|d| d.reading.statements())
    }
}

/// Judges what one check saw (see the module documentation).
pub fn judge(prior: &Prior<'_>, seen: Seen, ctx: &Context<'_>) -> Verdict {
    let (at, policy) = (ctx.at, ctx.policy);
    let unchanged = matches!(seen, Seen::Unchanged);
    let (obs, read) = match seen {
        Seen::Read(read) => {
            let mut read = *read;
            let obs = match read.document.as_mut() {
                Some(d) => {
                    let reading = std::mem::replace(&mut d.reading, Reading::Statements(vec![]));
                    d.reading = tail::gate(reading, d.tail.as_ref(), prior.tail);
                    observation(&d.reading, read.identity.as_ref(), read.body_len)
                }
                None => Observation::Unsigned,
            };
            (obs, Some(read))
        }
        Seen::Unchanged => (Observation::Unchanged, None),
        Seen::Failed { gone, error } => (Observation::Failed { gone, error }, None),
        Seen::Absent { why } => (Observation::Absent { why }, None),
    };
    let signed = read.as_ref().and_then(|r| r.signatures.as_ref());
    let Judgement {
        mut state,
        mut events,
        fetch_error,
    } = judge::observe_signed(prior.state, obs, signed, at, policy);
    let document = read.as_ref().and_then(|r| r.document.as_ref());
    let facts = document.and_then(|d| d.tail.as_ref());
    // Proofs of freshness come from what is judged: on a signed watch, the signed text only.
    let proofs = document.and_then(|d| {
        d.reading
            .statements()
            .map(|s| (&d.freshness, judge::canary_date(s)))
    });
    if let (Some((found, date)), None) = (proofs, &fetch_error) {
        events.extend(judge::freshness::check(&mut state, found, date, at, policy));
    }
    let online = match (proofs, &fetch_error) {
        (Some((found, date)), None) if !found.block_hashes.is_empty() => Some(Unconfirmed {
            hashes: found.block_hashes.clone(),
            dates: Dates {
                canary: date,
                release: facts.map(|t| t.release),
            },
        }),
        // A page read afresh without a block hash: nothing left to confirm.
        (Some(_), None) => {
            state.freshness.unconfirmed = None;
            None
        }
        // The same page again: its blocks the API could not answer for are asked again.
        (None, None) if unchanged => state.freshness.unconfirmed.clone(),
        _ => None,
    };
    events.extend(follow::went_backwards(
        ctx.followed,
        prior.followed,
        at,
        policy,
    ));
    let (tail_record, tail_events) = tail::judge_tail(facts, prior.tail, at, policy);
    tail::drop_duress_repeat(&mut events, tail_record.as_ref());
    events.extend(tail_events);
    events.extend(ctx.raised.iter().cloned());
    // Every event of this check opens the next generation (see `WatchState::generation`).
    if !events.is_empty() {
        state.generation = prior.state.generation + 1;
    }
    Verdict {
        state,
        events,
        fetch_error,
        tail: tail_record,
        online,
        read,
    }
}

/// What `observe_signed` is shown of a document's reading.
fn observation(reading: &Reading, identity: Option<&Identity>, body_len: u64) -> Observation {
    match reading {
        Reading::Statements(statements) => Observation::Content {
            statements: statements.clone(),
            body_len,
            page_hash: identity.map(|i| i.hash.clone()),
            excerpt: identity.map(|i| i.excerpt.clone()),
        },
        Reading::Unreadable(error) => Observation::Failed {
            gone: false,
            error: error.clone(),
        },
    }
}

#[cfg(test)]
mod tests;
