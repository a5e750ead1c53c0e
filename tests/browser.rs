//! `render = "browser"` against a real headless Chromium (Debian's `chromium`) and real
//! loopback pages whose canary exists only once their JavaScript ran: built from data in the
//! page, or fetched from a second loopback server. Baseline, withdrawal alerted, evidence
//! (rendered DOM and the page as served), hanging pages cut off within the watch's timeout,
//! no browser process left behind (checked by process group), memory bounded over 200
//! checks. Each test says "skipped" and passes where no Chromium is installed.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::canary::{FISA, GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

/// Whether a Chromium is there to test with; says so plainly when not.
fn chromium(test: &str) -> bool {
    match canaryd::fetch::browser::find(None) {
        Ok(_) => true,
        Err(why) => {
            eprintln!("{test}: skipped: {why} (apt-get install chromium)");
            false
        }
    }
}

/// A page whose canary list its script builds from base64 data: the statements are nowhere
/// in the HTML as served.
fn scripted_page(statements: &[&str]) -> Reply {
    let json = serde_json::to_string(statements).expect("json");
    let data = base64::engine::general_purpose::STANDARD.encode(json);
    Reply::html(&format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Example Co transparency</title></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>
<script>
setTimeout(function () {{
  var items = JSON.parse(atob("{data}"));
  var root = document.getElementById("root");
  var h = document.createElement("h2"); h.textContent = "Warrant canary"; root.appendChild(h);
  var ul = document.createElement("ul"); ul.id = "canary";
  items.forEach(function (t) {{ var li = document.createElement("li"); li.textContent = t; ul.appendChild(li); }});
  root.appendChild(ul);
}}, 50);
</script></body></html>"#
    ))
}

/// A page whose script fetches its canary list from `list` (another loopback server).
fn fetching_page(list: &str) -> Reply {
    Reply::html(&format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>Example Co</title></head>
<body><div id="app"></div><img src="/logo.png"><link rel="stylesheet" href="/style.css">
<script>
fetch("{list}").then(function (r) {{ return r.json(); }}).then(function (items) {{
  var ul = document.createElement("ul"); ul.id = "canary";
  items.forEach(function (t) {{ var li = document.createElement("li"); li.textContent = t; ul.appendChild(li); }});
  document.getElementById("app").appendChild(ul);
}});
</script></body></html>"#
    ))
}

fn list_json(statements: &[&str]) -> Reply {
    let mut r = Reply::text(&serde_json::to_string(statements).expect("json"));
    r.content_type = "application/json".into();
    r.headers
        .push(("Access-Control-Allow-Origin".into(), "*".into()));
    r
}

/// The watch "app" of `url`, read by the browser.
fn watchlist(url: &str) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .setting("timeout", "20s")
        .watch(Watch::url("app", url).set("render", "browser"))
}

/// `check --format json` for the one watch, with the browser's process group from its log.
async fn check(env: &Env) -> (serde_json::Value, Option<i32>) {
    let out = env
        .canaryd_env(
            &["check", "--format", "json"],
            &[("RUST_LOG", "canaryd=info")],
        )
        .await;
    let err = stderr(&out);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("check's JSON: {e}\n{}\n{err}", stdout(&out)));
    let pgid = err.lines().find_map(|l| {
        let at = l.find("pgid=")?;
        l[at + 5..]
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    });
    (doc["watches"][0].clone(), pgid)
}

/// Processes in process group `pgid` (from /proc: field 5 of stat).
fn group_members(pgid: i32) -> Vec<i32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // rest: state ppid pgrp …
        if fields.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid) {
            found.push(pid);
        }
    }
    found
}

fn assert_no_browser_left(pgid: Option<i32>) {
    let pgid = pgid.expect("the log names the browser's process group");
    let left = group_members(pgid);
    assert!(
        left.is_empty(),
        "browser processes left in group {pgid}: {left:?}"
    );
}

fn kinds(watch: &serde_json::Value) -> Vec<String> {
    watch["events"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["kind"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_built_by_javascript_is_baselined_and_its_withdrawal_alerted() {
    if !chromium("javascript canary") {
        return;
    }
    let site = Site::start().await;
    site.set("/canary", scripted_page(&[NSL, FISA, GAG]));
    let env = Env::new(watchlist(&site.url("/canary")));

    let (first, pgid) = check(&env).await;
    assert_eq!(first["result"], "ok", "{first}");
    assert_eq!(first["claims"], 3, "the rendered list is read: {first}");
    assert_no_browser_left(pgid);

    // The evidence holds the DOM that was judged and, beside it, the page as served.
    let history = env.state().join("app").join("history");
    let record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(history.join("000001.json")).expect("first record"))
            .expect("record json");
    assert_eq!(record["served"]["file"], "000001.served.gz", "{record}");
    let gunzip = |name: &str| {
        use std::io::Read as _;
        let mut out = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(history.join(name)).expect("body"))
            .read_to_string(&mut out)
            .expect("gzip");
        out
    };
    let rendered = gunzip("000001.body.gz");
    let served = gunzip("000001.served.gz");
    assert!(rendered.contains(&format!("<li>{NSL}</li>")), "{rendered}");
    assert!(
        !served.contains(NSL),
        "served as the server sent it: {served}"
    );
    assert!(served.contains("atob("), "{served}");
    let verified = env.canaryd(&["verify", "app"]).await;
    assert_eq!(verified.status.code(), Some(0), "{}", stdout(&verified));

    site.set("/canary", scripted_page(&[NSL, FISA]));
    let (second, pgid) = check(&env).await;
    assert_eq!(
        kinds(&second),
        vec!["removed".to_string()],
        "the withdrawn claim is one removal: {second}"
    );
    assert_eq!(second["queued"], 1, "and it is alerted: {second}");
    assert!(second["events"][0]["statements"].to_string().contains(GAG));
    assert_no_browser_left(pgid);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_fetched_by_script_from_a_second_server_is_read_and_images_are_not_loaded() {
    if !chromium("fetched canary") {
        return;
    }
    let site = Site::start().await;
    let data = Site::start().await;
    // Another host name for the page's own server: the list comes from a different host.
    let list = format!("http://localhost:{}/list.json", data.port);
    site.set("/canary", fetching_page(&list));
    data.set("/list.json", list_json(&[NSL, GAG]));
    let env = Env::new(watchlist(&site.url("/canary")));

    let (first, pgid) = check(&env).await;
    assert_eq!(first["claims"], 2, "{first}");
    assert_eq!(data.hits("/list.json"), 1);
    assert_eq!(site.hits("/logo.png"), 0, "images are never fetched");
    assert_no_browser_left(pgid);

    data.set("/list.json", list_json(&[NSL]));
    let (second, _) = check(&env).await;
    assert_eq!(kinds(&second), vec!["removed".to_string()], "{second}");

    // The data server down: a failed check, never "every statement removed".
    data.set("/list.json", Reply::status(503));
    let (third, _) = check(&env).await;
    assert!(
        !kinds(&third).iter().any(|k| k == "removed"),
        "an empty render is not a removal: {third}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_page_is_cut_off_within_its_timeout_and_leaves_no_browser() {
    if !chromium("hanging page") {
        return;
    }
    // A server that accepts and never answers, and a page whose script never returns.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let site = Site::start().await;
    site.set(
        "/spin",
        Reply::html("<!doctype html><html><body><div id=\"root\"></div><script>while (true) {}</script></body></html>"),
    );
    for url in [
        format!("http://127.0.0.1:{silent_port}/canary"),
        site.url("/spin"),
    ] {
        let env = Env::new(watchlist(&url).with_watch("app", |w| w.set("timeout", "3s")));
        let started = Instant::now();
        let (w, pgid) = check(&env).await;
        let took = started.elapsed();
        assert_eq!(w["result"], "failed", "{url}: {w}");
        let error = w["error"].as_str().unwrap_or_default();
        assert!(
            error.contains("did not finish rendering within the watch's timeout"),
            "{url}: {error}"
        );
        // Generous: the 3 s limit plus a browser start and teardown, far from "forever".
        assert!(took < Duration::from_secs(40), "{url}: took {took:?}");
        assert_no_browser_left(pgid);
    }
}

/// A server that answers every request with `head` at once and `body` only after `pause`: a
/// `fetch()` resolves on the headers, and the page's `r.json()` then waits for the body.
async fn slow_body_server(head: String, body: Vec<u8>, pause: Duration) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let (head, body) = (head.clone(), body.clone());
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.flush().await;
                tokio::time::sleep(pause).await;
                let _ = s.write_all(&body).await;
                let _ = s.shutdown().await;
            });
        }
    });
    port
}

/// A `fetch()` resolves when the headers arrive; a list whose body comes later than the
/// quiet period must still be waited for (on a loaded machine reading the body can take that
/// long), or the empty app root would read as every statement removed.
#[tokio::test(flavor = "multi_thread")]
async fn a_canary_whose_data_body_arrives_after_its_headers_is_waited_for() {
    if !chromium("slow data body") {
        return;
    }
    let body = serde_json::to_vec(&[NSL, GAG]).expect("json");
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nAccess-Control-Allow-Origin: *\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let data = slow_body_server(head, body, Duration::from_millis(2500)).await;
    let site = Site::start().await;
    site.set(
        "/canary",
        fetching_page(&format!("http://localhost:{data}/list.json")),
    );
    let env = Env::new(watchlist(&site.url("/canary")));
    let (first, pgid) = check(&env).await;
    assert_eq!(first["result"], "ok", "{first}");
    assert_eq!(
        first["claims"], 2,
        "the list is read once its body came: {first}"
    );
    assert_no_browser_left(pgid);
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_fails_with_the_fix_when_no_browser_can_be_found() {
    let site = Site::start().await;
    let env = Env::new(format!(
        "[settings]\nbrowser = \"/nonexistent/chromium\"\n\n[[watch]]\nname = \"app\"\nurl = \"{}\"\nrender = \"browser\"\n",
        site.url("/canary")
    ));
    let out = env.canaryd(&["validate"]).await;
    assert_eq!(out.status.code(), Some(78), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("watchlist.toml:2:11"), "{err}");
    assert!(err.contains("render = \"browser\""), "{err}");
    assert!(err.contains("apt-get install chromium"), "{err}");
    // Without the setting, PATH is searched; an empty PATH finds nothing.
    let list = watchlist(&site.url("/canary"));
    let at = format!("watchlist.toml:{}:10", list.line_of("render = "));
    env.set_watchlist(list);
    let out = env.canaryd_env(&["validate"], &[("PATH", "")]).await;
    assert_eq!(out.status.code(), Some(78), "{}", stderr(&out));
    assert!(stderr(&out).contains(&at), "{}", stderr(&out));
    let out = env.canaryd(&["validate"]).await;
    if chromium("validate with a browser") {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_shows_what_the_browser_would_track_beside_the_plain_fetch() {
    if !chromium("preview") {
        return;
    }
    let site = Site::start().await;
    site.set("/canary", scripted_page(&[NSL, GAG]));
    let env = Env::new("");
    // The page looks JavaScript-rendered: preview says so and renders it too.
    let out = env.canaryd(&["preview", &site.url("/canary")]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("as served (no scripts run):              0 statements, 0 claims; the page looks JavaScript-rendered"),
        "{text}"
    );
    assert!(
        text.contains("rendered in a browser (render = \"browser\"): 3 statements, 2 claims"),
        "{text}"
    );
    assert!(text.contains(&format!(" -       yes     {NSL}")), "{text}");
    // `add --render browser` writes the key.
    let out = env
        .canaryd(&["add", &site.url("/canary"), "--render", "browser"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(env.watchlist()).expect("watchlist");
    assert!(written.contains("render = \"browser\""), "{written}");
}

/// 200 checks of a rendered page through the real pipeline: the browser's memory (every
/// process of its group) must not grow with the number of checks. Prints time and memory
/// per check (the README's figures).
#[tokio::test(flavor = "multi_thread")]
async fn browser_memory_stays_bounded_over_200_checks() {
    if !chromium("soak") {
        return;
    }
    let site = Site::start().await;
    let data = Site::start().await;
    site.set("/a", scripted_page(&[NSL, FISA, GAG]));
    site.set(
        "/b",
        fetching_page(&format!("http://localhost:{}/list.json", data.port)),
    );
    data.set("/list.json", list_json(&[NSL, GAG]));
    let dir = tempfile::tempdir().expect("tempdir");
    let text = Watchlist::new()
        .setting("confirm", 1)
        .setting("timeout", "20s")
        .setting("browser_concurrency", 2)
        .watches(
            ["a", "b"].map(|n| Watch::url(n, &site.url(&format!("/{n}"))).set("render", "browser")),
        )
        .to_string();
    let wl = canaryd::config::Watchlist::parse(&text, &dir.path().join("watchlist.toml"))
        .expect("watchlist");
    let checker =
        canaryd::pipeline::Checker::new(&dir.path().join("state"), canaryd::clock::system(), "t")
            .expect("checker");
    checker.browser().configure(&wl.settings.browser);
    let rss = |pgid: u32| -> u64 {
        group_members(pgid as i32)
            .iter()
            .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).ok())
            .filter_map(|s| {
                // PSS: shared pages split between the processes sharing them, so the sum
                // is the group's real footprint (RSS would count them once per process).
                s.lines()
                    .find_map(|l| l.strip_prefix("Pss:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .sum()
    };
    let mut samples = Vec::new();
    let started = Instant::now();
    for round in 0..100 {
        let (a, b) = tokio::join!(checker.check(&wl.watches[0]), checker.check(&wl.watches[1]));
        for r in [a, b] {
            let r = r.expect("check");
            assert_eq!(
                r.record.claims,
                if r.watch == "a" { 3 } else { 2 },
                "{:?}",
                r.record
            );
        }
        if round % 10 == 9 {
            let pgid = checker
                .browser()
                .pgid()
                .await
                .expect("the browser stays up while used");
            samples.push(rss(pgid));
        }
    }
    let elapsed = started.elapsed();
    let pgid = checker.browser().pgid().await.expect("browser");
    eprintln!(
        "soak: 200 rendered checks in {:.1} s ({} ms per check, 2 at once); browser PSS (kB, whole group) every 20 checks: {samples:?}",
        elapsed.as_secs_f64(),
        elapsed.as_millis() / 200
    );
    let early = samples[1];
    let late = *samples.last().expect("samples");
    // Bounded: the last reading within half again of the second (after warm-up), plus slack
    // for allocator noise. A leak of a context or tab per check would add far more.
    assert!(
        late <= early + early / 2 + 50_000,
        "browser memory grew from {early} kB to {late} kB over 200 checks: {samples:?}"
    );
    checker.browser().shutdown().await;
    assert!(checker.browser().pgid().await.is_none());
    assert!(
        group_members(pgid as i32).is_empty(),
        "no browser process left"
    );
    assert!(
        !std::fs::read_dir(dir.path().join("state").join(".browser"))
            .map(|d| d
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("profile-")))
            .unwrap_or(false),
        "the profile is removed"
    );
}
