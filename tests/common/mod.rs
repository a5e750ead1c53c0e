//! Shared test fixtures: a real SMTP server and a real HTTP site on loopback, and helpers
//! to run the real `canaryd` binary, beside the pure builders of `canaryd-testkit`. Each test
//! file uses a subset of them.
#![allow(dead_code)]

pub mod http;
pub mod notify;
pub mod run;
pub mod site;
pub mod smtp;

// The pure builders live in crates/canaryd-testkit, shared with the core crate's unit tests.
// A binary that uses neither would warn of an unused import, as `dead_code` does not cover it.
#[allow(unused_imports)]
pub use canaryd_testkit::{canary, pdf, watchlist};

/// A watchlist built with the testkit, as canaryd reads it (no file: relative paths in it
/// resolve against the current directory).
pub fn parsed(list: &watchlist::Watchlist) -> canaryd::config::Watchlist {
    canaryd::config::Watchlist::parse(&list.to_string(), std::path::Path::new("w.toml"))
        .expect("a valid watchlist")
}

/// Polls `cond` every 50 ms until it holds or `limit` passes; returns whether it held.
/// Used only to wait for a separate process or real server, never to test timing.
pub async fn wait_until(limit: std::time::Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
