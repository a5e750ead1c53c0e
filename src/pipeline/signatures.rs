//! Fetching a signed watch's detached signature files, with the page's fetcher and options
//! (so the same timeouts, size cap, proxy and retries apply). A file that answers 404/410 is
//! "no signature from this file"; any other failure fails the whole check, because a timeout
//! says nothing about the canary and must not read as a signature problem.

use url::Url;

use crate::config::{Signing, Watch};
use crate::fetch::{FetchOptions, Fetched, Fetcher};
use crate::observe::extract::Format;
use chrono::{DateTime, Utc};

use crate::config::WatchSelector;
use crate::judge::signature_time;
use crate::observe;
use crate::observe::signed::{DetachedFile, SignatureReading, read_signatures, signed_document};
use crate::observe::statement::Statement;
use crate::store::archive::SignatureEvidence;

/// The watch's detached signatures, fetched in order; `Err` is a failed fetch, explained.
pub(super) async fn fetch(
    fetcher: &Fetcher,
    watch: &Watch,
    document: &Url,
    opts: &FetchOptions,
) -> Result<Vec<DetachedFile>, String> {
    match &watch.signing {
        Some(signing) => fetch_files(fetcher, signing, document, opts).await,
        None => Ok(Vec::new()),
    }
}

/// The detached signatures of the document at `url` (also for `preview` and `add`).
pub(crate) async fn fetch_files(
    fetcher: &Fetcher,
    signing: &Signing,
    url: &Url,
    opts: &FetchOptions,
) -> Result<Vec<DetachedFile>, String> {
    let urls = signing
        .resolve(url)
        .map_err(|e| format!("signature URL: {e}"))?;
    let mut files = Vec::with_capacity(urls.len());
    for url in urls {
        // The fetcher bounds every request with the watch's timeout.
        let bytes = match fetcher.fetch(&url, None, opts).await {
            Ok(Fetched::Page(page)) => Some(page.body.to_vec()),
            Ok(Fetched::NotModified { .. }) => {
                return Err(format!("signature {url}: unexpected 304 Not Modified"));
            }
            Err(e) if matches!(e.status(), Some(404 | 410)) => None,
            Err(e) => {
                return Err(format!(
                    "fetching the signature {url}: {}",
                    crate::error_chain(&e)
                ));
            }
        };
        files.push(DetachedFile {
            source: url.to_string(),
            bytes,
        });
    }
    Ok(files)
}

/// The page's signatures read against the watch's keys; `None` for an unsigned watch.
pub(super) fn read(
    watch: &Watch,
    body: &[u8],
    text: &str,
    format: Format,
    detached: &Result<Vec<DetachedFile>, String>,
) -> Option<SignatureReading> {
    let signing = watch.signing.as_ref()?;
    let files = detached.as_ref().map_or(&[][..], Vec::as_slice);
    Some(read_signatures(
        body,
        text,
        format,
        files,
        &signing.keys,
        signing.signers,
    ))
}

/// Why a signed watch's page was not judged (the check record's `error`; the check is `ok`).
pub(crate) const UNSIGNED: &str =
    "nothing on the page is signed by a pinned key: its text is not judged, its signatures are";

/// The document a watch judges: what its pinned signers signed on a signed watch (`None`
/// when nothing is), else the whole body. The one choice live checks, `replay` and `preview`
/// make.
pub(crate) fn document(
    body: &observe::Body<'_>,
    format: observe::DocumentFormat,
    watch_selector: Option<&WatchSelector>,
    signed: Option<&SignatureReading>,
) -> Option<observe::Document> {
    match signed {
        Some(reading) => signed_document(body, format, watch_selector, reading),
        None => Some(observe::read_document(body, format, watch_selector)),
    }
}

/// The signature files, verdicts, what was signed and what was not, and anything odd about
/// the signatures' times, as the evidence record keeps them.
pub(super) fn evidence(
    reading: &SignatureReading,
    detached: &Result<Vec<DetachedFile>, String>,
    statements: &[Statement],
    at: DateTime<Utc>,
) -> SignatureEvidence {
    let files = detached.as_ref().map_or(&[][..], Vec::as_slice);
    let mut evidence = SignatureEvidence::new(reading, files);
    evidence.notes = signature_time::notes(reading, statements, at);
    evidence
}
