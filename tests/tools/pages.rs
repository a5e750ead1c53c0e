//! What `preview`, `add`, `check` and the history tools say about the page itself: selector
//! errors in words, a selector that cannot apply to a text canary, `file://` watches without
//! HTTP, and pages that need JavaScript.

use crate::common::run::{Env, stderr, stdout};
use crate::common::site::{Reply, Site};
use crate::common::watchlist::{Watch, Watchlist};
use crate::{GAG, NSL, expect, ok, page, watchlist};

#[tokio::test(flavor = "multi_thread")]
async fn bad_selectors_are_explained_in_words_naming_the_part() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL]));
    let env = Env::new(watchlist(&site, ""));
    let url = site.url("/canary");

    let out = env
        .canaryd(&["preview", &url, "--selector", "#canary li:hover"])
        .await;
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains(
            "the selector `#canary li:hover` uses `:hover`, which canaryd cannot apply to a static page"
        ),
        "{err}"
    );
    let err = stderr(&env.canaryd(&["add", &url, "--selector", "a,,b"]).await);
    assert!(
        err.contains("the selector `a,,b` has an empty part between commas"),
        "{err}"
    );
    for jargon in ["EmptySelector", "UnsupportedPseudoClassOrElement"] {
        assert!(!err.contains(jargon), "{err}");
    }

    env.set_watchlist(format!(
        "{}selector = \"#canary >\"\n",
        watchlist(&site, "")
    ));
    let out = env.canaryd(&["validate"]).await;
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("the selector `#canary >` ends with `>` and nothing after it"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_says_a_selector_does_not_apply_to_a_text_canary() {
    let site = Site::start().await;
    site.set("/canary.txt", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, ""));
    let out = ok(
        &env,
        &["preview", &site.url("/canary.txt"), "--selector", "#canary"],
    )
    .await;
    assert!(
        out.contains(
            "note: the selector \"#canary\" does not apply: this is a text canary, read whole"
        ),
        "{out}"
    );
    assert!(!out.contains(", selector \"#canary\""), "{out}");
    assert!(out.contains(NSL), "the text is still read: {out}");

    // An HTML page takes the selector as before.
    site.set(
        "/page",
        Reply::html(&format!(
            "<html><body><ul id=\"canary\"><li>{NSL}</li></ul></body></html>"
        )),
    );
    let out = ok(
        &env,
        &["preview", &site.url("/page"), "--selector", "#canary li"],
    )
    .await;
    assert!(out.contains(", selector \"#canary li\""), "{out}");
    assert!(!out.contains("does not apply"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn file_watches_never_mention_http() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("canary.txt");
    std::fs::write(&path, format!("{NSL}\n\n{GAG}\n")).expect("write");
    // An old modification time: a settled validator, so the second check is "unchanged".
    let touched = std::process::Command::new("touch")
        .args(["-d", "2020-01-01 00:00:00"])
        .arg(&path)
        .status()
        .expect("touch");
    assert!(touched.success());
    let url = url::Url::from_file_path(&path).expect("url").to_string();
    let env = Env::new(
        Watchlist::new()
            .setting("confirm", 1)
            .watch(Watch::url("local", &url)),
    );
    let first = ok(&env, &["check"]).await;
    assert!(first.contains("local: ok, 2 claims"), "{first}");
    let second = ok(&env, &["check"]).await;
    assert!(
        second.contains("local: unchanged (file not modified since the last check)"),
        "{second}"
    );
    for args in [
        &["preview", url.as_str()][..],
        &["history", "local"],
        &["show", "local"],
        &["list"],
    ] {
        let out = ok(&env, args).await;
        assert!(!out.contains("HTTP"), "{args:?}: {out}");
    }
    for out in [&first, &second] {
        assert!(!out.contains("HTTP"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_that_needs_javascript_says_so_in_preview_add_check_and_list() {
    const SAYS: &str = "the page seems to need JavaScript, which canaryd does not run; look for a static or text version of the canary";
    let site = Site::start().await;
    site.set(
        "/app",
        Reply::html(
            "<!doctype html><html><head><title>Acme</title><script src=\"/static/app.js\"></script></head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id=\"root\"></div></body></html>",
        ),
    );
    let env = Env::new(watchlist(&site, ""));
    let url = site.url("/app");

    let out = ok(&env, &["preview", &url]).await;
    assert!(out.contains(SAYS), "{out}");
    assert!(!out.contains("--selector"), "a selector cannot help: {out}");

    let out = env.canaryd(&["add", &url, "--name", "app"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains(SAYS), "{}", stderr(&out));
    ok(&env, &["add", &url, "--name", "app", "--force"]).await;

    for _ in 0..2 {
        let out = ok(&env, &["check"]).await;
        assert!(
            out.contains(&format!("app: warning: tracks nothing: {SAYS}")),
            "{out}"
        );
    }
    let list = ok(&env, &["list"]).await;
    assert!(
        list.contains(&format!("app: warning: tracks nothing: {SAYS}")),
        "{list}"
    );
    expect(&env, &["validate"], 0).await;
}
