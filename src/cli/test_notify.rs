//! `canaryd test-notify [--channel N]`: sends a test notification through every channel (or
//! channel N, 1-based in watchlist order with `[email]` first) and prints each one's answer
//! or its exact error. Exit 0 when every channel tried took it, 1 when any failed.

use std::path::Path;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::clock::Clock;
use crate::notify::channel::{self, Outgoing};

pub async fn run(watchlist: &Path, only: Option<usize>, clock: &dyn Clock) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let built = channel::build_each(&wl);
    if let Some(n) = only
        && (n == 0 || n > built.len())
    {
        super::say::error(format!(
            "there is no channel {n}: {} has {} (numbered from 1, [email] first when present)",
            watchlist.display(),
            built.len()
        ));
        return Ok(EXIT_USAGE);
    }
    let now = clock.now();
    let text = format!(
        "This is a test notification from canaryd (`canaryd test-notify`), sent {}.\n\n\
         If it reached you, alerts about the {} watch(es) in {} reach you this way.\n\
         Nothing happened to any canary.\n",
        now.to_rfc3339(),
        wl.watches.len(),
        watchlist.display()
    );
    let mut failed = 0;
    for (i, (id, built)) in built.into_iter().enumerate() {
        let n = i + 1;
        if only.is_some_and(|o| o != n) {
            continue;
        }
        outln!("channel {n} ({id}): sending a test notification …");
        let result = match built {
            Ok(c) => {
                c.send(Outgoing::Test {
                    at: now,
                    text: &text,
                })
                .await
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(answer) => outln!("channel {n} ({id}): OK: {answer}"),
            Err(e) => {
                failed += 1;
                let kind = if e.permanent() {
                    "refused (permanent: alerts would not be retried)"
                } else {
                    "failed (alerts would be retried)"
                };
                outln!("channel {n} ({id}): {kind}: {}", crate::error_chain(&e));
            }
        }
    }
    Ok(if failed > 0 { EXIT_FAILURE } else { 0 })
}
