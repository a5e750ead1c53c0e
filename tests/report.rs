//! `canaryd report` and `[web]`: the static site written from a state directory made by
//! real checks of real pages on loopback, rendered in headless Chromium (Debian's
//! `chromium`, driven by tests/browser/report.cjs through playwright-core, with axe-core
//! for accessibility), served by `run` without a way into the state directory.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::canary::we::{FISA, GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn page(items: &[&str]) -> Reply {
    let lis: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
    // Dated from today, so the canary is neither overdue nor from the future.
    let today = chrono::Utc::now().date_naive();
    let (dated, due) = (today - chrono::Days::new(10), today + chrono::Days::new(80));
    Reply::html(&format!(
        "<!doctype html><html><head><title>Transparency</title></head><body><h1>Canary</h1>\
<p>This canary was last updated on {dated}. The next update is due by {due}.</p><ul id=\"canary\">{lis}</ul></body></html>"
    ))
}

/// Five watches, each of the page named after it.
fn watchlist(site: &Site) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .watches(
            ["alive", "dead", "hostile", "nothing", "down"]
                .map(|name| Watch::url(name, &site.url(&format!("/{name}")))),
        )
}

/// A hostile canary: its claim's wording carries markup that must stay text.
const HOSTILE: &str = "We have never received a National Security Letter &lt;script&gt;window.__pwned=1&lt;/script&gt; &lt;img src=x onerror=\"window.__pwned=2\"&gt;.";

/// Three checks of five watches: alive stays; dead has a claim weakened, then one removed;
/// hostile writes markup into its claim; nothing has no claim; down starts failing.
async fn history() -> (Site, Env) {
    let site = Site::start().await;
    site.set("/alive", page(&[NSL, FISA, GAG]));
    site.set("/dead", page(&[NSL, FISA, GAG]));
    site.set("/hostile", page(&[HOSTILE, GAG]));
    site.set(
        "/nothing",
        Reply::html("<html><body><h1>About us</h1><p>We make software.</p></body></html>"),
    );
    site.set("/down", page(&[NSL]));
    let env = Env::new(watchlist(&site));
    env.canaryd(&["check"]).await;
    site.set(
        "/dead",
        page(&["We have received a National Security Letter.", FISA, GAG]),
    );
    site.set("/down", Reply::status(500));
    env.canaryd(&["check"]).await;
    site.set(
        "/dead",
        page(&["We have received a National Security Letter.", FISA]),
    );
    env.canaryd(&["check"]).await;
    (site, env)
}

async fn report(env: &Env, out: &Path) -> String {
    let o = env
        .canaryd(&["report", "-o", out.to_str().expect("utf-8 path")])
        .await;
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    stdout(&o)
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test]
async fn the_report_shows_every_watch_escapes_what_pages_wrote_and_rewrites_nothing_unchanged() {
    let (site, env) = history().await;
    let out = env.dir.path().join("site");
    let said = report(&env, &out).await;
    assert!(said.contains("of 5 watches"), "{said}");
    assert!(said.contains("index.html"), "{said}");

    let index = read(out.join("index.html"));
    for w in ["alive", "dead", "hostile", "nothing", "down"] {
        assert!(
            index.contains(&format!("href=\"watch/{w}.html\"")),
            "{w} in the index"
        );
        for f in [".html", ".changes.html", ".atom"] {
            assert!(out.join(format!("watch/{w}{f}")).is_file(), "{w}{f}");
        }
    }
    // Dead and unhealthy first, in words.
    let order: Vec<&str> = index
        .match_indices("data-status=\"")
        .map(|(i, _)| {
            let rest = &index[i + 13..];
            &rest[..rest.find('"').expect("closing quote")]
        })
        .collect();
    assert_eq!(
        order,
        vec!["dead", "unreachable", "tracks nothing", "alive", "alive"]
    );
    assert!(index.contains("Generated "), "a generated-at time");
    assert!(!index.contains("http-equiv=\"refresh\""));

    // The hostile wording is text, everywhere.
    for f in ["hostile.html", "hostile.changes.html", "hostile.atom"] {
        let text = read(out.join("watch").join(f));
        assert!(!text.contains("<script"), "{f} carries a live script tag");
        assert!(!text.contains("<img src=x"), "{f} carries a live img tag");
    }
    let hostile = read(out.join("watch/hostile.html"));
    assert!(
        hostile.contains("&#60;script&#62;window.__pwned=1&#60;/script&#62;"),
        "escaped by askama"
    );

    // The dead canary's page: weakened and removed, word diff, evidence.
    let dead = read(out.join("watch/dead.html"));
    assert!(dead.contains("data-status=\"dead\""));
    assert!(
        dead.contains("<del>never </del>") || dead.contains("<del>never</del>"),
        "word diff"
    );
    assert!(
        dead.contains("class=\"removed\""),
        "the removed claim is listed"
    );
    assert!(dead.contains("the evidence chain verifies"));
    // The static report names the command for the WARC export rather than writing one.
    assert!(
        dead.contains("<code>canaryd export dead</code>"),
        "the WARC export, by its command"
    );
    assert!(!dead.contains("href=\"dead.warc.gz\""));
    assert!(!out.join("watch/dead.warc.gz").exists());
    let changes = read(out.join("watch/dead.changes.html"));
    assert!(changes.contains("class=\"removed\""));
    assert!(!changes.contains("<li class=\"same\">"), "only the changes");
    let feed = read(out.join("watch/dead.atom"));
    assert!(feed.contains("<category term=\"removed\"/>"), "{feed}");
    assert!(
        !feed.contains("term=\"unreachable\""),
        "only this watch's alerts"
    );

    // Nothing changed: nothing is rebuilt, and no watch page is rewritten.
    let mtime = |f: &str| {
        std::fs::metadata(out.join(f))
            .and_then(|m| m.modified())
            .expect("mtime")
    };
    // The pages of watches that did not change between the two reports.
    let unchanged_pages = || {
        [
            "watch/dead.html",
            "watch/dead.changes.html",
            "watch/alive.atom",
        ]
        .map(mtime)
    };
    let before = unchanged_pages();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let again = report(&env, &out).await;
    assert!(again.contains("0 rebuilt, 5 unchanged"), "{again}");
    let after = unchanged_pages();
    assert_eq!(before, after, "unchanged pages are not rewritten");

    // A watch that changes is rebuilt, and only it; a WARC an earlier report wrote for it
    // is stale then, and removed.
    std::fs::remove_file(out.join("watch/alive.html")).expect("rm");
    std::fs::write(out.join("watch/alive.warc.gz"), b"stale").expect("old warc");
    let third = report(&env, &out).await;
    assert!(third.contains("1 rebuilt, 4 unchanged"), "{third}");
    assert!(!out.join("watch/alive.warc.gz").exists(), "stale WARC left");

    // `--warc` writes each watch's WARC beside its page and links it; a report without it
    // rebuilds the pages and takes the files away again.
    let with_warcs = env.dir.path().join("with-warcs");
    let o = env
        .canaryd(&[
            "report",
            "--warc",
            "-o",
            with_warcs.to_str().expect("utf-8 path"),
        ])
        .await;
    assert_eq!(o.status.code(), Some(0), "{}\n{}", stdout(&o), stderr(&o));
    let dead = read(with_warcs.join("watch/dead.html"));
    assert!(dead.contains("href=\"dead.warc.gz\""), "a WARC link");
    assert!(
        dead.contains("as of this report"),
        "written, not made on request"
    );
    assert!(!dead.contains("<code>canaryd export dead</code>"));
    let warc = std::fs::read(with_warcs.join("watch/dead.warc.gz")).expect("the WARC beside it");
    let records = warc_records(&warc);
    assert!(
        records[0].contains("verified by canaryd"),
        "the chain's verdict in the warcinfo: {}",
        records[0]
    );
    let plain = report(&env, &with_warcs).await;
    assert!(plain.contains("5 rebuilt, 0 unchanged"), "{plain}");
    assert!(
        !with_warcs.join("watch/dead.warc.gz").exists(),
        "WARC left without --warc"
    );

    browser(&out).await;

    // One watch changes on a new check: its pages are rewritten (a new file, atomically);
    // an unchanged watch's pages keep their inode and mtime.
    let stamp = |f: &str| {
        use std::os::unix::fs::MetadataExt as _;
        let m = std::fs::metadata(out.join(f)).expect("metadata");
        (m.ino(), m.modified().expect("mtime"))
    };
    let unchanged = [
        "watch/hostile.html",
        "watch/hostile.changes.html",
        "watch/hostile.atom",
        "watch/dead.html",
    ];
    let before: Vec<_> = unchanged.iter().map(|f| stamp(f)).collect();
    let alive_before = stamp("watch/alive.html");
    site.set("/alive", page(&[NSL, FISA]));
    env.canaryd(&["check"]).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fourth = report(&env, &out).await;
    assert_ne!(
        stamp("watch/alive.html"),
        alive_before,
        "the changed watch's page is rewritten: {fourth}"
    );
    assert!(read(out.join("watch/alive.html")).contains(GAG));
    assert!(
        read(out.join("watch/alive.atom")).contains("<category term=\"removed\"/>"),
        "the changed watch's feed has its new alert"
    );
    let after: Vec<_> = unchanged.iter().map(|f| stamp(f)).collect();
    assert_eq!(
        before, after,
        "an unchanged watch's pages are not rewritten: {fourth}"
    );

    // A watch dropped from the watchlist whose evidence stays in the state directory: named
    // on the index as no longer watched, its old pages removed, the others kept.
    env.set_watchlist(watchlist(&site).without_watch("hostile"));
    let fifth = report(&env, &out).await;
    assert!(fifth.contains("of 4 watches"), "{fifth}");
    let index = read(out.join("index.html"));
    assert!(index.contains("No longer in the watchlist"), "{index}");
    assert!(index.contains("data-removed=\"hostile\""), "{index}");
    assert!(!index.contains("href=\"watch/hostile.html\""), "{index}");
    for f in [".html", ".changes.html", ".atom", ".warc.gz"] {
        assert!(
            !out.join(format!("watch/hostile{f}")).exists(),
            "hostile{f}"
        );
    }
    assert!(out.join("watch/dead.html").is_file());
    assert!(
        env.state().join("hostile/history").is_dir(),
        "the evidence itself is never touched"
    );
}

/// Where playwright-core and axe-core are installed (.ci/run puts them under target/).
fn node_modules() -> Option<PathBuf> {
    let dir = std::env::var_os("CANARYD_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-node/node_modules")
        });
    (dir.join("playwright-core").is_dir() && dir.join("axe-core/axe.min.js").is_file())
        .then_some(dir)
}

async fn browser(site: &Path) {
    let chromium = std::env::var("CANARYD_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        eprintln!(
            "skipped: the browser part needs Debian's chromium ({chromium} not found; apt-get install chromium)"
        );
        return;
    }
    let Some(modules) = node_modules() else {
        eprintln!(
            "skipped: the browser part needs playwright-core and axe-core (npm install --prefix target/report-node playwright-core axe-core, as .ci/run does)"
        );
        return;
    };
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/report.cjs");
    let out = tokio::process::Command::new("node")
        .arg(&script)
        .arg(site)
        .arg(&shots)
        .args(["dead", "alive", "hostile", "nothing", "down"])
        .env("CANARYD_NODE_MODULES", &modules)
        .env("CANARYD_CHROMIUM", &chromium)
        .output()
        .await
        .expect("node runs");
    assert!(
        out.status.success(),
        "the browser script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("JSON from the script");
    let pages = seen["pages"].as_array().expect("pages");
    for p in pages {
        let file = p["file"].as_str().unwrap_or("?");
        assert_eq!(
            p["errors"],
            serde_json::json!([]),
            "console errors on {file}"
        );
        assert_eq!(
            p["external"],
            serde_json::json!([]),
            "{file} asked for something outside the report"
        );
        assert_eq!(p["scripts"], 0, "{file} has a script element");
        assert_eq!(p["pwned"], false, "a watched page's script ran in {file}");
        let bad: Vec<&serde_json::Value> = p["axe"]
            .as_array()
            .expect("axe results")
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(
            bad.is_empty(),
            "accessibility violations on {file}: {bad:#?}"
        );
    }
    let index = &pages[0];
    let rows = index["rows"].as_array().expect("rows");
    let names: Vec<&str> = rows.iter().filter_map(|r| r["watch"].as_str()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    let dead_row = rows
        .iter()
        .find(|r| r["watch"] == "dead")
        .expect("dead row");
    assert_eq!(dead_row["status"], "dead");
    let alive_row = rows
        .iter()
        .find(|r| r["watch"] == "alive")
        .expect("alive row");
    assert_ne!(
        dead_row["color"], alive_row["color"],
        "health in colour, too"
    );
    assert!(index["text"].as_str().unwrap_or("").contains("dead"));
    assert_eq!(seen["noJsRows"], 5, "the index works without JavaScript");

    let dead = pages
        .iter()
        .find(|p| p["file"] == "watch/dead.html")
        .expect("dead page");
    assert_eq!(dead["status"], "dead");
    let svg = &dead["svgs"][0];
    assert_eq!(svg["role"], "img");
    assert!(
        svg["name"]
            .as_str()
            .unwrap_or("")
            .contains("Timeline of dead"),
        "{svg}"
    );
    // Three claims ever: the weakened one keeps its row.
    assert_eq!(svg["rows"], 3, "{svg}");
    let marks = svg["marks"].to_string();
    assert!(
        marks.contains("weakened") && marks.contains("removed"),
        "{marks}"
    );
    assert_eq!(dead["versions"], 3);
    let alive = pages
        .iter()
        .find(|p| p["file"] == "watch/alive.html")
        .expect("alive page");
    assert_eq!(alive["svgs"][0]["rows"], 3);
    let hostile = pages
        .iter()
        .find(|p| p["file"] == "watch/hostile.html")
        .expect("hostile page");
    assert!(
        hostile["text"]
            .as_str()
            .unwrap_or("")
            .contains("<script>window.__pwned=1</script>"),
        "the wording is shown as text"
    );
    for shot in [
        "index.png",
        "watch-dead.png",
        "index-dark.png",
        "watch-dead-print.png",
    ] {
        assert!(shots.join(shot).is_file(), "{shot}");
    }
    eprintln!("screenshots in {}", shots.display());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// One raw request, exactly as written (no client normalises the path).
async fn raw_get(port: u16, line: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(format!("{line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// One raw request; the status, the head, and the body as bytes.
async fn raw_get_bytes(port: u16, line: &str) -> (u16, String, Vec<u8>) {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    s.write_all(format!("{line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head, buf[end + 4..].to_vec())
}

/// The gzip members of a `.warc.gz`, checked to be one whole WARC record each, as WARC
/// readers expect.
fn warc_records(warc: &[u8]) -> Vec<String> {
    assert_eq!(&warc[..2], &[0x1f, 0x8b], "gzip");
    let mut rest: &[u8] = warc;
    let mut members = Vec::new();
    while !rest.is_empty() {
        let mut dec = flate2::bufread::GzDecoder::new(rest);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut dec, &mut text).expect("a whole gzip member");
        rest = dec.into_inner();
        members.push(text);
    }
    assert!(members.len() >= 3, "warcinfo, then records: {members:?}");
    assert!(members[0].contains("WARC-Type: warcinfo\r\n"));
    assert!(
        members
            .iter()
            .any(|m| m.contains("WARC-Type: response\r\n"))
    );
    for m in &members {
        assert!(
            m.starts_with("WARC/1.1\r\n") && m.ends_with("\r\n\r\n"),
            "{m}"
        );
        assert_eq!(m.matches("WARC/1.1\r\n").count(), 1, "one record: {m}");
    }
    members
}

#[tokio::test]
async fn run_serves_the_report_and_nothing_of_the_state_directory() {
    let (site, env) = history().await;
    let port = free_port();
    env.set_watchlist(watchlist(&site).setting("interval", "1s").section(
        "web",
        "listen",
        format!("127.0.0.1:{port}"),
    ));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_canaryd"))
        .arg("--watchlist")
        .arg(env.watchlist())
        .arg("--state")
        .arg(env.state())
        .arg("run")
        .kill_on_drop(true)
        .spawn()
        .expect("spawn run");
    let up = common::wait_until(Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    assert!(up, "run serves on [web] listen");
    let mut index = (0, String::new());
    for _ in 0..100 {
        index = raw_get(port, "GET / HTTP/1.1").await;
        if index.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(index.0, 200, "{}", index.1);
    assert!(index.1.contains("href=\"watch/dead.html\""));
    assert!(
        index
            .1
            .to_lowercase()
            .contains("content-security-policy: default-src 'none'")
    );
    let (status, body) = raw_get(port, "GET /watch/dead.html HTTP/1.1").await;
    assert_eq!(status, 200);
    assert!(body.contains("data-status=\"dead\""));
    assert_eq!(raw_get(port, "GET /watch/dead.atom HTTP/1.1").await.0, 200);
    // The evidence as a WARC, made on request: the page links it, the server answers it.
    assert!(body.contains("href=\"dead.warc.gz\""), "a WARC download");
    assert!(body.contains("made when you ask"), "made on request");
    let (status, head, warc) = raw_get_bytes(port, "GET /watch/dead.warc.gz HTTP/1.1").await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/warc+gzip")
    );
    let records = warc_records(&warc);
    assert!(
        records[0].contains("verified by canaryd when downloaded: "),
        "{}",
        records[0]
    );
    assert!(
        records
            .iter()
            .any(|r| r.contains("WARC-Type: metadata\r\n"))
    );
    assert_eq!(raw_get(port, "GET /feed.atom HTTP/1.1").await.0, 200);
    let state = env.state();
    let absolute = format!("GET {}/dead/state.json HTTP/1.1", state.display());
    for line in [
        "GET /../state.json HTTP/1.1",
        "GET /../dead/state.json HTTP/1.1",
        "GET /%2e%2e/dead/state.json HTTP/1.1",
        "GET /%2E%2E/%2E%2E/dead/state.json HTTP/1.1",
        "GET /watch/..%2f..%2fdead%2fstate.json HTTP/1.1",
        "GET /watch/../../dead/state.json HTTP/1.1",
        "GET /..%5c..%5cdead%5cstate.json HTTP/1.1",
        "GET //etc/passwd HTTP/1.1",
        "GET /etc/passwd HTTP/1.1",
        absolute.as_str(),
        "GET /dead/state.json HTTP/1.1",
        "GET /lock HTTP/1.1",
        "GET /.canaryd-report.json HTTP/1.1",
        "GET /watch/ HTTP/1.1",
        "GET /watch/ghost.warc.gz HTTP/1.1",
        "GET /watch/..%2fdead.warc.gz HTTP/1.1",
        "GET /dead/history/000001.json HTTP/1.1",
    ] {
        let (status, body) = raw_get(port, line).await;
        assert!(status == 404 || status == 400, "{line}: {status}\n{body}");
        assert!(!body.contains("\"baseline\""), "{line} leaked state");
    }
    let (status, _) = raw_get(port, "POST / HTTP/1.1\r\nContent-Length: 0").await;
    assert_eq!(status, 405, "read-only");

    // A check that changes something rewrites the page being served.
    site.set("/alive", page(&[NSL, FISA]));
    let mut rewritten = false;
    for _ in 0..150 {
        let (_, body) = raw_get(port, "GET /watch/alive.html HTTP/1.1").await;
        if body.contains("data-status=\"dead\"") {
            rewritten = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        rewritten,
        "the served page follows the check that removed a claim"
    );
    let _ = std::process::Command::new("kill")
        .arg(child.id().expect("pid").to_string())
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}

#[tokio::test]
async fn web_listen_is_loopback_unless_the_watchlist_allows_remote_and_unknown_keys_are_refused() {
    let cases = [
        ("[web]\nlisten = \"127.0.0.1:8080\"\n", Some(0), ""),
        ("[web]\nlisten = \"[::1]:8080\"\n", Some(0), ""),
        (
            "[web]\nlisten = \"0.0.0.0:8080\"\n",
            Some(78),
            "not a loopback address",
        ),
        (
            "[web]\nlisten = \"192.0.2.1:8080\"\nallow_remote = false\n",
            Some(78),
            "allow_remote = true",
        ),
        (
            "[web]\nlisten = \"0.0.0.0:8080\"\nallow_remote = true\n",
            Some(0),
            "",
        ),
        (
            "[web]\nlisten = \"localhost\"\n",
            Some(78),
            "not an address and port",
        ),
        (
            "[web]\nlisten = \"127.0.0.1:8080\"\nport = 9\n",
            Some(78),
            "unknown field",
        ),
    ];
    for (table, code, words) in cases {
        let env = Env::new(format!(
            "{table}\n[[watch]]\nname = \"a\"\nurl = \"https://example.org/canary\"\n"
        ));
        let o = env.canaryd(&["validate"]).await;
        assert_eq!(o.status.code(), code, "{table}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{table}: {}", stderr(&o));
        if code == Some(78) {
            assert!(
                stderr(&o).contains("watchlist.toml:"),
                "located: {}",
                stderr(&o)
            );
        }
    }
}
