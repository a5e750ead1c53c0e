//! canaryd watches warrant canaries and tells people the moment one dies.
//!
//! Data flows one way: [`watchlist`] → scheduler ([`daemon`]/[`pass`]) → [`fetch`] →
//! [`extract`]/[`normalise`] → [`judge`] (with [`diff`]) → [`store`] → [`alert`] →
//! [`outbox`] → [`deliver`]. [`pipeline`] is the only module that knows that order;
//! `extract`, `normalise`, `diff`, `judge` and `alert` are pure. Beside the store, checks
//! that change something leave evidence in [`archive`] (a hash chain per watch, exported as
//! WARC) and queued alerts go to the Atom [`feed`]; [`watchlist_edit`] is the comment-keeping
//! editor behind `add`, `remove` and `rename`.

pub mod alert;
pub mod archive;
pub mod atomic;
pub mod cadence;
pub mod challenge;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod daemon;
pub mod deliver;
pub mod demo;
pub mod diff;
pub mod event;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod judge;
pub mod logging;
pub mod mail;
pub mod memory;
pub mod normalise;
// Not wired into the pipeline yet: the pure parts land first, their callers after.
#[allow(dead_code)]
pub(crate) mod observe;
pub mod outbox;
pub mod pass;
pub mod pipeline;
pub mod politeness;
pub mod replay;
pub mod scheduler;
pub mod statement;
pub mod store;
pub mod term;
pub mod watchlist;
pub mod watchlist_edit;

/// An error and all its causes on one line: "a: b: c".
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
