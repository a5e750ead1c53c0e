//! `freshness_api`, the online proof-of-freshness check: a loopback server serves the canary
//! and Esplora-shaped block answers (`/api/block/{hash}`), and real checks judge them. A real
//! block is silent and asked once; a hash no block has is one high `freshness` alert; a block
//! mined after the canary's date is an alert; an API that is down is a note, never an alert;
//! a CanaryTail block more than an hour older than `release` is an alert; the request goes
//! through the watch's proxy.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use canaryd::clock::Clock;
use canaryd::config::Watchlist;
use canaryd::judge::event::{Event, EventKind, Severity};
use canaryd::pipeline::Checker;
use chrono::{DateTime, Utc};
use common::http::{FAKE_HOST, Proxy, ProxyKind};
use common::parsed;
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist as Toml};

const HASH: &str = "00000000000000000001c7c4fb4f5b739e74f18ca4b3b6add30011982c0735d7";
const GENESIS: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
/// The hash the CanaryTail fixture quotes.
const TAIL_HASH: &str = "00000000000000000001b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607";

#[derive(Debug)]
struct SetClock(Mutex<DateTime<Utc>>);

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

fn canary(hash: &str) -> String {
    format!(
        "Example Project Canary 047\n\nStatements\n----------\n\n\
         1. The date of issue of this canary is June 03, 2026.\n\n\
         2. We have never received a National Security Letter or a gag order.\n\n\
         Proof of freshness\n------------------\n\nWed, 03 Jun 2026 02:51:46 +0000\n\n\
         Source: Blockchain.info\n{hash}\n"
    )
}

fn block(hash: &str, height: u64, time: &str) -> Reply {
    let t: DateTime<Utc> = time.parse().expect("time");
    Reply {
        status: 200,
        content_type: "application/json".into(),
        body: format!(
            r#"{{"id":"{hash}","height":{height},"version":536870912,"timestamp":{},"tx_count":2500,"size":1500000}}"#,
            t.timestamp()
        )
        .into_bytes(),
        headers: Vec::new(),
    }
}

fn api_path(hash: &str) -> String {
    format!("/api/block/{hash}")
}

struct Setup {
    site: Site,
    checker: Checker,
    watchlist: Watchlist,
    _dir: tempfile::TempDir,
}

/// A site with the genesis block known, a watch of `/canary` with `freshness_api` pointing
/// at `api_host` (the site's own address unless given), changed by `change`.
async fn setup(page: Reply, change: impl FnOnce(Watch) -> Watch, api_host: Option<&str>) -> Setup {
    let site = Site::start().await;
    site.set("/canary", page);
    site.set(
        &api_path(GENESIS),
        block(GENESIS, 0, "2009-01-03T18:15:05Z"),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(SetClock(Mutex::new(
        "2026-06-03T06:00:00Z".parse().expect("time"),
    )));
    let checker = Checker::new(dir.path(), clock, "test").expect("checker");
    let host = api_host.map_or_else(
        || format!("127.0.0.1:{}", site.port),
        |h| format!("{h}:{}", site.port),
    );
    let watch = Watch::url("fresh", &site.url("/canary"))
        .set("freshness_api", format!("http://{host}/api/block/{{hash}}"));
    let watchlist = parsed(&Toml::new().setting("timeout", "5s").watch(change(watch)));
    Setup {
        site,
        checker,
        watchlist,
        _dir: dir,
    }
}

impl Setup {
    /// One check; its `freshness` events.
    async fn check(&self) -> (Vec<Event>, canaryd::store::CheckRecord) {
        let mut checker = self.checker.clone();
        checker.set_retry(canaryd::fetch::RetryPolicy::none());
        let r = checker
            .check(&self.watchlist.watches[0])
            .await
            .expect("check");
        let fresh = r
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Freshness)
            .cloned()
            .collect();
        (fresh, r.record)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_block_before_the_canary_is_silent_and_asked_once() {
    let s = setup(Reply::text(&canary(HASH)), |w| w, None).await;
    s.site.set(
        &api_path(HASH),
        block(HASH, 951_234, "2026-06-03T02:40:00Z"),
    );
    for _ in 0..3 {
        let (events, record) = s.check().await;
        assert!(events.is_empty(), "{events:?}");
        assert_eq!(record.freshness_api.len(), 1, "{record:?}");
        assert!(
            record.freshness_api[0].describe().contains("height 951234"),
            "{:?}",
            record.freshness_api
        );
    }
    // Blocks are immutable: asked once, then judged from the watch's state.
    assert_eq!(s.site.hits(&api_path(HASH)), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hash_no_block_has_is_one_high_alert() {
    // The API knows the genesis block and answers 404 for the quoted hash.
    let s = setup(Reply::text(&canary(HASH)), |w| w, None).await;
    let (events, _) = s.check().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].severity, Severity::High);
    assert!(
        events[0].detail.contains("no block has the hash"),
        "{}",
        events[0].detail
    );
    // The same condition on the next checks: recorded, not alerted again.
    for _ in 0..2 {
        let (events, _) = s.check().await;
        assert!(events.is_empty(), "{events:?}");
    }
    assert_eq!(s.site.hits(&api_path(HASH)), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_answers_404_to_everything_is_not_believed() {
    let s = setup(Reply::text(&canary(HASH)), |w| w, None).await;
    s.site.set(&api_path(GENESIS), Reply::status(404));
    let (events, record) = s.check().await;
    assert!(events.is_empty(), "{events:?}");
    assert!(
        record.freshness_api[0]
            .describe()
            .contains("could not confirm"),
        "{:?}",
        record.freshness_api
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_block_mined_after_the_canarys_date_is_alerted() {
    let s = setup(Reply::text(&canary(HASH)), |w| w, None).await;
    s.site.set(
        &api_path(HASH),
        block(HASH, 953_000, "2026-06-20T10:00:00Z"),
    );
    let (events, _) = s.check().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].detail.contains("after the canary's date"),
        "{}",
        events[0].detail
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_that_is_down_is_a_note_not_an_alert() {
    let s = setup(Reply::text(&canary(HASH)), |w| w, None).await;
    s.site.set(&api_path(HASH), Reply::status(503));
    let (events, record) = s.check().await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(record.result, canaryd::store::CheckResult::Ok);
    assert!(
        record.freshness_api[0]
            .describe()
            .contains("could not confirm"),
        "{:?}",
        record.freshness_api
    );
    // Not cached: asked again once the API is back, and then judged.
    s.site.set(
        &api_path(HASH),
        block(HASH, 951_234, "2026-06-03T02:40:00Z"),
    );
    let (events, record) = s.check().await;
    assert!(events.is_empty(), "{events:?}");
    assert!(record.freshness_api[0].describe().contains("confirmed"));
    assert_eq!(s.site.hits(&api_path(HASH)), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canarytail_block_more_than_an_hour_before_release_is_alerted() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/judgement/canarytail-client-withdrawn-code/01-2026-11-01.json");
    let page = Reply {
        status: 200,
        content_type: "application/json".into(),
        body: std::fs::read(file).expect("fixture"),
        headers: Vec::new(),
    };
    // Released 2026-11-01T00:00:00Z; its block mined two hours before.
    let s = setup(page.clone(), |w| w, None).await;
    s.site.set(
        &api_path(TAIL_HASH),
        block(TAIL_HASH, 970_000, "2026-10-31T22:00:00Z"),
    );
    let (events, _) = s.check().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0]
            .detail
            .contains("more than an hour before its release"),
        "{}",
        events[0].detail
    );
    // Twenty minutes before: as the client accepts it.
    let s = setup(page, |w| w, None).await;
    s.site.set(
        &api_path(TAIL_HASH),
        block(TAIL_HASH, 970_000, "2026-10-31T23:40:00Z"),
    );
    let (events, record) = s.check().await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(record.freshness_api.len(), 1, "{record:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_is_asked_through_the_watchs_proxy() {
    let site_for_proxy = Site::start().await;
    let proxy = Proxy::start(
        ProxyKind::Http,
        SocketAddr::from(([127, 0, 0, 1], site_for_proxy.port)),
    )
    .await;
    // The API's host name resolves nowhere but at the proxy, which relays to the site.
    let via = |w: Watch| w.set("proxy", proxy.url("http").to_string());
    let s = setup(Reply::text(&canary(HASH)), via, Some(FAKE_HOST)).await;
    // The proxy relays to `site_for_proxy`: it serves the canary and the API.
    site_for_proxy.set("/canary", Reply::text(&canary(HASH)));
    site_for_proxy.set(
        &api_path(HASH),
        block(HASH, 951_234, "2026-06-03T02:40:00Z"),
    );
    let (events, record) = s.check().await;
    assert!(events.is_empty(), "{events:?}");
    assert!(
        record.freshness_api[0].describe().contains("confirmed"),
        "{:?}",
        record.freshness_api
    );
    assert_eq!(site_for_proxy.hits(&api_path(HASH)), 1);
    assert!(
        proxy.asked().iter().any(|h| h == FAKE_HOST),
        "{:?}",
        proxy.asked()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn show_and_history_list_what_the_api_said() {
    let site = Site::start().await;
    site.set("/canary", Reply::text(&canary(HASH)));
    site.set(
        &api_path(HASH),
        block(HASH, 951_234, "2026-06-03T02:40:00Z"),
    );
    let env = common::run::Env::new(
        Toml::new()
            .setting("host_delay", "0s")
            .setting("timeout", "5s")
            .watch(
                Watch::url("fresh", &site.url("/canary"))
                    .set("freshness_api", site.url("/api/block/{hash}")),
            ),
    );
    env.check().await;
    let want = "freshness_api: block 00000000000000000001… confirmed by";
    for args in [&["show", "fresh"][..], &["history", "fresh"][..]] {
        let out = env.canaryd(args).await;
        let text = common::run::stdout(&out);
        assert!(text.contains(want), "{args:?}:\n{text}");
        assert!(text.contains("height 951234"), "{args:?}:\n{text}");
    }
    let out = env.canaryd(&["show", "fresh", "--format", "json"]).await;
    let json: serde_json::Value = serde_json::from_str(&common::run::stdout(&out)).expect("json");
    assert_eq!(json["freshness_api"][0]["answer"], "found", "{json}");
    assert_eq!(json["freshness_api"][0]["height"], 951_234, "{json}");
}
