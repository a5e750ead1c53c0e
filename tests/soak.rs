//! Soak: the real check of three `file://` canaries, over and over, with the clock moving an
//! hour per cycle: fetch, reading, judgement, event log, outbox, feed, evidence archive and
//! state all run as in the daemon. Nothing may grow with the number of checks: state, files,
//! the event log (only events add to it), the evidence kept, the outbox, file descriptors and
//! memory stay bounded.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use canaryd::clock::Clock;
use canaryd::config::Watchlist;
use canaryd::judge::WatchState;
use canaryd::pipeline::Checker;
use canaryd::store::Store;
use canaryd_testkit::canary::{GAG, NSL};
use canaryd_testkit::watchlist::{Watch, Watchlist as Toml};
use chrono::{DateTime, TimeDelta, Utc};

const CYCLES: usize = 1_500;

/// A wall clock the test moves by hand.
#[derive(Debug)]
struct HandClock {
    start: DateTime<Utc>,
    secs: AtomicI64,
}

impl Clock for HandClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + TimeDelta::seconds(self.secs.load(Ordering::SeqCst))
    }
}

/// The canary each watch serves at `cycle` (`None`: the file is gone, a failed fetch).
fn page(watch: &str, cycle: usize) -> Option<String> {
    let mut claims = vec![NSL, GAG];
    match watch {
        // Flaps: one claim comes and goes every few cycles.
        "flappy" if (cycle / 7) % 2 == 1 => claims.truncate(1),
        // Fails now and then, for a few checks at a time.
        "shaky" if cycle % 50 < 3 => return None,
        _ => {}
    }
    let items: String = claims.iter().map(|c| format!("<li>{c}</li>")).collect();
    Some(format!(
        "<html><body><h1>Warrant canary</h1><ul id=\"canary\">{items}</ul></body></html>"
    ))
}

fn dir_names(path: &Path) -> Vec<String> {
    std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The files a watch's folder may hold, however many checks it has had: the spares are the
/// replaced files' previous versions, reused by the next replacement.
const WATCH_FILES: [&str; 8] = [
    "state.json",
    "statements.txt",
    "check.json",
    "events.jsonl",
    "history",
    ".spare-state.json",
    ".spare-statements.txt",
    ".spare-check.json",
];

fn files_ending(path: &Path, suffix: &str) -> usize {
    std::fs::read_dir(path)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
                .count()
        })
        .unwrap_or(0)
}

fn open_fds() -> usize {
    dir_names(Path::new("/proc/self/fd")).len()
}

/// Resident memory in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_check_stays_bounded_over_many_cycles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    let state = dir.path().join("state");
    std::fs::create_dir_all(&site).expect("site");
    let names = ["steady", "flappy", "shaky"];
    let text = names
        .iter()
        .fold(Toml::new().setting("max_history", 20), |text, n| {
            let url = format!("file://{}/{n}.html", site.display());
            text.watch(Watch::url(n, &url).set("selector", "#canary li"))
        })
        .to_string();
    let wl = Watchlist::parse(&text, Path::new("soak.toml")).expect("watchlist");
    let clock = Arc::new(HandClock {
        start: "2026-01-01T00:00:00Z".parse().expect("time"),
        secs: AtomicI64::new(0),
    });
    let checker = Checker::new(&state, clock.clone(), "soak test").expect("checker");
    let store = Store::at(&state);

    let mut events_raised = [0usize; 3];
    let mut alerts_queued = [0usize; 3];
    let mut at_warmup: Option<(Vec<u64>, u64, usize)> = None;
    let mut steady_written_at = None;
    for cycle in 0..CYCLES {
        for (i, w) in wl.watches.iter().enumerate() {
            let path = site.join(format!("{}.html", w.name));
            match page(&w.name, cycle) {
                Some(html) => std::fs::write(&path, html).expect("write page"),
                None => {
                    let _ = std::fs::remove_file(&path);
                }
            }
            let report = checker.check(w).await.expect("check recorded");
            events_raised[i] += report.events.len();
            alerts_queued[i] += report.queued;
        }
        clock.secs.fetch_add(3600, Ordering::SeqCst);
        if cycle == 300 {
            let sizes = names
                .iter()
                .map(|w| {
                    std::fs::metadata(state.join(w).join("state.json"))
                        .expect("state")
                        .len()
                })
                .collect();
            at_warmup = Some((sizes, rss_kib(), open_fds()));
            steady_written_at = std::fs::metadata(state.join("steady/state.json"))
                .and_then(|m| m.modified())
                .ok();
        }
    }
    let (sizes_at_warmup, rss_at_warmup, fds_at_warmup) = at_warmup.expect("warmed up");

    assert_eq!(
        std::fs::metadata(state.join("steady/state.json"))
            .and_then(|m| m.modified())
            .ok(),
        steady_written_at,
        "an unchanged watch never rewrites (or fsyncs) its state"
    );
    for (i, w) in names.iter().enumerate() {
        let wdir = state.join(w);
        let size = std::fs::metadata(wdir.join("state.json"))
            .expect("state")
            .len();
        assert!(
            size <= sizes_at_warmup[i] * 2 + 4096,
            "{w}: state.json grew from {} to {size} bytes",
            sizes_at_warmup[i]
        );
        let st: WatchState =
            serde_json::from_slice(&std::fs::read(wdir.join("state.json")).expect("read"))
                .expect("parse");
        assert!(st.pending.len() <= 2, "{w}: pending bounded");
        assert!(st.flaps.len() <= 2, "{w}: flap records pruned");
        for f in &st.flaps {
            assert!(
                f.flips.len() <= 7 * 24,
                "{w}: flips kept only within the window"
            );
        }
        // Nothing per check: the watch's files and their spares.
        let names = dir_names(&wdir);
        assert!(
            names.iter().all(|n| WATCH_FILES.contains(&n.as_str())),
            "{w}: a fixed set of files: {names:?}"
        );
        let spares = dir_names(&wdir.join("history"))
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect::<Vec<_>>();
        assert!(
            spares.iter().all(|n| n == ".spare-HEAD"),
            "{w}: history/ holds no other hidden file: {spares:?}"
        );
        assert!(
            files_ending(&wdir.join("history"), ".body.gz") <= 20,
            "{w}: raw bodies pruned to max_history"
        );
        assert_eq!(
            store.events(w).expect("events").len(),
            events_raised[i],
            "{w}: the event log grows only with events"
        );
    }
    // The steady canary keeps its first snapshot and nothing else; it raises nothing.
    assert_eq!(files_ending(&state.join("steady/history"), ".json"), 1);
    assert_eq!(events_raised[0], 0, "a steady canary raises nothing");
    // A flapping claim is alerted (removed, then flapping) and then only recorded; short
    // outages alert nothing. Nothing was delivered, so the outbox holds exactly those.
    assert!(
        alerts_queued[1] >= 1 && alerts_queued[1] <= 3,
        "flappy: {alerts_queued:?}"
    );
    assert_eq!(
        alerts_queued[2], 0,
        "shaky: three failed checks in fifty alert nothing"
    );
    assert_eq!(
        files_ending(&state.join("outbox"), ".json"),
        alerts_queued.iter().sum::<usize>(),
        "the outbox holds one file per queued alert"
    );
    let feed: serde_json::Value = std::fs::read(state.join("feed.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    assert!(
        feed.as_array().map_or(0, Vec::len) <= 100,
        "the feed keeps at most 100 entries"
    );
    assert!(open_fds() <= fds_at_warmup + 2, "no file descriptor leak");
    let rss = rss_kib();
    assert!(
        rss <= rss_at_warmup + 32 * 1024,
        "memory grew from {rss_at_warmup} KiB to {rss} KiB over {CYCLES} cycles"
    );
}
