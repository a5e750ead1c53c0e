//! One pass over every watch: concurrent fetches within the global and per-host bounds, and
//! those bounds ([`Limits`]), which the daemon's checks go through too.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio_util::task::AbortOnDropHandle;

use crate::config::{Settings, Watch};
use crate::pipeline::{CheckReport, Checker, NextCheck, Slots};
use crate::schedule::politeness::{HostGate, HostPermit};
pub use crate::schedule::waiting::Waiting;
use crate::store::StoreError;

/// The outcome of one watch in a pass.
pub type Outcome = Result<CheckReport, (String, StoreError)>;

/// The politeness key of a watch: its host, or none for `file://`.
fn host_key(watch: &Watch) -> Option<String> {
    watch.url.host_str().map(|h| {
        let port = watch.url.port_or_known_default().unwrap_or(0);
        format!("{h}:{port}")
    })
}

/// Waits for the watch's host to allow a request (none for `file://`), counted in `waiting`
/// meanwhile.
async fn enter(gate: &HostGate, waiting: &Waiting, watch: &Watch) -> Option<HostPermit> {
    let (host, shown) = (host_key(watch)?, host_shown(watch)?);
    let _waiting = waiting.start(&shown);
    Some(gate.enter(&host).await)
}

/// Checks judged and awaiting their commit, per request slot (`concurrency`): enough for the
/// checks read while a group is made durable to join the next one. bench/ changed pass (1,000
/// alerts, 16 slots, this 2-core VM): 397 barriers and 1.50–1.74 s wall when a check awaited
/// its commit in its slot; 115 barriers and 1.33–1.59 s with 3 (2: 148 barriers, 1.53–1.57 s),
/// for 6–7 MiB more peak memory (bodies awaiting their commit).
const COMMITS_PER_SLOT: usize = 3;

/// The global and per-host request bounds of a watchlist's settings, and the bound on checks
/// awaiting their commit: every check, of a pass or of the daemon, runs through
/// [`Limits::check`]. Clones share the bounds.
#[derive(Debug, Clone)]
pub struct Limits {
    global: Arc<Semaphore>,
    hosts: HostGate,
    commits: Arc<Semaphore>,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        Limits {
            global: Arc::new(Semaphore::new(settings.concurrency.max(1))),
            hosts: HostGate::new(settings.host_concurrency, settings.host_delay),
            commits: Arc::new(Semaphore::new(commits_allowed(settings))),
        }
    }

    /// Checks `watch` once a global slot and its host allow (counted in `waiting` while its
    /// host holds it back); `next` as in [`Checker::check_then`]. Both slots are held until
    /// the check is read and judged, not while it waits for the disk.
    pub async fn check(
        &self,
        checker: &Checker,
        watch: &Watch,
        waiting: &Waiting,
        next: Option<NextCheck>,
    ) -> Result<CheckReport, StoreError> {
        let slot = Arc::clone(&self.global)
            .acquire_owned()
            .await
            .expect("the global semaphore is never closed");
        let host = enter(&self.hosts, waiting, watch).await;
        let slots = Slots {
            requests: Some(Box::new((slot, host))),
            commits: Some(Arc::clone(&self.commits)),
        };
        checker.check_within(watch, next, slots).await
    }
}

/// How many judged checks may await their commit at once.
fn commits_allowed(settings: &Settings) -> usize {
    settings.concurrency.max(1).saturating_mul(COMMITS_PER_SLOT)
}

/// `check` of every watch, at most `at_once` at a time, each in a task of its own: the
/// runtime's workers poll them in parallel, and a check that panics is that watch's error,
/// not the end of the pass. Outcomes come in completion order; dropping the stream aborts
/// the checks still running.
fn each_in_its_task<'a, T, F, Fut>(
    watches: &'a [Watch],
    at_once: usize,
    check: F,
) -> impl futures_util::Stream<Item = Result<T, (String, StoreError)>> + 'a
where
    T: Send + 'static,
    F: Fn(Watch) -> Fut + 'a,
    Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    futures_util::stream::iter(watches.iter().map(move |w| {
        // Boxed: a check's future is kilobytes, and tokio moves a task's future by value as
        // it stores it and again as it stores and hands back the outcome; a box moves as a
        // pointer.
        let task = AbortOnDropHandle::new(tokio::spawn(Box::pin(check(w.clone()))));
        async move {
            match task.await {
                Ok(checked) => checked.map_err(|e| (w.name.clone(), e)),
                Err(e) => Err((w.name.clone(), panicked(&w.name, e))),
            }
        }
    }))
    .buffer_unordered(at_once.max(1))
}

/// Why a check's task ended without its outcome, in one line: its panic's message, or
/// that it was cancelled. A pass and the daemon say it alike.
pub(crate) fn why_it_ended(e: tokio::task::JoinError) -> String {
    if e.is_panic() {
        canaryd_core::contained::message(e.into_panic().as_ref())
    } else {
        "the check was cancelled".into()
    }
}

/// A check's task that ended without its outcome: logged at error with its watch.
fn panicked(watch: &str, e: tokio::task::JoinError) -> StoreError {
    let what = why_it_ended(e);
    tracing::error!(watch, panic = %what, "check panicked; the rest of the pass goes on");
    StoreError::Panicked(what)
}

/// What a pass did, counted as it went (reports are not kept: a pass over 10,000 watches
/// must not hold 10,000 reports in memory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub checked: usize,
    /// Checks whose fetch failed (the result was recorded).
    pub failed: usize,
    /// Checks that could not be recorded (state directory errors).
    pub store_errors: usize,
}

/// The host as people read it in "waiting on …": its name, and its port when not the
/// scheme's default.
pub fn host_shown(watch: &Watch) -> Option<String> {
    let host = watch.url.host_str()?;
    Some(match watch.url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Checks every watch once, calling `on_done` as each finishes (in completion order).
pub async fn check_all(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    on_done: impl FnMut(&Outcome),
) -> Tally {
    check_all_counting(checker, watches, settings, &Waiting::default(), on_done).await
}

/// Like [`check_all`], counting in `waiting` the watches held back by their host's
/// politeness while they wait (what `check`'s progress bar shows).
pub async fn check_all_counting(
    checker: &Checker,
    watches: &[Watch],
    settings: &Settings,
    waiting: &Waiting,
    mut on_done: impl FnMut(&Outcome),
) -> Tally {
    let limits = Limits::new(settings);
    // At most as many checks exist at once as can fetch and await their commit (a pass over
    // 10,000 watches does not hold 10,000): the global slot and the host gate make them wait.
    let at_once = settings.concurrency.max(1) + commits_allowed(settings);
    let mut stream = each_in_its_task(watches, at_once, |watch| {
        let (limits, checker, waiting) = (limits.clone(), checker.clone(), waiting.clone());
        async move { limits.check(&checker, &watch, &waiting, None).await }
    });
    let mut tally = Tally::default();
    while let Some(outcome) = stream.next().await {
        on_done(&outcome);
        tally.checked += 1;
        match &outcome {
            Ok(r) if r.record.result == crate::store::CheckResult::Failed => tally.failed += 1,
            Ok(_) => {}
            Err(_) => tally.store_errors += 1,
        }
    }
    // The last check times of the watches that changed nothing, in one file.
    checker.flush_seen();
    tally
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn watch(url: &str) -> Watch {
        let text = format!("[[watch]]\nname = \"w\"\nurl = \"{url}\"\n");
        let wl = crate::config::Watchlist::parse(&text, std::path::Path::new("watchlist.toml"))
            .expect("watchlist");
        wl.watches.into_iter().next().expect("a watch")
    }

    fn watches(names: &[&str]) -> Vec<Watch> {
        let text: String = names
            .iter()
            .map(|n| format!("[[watch]]\nname = \"{n}\"\nurl = \"https://example.org/{n}\"\n"))
            .collect();
        crate::config::Watchlist::parse(&text, std::path::Path::new("watchlist.toml"))
            .expect("watchlist")
            .watches
    }

    #[tokio::test]
    async fn a_check_that_panics_is_its_watchs_error_and_the_others_are_checked() {
        let list = watches(&["first", "boom", "last"]);
        let mut outcomes: Vec<_> = each_in_its_task(&list, 2, |w| async move {
            if w.name == "boom" {
                panic!("injected fault in the check of {}", w.name);
            }
            Ok::<_, StoreError>(w.name)
        })
        .collect()
        .await;
        outcomes.sort_by_key(|o| match o {
            Ok(name) | Err((name, _)) => name.clone(),
        });
        assert_eq!(outcomes.len(), 3, "every watch has an outcome");
        match &outcomes[0] {
            Err((name, StoreError::Panicked(what))) => {
                assert_eq!(name, "boom");
                assert_eq!(what, "injected fault in the check of boom");
            }
            other => panic!("the panicked check is its watch's error, not {other:?}"),
        }
        assert!(
            matches!(&outcomes[1], Ok(n) if n == "first"),
            "{:?}",
            outcomes[1]
        );
        assert!(
            matches!(&outcomes[2], Ok(n) if n == "last"),
            "{:?}",
            outcomes[2]
        );
        let shown = crate::error_chain(&StoreError::Panicked("x".into()));
        assert!(
            shown.contains("panicked") && shown.contains("report"),
            "{shown}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_checks_run_at_once_than_the_pass_allows() {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let list = watches(&["a", "b", "c", "d", "e", "f", "g"]);
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let done: Vec<_> = each_in_its_task(&list, 3, |_| {
            let (now, most) = (now.clone(), most.clone());
            async move {
                let running = now.fetch_add(1, SeqCst) + 1;
                most.fetch_max(running, SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                now.fetch_sub(1, SeqCst);
                Ok::<_, StoreError>(())
            }
        })
        .collect()
        .await;
        assert_eq!(done.len(), 7);
        assert!(done.iter().all(Result::is_ok));
        assert_eq!(most.load(SeqCst), 3, "three at once, never more");
    }

    /// A loopback server answering every path with `body`, counting requests per path.
    async fn counting_site(
        body: &'static str,
    ) -> (
        String,
        Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
    ) {
        use hyper::service::service_fn;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let hits: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
        let counted = Arc::clone(&hits);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counted = Arc::clone(&counted);
                tokio::spawn(async move {
                    let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        *counted
                            .lock()
                            .expect("hits")
                            .entry(req.uri().path().to_string())
                            .or_default() += 1;
                        async move {
                            Ok::<_, std::convert::Infallible>(
                                hyper::Response::builder()
                                    .header("content-type", "text/plain")
                                    .body(http_body_util::Full::new(bytes::Bytes::from(body)))
                                    .expect("a response"),
                            )
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (base, hits)
    }

    /// With one request slot, the checks behind one whose commit cannot proceed are still
    /// fetched (the slot is given back once a check is read and judged), as many as may await
    /// their commit; the next one waits in its slot, and no check ends before its commit is
    /// durable.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_check_awaiting_its_commit_gives_its_request_slot_to_the_next() {
        let (base, hits) = counting_site(
            "We have never received a National Security Letter.\nWe have never received a gag order.\n",
        )
        .await;
        let names = ["a", "b", "c", "d", "e", "f"];
        let text: String = std::iter::once(
            "[settings]\nconcurrency = 1\nhost_concurrency = 1\nhost_delay = \"0s\"\n".to_string(),
        )
        .chain(
            names
                .iter()
                .map(|n| format!("[[watch]]\nname = \"{n}\"\nurl = \"{base}/{n}.txt\"\n")),
        )
        .collect();
        let wl = crate::config::Watchlist::parse(&text, std::path::Path::new("watchlist.toml"))
            .expect("watchlist");
        // Past the one request slot: the checks holding a place among those awaiting their
        // commit, and one read and waiting for such a place, in the slot.
        let through = commits_allowed(&wl.settings) + 1;
        assert!(through < names.len(), "some check is held back");
        let dir = tempfile::tempdir().expect("tempdir");
        let checker = Checker::new(dir.path(), crate::clock::system(), "test").expect("checker");
        // Held, the outbox's commit gate stops every group commit at its first write.
        let gate = Arc::clone(checker.outbox().commit_gate());
        let held = gate.read().await;
        // Every check at once, as the daemon starts those due (a pass starts no more than
        // the bounds let through).
        let limits = Limits::new(&wl.settings);
        let checks: Vec<_> = wl
            .watches
            .iter()
            .map(|w| {
                let (limits, checker, w) = (limits.clone(), checker.clone(), w.clone());
                tokio::spawn(async move {
                    limits
                        .check(&checker, &w, &Waiting::default(), None)
                        .await
                        .map(|r| r.record.result)
                })
            })
            .collect();
        let fetched = |n: &str| {
            hits.lock()
                .expect("hits")
                .get(&format!("/{n}.txt"))
                .copied()
                .unwrap_or(0)
        };
        // One check commits (and stops at the gate), others await their commit, one more is
        // read and waits for a place among them in the only request slot; the rest wait for
        // that slot. Which ones depends on the order the tasks reach the slot.
        let fetched_now = || names.iter().filter(|n| fetched(n) > 0).count();
        for _ in 0..400 {
            if fetched_now() >= through {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(
            fetched_now(),
            through,
            "fetched while a commit was held: {:?}",
            hits.lock().expect("hits")
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            fetched_now(),
            through,
            "a check was let past the bound: {:?}",
            hits.lock().expect("hits")
        );
        assert!(
            checks.iter().all(|c| !c.is_finished()),
            "a check ended before its commit was durable"
        );
        drop(held);
        for c in checks {
            let result = c.await.expect("the check's task").expect("recorded");
            assert_eq!(result, crate::store::CheckResult::Ok);
        }
        for n in names {
            assert_eq!(fetched(n), 1, "{n}");
            assert!(
                dir.path().join(n).join("state.json").is_file(),
                "{n}'s state"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_watch_held_by_its_host_delay_is_counted_while_it_waits() {
        let gate = HostGate::new(1, Duration::from_secs(2));
        let waiting = Waiting::default();
        let w = watch("https://example.org/canary");
        drop(enter(&gate, &waiting, &w).await);
        assert!(waiting.snapshot().is_empty(), "the first one did not wait");
        let second = {
            let (gate, waiting, w) = (gate.clone(), waiting.clone(), w.clone());
            tokio::spawn(async move { enter(&gate, &waiting, &w).await.is_some() })
        };
        // Let the second reach its wait; the clock is paused, so no time passes.
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert_eq!(
            waiting.message(Duration::from_secs(2)).as_deref(),
            Some("1 waiting on example.org (host_delay 2s)")
        );
        assert!(second.await.expect("join"));
        assert!(waiting.snapshot().is_empty(), "uncounted once through");

        let file = watch("file:///srv/canary.txt");
        assert!(enter(&gate, &waiting, &file).await.is_none());
        assert!(waiting.snapshot().is_empty(), "a file waits on no host");
    }
}
