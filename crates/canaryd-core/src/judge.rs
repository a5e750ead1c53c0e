//! Judgement: turns one observation of a watch into events, with confirmation, failure
//! states, flapping and staleness. Pure: the caller supplies the observation and the time.

mod baseline;
mod confirm;
mod content;
mod dating;
pub mod diff;
pub mod event;
mod failure;
mod flap;
pub mod follow;
pub mod freshness;
mod notice;
mod policy;
mod short_page;
mod signature;
pub mod signature_time;
mod stale;
mod state;
pub mod tail;
#[cfg(test)]
mod tests;
mod verdict;
pub mod word_diff;

use chrono::{DateTime, Utc};

use crate::judge::event::Event;
use crate::observe::statement::Statement;

use baseline::migrate;
use content::{content, count_missing};
use failure::{failed, recovered_fetch};
use short_page::{persistent_short_page, replaced_by_short_page};

pub use baseline::{DATING_RULE, canary_date, state_from_baseline};

pub use dating::{
    CanaryDating, DateCandidate, DateSource, candidates as date_candidates, dating, stated_deadline,
};
pub use notice::{Notice, event};
pub use policy::{ChangedLow, DEFAULT_CONFIRM_AFTER, Policy};
pub use signature::{SignatureProblem, SignatureState};
pub use stale::{DATE_WENT_BACKWARDS, DATED_IN_THE_FUTURE, stale_due};
pub use state::{Baseline, Condition, Failing, Flap, Pending, ShortPage, Stale, WatchState};
pub use verdict::{Context, Prior, Seen, Verdict, judge};

/// A page under a quarter of its usual size with none of its statements is an error page.
const ERROR_PAGE_FRACTION: u64 = 4;

/// What one check saw.
#[derive(Debug, Clone)]
pub enum Observation {
    /// The page was fetched and these statements extracted.
    Content {
        statements: Vec<Statement>,
        body_len: u64,
        /// Hash of the page as read (any stable digest), to recognise the same short page
        /// served again; `None` when the caller does not know it.
        page_hash: Option<String>,
        /// The start of the page's visible text, quoted when a short page replaced the canary.
        excerpt: Option<String>,
    },
    /// The server said the page is unchanged since the last fetch (304).
    Unchanged,
    /// The fetch failed; `gone` when the server answered 404 or 410.
    Failed { gone: bool, error: String },
    /// Where the canary is published loaded, but the canary is not there: a followed index
    /// that links no document of the series. `why` says so, naming the index and pattern.
    Absent { why: String },
    /// A signed watch's page was fetched, but nothing on it is signed by a pinned key: its
    /// text is not judged (the baseline stands) and its signatures are.
    Unsigned,
}

/// The judge's verdict on one observation.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub state: WatchState,
    pub events: Vec<Event>,
    /// Set when the judge read a fetched page as a failed fetch (an error page served with
    /// 200), saying why.
    pub fetch_error: Option<String>,
}

/// Judges one observation made at `at`.
pub fn observe(
    prev: &WatchState,
    obs: Observation,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Judgement {
    observe_signed(prev, obs, None, at, policy)
}

/// Judges one observation made at `at`, with the page's signatures when the watch pins keys.
pub fn observe_signed(
    prev: &WatchState,
    obs: Observation,
    signed: Option<&crate::observe::signed::SignatureReading>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Judgement {
    // Signatures are judged only for a page accepted as content (see below).
    let seen_hash = match (&obs, signed) {
        (Observation::Content { statements, .. }, Some(_)) => Some(diff::set_hash(statements)),
        // No text was read: no statements for a signature's time to date.
        (Observation::Unsigned, Some(_)) => Some(String::new()),
        _ => None,
    };
    let mut state = prev.clone();
    migrate(&mut state);
    let mut events = Vec::new();
    let mut fetch_error = None;
    match obs {
        Observation::Failed { gone, error } => {
            failed(&mut state, gone, error, at, policy, &mut events)
        }
        Observation::Unchanged | Observation::Unsigned => {
            recovered_fetch(&mut state, at, policy, &mut events);
        }
        Observation::Absent { why } => {
            recovered_fetch(&mut state, at, policy, &mut events);
            if state
                .baseline
                .as_ref()
                .is_some_and(|b| b.claims().next().is_some())
            {
                count_missing(&mut state, &why, "", at, policy, &mut events);
            }
        }
        Observation::Content {
            statements,
            body_len,
            page_hash,
            excerpt,
        } => {
            let has_claims = statements.iter().any(|s| s.claim);
            let had_claims = state
                .baseline
                .as_ref()
                .is_some_and(|b| b.claims().next().is_some());
            let small = state
                .usual_size
                .is_some_and(|usual| body_len.saturating_mul(ERROR_PAGE_FRACTION) < usual);
            let short = had_claims && !has_claims && small;
            let replaced = short
                && persistent_short_page(
                    &mut state,
                    page_hash.as_deref(),
                    excerpt.as_deref(),
                    at,
                    policy,
                );
            if !short {
                state.short_page = None;
            }
            if replaced {
                // The same short page for long enough: it is what the site now serves.
                recovered_fetch(&mut state, at, policy, &mut events);
                replaced_by_short_page(&mut state, excerpt.as_deref(), at, policy, &mut events);
            } else if short {
                // An error or placeholder page served with 200: a failed fetch, not content.
                let error = format!(
                    "the page ({body_len} bytes) is a fraction of its usual size and holds none of its statements; treated as an error page"
                );
                fetch_error = Some(error.clone());
                failed(&mut state, false, error, at, policy, &mut events);
            } else {
                recovered_fetch(&mut state, at, policy, &mut events);
                content(
                    &mut state,
                    statements,
                    body_len,
                    had_claims,
                    at,
                    policy,
                    &mut events,
                );
            }
        }
    }
    if let (Some(reading), Some(hash), None) = (signed, &seen_hash, &fetch_error) {
        signature::judge(&mut state, reading, hash, at, policy, &mut events);
    }
    stale::check(&mut state, at, policy, &mut events);
    Judgement {
        state,
        events,
        fetch_error,
    }
}

/// Lets time pass without a check: raises `stale` if a deadline has passed by `at`.
pub fn tick(prev: &WatchState, at: DateTime<Utc>, policy: &Policy) -> Judgement {
    let mut state = prev.clone();
    migrate(&mut state);
    let mut events = Vec::new();
    stale::check(&mut state, at, policy, &mut events);
    Judgement {
        state,
        events,
        fetch_error: None,
    }
}
