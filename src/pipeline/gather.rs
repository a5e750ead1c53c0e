//! The fetch stage's one entry: a target's page (fetched or rendered), the document its
//! index leads to, and the page's detached signature files, fetched together into one
//! [`Gathered`]. A live check, `preview` and `add` fetch here; `replay` builds a `Gathered`
//! from files (see `replay::Version::gathered`), so all of them read the same value.

use std::sync::Arc;

use tokio::sync::Semaphore;
use url::Url;

use super::follow::{self, Step};
use super::signatures;
use crate::config::{Follow, Signing};
use crate::fetch::browser::BrowserPool;
use crate::fetch::{self, FetchError, FetchOptions, Fetched, Fetcher, Origin, Page, Validators};
use crate::observe::signed::DetachedFile;
use crate::observe::{self, Input};

/// What to fetch, and how.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    /// The page: a `follow` watch's document replaces it when its index links one.
    pub url: &'a Url,
    /// Where `url` came from (the address rule, see `fetch::Origin`); a followed document is
    /// always a found URL.
    pub origin: Origin,
    pub follow: Option<&'a Follow>,
    /// A signed watch's rule for its detached signature files.
    pub signing: Option<&'a Signing>,
    /// Render the page in this browser (`render = "browser"`) instead of fetching it.
    pub browser: Option<&'a BrowserPool>,
    pub opts: &'a FetchOptions,
    /// The last page's validators, sent only when this fetch reads the document they came
    /// from (see [`Gathered::same_document`]).
    pub validators: Option<&'a Validators>,
    /// The document a `follow` watch read last (`None` for a plain watch).
    pub last_document: Option<&'a str>,
}

/// Everything one fetch brought back, together.
#[derive(Debug)]
pub(crate) struct Gathered {
    /// The page; the index's own result when the index led to no document.
    pub fetched: Result<Fetched, FetchError>,
    /// The page's detached signature files (none on an unsigned target), or why they could
    /// not be fetched. Fetched only when the page was.
    pub detached: Result<Vec<DetachedFile>, String>,
    /// Where the index sent this fetch.
    pub step: Step,
    /// The URL read: the target's, or the document its index leads to.
    pub url: Url,
    /// The document read is the one [`Target::last_document`] names (always, for a plain
    /// watch): the last page's validators stand for it.
    pub same_document: bool,
}

/// Fetches `target` (see the module documentation). `cpu` bounds the parsing of a `follow`
/// watch's index, as it bounds every parse of the caller.
pub(crate) async fn gather(
    fetcher: &Fetcher,
    cpu: &Arc<Semaphore>,
    target: &Target<'_>,
) -> Gathered {
    let (step, index_result) = match target.follow {
        Some(rule) => follow::locate(fetcher, rule, target.opts, cpu).await,
        None => (Step::Direct, None),
    };
    let url = follow::document_url(&step, target.url).clone();
    let same_document =
        target.last_document == follow::record(&step, None).as_ref().map(|f| f.url.as_str());
    let origin = match step {
        Step::Document(_) => Origin::Found,
        _ => target.origin,
    };
    let fetched = match (index_result, target.browser) {
        (Some(index), _) => index,
        (None, Some(browser)) => browser.render(&url, target.opts).await,
        (None, None) => {
            let validators = target.validators.filter(|_| same_document);
            fetcher
                .fetch_from(&url, origin, validators, target.opts)
                .await
        }
    };
    // Detached signatures are the document's: `{url}` is the followed document's URL.
    let detached = match (&fetched, target.signing) {
        (Ok(Fetched::Page(_)), Some(signing)) => {
            signatures::fetch_files(fetcher, signing, &url, origin, target.opts).await
        }
        _ => Ok(Vec::new()),
    };
    Gathered {
        fetched,
        detached,
        step,
        url,
        same_document,
    }
}

impl Gathered {
    /// A page and its signature files from elsewhere than the network (`replay`'s files).
    pub(crate) fn stored(page: Page, detached: Vec<DetachedFile>) -> Gathered {
        Gathered {
            url: page.url.clone(),
            fetched: Ok(Fetched::Page(page)),
            detached: Ok(detached),
            step: Step::Direct,
            same_document: true,
        }
    }
}

/// `page` and `detached` as the reader takes them.
pub(crate) fn input<'a>(page: &'a Page, detached: &'a [DetachedFile]) -> Input<'a> {
    Input {
        body: observe::Body {
            bytes: &page.body,
            content_type: page.content_type.as_deref(),
            text: &page.text,
            fetched_as: reading_format(page.format),
        },
        detached,
    }
}

/// How a page the fetcher classified is read.
pub(crate) fn reading_format(format: fetch::Format) -> observe::extract::Format {
    use observe::extract::Format;
    match format {
        fetch::Format::Text => Format::Text,
        fetch::Format::Html => Format::Html,
    }
}
