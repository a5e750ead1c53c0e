//! The check of one watch, start to end. The only module that knows the order of the
//! stages: fetch → extract → judge → record events → queue alerts → archive evidence →
//! save state.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::alert;
use crate::archive::{self, Archive, Capture, Snapshot};
use crate::challenge;
use crate::clock::SharedClock;
use crate::event::Event;
use crate::extract::{self, Format};
use crate::feed::{Feed, FeedEntry};
use crate::fetch::{self, FetchOptions, Fetched, Fetcher, RetryPolicy, Validators};
use crate::judge::{self, Judgement, Observation, Policy, WatchState};
use crate::outbox::Outbox;
use crate::statement::Statement;
use crate::store::{CheckRecord, ContentKey, Store, StoreError};
use crate::watchlist::{Watch, WatchSelector};

/// Everything a check needs, shared by all checks of a pass or of the daemon.
#[derive(Debug, Clone)]
pub struct Checker {
    pub fetcher: Fetcher,
    pub store: Store,
    pub outbox: Outbox,
    /// Evidence: a hash-chained record (and the raw body) of every check that changed anything.
    pub archive: Archive,
    /// `feed.atom`, rewritten whenever an alert is queued.
    pub feed: Feed,
    pub clock: SharedClock,
    pub retry: RetryPolicy,
    /// Bounds how many pages are parsed at once (one per core).
    pub cpu: Arc<tokio::sync::Semaphore>,
}

/// What one check did.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub watch: String,
    pub record: CheckRecord,
    pub events: Vec<Event>,
    /// Alerts this check queued for delivery.
    pub queued: usize,
    /// Differences still awaiting confirmation.
    pub pending: usize,
    pub duration: Duration,
}

impl Checker {
    /// Builds a checker over `state_dir` with the system's proxy environment and clock.
    pub fn new(state_dir: &std::path::Path, clock: SharedClock) -> anyhow::Result<Checker> {
        let store = Store::open(state_dir)?;
        let outbox = Outbox::open(state_dir)?;
        let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
        Ok(Checker {
            fetcher,
            store,
            outbox,
            archive: Archive::new(state_dir),
            feed: Feed::new(state_dir),
            clock,
            retry: RetryPolicy::default(),
            cpu: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }

    /// Checks one watch: one observation, judged, recorded durably.
    pub async fn check(&self, watch: &Watch) -> Result<CheckReport, StoreError> {
        let prev = self.store.load_state(&watch.name)?;
        let prev_check = self.store.load_check(&watch.name)?.unwrap_or_default();
        let extractor = extractor_key(watch);
        // Both a 304 and a page identical to the last one stand for "same as the baseline",
        // which holds only when the last page left nothing pending and was read the same way.
        let baseline_is_last_page = prev.baseline.is_some()
            && prev.pending.is_empty()
            && prev.missing.count == 0
            && matches!(prev_check.result.as_str(), "ok" | "unchanged")
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
        let opts = FetchOptions {
            timeout: watch.timeout,
            max_body: watch.max_body,
            proxy: watch.proxy.clone(),
            retry: self.retry.clone(),
        };
        let started = Instant::now();
        let fetched = self
            .fetcher
            .fetch(&watch.url, validators.as_ref(), &opts)
            .await;
        let at = self.clock.now();
        let seen = Seen {
            prev,
            prev_check,
            extractor,
            baseline_is_last_page,
            fetched,
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
        let (checker, w) = (self.clone(), watch.clone());
        blocking(move || checker.write(&w, judged)).await?
    }

    /// The rest of a check once the fetch is done: read the page and judge it.
    fn conclude(&self, watch: &Watch, seen: Seen) -> Judged {
        let Seen {
            prev,
            prev_check,
            extractor,
            baseline_is_last_page,
            fetched,
            at,
            started,
        } = seen;
        let mut record = CheckRecord {
            at: Some(at),
            url: Some(watch.url.to_string()),
            ..CheckRecord::default()
        };
        // The raw response, kept until the judge says whether this check is evidence.
        let mut capture = None;
        let obs = match fetched {
            Ok(Fetched::Page(page)) => {
                record.status = Some(page.status);
                record.final_url = Some(page.final_url.to_string());
                record.etag = page.etag.clone();
                record.last_modified = page.last_modified.clone();
                let format = match page.format {
                    fetch::Format::Text => Format::Text,
                    fetch::Format::Html => Format::Html,
                };
                let body_len = page.body.len() as u64;
                let text = page.text;
                let key = ContentKey {
                    extractor: extractor.clone(),
                    page: page_key(format, &text),
                };
                let same_page = baseline_is_last_page && prev_check.content.as_ref() == Some(&key);
                record.content = Some(key);
                if same_page {
                    tracing::debug!(watch = %watch.name, "same page as the last check; its statements are the baseline's");
                    // Byte for byte what the baseline was read from, read the same way: the
                    // statements are the baseline's, so parsing it again would only cost CPU.
                    let statements = prev.baseline.as_ref().map(|b| b.statements.clone());
                    record.result = "ok".into();
                    if let Some(s) = &statements {
                        record.statements = s.len();
                        record.claims = s.iter().filter(|s| s.claim).count();
                    }
                    capture = Some(Capture {
                        headers: page.headers,
                        content_type: page.content_type,
                        body: page.body,
                        statements,
                    });
                    Observation::Unchanged
                } else {
                    let extracted = extract_guarded(&text, format, watch.selector.as_ref());
                    capture = Some(Capture {
                        headers: page.headers,
                        content_type: page.content_type,
                        body: page.body,
                        statements: extracted.as_ref().ok().cloned(),
                    });
                    match extracted {
                        Ok(statements) => {
                            page_observation(&text, statements, body_len, &mut record)
                        }
                        Err(error) => {
                            record.result = "failed".into();
                            record.error = Some(error.clone());
                            Observation::Failed { gone: false, error }
                        }
                    }
                }
            }
            Ok(Fetched::NotModified {
                final_url, status, ..
            }) => {
                record.status = Some(status);
                record.final_url = Some(final_url.to_string());
                record.etag = prev_check.etag.clone();
                record.last_modified = prev_check.last_modified.clone();
                record.result = "unchanged".into();
                record.content = prev_check.content.clone();
                if let Some(b) = &prev.baseline {
                    record.statements = b.statements.len();
                    record.claims = b.claims().count();
                }
                Observation::Unchanged
            }
            Err(e) => {
                record.status = e.status();
                record.result = "failed".into();
                let msg = crate::error_chain(&e);
                record.error = Some(msg.clone());
                Observation::Failed {
                    gone: matches!(e.status(), Some(404 | 410)),
                    error: msg,
                }
            }
        };
        record.duration_ms = started.elapsed().as_millis() as u64;
        let policy = Policy::for_watch(watch);
        let Judgement {
            state,
            events,
            fetch_error,
        } = judge::observe(&prev, obs, at, &policy);
        if let Some(error) = fetch_error {
            record.result = "failed".into();
            record.error = Some(error);
        }
        Judged {
            prev,
            state,
            events,
            record,
            capture,
            at,
            started,
        }
    }

    /// Records a judged check durably and reports it.
    fn write(&self, watch: &Watch, j: Judged) -> Result<CheckReport, StoreError> {
        let queued = self.record(
            watch,
            &j.prev,
            &j.state,
            &j.events,
            &j.record,
            j.at,
            j.capture.as_ref(),
        )?;
        Ok(CheckReport {
            watch: watch.name.clone(),
            pending: j.state.pending.len(),
            record: j.record,
            events: j.events,
            queued,
            duration: j.started.elapsed(),
        })
    }

    /// Makes the outcome durable in the order that never loses an alert: the event log,
    /// then the outbox (and the feed), then the evidence archive, then the state that says
    /// the event has been raised. A check that changed nothing writes no evidence.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        watch: &Watch,
        prev: &WatchState,
        state: &WatchState,
        events: &[Event],
        record: &CheckRecord,
        at: DateTime<Utc>,
        capture: Option<&Capture>,
    ) -> Result<usize, StoreError> {
        self.store.append_events(&watch.name, events)?;
        let mut queued = Vec::new();
        for e in events.iter().filter(|e| e.notify) {
            let alert = alert::render(&watch.name, watch.url.as_str(), e);
            self.outbox.enqueue(&alert, at)?;
            queued.push(FeedEntry::new(&alert, e));
        }
        let queued_count = queued.len();
        // The feed is a convenience beside the durable outbox: failing to write it must not
        // stop the check from being recorded.
        if let Err(e) = self.feed.add(queued) {
            tracing::warn!(watch = %watch.name, error = %crate::error_chain(&e), "cannot update feed.atom");
        }
        // `has_history` (one stat) only when nothing else asks for a record: it starts the
        // chain of a watch whose state predates the archive.
        if archive::worth_keeping(prev, state, events)
            || (capture.is_some() && !self.archive.has_history(&watch.name))
        {
            let snapshot = Snapshot {
                at,
                check: record,
                capture,
                events,
                confirmed_set_hash: state.baseline.as_ref().map(|b| b.set_hash.as_str()),
            };
            self.archive
                .append(&watch.name, &snapshot, watch.max_history)?;
        }
        self.store.save_state(&watch.name, state, prev, record)?;
        self.store.save_check(&watch.name, record)?;
        Ok(queued_count)
    }
}

/// The extraction settings, hashed: a new canaryd version or selector reads pages afresh.
fn extractor_key(watch: &Watch) -> String {
    let selector = watch
        .selector
        .as_ref()
        .map_or("auto", |s| s.source.as_str());
    hex_sha256(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        b"\0",
        selector.as_bytes(),
    ])
}

/// The decoded page as extraction reads it.
fn page_key(format: Format, text: &str) -> String {
    let format: &[u8] = match format {
        Format::Html => b"html\0",
        Format::Text => b"text\0",
    };
    hex_sha256(&[format, text.as_bytes()])
}

fn hex_sha256(parts: &[&[u8]]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// A judged check, not yet recorded.
struct Judged {
    prev: WatchState,
    state: WatchState,
    events: Vec<Event>,
    record: CheckRecord,
    capture: Option<Capture>,
    at: DateTime<Utc>,
    started: Instant,
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
    prev: WatchState,
    prev_check: CheckRecord,
    extractor: String,
    baseline_is_last_page: bool,
    fetched: Result<Fetched, fetch::FetchError>,
    at: DateTime<Utc>,
    started: Instant,
}

/// Extraction on the calling thread. A page the extractor refuses, or a parser panic, is an
/// error, never "no statements".
fn extract_guarded(
    text: &str,
    format: Format,
    selector: Option<&WatchSelector>,
) -> Result<Vec<Statement>, String> {
    let run = || extract::extract(text, format, selector.map(|s| &s.compiled));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!("statement extraction failed: panicked: {what}"))
        }
    }
}

/// Parsing is CPU work: keep it off the async workers so one big page stalls no fetch.
/// A page the extractor refuses, or a parser panic, is an error, never "no statements".
pub async fn extract_off_thread(
    text: String,
    format: Format,
    selector: Option<WatchSelector>,
) -> Result<Vec<Statement>, String> {
    let task =
        tokio::task::spawn_blocking(move || extract_guarded(&text, format, selector.as_ref()));
    match task.await {
        Ok(result) => result,
        Err(e) => Err(format!("statement extraction failed: {e}")),
    }
}

/// Turns a fetched page into an observation, recognising challenge pages.
fn page_observation(
    text: &str,
    statements: Vec<Statement>,
    body_len: u64,
    record: &mut CheckRecord,
) -> Observation {
    let claims = statements.iter().filter(|s| s.claim).count();
    if claims == 0
        && let Some(marker) = challenge::detect(text)
    {
        let error = format!(
            "the server sent a bot challenge or block page (\"{marker}\") instead of the canary"
        );
        record.result = "failed".into();
        record.error = Some(error.clone());
        return Observation::Failed { gone: false, error };
    }
    record.result = "ok".into();
    record.statements = statements.len();
    record.claims = claims;
    Observation::Content {
        statements,
        body_len,
        page_hash: (claims == 0).then(|| crate::normalise::sha256_hex(text)),
        excerpt: (claims == 0).then(|| challenge::excerpt(text)),
    }
}

/// Shared handle used by the pass and the daemon.
pub type SharedChecker = Arc<Checker>;
