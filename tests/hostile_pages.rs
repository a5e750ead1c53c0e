//! Hostile and broken pages, end to end: the real binary checks a canary on a loopback
//! server, then the server starts sending something broken. Each ends as a clear failed
//! fetch or a correct result, and never as a false "removed" (nor a panic or a hang: the
//! runner kills a check that takes over a minute).

mod common;

use common::canary::{FISA, GAG, NSL};
use common::run::{Env, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

fn canary() -> String {
    format!("<ul id=\"canary\"><li>{NSL}</li><li>{FISA}</li><li>{GAG}</li></ul>")
}

fn page(before: &str, after: &str) -> String {
    format!(
        "<!doctype html><html><body><h1>Transparency</h1>{before}{}{after}</body></html>",
        canary()
    )
}

/// A watch on `/canary` with `confirm = 2` and `extra` settings, its baseline taken.
async fn watched(site: &Site, change: impl FnOnce(Watchlist) -> Watchlist) -> Env {
    site.set("/canary", Reply::html(&page("", "")));
    let env = Env::new(change(
        Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .setting("timeout", "10s")
            .watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li")),
    ));
    let first = env.check().await;
    assert!(first.contains("example: ok, 3 claims"), "{first}");
    env
}

/// Checks `confirm` + 1 times and returns every line printed; asserts nothing was alerted.
async fn checks_without_alert(env: &Env) -> String {
    let mut all = String::new();
    for _ in 0..3 {
        all.push_str(&env.check().await);
    }
    for word in ["removed", "changed", "missing", "Subject:"] {
        assert!(!all.contains(word), "a broken page raised `{word}`:\n{all}");
    }
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn unclosed_tags_still_read_the_canary() {
    let site = Site::start().await;
    let env = watched(&site, |w| w).await;
    let ul = format!("<ul id=\"canary\"><li>{NSL}<li>{FISA}<li>{GAG}");
    site.set(
        "/canary",
        Reply::html(&format!(
            "<html><body><div><p>Report<table><tr><td>x{ul}<div><span><b><i>"
        )),
    );
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: ok, 3 claims"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn nesting_far_past_the_depth_cap_never_hides_the_canary() {
    let site = Site::start().await;
    let env = watched(&site, |w| w).await;
    // Eight times the cap of 512 open elements (MAX_DEPTH, src/observe/extract/guard.rs):
    // every element past it takes the capped path, as with 100,000, which only multiplied
    // the same linear work (26 s of a debug test). The cap itself is guard.rs's tests.
    let depth = 8 * 512;
    // The canary first, then a pathological tail: the canary must still be read.
    let tail = format!("{}x{}", "<div>".repeat(depth), "</div>".repeat(depth));
    site.set("/canary", Reply::html(&page("", &tail)));
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: ok, 3 claims"), "{out}");

    // Buried under the nesting, the canary is still read: past the depth cap elements open
    // beside the innermost one (as in browsers), keeping the list and its id.
    let buried = format!(
        "<html><body>{}{}{}</body></html>",
        "<div>".repeat(depth),
        canary(),
        "</div>".repeat(depth)
    );
    site.set("/canary", Reply::html(&buried));
    let out = checks_without_alert(&env).await;
    assert_eq!(out.matches("example: ok, 3 claims").count(), 3, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hundred_thousand_list_items_are_a_failed_fetch() {
    let site = Site::start().await;
    let env = watched(&site, |w| w).await;
    let items: String = (0..100_000).map(|i| format!("<li>item {i}</li>")).collect();
    site.set(
        "/canary",
        Reply::html(&format!(
            "<html><body><ul id=\"canary\">{items}</ul></body></html>"
        )),
    );
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: fetch failed"), "{out}");
    assert!(out.contains("statements"), "the error says why: {out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_megabyte_line_is_too_large_under_the_default_cap_and_read_under_a_larger_one() {
    let site = Site::start().await;
    let env = watched(&site, |w| w).await;
    let line = "a".repeat(10 * 1024 * 1024);
    site.set("/canary", Reply::html(&page(&format!("<p>{line}</p>"), "")));
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: fetch failed"), "{out}");
    assert!(out.contains("5 MiB") || out.contains("max_body"), "{out}");

    let env = watched(&site, |w| w.setting("max_body", "20MiB")).await;
    site.set("/canary", Reply::html(&page(&format!("<p>{line}</p>"), "")));
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: ok, 3 claims"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_utf8_outside_the_statements_changes_nothing() {
    let site = Site::start().await;
    let env = watched(&site, |w| w).await;
    let mut body = page("<p>", "</p>").into_bytes();
    let at = body.len() - "</p></body></html>".len();
    body.splice(at..at, [0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1]);
    let mut reply = Reply::html("");
    reply.body = body;
    site.set("/canary", reply);
    let out = checks_without_alert(&env).await;
    assert!(out.contains("example: ok, 3 claims"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrongly_declared_charset_is_read_the_same_way_every_time() {
    // A French canary in windows-1252 that its server calls UTF-8: the accented letters come
    // out as U+FFFD, but the same every time, so nothing is alerted.
    let site = Site::start().await;
    let text = "Nous n'avons jamais reçu de réquisition judiciaire secrète.";
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let mut body = b"<html><body><ul id=\"canary\"><li>".to_vec();
    body.extend_from_slice(&latin);
    body.extend_from_slice(b"</li></ul></body></html>");
    let mut reply = Reply::html("");
    reply.body = body;
    site.set("/canary", reply);
    let env = Env::new(
        Watchlist::new()
            .setting("confirm", 1)
            .setting("host_delay", "0s")
            .watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li")),
    );
    let out = checks_without_alert(&env).await;
    assert_eq!(out.matches("example: ok, 1 claim").count(), 3, "{out}");
    let show = env.canaryd(&["show", "example"]).await;
    assert!(
        stdout(&show).contains("Nous n'avons jamais re\u{fffd}u"),
        "{}",
        stdout(&show)
    );
}
