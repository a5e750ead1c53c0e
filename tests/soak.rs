//! Soak: five thousand of check cycles under paused time, driving the scheduler, the judge and
//! the state directory as the daemon does. Nothing may grow with the number of checks:
//! state, files, the event log (only events add to it) and the scheduler stay bounded.

use std::time::Duration;

use canaryd::clock::{Clock, TokioClock};
use canaryd::event::NotifySet;
use canaryd::judge::{self, Observation, Policy, WatchState};
use canaryd::normalise::statement;
use canaryd::scheduler::{self, Scheduler};
use canaryd::store::{CheckRecord, Store};
use chrono::{DateTime, Utc};
use tokio::time::Instant;

const CYCLES: usize = 5_000;

fn observation(watch: &str, cycle: usize) -> Observation {
    let mut claims = vec![
        "Example Co has never received a National Security Letter.",
        "Example Co has never been subject to a gag order.",
    ];
    match watch {
        // Flaps: one claim comes and goes every few cycles.
        "flappy" if (cycle / 7) % 2 == 1 => claims.truncate(1),
        // Fails now and then, for a few checks at a time.
        "shaky" if cycle % 50 < 3 => {
            return Observation::Failed {
                gone: false,
                error: "connection refused".into(),
            };
        }
        _ => {}
    }
    Observation::Content {
        statements: claims.iter().map(|c| statement(c, true)).collect(),
        body_len: 70_000,
        page_hash: None,
        excerpt: None,
    }
}

fn dir_entries(path: &std::path::Path) -> usize {
    std::fs::read_dir(path).map(|d| d.count()).unwrap_or(0)
}

fn open_fds() -> usize {
    dir_entries(std::path::Path::new("/proc/self/fd"))
}

#[tokio::test(start_paused = true)]
async fn five_thousand_cycles_stay_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("time");
    let clock = TokioClock::starting_at(start);
    let interval = Duration::from_secs(3600);
    let policy = Policy {
        confirm: 2,
        notify: NotifySet::default(),
        unreachable_after: Duration::from_secs(2 * 86400),
        max_age: None,
        stale_grace: Duration::from_secs(7 * 86400),
        ..Policy::default()
    };
    let watches = ["steady", "flappy", "shaky"];
    let mut sched = Scheduler::default();
    for w in watches {
        sched.set(w, Instant::now());
    }
    let mut cycles = [0usize; 3];
    let mut events_raised = [0usize; 3];
    let mut emailed = [0usize; 3];
    let mut sizes_at_1000: Option<Vec<u64>> = None;
    let mut steady_written_at: Option<std::time::SystemTime> = None;
    let fds_before = open_fds();

    while cycles.iter().any(|c| *c < CYCLES) {
        let next = sched.next().expect("watches are always scheduled");
        tokio::time::sleep_until(next).await;
        for name in sched.take_due(Instant::now()) {
            let i = watches
                .iter()
                .position(|w| *w == name)
                .expect("known watch");
            let prev = store.load_state(&name).expect("load");
            let at = clock.now();
            let j = judge::observe(&prev, observation(&name, cycles[i]), at, &policy);
            events_raised[i] += j.events.len();
            emailed[i] += j.events.iter().filter(|e| e.notify).count();
            let record = CheckRecord {
                at: Some(at),
                result: "ok".into(),
                ..CheckRecord::default()
            };
            store.append_events(&name, &j.events).expect("events");
            store
                .save_state(&name, &j.state, &prev, &record)
                .expect("state");
            store.save_check(&name, &record).expect("check");
            cycles[i] += 1;
            if cycles[i] < CYCLES {
                let pending = !j.state.pending.is_empty();
                sched.set(
                    &name,
                    scheduler::after_check(
                        Instant::now(),
                        interval,
                        pending,
                        Duration::from_secs(600),
                    ),
                );
            }
        }
        if sizes_at_1000.is_none() && cycles.iter().all(|c| *c >= 1000) {
            sizes_at_1000 = Some(
                watches
                    .iter()
                    .map(|w| {
                        std::fs::metadata(dir.path().join(w).join("state.json"))
                            .expect("state")
                            .len()
                    })
                    .collect(),
            );
            steady_written_at = std::fs::metadata(dir.path().join("steady/state.json"))
                .and_then(|m| m.modified())
                .ok();
        }
    }
    let steady_now = std::fs::metadata(dir.path().join("steady/state.json"))
        .and_then(|m| m.modified())
        .ok();
    assert_eq!(
        steady_now, steady_written_at,
        "an unchanged watch never rewrites (or fsyncs) its state"
    );

    let sizes_at_1000 = sizes_at_1000.expect("passed 1000 cycles");
    for (i, w) in watches.iter().enumerate() {
        let state_path = dir.path().join(w).join("state.json");
        let size = std::fs::metadata(&state_path).expect("state").len();
        assert!(
            size <= sizes_at_1000[i] * 2 + 4096,
            "{w}: state.json grew from {} to {size} bytes over {CYCLES} cycles",
            sizes_at_1000[i]
        );
        let state: WatchState =
            serde_json::from_slice(&std::fs::read(&state_path).expect("read")).expect("parse");
        assert!(state.pending.len() <= 2, "{w}: pending bounded");
        assert!(
            state.flaps.len() <= 2,
            "{w}: flap records pruned: {}",
            state.flaps.len()
        );
        for f in &state.flaps {
            assert!(
                f.flips.len() <= 7 * 24,
                "{w}: flips kept only within the window"
            );
        }
        // state.json, statements.txt, check.json and (once something happened) events.jsonl.
        assert!(
            dir_entries(&dir.path().join(w)) <= 4,
            "{w}: a fixed set of files, nothing per check"
        );
        let logged = store.events(w).expect("events").len();
        assert_eq!(
            logged, events_raised[i],
            "{w}: the event log grows only with events"
        );
        // A flapping claim keeps being recorded (evidence) but emails once, and neither a
        // steady canary nor short outages email at all.
        let max_emails = if *w == "flappy" { 2 } else { 0 };
        assert!(
            emailed[i] <= max_emails,
            "{w}: {} emails in {CYCLES} cycles",
            emailed[i]
        );
    }
    assert_eq!(
        store.events("steady").expect("events").len(),
        0,
        "a steady canary raises nothing"
    );
    assert_eq!(sched.len(), 0);
    assert!(open_fds() <= fds_before + 2, "no file descriptor leak");
}
