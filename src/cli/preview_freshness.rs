//! `preview --freshness-api TEMPLATE`: the block hashes the page quotes asked once of an
//! Esplora-shaped API and judged as a watch's first check with that `freshness_api` would
//! judge them; nothing is written.

use std::time::Duration;

use crate::config::FreshnessApi;
use crate::fetch::{self, FetchOptions, Fetcher, RetryPolicy};
use crate::judge::Policy;
use crate::judge::freshness::FreshnessState;
use crate::judge::freshness::online::{self, Dates};
use crate::observe::statement::Statement;

/// Asks about the `hashes` the page quotes and prints the verdicts, the canary dated by its
/// `statements`; an API that cannot answer is a line saying so, not an error.
pub(super) async fn print(
    hashes: &[String],
    statements: &[Statement],
    template: &str,
) -> anyhow::Result<()> {
    let api = FreshnessApi::parse(template).map_err(|e| anyhow::anyhow!("--freshness-api: {e}"))?;
    if hashes.is_empty() {
        outln!("freshness_api: the page quotes no Bitcoin block hash; nothing to confirm");
        return Ok(());
    }
    let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        ..FetchOptions::default()
    };
    let now = crate::clock::system().now();
    let ask: Vec<String> = hashes.iter().take(online::MAX_LOOKUPS).cloned().collect();
    let asked = crate::pipeline::freshness_api::lookups(&fetcher, &api, &ask, &opts, now).await;
    let dates = Dates {
        canary: crate::judge::canary_date(statements),
        release: None,
    };
    let events = online::judge(
        &mut FreshnessState::default(),
        &asked,
        dates,
        now,
        &Policy::default(),
    );
    outln!("Proof of freshness online ({}):", api.template());
    for l in &asked {
        outln!("  {}", l.describe());
    }
    for e in &events {
        outln!("  would alert (freshness): {}", e.detail);
    }
    Ok(())
}
