//! The check of one watch, start to end. The only module that knows the order of the
//! stages: fetch → extract → judge → record events → queue alerts → archive evidence →
//! save state.

mod access;
mod commit;
pub(crate) mod follow;
pub(crate) mod freshness_api;
mod health;
mod keys;
pub(crate) mod replay;
pub(crate) mod signatures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::config::Watch;
use crate::fetch::browser::{BrowserPool, Original};
use crate::fetch::{self, FetchOptions, Fetched, Fetcher, RetryPolicy, Validators};
use crate::judge::event::Event;
use crate::judge::{self, WatchState};
use crate::notify::outbox::Outbox;
use crate::observe::extract::Format;
use crate::observe::statement::Statement;
use crate::observe::{self, Reading};
use crate::store::archive::{Archive, Capture};
use crate::store::lock::StateLock;
use crate::store::{CheckRecord, CheckResult, ContentKey, Loaded, Store, StoreError};

/// Everything a check needs, shared by all checks of a pass or of the daemon. Built by
/// [`Checker::new`]; what callers may see or set of it is in `pipeline/access.rs`.
#[derive(Debug, Clone)]
pub struct Checker {
    fetcher: Fetcher,
    /// The one browser `render = "browser"` watches share, started on demand.
    browser: BrowserPool,
    store: Store,
    outbox: Outbox,
    /// Evidence: a hash-chained record (and the raw body) of every check that changed anything.
    archive: Archive,
    clock: SharedClock,
    retry: RetryPolicy,
    /// Bounds how many pages are parsed at once (one per core).
    cpu: Arc<tokio::sync::Semaphore>,
    /// Refresh every pinned key from its `key_url` on each check, not once a day
    /// (`canaryd keys refresh`).
    force_key_refresh: bool,
    /// This process's hold on the state directory, for as long as any clone lives.
    _lock: Arc<StateLock>,
    /// Checks' durable writes, committed in groups (see `commit`).
    group: Arc<commit::Group>,
}

pub use commit::NextCheck;

/// What one check did.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub watch: String,
    pub record: CheckRecord,
    pub events: Vec<Event>,
    /// Alerts this check queued for delivery: 0 or 1, one alert holding every notified event.
    pub queued: usize,
    /// Differences still awaiting confirmation.
    pub pending: usize,
    pub duration: Duration,
    /// The check changed nothing but its time: its `check.json` was not rewritten (the
    /// time is in `.checks.json`, see `store::seen`).
    pub unchanged: bool,
    /// How long until the caller's next check, as `record.next_check` says (see
    /// [`Checker::check_then`]); `None` for a one-off check.
    pub next_in: Option<Duration>,
    /// The watch's health after this check, and its alert history where the verdict needed
    /// it; `None` when that history could not be read.
    pub health: Option<(crate::health::Health, crate::store::alerts::AlertHistory)>,
}

impl Checker {
    /// Builds a checker over `state_dir` with the system's proxy environment and clock.
    ///
    /// Takes the state directory's lock first: a second canaryd on the same directory (a
    /// `check` while `run` is running) would judge and alert everything twice.
    /// `command` says who holds the lock ("check", "run") to a process refused it.
    pub fn new(
        state_dir: &std::path::Path,
        clock: SharedClock,
        command: &str,
    ) -> anyhow::Result<Checker> {
        let lock = StateLock::acquire(state_dir, command, clock.now())?;
        let store = Store::open(state_dir)?;
        let outbox = Outbox::open(state_dir)?;
        let fetcher =
            Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?.with_clock(clock.clone());
        // The profile lives beside the state it serves (a name no watch can take) and is
        // removed when the browser closes.
        let browser = BrowserPool::new(
            &state_dir.join(".browser"),
            &fetch::user_agent(),
            fetcher.network().clone(),
        )
        .with_clock(clock.clone());
        Ok(Checker {
            fetcher,
            browser,
            store,
            outbox,
            archive: Archive::new(state_dir),
            clock,
            retry: RetryPolicy::default(),
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            force_key_refresh: false,
            _lock: Arc::new(lock),
            group: Arc::default(),
        })
    }

    /// Checks one watch: one observation, judged, recorded durably.
    pub async fn check(&self, watch: &Watch) -> Result<CheckReport, StoreError> {
        self.check_then(watch, None).await
    }

    /// Like [`check`](Self::check), recording in the same write when the caller checks the
    /// watch next (`next`).
    pub async fn check_then(
        &self,
        watch: &Watch,
        next: Option<NextCheck>,
    ) -> Result<CheckReport, StoreError> {
        let Loaded {
            state: prev,
            check: prev_check,
        } = self.store.load(&watch.name, self.clock.now())?;
        let extractor = extractor_key(watch);
        let opts = FetchOptions {
            retry: self.retry.clone(),
            ..watch.shared.fetch.clone()
        };
        let started = Instant::now();
        // Pinned keys with a `key_url` are refreshed first (daily), so this check verifies
        // with the publisher's current copy.
        let (key_refreshes, key_events) = self
            .refresh_keys(watch, &opts, self.force_key_refresh)
            .await;
        let refreshed = self.with_refreshed_keys(watch);
        let watch = &refreshed;
        // A `follow` watch reads the newest document its index links: the URL the rest of
        // the check (and anything resolving `{url}` against it) uses is that document's.
        let (step, index_result) = match &watch.follow {
            Some(rule) => follow::locate(&self.fetcher, rule, &opts, &self.cpu).await,
            None => (follow::Step::Direct, None),
        };
        let url = follow::document_url(&step, &watch.url).clone();
        let same_document = prev_check.followed.as_ref().map(|f| f.url.as_str())
            == follow::record(&step, None).as_ref().map(|f| f.url.as_str());
        // Both a 304 and a page identical to the last one stand for "same as the baseline",
        // which holds only when the last page left nothing pending and was read the same way.
        // A signed watch reads every page afresh: its signatures are judged on every check.
        let baseline_is_last_page = watch.signing.is_none()
            && prev.baseline.is_some()
            && prev.pending.is_empty()
            && prev.missing.count == 0
            && matches!(prev_check.result, CheckResult::Ok | CheckResult::Unchanged)
            && same_document
            && prev_check
                .content
                .as_ref()
                .is_some_and(|c| c.extractor == extractor);
        let validators = baseline_is_last_page
            .then(|| Validators {
                etag: prev_check.etag.clone(),
                last_modified: prev_check.last_modified.clone(),
            })
            .filter(|v| v.etag.is_some() || v.last_modified.is_some());
        let fetched = match index_result {
            Some(index) => index,
            None if watch.render.is_browser() => self.browser.render(&url, &opts).await,
            None => {
                let origin = follow::origin(&step);
                self.fetcher
                    .fetch_from(&url, origin, validators.as_ref(), &opts)
                    .await
            }
        };
        // Detached signatures are the document's: `{url}` is the followed document's URL.
        let detached = match &fetched {
            Ok(Fetched::Page(_)) => {
                let origin = follow::origin(&step);
                signatures::fetch(&self.fetcher, watch, &url, origin, &opts).await
            }
            _ => Ok(Vec::new()),
        };
        let at = self.clock.now();
        let seen = Seen {
            detached,
            key_refreshes,
            key_events,
            prev,
            prev_check,
            extractor,
            baseline_is_last_page,
            fetched,
            step,
            url,
            at,
            started,
        };
        // Parsing and judging are CPU work: on the blocking pool, but no more at once than
        // there are cores, so a pass of 64 fetches in flight does not hold 64 parsed pages
        // in memory. The durable writes that follow wait on the disk, not the CPU: they
        // overlap freely across watches.
        let permit = Arc::clone(&self.cpu)
            .acquire_owned()
            .await
            .expect("the CPU semaphore is never closed");
        let (checker, w) = (self.clone(), watch.clone());
        let judged = blocking(move || {
            let _permit = permit;
            checker.conclude(&w, seen)
        })
        .await?;
        // The quoted blocks confirmed online (`freshness_api`), now that the page is read.
        let judged = self.confirm_blocks(watch, &opts, judged).await;
        self.commit(watch, judged, next).await
    }

    /// Writes `.checks.json` now (the end of a pass, the daemon's stop).
    pub fn flush_seen(&self) {
        if let Err(e) = self.store.flush_seen() {
            tracing::warn!(error = %crate::error_chain(&e), "cannot record the last check times of unchanged watches");
        }
    }

    /// The rest of a check once the fetch is done: read the page and judge it.
    fn conclude(&self, watch: &Watch, seen: Seen) -> Judged {
        let Seen {
            detached,
            key_refreshes,
            key_events,
            prev,
            prev_check,
            extractor,
            baseline_is_last_page,
            fetched,
            step,
            url,
            at,
            started,
        } = seen;
        let mut record = CheckRecord {
            at: Some(at),
            // Never a password: check.json and `list` show this.
            url: Some(fetch::redact(&url)),
            format: prev_check.format,
            followed: follow::record(&step, prev_check.followed.as_ref()),
            // A page not read again (304, same bytes) is the one that was judged scripted.
            scripted: prev_check.scripted,
            key_refreshes,
            freshness: prev_check.freshness.clone(),
            freshness_api: prev_check
                .freshness_api
                .iter()
                .map(|l| crate::observe::freshness::api::BlockLookup {
                    asked: false,
                    ..l.clone()
                })
                .collect(),
            read_as: prev_check.read_as.clone(),
            ..CheckRecord::default()
        };
        // The page, kept for the evidence until the judge says whether this check is one,
        // with the statements it stands for when they are known before judging.
        let mut kept: Option<(fetch::Page, Option<Vec<Statement>>)> = None;
        let mut evidence = None;
        let type_change = match &fetched {
            Ok(Fetched::Page(page)) => prev_check.format.and_then(|was| page.format_change(was)),
            _ => None,
        };
        let seen = match fetched {
            Ok(Fetched::Page(page)) if type_change.is_some() => {
                record.status = Some(page.status);
                judge::Seen::Failed {
                    gone: false,
                    error: type_change
                        .as_ref()
                        .map(|e| crate::error_chain(e))
                        .unwrap_or_default(),
                }
            }
            Ok(Fetched::Page(_)) if detached.is_err() => judge::Seen::Failed {
                gone: false,
                error: detached.clone().err().unwrap_or_default(),
            },
            Ok(Fetched::Page(page)) if matches!(step, follow::Step::NoMatch) => {
                // The index loaded without a document of the series: the canary is missing
                // from where it is published (confirmed like any missing canary), and the
                // alert says so, naming the index.
                record.status = Some(page.status);
                record.final_url = Some(page.final_url.to_string());
                // The index was read; what it lacks is the judge's `missing`, not a failure.
                record.result = CheckResult::Ok;
                record.error = watch.follow.as_ref().map(follow::no_match_error);
                kept = Some((page, None));
                judge::Seen::Absent {
                    why: watch
                        .follow
                        .as_ref()
                        .map(follow::unlinked)
                        .unwrap_or_default(),
                }
            }
            Ok(Fetched::Page(page)) => {
                record.status = Some(page.status);
                record.format = Some(page.format);
                record.final_url = Some(page.final_url.to_string());
                record.etag = page.etag.clone();
                record.last_modified = page.last_modified.clone();
                let body = observe::Body {
                    bytes: &page.body,
                    content_type: page.content_type.as_deref(),
                    text: &page.text,
                    fetched_as: reading_format(page.format),
                };
                // Once a canary has been read as PDF or CanaryTail, a body that does not parse
                // as one is a failed fetch, not a text canary whose claims all went.
                let format = observe::known_format(watch.format, prev_check.read_as.as_deref());
                let key = ContentKey {
                    extractor: extractor.clone(),
                    page: document_key(observe::kind_of(&body, format), &page.body, &page.text),
                };
                let same_page = baseline_is_last_page && prev_check.content.as_ref() == Some(&key);
                record.content = Some(key);
                if same_page {
                    tracing::debug!(watch = %watch.name, "same page as the last check; its statements are the baseline's");
                    // Byte for byte what the baseline was read from, read the same way: the
                    // statements are the baseline's, so parsing it again would only cost CPU.
                    let statements = prev.baseline.as_ref().map(|b| b.statements.clone());
                    record.result = CheckResult::Ok;
                    if let Some(s) = &statements {
                        record.statements = s.len();
                        record.claims = s.iter().filter(|s| s.claim).count();
                    }
                    kept = Some((page, statements));
                    judge::Seen::Unchanged
                } else {
                    let files = detached.as_ref().map_or(&[][..], Vec::as_slice);
                    let input = observe::Input {
                        body,
                        detached: files,
                    };
                    let read = observe::read(&input, &signatures::spec(watch, format));
                    if let Some(r) = &read.signatures {
                        record.signature = Some(r.display());
                        record.signature_notes = signatures::notes(r);
                        record.accepts_sha1 = r.accepts_sha1;
                        let statements = read
                            .document
                            .as_ref()
                            .and_then(|d| d.reading.statements())
                            .unwrap_or_default();
                        evidence = Some(signatures::evidence(r, &detached, statements, at));
                    }
                    kept = Some((page, None));
                    judge::Seen::Read(Box::new(read))
                }
            }
            Ok(Fetched::NotModified {
                final_url, status, ..
            }) => {
                record.status = Some(status);
                record.final_url = Some(final_url.to_string());
                record.etag = prev_check.etag.clone();
                record.last_modified = prev_check.last_modified.clone();
                record.result = CheckResult::Unchanged;
                record.content = prev_check.content.clone();
                if let Some(b) = &prev.baseline {
                    record.statements = b.statements.len();
                    record.claims = b.claims().count();
                }
                judge::Seen::Unchanged
            }
            Err(e) => {
                record.status = e.status();
                let error = e.for_people();
                let chain = crate::error_chain(&e);
                if chain != error {
                    tracing::info!(watch = %watch.name, cause = %chain, "fetch failed");
                }
                judge::Seen::Failed {
                    gone: matches!(e.status(), Some(404 | 410)),
                    error,
                }
            }
        };
        if let judge::Seen::Failed { error, .. } = &seen {
            record.result = CheckResult::Failed;
            record.error = Some(error.clone());
        }
        record.duration_ms = started.elapsed().as_millis() as u64;
        let prior = judge::Prior {
            state: &prev,
            tail: prev_check.canarytail.as_ref(),
            followed: follow::before(prev_check.followed.as_ref()),
        };
        let context = judge::Context {
            at,
            policy: &watch.shared.policy,
            followed: follow::followed(&step),
            raised: &key_events,
        };
        let judge::Verdict {
            state,
            events,
            fetch_error,
            tail,
            online,
            read,
        } = judge::judge(&prior, seen, &context);
        record.canarytail = tail;
        if let Some(read) = read {
            let statements = read_into(&mut record, read, prev.baseline.as_ref());
            if let Some((_, kept)) = kept.as_mut() {
                *kept = statements;
            }
        }
        let capture = kept.map(|(page, statements)| capture(page, statements, evidence));
        if let Some(error) = fetch_error {
            record.result = CheckResult::Failed;
            record.error = Some(error);
        }
        // Everything but the time is as the last check left it: nothing to write for it.
        let record_unchanged = prev_check.at.is_some() && {
            let mut r = record.clone();
            r.at = prev_check.at;
            r.duration_ms = prev_check.duration_ms;
            r.next_check = prev_check.next_check;
            r == prev_check
        };
        Judged {
            record_unchanged,
            prev,
            state,
            events,
            record,
            capture,
            at,
            started,
            online,
        }
    }
}

/// The extraction settings, hashed: a new canaryd version, selector or way of rendering
/// reads pages afresh.
fn extractor_key(watch: &Watch) -> String {
    let selector = watch
        .selector
        .as_ref()
        .map_or("auto", |s| s.source.as_str());
    // Only a rendered watch says so, so that every other watch's key is as it was.
    let render: &[u8] = if watch.render.is_browser() {
        b"\0browser"
    } else {
        b""
    };
    canaryd_core::digest::sha256_hex_parts(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        b"\0",
        selector.as_bytes(),
        render,
    ])
}

/// What the check record keeps of a document read afresh; returns the statements judged.
fn read_into(
    record: &mut CheckRecord,
    read: observe::Read,
    baseline: Option<&judge::Baseline>,
) -> Option<Vec<Statement>> {
    let Some(document) = read.document else {
        // A signed watch's page that its pinned signers did not sign: its text is not judged.
        record.result = CheckResult::Ok;
        record.error = Some(signatures::UNSIGNED.to_string());
        if let Some(b) = baseline {
            record.statements = b.statements.len();
            record.claims = b.claims().count();
        }
        return None;
    };
    record.scripted = document.scripted;
    match document.reading {
        Reading::Statements(statements) => {
            record.freshness = (!document.freshness.is_empty()).then_some(document.freshness);
            record.freshness_api = Vec::new();
            record.result = CheckResult::Ok;
            record.statements = statements.len();
            record.claims = statements.iter().filter(|s| s.claim).count();
            record.read_as = Some(document.kind.as_str().to_string());
            Some(statements)
        }
        Reading::Unreadable(error) => {
            record.result = CheckResult::Failed;
            record.error = Some(error);
            None
        }
    }
}

/// The evidence of a check that read `page`.
fn capture(
    page: fetch::Page,
    statements: Option<Vec<Statement>>,
    signatures: Option<crate::store::archive::SignatureEvidence>,
) -> Capture {
    Capture {
        served: served(&page.original),
        served_type: served_type(&page.original),
        headers: page.headers,
        content_type: page.content_type,
        body: page.body,
        statements,
        signatures,
    }
}

/// A rendered page's response as the server sent it, for the evidence.
fn served(original: &Option<Box<Original>>) -> Option<bytes::Bytes> {
    original.as_ref().map(|o| o.body.clone())
}

fn served_type(original: &Option<Box<Original>>) -> Option<String> {
    let o = original.as_ref()?;
    o.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.clone())
}

/// The page as extraction reads it: HTML and text as decoded, PDF and CanaryTail as bytes.
fn document_key(kind: observe::Kind, bytes: &[u8], text: &str) -> String {
    let read: &[u8] = match kind {
        observe::Kind::Html | observe::Kind::Text => text.as_bytes(),
        observe::Kind::Pdf | observe::Kind::CanaryTail => bytes,
    };
    canaryd_core::digest::sha256_hex_parts(&[kind.as_str().as_bytes(), b"\0", read])
}

/// A judged check, not yet recorded.
#[derive(Debug)]
struct Judged {
    /// The check record differs from the last one only in its times.
    record_unchanged: bool,
    prev: WatchState,
    state: WatchState,
    events: Vec<Event>,
    record: CheckRecord,
    capture: Option<Capture>,
    at: DateTime<Utc>,
    started: Instant,
    /// The quoted blocks `freshness_api` is to confirm, when the page was read afresh.
    online: Option<freshness_api::Online>,
}

/// Runs `f` on the blocking pool; its panic is this task's panic.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(StoreError::Interrupted(e.to_string())),
    }
}

/// What the fetch half of a check hands to the blocking half.
struct Seen {
    /// The watch's detached signatures, or why they could not be fetched.
    detached: Result<Vec<observe::signed::DetachedFile>, String>,
    /// Pinned keys refreshed from their `key_url` before the fetch, and what that raised.
    key_refreshes: Vec<crate::store::keys::KeyRefresh>,
    key_events: Vec<Event>,
    prev: WatchState,
    prev_check: CheckRecord,
    extractor: String,
    baseline_is_last_page: bool,
    fetched: Result<Fetched, fetch::FetchError>,
    step: follow::Step,
    /// The URL read: the watch's, or the document its index leads to.
    url: url::Url,
    at: DateTime<Utc>,
    started: Instant,
}

/// How a page the fetcher classified is read.
pub(crate) fn reading_format(format: fetch::Format) -> Format {
    match format {
        fetch::Format::Text => Format::Text,
        fetch::Format::Html => Format::Html,
    }
}
