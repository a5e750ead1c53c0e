//! `freshness_api` lookups: each quoted block hash without a final answer in the watch's
//! state is asked of the watch's Esplora-shaped API through the watch's fetcher options, so
//! its proxy (Tor included), timeout, user agent and retries of transient failures apply, with
//! the body capped at [`MAX_ANSWER_BYTES`]. The URL is the user's own (written in the
//! watchlist, the hash put in), so it goes where it says as watchlist URLs do; its redirects
//! are guarded as theirs are.
//!
//! A 404 is believed ("no block has this hash") only from an API that knows the genesis
//! block: a template that answers 404 to everything (a wrong path) is "could not confirm",
//! never an alert.

use chrono::{DateTime, Utc};

use crate::config::FreshnessApi;
use crate::fetch::{FetchError, FetchOptions, Fetched, Fetcher};
use crate::observe::freshness::api::{BlockAnswer, BlockLookup, GENESIS, read_answer};

/// An Esplora block is under 4 KiB of JSON: anything far bigger is not one.
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The lookups of `hashes` (see `judge::freshness::online::to_ask`), made at `at`.
pub async fn lookups(
    fetcher: &Fetcher,
    api: &FreshnessApi,
    hashes: &[String],
    opts: &FetchOptions,
    at: DateTime<Utc>,
) -> Vec<BlockLookup> {
    let opts = FetchOptions {
        max_body: opts.max_body.min(MAX_ANSWER_BYTES),
        ..opts.clone()
    };
    let mut genesis_known: Option<bool> = None;
    let mut out = Vec::with_capacity(hashes.len());
    for hash in hashes {
        let (url, mut answer) = ask(fetcher, api, hash, &opts).await;
        if answer == BlockAnswer::NotFound {
            let known = match genesis_known {
                Some(k) => k,
                None => {
                    let (_, g) = ask(fetcher, api, GENESIS, &opts).await;
                    let k = matches!(g, BlockAnswer::Found { .. });
                    genesis_known = Some(k);
                    k
                }
            };
            if !known {
                answer = BlockAnswer::Unknown {
                    why: "the API does not know the genesis block either: check that freshness_api is an Esplora /block/{hash} URL".into(),
                };
            }
        }
        tracing::info!(block = %hash, url = %url, answer = ?answer, "asked freshness_api about a quoted block");
        out.push(BlockLookup {
            hash: hash.clone(),
            url,
            at,
            answer,
            asked: true,
        });
    }
    out
}

/// One request: the URL asked (redacted) and what it answered.
async fn ask(
    fetcher: &Fetcher,
    api: &FreshnessApi,
    hash: &str,
    opts: &FetchOptions,
) -> (String, BlockAnswer) {
    let url = match api.url(hash) {
        Ok(u) => u,
        Err(why) => {
            let why = why.to_string();
            return (api.template().to_string(), BlockAnswer::Unknown { why });
        }
    };
    let shown = crate::fetch::redact(&url);
    let answer = match fetcher.fetch(&url, None, opts).await {
        Ok(Fetched::Page(page)) => read_answer(hash, &page.body),
        Ok(Fetched::NotModified { .. }) => BlockAnswer::Unknown {
            why: "unexpected 304 Not Modified".into(),
        },
        Err(FetchError::Status {
            code: 404 | 410, ..
        }) => BlockAnswer::NotFound,
        Err(e) => BlockAnswer::Unknown {
            why: e.for_people(),
        },
    };
    (shown, answer)
}

/// The quoted blocks of a check that read its page afresh (or of the unchanged page whose
/// blocks could not be confirmed yet), and the canary's dates.
pub(super) type Online = crate::judge::freshness::online::Unconfirmed;

impl super::Checker {
    /// Confirms the quoted blocks of `j` with the watch's `freshness_api` (asking only those
    /// the state has no final answer for), judges them, and records what is known.
    pub(super) async fn confirm_blocks(
        &self,
        watch: &crate::config::Watch,
        opts: &FetchOptions,
        mut j: super::Judged,
    ) -> super::Judged {
        use crate::judge::freshness::online;
        let (Some(api), Some(input)) = (&watch.freshness_api, j.online.take()) else {
            return j;
        };
        let ask = online::to_ask(&j.state.freshness, &input.hashes);
        let asked = if ask.is_empty() {
            Vec::new()
        } else {
            lookups(&self.fetcher, api, &ask, opts, j.at).await
        };
        let known = online::known(&j.state.freshness, &input.hashes, &asked);
        let events = online::judge(
            &mut j.state.freshness,
            &known,
            input.dates,
            j.at,
            &watch.shared.policy,
        );
        online::keep_unconfirmed(&mut j.state.freshness, input, &known);
        j.record.freshness_api = known;
        if !events.is_empty() {
            j.events.extend(events);
            // Every event of a check opens the next generation (see `Checker::record`).
            j.state.generation = j.prev.generation + 1;
        }
        j
    }
}
