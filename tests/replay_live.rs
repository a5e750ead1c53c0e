//! `replay` judges every version exactly as a live check does: the same pages, served one
//! after another by a loopback server to `canaryd check` and replayed from files, raise the
//! same events (kind, severity, statements, whether alerted).

mod common;

use std::collections::BTreeMap;

use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};
use serde_json::Value;

const BACKDOOR: &str = "Example Co has never placed a backdoor in its software.";
const WEAK: &str = "Example Co has rarely placed a backdoor in its software.";

/// A long transparency page holding the canary among other text (the filler sets its
/// usual size, so a small error page reads as one).
fn html(claims: &[&str], cosmetic: bool) -> String {
    let items: String = claims
        .iter()
        .map(|c| {
            if cosmetic {
                format!("<li>\n  <span>{}</span>\n</li>", c.replace('\'', "&#39;"))
            } else {
                format!("<li>{c}</li>")
            }
        })
        .collect();
    let filler: String = (0..40)
        .map(|i| format!("<p>Section {i} of our report describes how requests are handled.</p>"))
        .collect();
    format!(
        "<html><head><title>Transparency</title></head><body><h1>Transparency report</h1>\
         {filler}<h2>Warrant canary</h2><ul id=\"canary\">{items}</ul></body></html>"
    )
}

/// The history: a cosmetic rewrite, a bot challenge, a withdrawal, a denial turned into an
/// admission, an error page.
fn versions() -> Vec<(&'static str, String)> {
    vec![
        ("01-2026-01-01.html", html(&[NSL, GAG, BACKDOOR], false)),
        ("02-2026-01-02.html", html(&[NSL, GAG, BACKDOOR], true)),
        (
            "03-2026-01-03.html",
            // As large as the page itself, so only challenge detection tells it apart.
            format!(
                "<html><head><title>Just a moment...</title><script>{}</script></head><body>Checking your browser before accessing example.org.</body></html>",
                "window._cf_chl_opt={cvId:'3'};".repeat(120)
            ),
        ),
        ("04-2026-01-04.html", html(&[NSL, GAG, BACKDOOR], false)),
        ("05-2026-01-05.html", html(&[NSL, BACKDOOR], false)),
        ("06-2026-01-06.html", html(&[NSL, WEAK], false)),
        (
            "07-2026-01-07.html",
            "<html><body><h1>Service unavailable</h1></body></html>".into(),
        ),
        ("08-2026-01-08.html", html(&[NSL, WEAK], false)),
    ]
}

/// One event as both sides report it: kind, severity-free summary, statement, alerted.
type Line = (String, Option<String>, bool);

/// `events.jsonl` flattened the way `replay` prints events: one line per statement.
fn live_lines(events: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for line in events.lines().filter(|l| !l.trim().is_empty()) {
        let e: Value = serde_json::from_str(line).expect("event JSON");
        let kind = e["kind"].as_str().expect("kind").to_string();
        let notify = e["notify"].as_bool().expect("notify");
        let changes = e["changes"].as_array().cloned().unwrap_or_default();
        let statements = e["statements"].as_array().cloned().unwrap_or_default();
        if !changes.is_empty() {
            for c in changes {
                out.push((kind.clone(), c["old"].as_str().map(String::from), notify));
            }
        } else if !statements.is_empty() {
            for s in statements {
                out.push((kind.clone(), s.as_str().map(String::from), notify));
            }
        } else {
            out.push((kind, None, notify));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_raises_exactly_the_events_of_live_checks() {
    let site = Site::start().await;
    let env = Env::new(
        Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .watch(Watch::url("example", &site.url("/transparency"))),
    );
    // Live: each version stays up for two checks (confirm = 2), as replay assumes.
    for (_, page) in versions() {
        site.set("/transparency", Reply::html(&page));
        env.check().await;
        env.check().await;
    }
    let events = std::fs::read_to_string(env.state().join("example/events.jsonl"))
        .expect("the live checks raised events");
    let live = live_lines(&events);

    let dir = env.dir.path().join("versions");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut args = vec!["replay".to_string(), "--format".into(), "json".into()];
    for (name, page) in versions() {
        let path = dir.join(name);
        std::fs::write(&path, page).expect("write version");
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let replayed: Vec<Line> = stdout(&out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("replay JSON");
            (
                v["kind"].as_str().expect("kind").to_string(),
                v["statement"].as_str().map(String::from),
                v["notify"].as_bool().expect("notify"),
            )
        })
        .collect();

    assert_eq!(replayed, live, "replay and live checks disagree");
    // And both saw what a careful reader sees: two withdrawals ("never" became "rarely": no
    // longer a denial), nothing for the cosmetic rewrite, the challenge or the error page.
    let kinds: BTreeMap<&str, usize> = live.iter().fold(BTreeMap::new(), |mut m, l| {
        *m.entry(l.0.as_str()).or_default() += 1;
        m
    });
    assert_eq!(
        live.iter()
            .filter(|l| l.2)
            .map(|l| (l.0.as_str(), l.1.as_deref()))
            .collect::<Vec<_>>(),
        vec![("removed", Some(GAG)), ("removed", Some(BACKDOOR))],
        "alerted: {kinds:?}"
    );
}
