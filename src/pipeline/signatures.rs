//! Fetching a signed watch's detached signature files, with the page's fetcher and options
//! (so the same timeouts, size cap, proxy and retries apply). A file that answers 404/410 is
//! "no signature from this file"; any other failure fails the whole check, because a timeout
//! says nothing about the canary and must not read as a signature problem.

use url::Url;

use crate::config::{Signing, Watch};
use crate::fetch::{FetchOptions, Fetched, Fetcher, Origin};
use chrono::{DateTime, Utc};

use crate::judge::signature_time;
use crate::observe::signed::{DetachedFile, SignatureReading};
use crate::observe::statement::Statement;
use crate::observe::{self, ReadSpec, SigningSpec};
use crate::store::archive::SignatureEvidence;

/// The detached signatures of the document at `url` (see `gather`). They
/// come from where the document's URL came from: a followed document's signatures are
/// found URLs, under the address rule (see `fetch::Origin`).
pub(crate) async fn fetch_files(
    fetcher: &Fetcher,
    signing: &Signing,
    url: &Url,
    origin: Origin,
    opts: &FetchOptions,
) -> Result<Vec<DetachedFile>, String> {
    let urls = signing
        .resolve(url)
        .map_err(|e| format!("signature URL: {e}"))?;
    let mut files = Vec::with_capacity(urls.len());
    for url in urls {
        // The fetcher bounds every request with the watch's timeout.
        let bytes = match fetcher.fetch_from(&url, origin, None, opts).await {
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

/// How `watch` reads a body in `format`: its selector, and on a signed watch its keys (an
/// expired key's alert names the command that refreshes its pinned copy).
pub(super) fn spec(watch: &Watch, format: observe::DocumentFormat) -> ReadSpec<'_> {
    ReadSpec {
        format,
        selector: watch.selector.as_ref(),
        signing: watch
            .signing
            .as_ref()
            .map(|s| signing_spec(s, Some(&watch.name))),
    }
}

/// A signing rule as the reader takes it; `watch` names the watch whose keys `canaryd keys
/// refresh` can refresh (`None` where there is no such watch: `replay`, `preview`).
pub(crate) fn signing_spec<'a>(signing: &'a Signing, watch: Option<&str>) -> SigningSpec<'a> {
    let refresh = watch.map(|w| format!("canaryd keys refresh {w}"));
    let refreshable = match refresh {
        Some(_) => signing
            .sources
            .iter()
            .filter(|s| s.key_url.is_some())
            .flat_map(|s| s.fingerprints.iter().cloned())
            .collect(),
        None => Vec::new(),
    };
    SigningSpec {
        keys: &signing.keys,
        signers: signing.signers,
        hash: signing.hash_policy(),
        refreshable,
        refresh,
    }
}

/// Why a signed watch's page was not judged (the check record's `error`; the check is `ok`).
pub(crate) const UNSIGNED: &str =
    "nothing on the page is signed by a pinned key: its text is not judged, its signatures are";

/// The signature files, verdicts, what was signed and what was not, and anything odd about
/// the signatures' times, as the evidence record keeps them.
pub(super) fn evidence(
    reading: &SignatureReading,
    files: &[DetachedFile],
    statements: &[Statement],
    at: DateTime<Utc>,
) -> SignatureEvidence {
    let mut evidence = SignatureEvidence::new(reading, files);
    evidence.notes = signature_time::notes(reading, statements, at);
    evidence
}

/// The refusals of `reading` in words, for `list` (what was refused, why, what accepts it),
/// and the signatures accepted only because the watch accepts SHA-1.
pub(crate) fn notes(reading: &SignatureReading) -> Vec<String> {
    use crate::observe::signature::{SignatureStatus, hash_name_strong};
    let mut out = Vec::new();
    for v in &reading.verdicts {
        let sig = &v.verdict;
        let who = sig.signer.as_ref().map_or_else(
            || format!("key {}", sig.issuer.as_deref().unwrap_or("unnamed")),
            |s| {
                format!(
                    "{} ({})",
                    s.user_id.as_deref().unwrap_or(&s.label),
                    s.fingerprint
                )
            },
        );
        let note = match sig.status {
            SignatureStatus::WeakHash | SignatureStatus::KeyExpired => format!(
                "refused: {} (signature by {who})",
                sig.detail.as_deref().unwrap_or_default()
            ),
            SignatureStatus::Good if sig.hash.as_deref().is_some_and(|h| !hash_name_strong(h)) => {
                format!(
                    "{} signature by {who} accepted only because of accept_sha1 (RFC 9580 refuses it; gpg accepts it)",
                    sig.hash.as_deref().unwrap_or_default()
                )
            }
            _ => continue,
        };
        if !out.contains(&note) {
            out.push(note);
        }
    }
    out
}
