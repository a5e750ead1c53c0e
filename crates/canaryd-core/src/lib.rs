//! canaryd's pure stages: [`observe`] (a fetched body, read the way the watch says, becomes a
//! document: challenge detection, extraction, normalisation, signatures, CanaryTail, the
//! canary's own dates) and [`judge`] (a document and the watch's state become events:
//! confirmation, failure states, staleness, flapping, word diffs), with [`words`], the one
//! place counts, durations and times are said to people, [`digest`], the one place for hashes
//! and name-based ids, and [`contained`], which turns a third-party parser's panic into an
//! error.
//!
//! Nothing here does I/O. This crate's dependencies hold no async runtime, network client,
//! mail transport or filesystem helper, and chrono comes without its `clock` feature, so
//! there is no `Utc::now` to call: every time is passed in. `tests/purity.rs` checks the
//! manifest and the sources, so the promise cannot quietly lapse. The `canaryd` crate
//! (fetch, store, notify, schedule, daemon, cli) re-exports these modules under the same
//! names.

pub mod contained;
pub mod digest;
pub mod judge;
pub mod observe;
pub mod words;
