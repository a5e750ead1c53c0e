//! The `follow` half of a check: fetch the index page, pick the newest document of the
//! series, and hand the judge the move from the document followed before (a series that
//! goes backwards is alerted by `judge::follow`).

use std::sync::Arc;

use tokio::sync::Semaphore;
use url::Url;

use crate::config::Follow;
use crate::fetch::{self, FetchError, FetchOptions, Fetched, Fetcher};
use crate::judge::follow::Before;
use crate::observe::follow::{self, Followed};
use crate::store::FollowedDoc;

/// Where the index sent this check.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// A plain `url` watch.
    Direct,
    /// The document picked from the index.
    Document(Followed),
    /// The index loaded but no link matched; `fetched` holds the index page itself.
    NoMatch,
    /// The index could not be fetched; `fetched` holds its error.
    IndexFailed,
}

/// Fetches the index and picks the document to read; the fetch result is the index's when
/// there is no document to fetch.
///
/// Searching the index is CPU work (an HTML parse, a regex per link): it runs on the blocking
/// pool under `cpu`, the checker's bound on parsing at once, never on an async worker.
pub(crate) async fn locate(
    fetcher: &Fetcher,
    rule: &Follow,
    opts: &FetchOptions,
    cpu: &Arc<Semaphore>,
) -> (Step, Option<Result<Fetched, FetchError>>) {
    match fetcher.fetch(&rule.index, None, opts).await {
        Ok(Fetched::Page(page)) => {
            let (pattern, index) = (rule.rule.clone(), rule.index.clone());
            let permit = Arc::clone(cpu).acquire_owned().await;
            let searched = tokio::task::spawn_blocking(move || {
                let _permit = permit;
                let is_html = matches!(page.format, fetch::Format::Html);
                let picked = follow::pick(&page.text, is_html, &page.final_url, &pattern);
                (picked, page)
            })
            .await;
            match searched {
                Ok((Ok(Some(followed)), _)) => (Step::Document(followed), None),
                Ok((Ok(None), page)) => (Step::NoMatch, Some(Ok(Fetched::Page(page)))),
                Ok((Err(too_many), _)) => (
                    Step::IndexFailed,
                    Some(Err(unsearchable(&index, &too_many))),
                ),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => (Step::IndexFailed, Some(Err(unsearchable(&index, &e)))),
            }
        }
        // Never asked for (no validators are sent for the index): read as no match.
        Ok(other) => (Step::NoMatch, Some(Ok(other))),
        Err(e) => (Step::IndexFailed, Some(Err(e))),
    }
}

/// An index page that could not be searched: a failed fetch of the index, with the reason.
fn unsearchable(index: &Url, why: &dyn std::fmt::Display) -> FetchError {
    FetchError::Protocol {
        message: format!(
            "the index page {} cannot be searched: {why}",
            fetch::redact(index)
        ),
        source: None,
    }
}

/// The URL the rest of the check reads: the followed document, else the watch's own.
pub(crate) fn document_url<'a>(step: &'a Step, watch_url: &'a Url) -> &'a Url {
    match step {
        Step::Document(f) => &f.url,
        _ => watch_url,
    }
}

/// What the check record keeps of this step: the new document, or (when the index gave none)
/// the one followed before, so the series is compared with it next time.
pub(crate) fn record(step: &Step, previous: Option<&FollowedDoc>) -> Option<FollowedDoc> {
    match step {
        Step::Document(f) => Some(FollowedDoc {
            url: f.url.to_string(),
            reason: f.reason.clone(),
            key: f.key.clone(),
        }),
        Step::Direct => None,
        Step::NoMatch | Step::IndexFailed => previous.cloned(),
    }
}

/// The error a check records when the index links no document of the series.
pub(crate) fn no_match_error(rule: &Follow) -> String {
    format!(
        "the index page {} links no document matching {:?}",
        rule.index, rule.pattern
    )
}

/// How a `missing` alert explains an index that links no document of the series.
pub(crate) fn unlinked(rule: &Follow) -> String {
    format!(
        "the index {} no longer links any canary matching the pattern {:?}",
        fetch::redact(&rule.index),
        rule.pattern
    )
}

/// The document the index led to this time, for the judge.
pub(crate) fn followed(step: &Step) -> Option<&Followed> {
    match step {
        Step::Document(f) => Some(f),
        _ => None,
    }
}

/// The document followed before, as the judge compares the series with it.
pub(crate) fn before(previous: Option<&FollowedDoc>) -> Option<Before<'_>> {
    previous.map(|f| Before {
        url: &f.url,
        key: &f.key,
    })
}
