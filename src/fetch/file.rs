//! `file://` watches: reading a local file under the same size cap and deadline as HTTP,
//! with its mtime as a Last-Modified validator.

use chrono::{DateTime, Utc};
use std::io;
use std::time::{Duration, SystemTime};

use tokio::io::AsyncReadExt;
use tokio::time::timeout_at;
use url::Url;

use crate::clock::Clock;

use super::charset::{decode_page, format_for, sniff_format};
use super::error::{FetchError, TimeoutStage, human_duration, redact};
use super::http::deadline_after;
use super::retry::http_date;
use super::{FetchOptions, Fetched, Page, Validators};

/// Reads the file a `file://` URL names. A missing or unreadable file is an error, never an
/// empty page.
pub(super) async fn get(
    url: &Url,
    validators: Option<&Validators>,
    opts: &FetchOptions,
    clock: &dyn Clock,
) -> Result<Fetched, FetchError> {
    let deadline = deadline_after(opts.timeout);
    match timeout_at(deadline, read(url, validators, opts, clock)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout {
            url: redact(url),
            after: opts.timeout,
            stage: TimeoutStage::Body { received: 0 },
        }),
    }
}

async fn read(
    url: &Url,
    validators: Option<&Validators>,
    opts: &FetchOptions,
    clock: &dyn Clock,
) -> Result<Fetched, FetchError> {
    let path = url.to_file_path().map_err(|()| FetchError::Io {
        message: format!(
            "{} is not a local file path (write file:///absolute/path, with no host)",
            redact(url)
        ),
        transient: false,
        source: None,
    })?;
    let shown = path.display().to_string();
    let io_error = |e: io::Error| {
        let hint = match e.kind() {
            io::ErrorKind::NotFound => "check the path in the watch's file:// URL",
            io::ErrorKind::PermissionDenied => "check that canaryd's user may read it",
            _ => "check the file and its disk",
        };
        FetchError::Io {
            message: format!("cannot read {shown} ({hint})"),
            // A missing file will not appear by retrying in a second; anything else might pass.
            transient: !matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied
            ),
            source: Some(Box::new(e)),
        }
    };
    let mut file = tokio::fs::File::open(&path).await.map_err(io_error)?;
    // Metadata of the open file, taken before reading: if the file changes while we read,
    // the next check sees a newer mtime and fetches in full, rather than the reverse.
    let meta = file.metadata().await.map_err(io_error)?;
    if !meta.is_file() {
        return Err(FetchError::Io {
            message: format!("{shown} is not a regular file (point the watch at a file)"),
            transient: false,
            source: None,
        });
    }
    if meta.len() > opts.max_body {
        return Err(FetchError::TooLarge {
            limit: opts.max_body,
            declared: Some(meta.len()),
        });
    }
    let last_modified = meta.modified().ok().and_then(settled_mtime);
    let theirs = validators.and_then(|v| v.last_modified.as_deref());
    if last_modified.is_some() && last_modified.as_deref() == theirs {
        return Ok(Fetched::NotModified {
            final_url: url.clone(),
            status: 304,
            fetched_at: clock.now(),
            attempts: 1,
        });
    }
    // Read at most one byte past the cap: a file that grew since the metadata still stops.
    let mut body = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    (&mut file)
        .take(opts.max_body.saturating_add(1))
        .read_to_end(&mut body)
        .await
        .map_err(io_error)?;
    if body.len() as u64 > opts.max_body {
        return Err(FetchError::TooLarge {
            limit: opts.max_body,
            declared: None,
        });
    }
    Ok(Fetched::Page(local_page(
        url,
        body,
        last_modified,
        clock.now(),
    )))
}

/// The file at `url`, whose bytes are `body`, as a page: `.txt` as text/plain, anything else
/// as HTML, the charset found the same way (also `replay`'s versions).
pub(crate) fn local_page(
    url: &Url,
    body: Vec<u8>,
    last_modified: Option<String>,
    fetched_at: DateTime<Utc>,
) -> Page {
    let format = format_for(None, url);
    let body = bytes::Bytes::from(body);
    let (text, charset) = decode_page(&body, None, format);
    Page {
        url: url.clone(),
        final_url: url.clone(),
        status: 200,
        content_type: None,
        format,
        sniffed: sniff_format(&text),
        etag: None,
        last_modified,
        headers: Vec::new(),
        body,
        text,
        charset,
        fetched_at,
        attempts: 1,
        original: None,
    }
}

/// The mtime as an HTTP date, but only once its second is over. HTTP dates have one-second
/// resolution, so a file written again within the second we read it would keep the same
/// date and a later check would wrongly answer "not modified"; such a file gets no validator.
///
/// The age is measured on the clock that stamped the mtime, the kernel's, not the injected
/// one: a test's clock set to another day says nothing about when the file was written.
fn settled_mtime(mtime: SystemTime) -> Option<String> {
    let age = mtime.elapsed().ok()?;
    if age < Duration::from_secs(2) {
        tracing::trace!(age = %human_duration(age), "file modified too recently for a validator");
        return None;
    }
    Some(http_date(mtime.into()))
}
