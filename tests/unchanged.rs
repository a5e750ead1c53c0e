//! A check that finds the page as it was writes no file of its own (the watch's state,
//! last check, events and evidence keep their inodes and times), and the clock-driven checks
//! still run on such a page: a canary dated past `max_age` goes stale without being read again.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use common::canary::GAG;
use common::run::Env;
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

const DATED: &str =
    "As of January 5, 2021, Example Co has never received a National Security Letter.";
const WATCHES: usize = 3;

fn watchlist(site: &Site) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .watches((0..WATCHES).map(|i| {
            Watch::url(&format!("w{i}"), &site.url(&format!("/w{i}"))).set("selector", "#canary li")
        }))
}

/// Every file under `dir`, with its inode, modification time (ns) and size.
fn files(dir: &Path) -> BTreeMap<PathBuf, (u64, i64, i64, u64)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("ls").flatten() {
            let m = e.metadata().expect("stat");
            if m.is_dir() {
                todo.push(e.path());
            } else {
                out.insert(e.path(), (m.ino(), m.mtime(), m.mtime_nsec(), m.len()));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unchanged_page_rewrites_no_file_of_its_watch_and_still_goes_stale() {
    let site = Site::start().await;
    for i in 0..WATCHES {
        site.set(
            &format!("/w{i}"),
            Reply::html(&format!(
                "<html><body><p>Report {i}</p><ul id=\"canary\"><li>{DATED}</li><li>{GAG}</li></ul></body></html>"
            )),
        );
    }
    let env = Env::new(watchlist(&site));
    let first = env.check().await;
    assert!(!first.contains("stale"), "{first}");
    let before: Vec<_> = (0..WATCHES)
        .map(|i| files(&env.state().join(format!("w{i}"))))
        .collect();
    assert!(
        before[0].keys().any(|p| p.ends_with("check.json")),
        "{before:?}"
    );

    for _ in 0..2 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let out = env.check().await;
        assert!(out.contains("w0: ok, 2 claims"), "{out}");
    }
    for (i, was) in before.iter().enumerate() {
        assert_eq!(
            &files(&env.state().join(format!("w{i}"))),
            was,
            "w{i}: an unchanged check wrote to its watch's files"
        );
        assert_eq!(
            site.hits(&format!("/w{i}")),
            3,
            "every check fetched the page"
        );
    }
    // Their times are in the one shared file instead, newer than check.json's.
    let seen: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.state().join(".checks.json")).expect(".checks.json"),
    )
    .expect("json");
    let check: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.state().join("w0/check.json")).expect("check.json"),
    )
    .expect("json");
    let (newer, older) = (
        seen["checks"]["w0"]["at"]
            .as_str()
            .expect("w0 in .checks.json"),
        check["at"].as_str().expect("at"),
    );
    assert!(newer > older, "{newer} vs {older}");
    let list: serde_json::Value = serde_json::from_str(&common::run::stdout(
        &env.canaryd(&["list", "--format", "json"]).await,
    ))
    .expect("list json");
    let time = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("a time");
    assert_eq!(
        time(list[0]["last_check"].as_str().expect("last_check")),
        time(newer),
        "list shows the newest check time: {list}"
    );

    // The same bytes again, but now past max_age: the clock-driven check fires.
    env.set_watchlist(watchlist(&site).setting("max_age", "100d"));
    let out = env.check().await;
    for i in 0..WATCHES {
        let log = std::fs::read_to_string(env.state().join(format!("w{i}/events.jsonl")))
            .unwrap_or_default();
        assert!(
            log.contains("\"kind\":\"stale\""),
            "w{i} goes stale on an unchanged page: {out}\n{log}"
        );
    }
}
