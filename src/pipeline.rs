//! The check of one watch, start to end. The only module that knows the order of the
//! stages: gather (`gather`) → read and see (`sighting`) → judge → the check's record
//! (`record`) → confirm quoted blocks online (`freshness_api`) → commit (`commit`: events,
//! alerts, evidence, state).

mod access;
mod commit;
pub(crate) mod follow;
pub(crate) mod freshness_api;
pub(crate) mod gather;
mod health;
mod keys;
mod record;
pub(crate) mod replay;
mod sighting;
pub(crate) mod signatures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::config::Watch;
use crate::fetch::browser::BrowserPool;
use crate::fetch::{self, FetchOptions, Fetcher, Origin, RetryPolicy, Validators};
use crate::judge::event::Event;
use crate::judge::{self, WatchState};
use crate::notify::outbox::Outbox;
use crate::observe;
use crate::store::ContentKey;
use crate::store::archive::{Archive, Capture};
use crate::store::lock::StateLock;
use crate::store::{CheckRecord, Loaded, Store, StoreError};
use gather::{Gathered, Target};
use record::Made;
use sighting::{How, Last, Sighting};

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

/// The bounds a caller holds over one check ([`Checker::check_within`]). The default holds
/// none: the check is bounded only by its caller's own waiting.
#[derive(Default)]
pub struct Slots {
    /// The check's request bounds (its global and host slots), let go before its commit.
    pub requests: Option<Box<dyn Send>>,
    /// Places among the checks judged and awaiting their commit.
    pub commits: Option<Arc<tokio::sync::Semaphore>>,
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slots")
            .field("requests", &self.requests.is_some())
            .field("commits", &self.commits)
            .finish()
    }
}

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
        self.check_within(watch, next, Slots::default()).await
    }

    /// Like [`check_then`](Self::check_then), within bounds held by the caller (`slots`): the
    /// request slots are let go once the check's network and CPU work is done, after a place
    /// among the checks awaiting their commit is taken.
    pub async fn check_within(
        &self,
        watch: &Watch,
        next: Option<NextCheck>,
        slots: Slots,
    ) -> Result<CheckReport, StoreError> {
        let loaded = self.store.load(&watch.name, self.clock.now())?;
        let extractor = sighting::extractor_key(watch.selector.as_ref(), watch.render.is_browser());
        let opts = FetchOptions {
            retry: self.retry.clone(),
            ..watch.shared.fetch.clone()
        };
        let started = Instant::now();
        // Pinned keys with a `key_url` are refreshed first (daily), so this check verifies
        // with the publisher's current copy.
        let keys = self
            .refresh_keys(watch, &opts, self.force_key_refresh)
            .await;
        let refreshed = self.with_refreshed_keys(watch);
        let watch = &refreshed;
        let reusable = sighting::baseline_was_last_page(watch, &loaded, &extractor);
        let validators = reusable
            .then(|| Validators {
                etag: loaded.check.etag.clone(),
                last_modified: loaded.check.last_modified.clone(),
            })
            .filter(|v| v.etag.is_some() || v.last_modified.is_some());
        let target = Target {
            url: &watch.url,
            origin: Origin::Watchlist,
            follow: watch.follow.as_ref(),
            signing: watch.signing.as_ref(),
            browser: watch.render.is_browser().then_some(&self.browser),
            opts: &opts,
            validators: validators.as_ref(),
            last_document: loaded.check.followed.as_ref().map(|f| f.url.as_str()),
        };
        let gathered = gather::gather(&self.fetcher, &self.cpu, &target).await;
        let fetch = Fetch {
            parts: Parts {
                reusable: reusable && gathered.same_document,
                keys,
                loaded,
                extractor,
                at: self.clock.now(),
                started,
            },
            gathered,
        };
        // The page's key, made here when the page is small enough to hash in place: the
        // baseline's page again (most checks) needs no parse, and the rest of its check
        // costs less than handing it to the blocking pool and back.
        let (key, baseline_page) = match fetch.page_len() {
            Some(n) if n <= HASH_IN_PLACE_MAX => {
                let (how, last) = reading(watch, &fetch.parts);
                let key = sighting::page_key(&fetch.gathered, &how);
                let same = key.as_ref().is_some_and(|k| last.is_baseline_page(k));
                (key, same)
            }
            _ => (None, false),
        };
        let judged = if baseline_page {
            conclude(watch, fetch, key)
        } else {
            // Parsing and judging are CPU work: on the blocking pool, but no more at once
            // than there are cores, so a pass of 64 fetches in flight does not hold 64
            // parsed pages in memory. The durable writes that follow wait on the disk, not
            // the CPU: they overlap freely across watches.
            let permit = Arc::clone(&self.cpu)
                .acquire_owned()
                .await
                .expect("the CPU semaphore is never closed");
            let w = watch.clone();
            blocking(move || {
                let _permit = permit;
                let mut judged = conclude(&w, fetch, key);
                judged.pack_evidence();
                judged
            })
            .await?
        };
        // The quoted blocks confirmed online (`freshness_api`), now that the page is read.
        let judged = self.confirm_blocks(watch, &opts, judged).await;
        // The commit waits on the disk, not on the network: while one group is made durable,
        // the checks behind it fetch and read in the request slots this one gives back, and
        // join the next group (larger groups, fewer barriers). The place taken first bounds
        // how many judged checks, each holding its body, wait at once.
        let _committing = match slots.commits {
            Some(commits) => Some(
                commits
                    .acquire_owned()
                    .await
                    .expect("the commit semaphore is never closed"),
            ),
            None => None,
        };
        drop(slots.requests);
        self.commit(watch, judged, next).await
    }

    /// Writes `.checks.json` now (the end of a pass, the daemon's stop).
    pub fn flush_seen(&self) {
        if let Err(e) = self.store.flush_seen() {
            tracing::warn!(error = %crate::error_chain(&e), "cannot record the last check times of unchanged watches");
        }
    }
}

/// Pages up to this size are hashed on the task that fetched them (about 0.5 ms at most
/// here): whether a page is the baseline's is known before anything is handed to the
/// blocking pool. Larger ones are hashed there.
const HASH_IN_PLACE_MAX: usize = 1 << 20;

impl Fetch {
    /// The length of the page fetched, when one was.
    fn page_len(&self) -> Option<usize> {
        match &self.gathered.fetched {
            Ok(crate::fetch::Fetched::Page(page)) => Some(page.body.len()),
            _ => None,
        }
    }
}

/// How this check reads its page, and what the last check leaves it: the one place both
/// are made from a check's parts, for [`conclude`] and for the key made ahead of it.
fn reading<'a>(watch: &'a Watch, fetch: &'a Parts) -> (How<'a>, Last<'a>) {
    let (prev, last) = (&fetch.loaded.state, &fetch.loaded.check);
    // Once a canary has been read as PDF or CanaryTail, a body that does not parse as one
    // is a failed fetch, not a text canary whose claims all went.
    let format = observe::known_format(watch.format, last.read_as.as_deref());
    let how = How {
        name: &watch.name,
        spec: signatures::spec(watch, format),
        follow: watch.follow.as_ref(),
        extractor: &fetch.extractor,
    };
    let baseline_page = match (&last.content, &prev.baseline) {
        (Some(content), Some(b)) if fetch.reusable => Some((content, &b.statements[..])),
        _ => None,
    };
    let previous = Last {
        format: last.format,
        baseline_page,
    };
    (how, previous)
}

/// The rest of a check once the fetch is done: what was seen, judged, and its record.
/// `key` is the page's content key when it was made ahead ([`sighting::page_key`]).
fn conclude(watch: &Watch, fetch: Fetch, key: Option<ContentKey>) -> Judged {
    let Fetch { gathered, parts } = fetch;
    let (seen, sighted, step, url) = {
        let (how, previous) = reading(watch, &parts);
        let Sighting {
            seen,
            sighted,
            step,
            url,
        } = sighting::sight_keyed(gathered, &how, &previous, parts.at, key);
        (seen, sighted, step, url)
    };
    let Parts {
        keys: (key_refreshes, key_events),
        loaded: Loaded {
            state: prev,
            check: last,
        },
        at,
        started,
        ..
    } = parts;
    let prior = judge::Prior {
        state: &prev,
        tail: last.canarytail.as_ref(),
        followed: follow::before(last.followed.as_ref()),
    };
    let context = judge::Context {
        at,
        policy: &watch.shared.policy,
        followed: follow::followed(&step),
        raised: &key_events,
    };
    let verdict = judge::judge(&prior, seen, &context);
    let made = Made {
        last: &last,
        baseline: prev.baseline.as_ref(),
        url: &url,
        step: &step,
        at,
        duration_ms: started.elapsed().as_millis() as u64,
        key_refreshes,
    };
    let record = CheckRecord::from_check(made, &sighted, &verdict);
    let judge::Verdict {
        state,
        events,
        online,
        read,
        ..
    } = verdict;
    let capture = sighted.into_capture(record::judged_statements(read));
    Judged {
        record_unchanged: record.only_times_differ(&last),
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

impl Judged {
    /// Compresses and hashes the page for its evidence record here, in parallel with the
    /// other checks, when the check will surely keep one: the group commit that writes it
    /// runs one check after another. (A record wanted for another reason is packed there.)
    fn pack_evidence(&mut self) {
        if !crate::store::archive::worth_keeping(&self.prev, &self.state, &self.events) {
            return;
        }
        if let Some(capture) = self.capture.as_mut()
            && let Err(e) = capture.pack()
        {
            // Compressing into memory does not fail; if it did, the commit tries again.
            tracing::debug!(error = %e, "cannot pack the evidence ahead of the commit");
        }
    }
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
struct Fetch {
    gathered: Gathered,
    parts: Parts,
}

/// The rest of what the fetch half hands over: what the page is read with and judged against.
struct Parts {
    /// Pinned keys refreshed from their `key_url` before the fetch, and what that raised.
    keys: (Vec<crate::store::keys::KeyRefresh>, Vec<Event>),
    loaded: Loaded,
    extractor: String,
    /// The baseline is the last page, read as this check reads (see
    /// `sighting::baseline_was_last_page`), and this check read the same document.
    reusable: bool,
    at: DateTime<Utc>,
    started: Instant,
}
