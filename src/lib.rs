//! canaryd watches warrant canaries and tells people the moment one dies.
//!
//! Data flows one way, and the layout follows it:
//!
//! [`config`] (the watchlist, validated once into typed values) → `schedule` (scheduler, host
//! politeness, one pass) → [`fetch`] → [`observe`] (challenge, extraction, normalisation:
//! page → observation) → [`judge`] (confirmation, failure states, staleness, flapping, diff:
//! observation → events) → [`store`] (state, atomic writes, the evidence archive) →
//! [`notify`] (alert rendering, the durable outbox, delivery, the Atom feed).
//!
//! `pipeline` is the only module that knows that order; `check`, `run`, `replay` and
//! `preview` all go through it. `observe` and `judge` are pure: they are the crate
//! `canaryd-core` (crates/canaryd-core, re-exported here under the same names; with `words`
//! and `contained`), whose dependencies hold no runtime, network, filesystem or clock, so
//! Cargo enforces what this layout promises (its tests/purity.rs checks the rest).
//! [`daemon`] runs the pipeline on a schedule; `cli` is the command line, the only module
//! that sees clap. `isolate` reads PDFs in a bounded child process. `report` writes the
//! static site (and `run` serves it) from the state directory, reading only. `health` reads
//! a watch's state into ok or warning and why; `words` says
//! counts, durations and times to people, and any layer may use it. Modules are public only
//! where the binary, the integration tests, the fuzz targets or the benchmark reach into them.

pub mod backoff;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod fetch;
pub(crate) mod health;
pub mod isolate;
pub(crate) mod memory;
pub mod notify;
pub mod pipeline;
pub(crate) mod report;
pub mod schedule;
pub mod store;

// The pure stages, in their own crate (crates/canaryd-core) so that Cargo enforces what this
// layout promises; re-exported so that `crate::observe::…` reads the same everywhere.
pub(crate) use canaryd_core::words;
pub use canaryd_core::{judge, observe};

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
