//! What a check saw, from what it gathered: the one path from a [`Gathered`] into
//! `observe::read` and the judge's [`judge::Seen`], for a live check and `replay` alike. It
//! decides what is a failed fetch before any reading (a relabelled page, signature files that
//! could not be fetched), what is the baseline again (a 304, the same bytes read the same
//! way), and keeps the page for the evidence.

use chrono::{DateTime, Utc};
use url::Url;

use super::follow::{self, Step};
use super::gather::{self, Gathered};
use super::signatures;
use crate::config::{Follow, Watch, WatchSelector};
use crate::fetch::{self, Fetched, Page};
use crate::judge;
use crate::observe::signature::SignatureTally;
use crate::observe::signed::DetachedFile;
use crate::observe::statement::Statement;
use crate::observe::{self, ReadSpec};
use crate::store::archive::SignatureEvidence;
use crate::store::{CheckResult, ContentKey, Loaded};

/// How the page is read.
#[derive(Debug, Clone)]
pub(crate) struct How<'a> {
    /// Named in the logs.
    pub name: &'a str,
    pub spec: ReadSpec<'a>,
    /// A `follow` watch's rule: names the index when it links no document of the series.
    pub follow: Option<&'a Follow>,
    /// The extraction settings, hashed (see [`extractor_key`]).
    pub extractor: &'a str,
}

/// What the last check leaves this one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Last<'a> {
    /// How the last page was declared (HTML or text), to tell a relabelled page.
    pub format: Option<fetch::Format>,
    /// The last page's content key and the baseline's statements, when the baseline is that
    /// page read the same way (see [`baseline_is_last_page`]): the same key again is the
    /// same statements, not parsed again.
    pub baseline_page: Option<(&'a ContentKey, &'a [Statement])>,
}

/// What was seen, as the check record and the evidence keep it.
#[derive(Debug)]
pub(crate) enum Sighted {
    /// The server relabelled the same kind of document (see [`Page::format_change`]).
    Relabelled { status: u16, error: String },
    /// The page came, its detached signature files did not.
    NoSignatures { error: String },
    /// A `follow` watch's index loaded without a document of the series: `page` is the index.
    Unlinked { page: Page, error: Option<String> },
    /// Byte for byte the baseline's page, read the same way: its statements are the
    /// baseline's.
    SamePage {
        page: Page,
        key: ContentKey,
        statements: Vec<Statement>,
    },
    /// A page read afresh.
    Fresh {
        page: Page,
        key: ContentKey,
        signed: Option<Signed>,
    },
    /// The server said the page is as it was (304).
    NotModified { status: u16, final_url: Url },
    /// The fetch failed.
    Failed { status: Option<u16>, error: String },
}

/// A signed page's signatures, as read before judging.
#[derive(Debug)]
pub(crate) struct Signed {
    pub tally: SignatureTally,
    pub notes: Vec<String>,
    pub accepts_sha1: bool,
    pub evidence: SignatureEvidence,
}

/// One check's sight: what the judge takes, what the record keeps, and where it was.
#[derive(Debug)]
pub(crate) struct Sighting {
    pub seen: judge::Seen,
    pub sighted: Sighted,
    pub step: Step,
    /// The URL read: the watch's, or the document its index leads to.
    pub url: Url,
}

/// Reads what was gathered (see the module documentation); `at` dates the signatures' notes.
pub(crate) fn sight(
    gathered: Gathered,
    how: &How<'_>,
    last: &Last<'_>,
    at: DateTime<Utc>,
) -> Sighting {
    sight_keyed(gathered, how, last, at, None)
}

/// The content key of the page gathered, as [`sight`] makes it (`None` when no page was
/// fetched with its signature files): made ahead of `sight` so that a caller can tell the
/// baseline's page, which needs no parse, with [`Last::is_baseline_page`], and hand the
/// key to [`sight_keyed`] rather than hash the page twice.
pub(crate) fn page_key(gathered: &Gathered, how: &How<'_>) -> Option<ContentKey> {
    match (&gathered.fetched, &gathered.detached) {
        (Ok(Fetched::Page(page)), Ok(files)) => Some(content_key(page, files, how)),
        _ => None,
    }
}

impl Last<'_> {
    /// `key` is the key of the page the baseline was read from, read the same way: the
    /// page's statements are the baseline's.
    pub(crate) fn is_baseline_page(&self, key: &ContentKey) -> bool {
        self.baseline_page
            .is_some_and(|(content, _)| content == key)
    }
}

fn content_key(page: &Page, files: &[DetachedFile], how: &How<'_>) -> ContentKey {
    let input = gather::input(page, files);
    // The one pass over the whole body on a check that changed nothing (most checks): a
    // BLAKE3, not the SHA-256 the evidence names a kept body by (see `page_hash_hex`).
    ContentKey {
        extractor: how.extractor.to_string(),
        page: document_key(
            observe::kind_of(&input.body, how.spec.format),
            page.charset,
            &canaryd_core::digest::page_hash_hex(&page.body),
        ),
    }
}

/// [`sight`], with the page's key when the caller made it with [`page_key`] from the same
/// `gathered` and `how`.
pub(crate) fn sight_keyed(
    gathered: Gathered,
    how: &How<'_>,
    last: &Last<'_>,
    at: DateTime<Utc>,
    key: Option<ContentKey>,
) -> Sighting {
    let Gathered {
        fetched,
        detached,
        step,
        url,
        ..
    } = gathered;
    let (seen, sighted) = match fetched {
        Ok(Fetched::Page(page)) => page_sight(page, detached, &step, how, last, at, key),
        Ok(Fetched::NotModified {
            final_url, status, ..
        }) => (
            judge::Seen::Unchanged,
            Sighted::NotModified { status, final_url },
        ),
        Err(e) => {
            let error = e.for_people();
            let chain = crate::error_chain(&e);
            if chain != error {
                tracing::info!(watch = %how.name, cause = %chain, "fetch failed");
            }
            let seen = judge::Seen::Failed {
                gone: matches!(e.status(), Some(404 | 410)),
                error: error.clone(),
            };
            let status = e.status();
            (seen, Sighted::Failed { status, error })
        }
    };
    Sighting {
        seen,
        sighted,
        step,
        url,
    }
}

fn page_sight(
    page: Page,
    detached: Result<Vec<DetachedFile>, String>,
    step: &Step,
    how: &How<'_>,
    last: &Last<'_>,
    at: DateTime<Utc>,
    key: Option<ContentKey>,
) -> (judge::Seen, Sighted) {
    let failed = |error: &str| judge::Seen::Failed {
        gone: false,
        error: error.to_string(),
    };
    if let Some(e) = last.format.and_then(|was| page.format_change(was)) {
        let error = crate::error_chain(&e);
        let status = page.status;
        return (failed(&error), Sighted::Relabelled { status, error });
    }
    let files = match detached {
        Ok(files) => files,
        Err(error) => return (failed(&error), Sighted::NoSignatures { error }),
    };
    if matches!(step, Step::NoMatch) {
        // The index loaded without a document of the series: the canary is missing from
        // where it is published (confirmed like any missing canary), and the alert says so,
        // naming the index.
        let why = how.follow.map(follow::unlinked).unwrap_or_default();
        let error = how.follow.map(follow::no_match_error);
        return (
            judge::Seen::Absent { why },
            Sighted::Unlinked { page, error },
        );
    }
    let key = key.unwrap_or_else(|| content_key(&page, &files, how));
    let input = gather::input(&page, &files);
    if let Some((content, statements)) = last.baseline_page
        && *content == key
    {
        tracing::debug!(watch = %how.name, "same page as the last check; its statements are the baseline's");
        // Parsing it again would only cost CPU.
        let statements = statements.to_vec();
        return (
            judge::Seen::Unchanged,
            Sighted::SamePage {
                page,
                key,
                statements,
            },
        );
    }
    let read = observe::read(&input, &how.spec);
    let signed = read.signatures.as_ref().map(|r| {
        let statements = read
            .document
            .as_ref()
            .and_then(|d| d.reading.statements())
            .unwrap_or_default();
        Signed {
            tally: r.display(),
            notes: signatures::notes(r),
            accepts_sha1: r.accepts_sha1,
            evidence: signatures::evidence(r, &files, statements, at),
        }
    });
    let sighted = Sighted::Fresh { page, key, signed };
    (judge::Seen::Read(Box::new(read)), sighted)
}

/// Whether the baseline is the last page read, read the way this check reads: a 304 or the
/// same bytes then stand for "same as the baseline". It holds only when the last page left
/// nothing pending and was read by the same extraction settings (and, for a `follow` watch,
/// when this check reads the same document: see `Gathered::same_document`). A signed watch
/// reads every page afresh: its signatures are judged on every check.
pub(crate) fn baseline_was_last_page(watch: &Watch, loaded: &Loaded, extractor: &str) -> bool {
    let (prev, last) = (&loaded.state, &loaded.check);
    watch.signing.is_none()
        && prev.baseline.is_some()
        && prev.pending.is_empty()
        && prev.missing.count == 0
        && matches!(last.result, CheckResult::Ok | CheckResult::Unchanged)
        && last
            .content
            .as_ref()
            .is_some_and(|c| c.extractor == extractor)
}

/// The extraction settings, hashed: a new canaryd version, selector or way of rendering
/// reads pages afresh.
pub(crate) fn extractor_key(selector: Option<&WatchSelector>, rendered: bool) -> String {
    let selector = selector.map_or("auto", |s| s.source.as_str());
    // Only a rendered watch says so, so that every other watch's key is as it was.
    let render: &[u8] = if rendered { b"\0browser" } else { b"" };
    canaryd_core::digest::sha256_hex_parts(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        b"\0",
        selector.as_bytes(),
        render,
    ])
}

/// The page as extraction reads it: its bytes (by their BLAKE3) and, for HTML and text,
/// the charset they are decoded with (decoding is a function of the two), with the kind of
/// document they are read as. Keys made before the BLAKE3 (from the body's SHA-256) never
/// equal these: the first check after that upgrade reads each page afresh once.
fn document_key(kind: observe::Kind, charset: &str, body_hash: &str) -> String {
    // PDF and CanaryTail are read as bytes: no charset is part of what they say.
    let charset: &[u8] = match kind {
        observe::Kind::Html | observe::Kind::Text => charset.as_bytes(),
        observe::Kind::Pdf | observe::Kind::CanaryTail => b"",
    };
    canaryd_core::digest::sha256_hex_parts(&[
        kind.as_str().as_bytes(),
        b"\0",
        charset,
        b"\0blake3\0",
        body_hash.as_bytes(),
    ])
}

#[cfg(test)]
mod tests;
