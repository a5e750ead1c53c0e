//! `check NAME…`, did-you-mean for every command that takes a watch name, `-v` and `-q`.

use crate::common::run::{stderr, stdout};
use crate::{code, expect, two_watches};

#[tokio::test(flavor = "multi_thread")]
async fn check_with_names_checks_only_those_watches() {
    let (site, env) = two_watches().await;
    let out = expect(&env, &["check", "acme"], 0).await;
    assert_eq!(site.hits("/a"), 1);
    assert_eq!(site.hits("/b"), 0, "riseup-net was not named");
    let text = stdout(&out);
    assert!(text.contains("acme: ok"), "{text}");
    assert!(!text.contains("riseup-net"), "{text}");
    assert!(text.contains("checked 1 watch:"), "{text}");
    expect(&env, &["check", "riseup-net", "acme"], 0).await;
    assert_eq!((site.hits("/a"), site.hits("/b")), (2, 1));
    expect(&env, &["check"], 0).await;
    assert_eq!((site.hits("/a"), site.hits("/b")), (3, 2), "no names: all");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_name_checks_nothing_and_names_the_known_ones() {
    let (site, env) = two_watches().await;
    let out = expect(&env, &["check", "acme", "acne"], 1).await;
    assert_eq!(site.hits("/a") + site.hits("/b"), 0, "nothing checked");
    let err = stderr(&out);
    assert!(
        err.starts_with("canaryd: error: no watch is named \"acne\" in "),
        "{err}"
    );
    assert!(err.contains("did you mean \"acme\"?"), "{err}");
    assert!(err.contains("known: acme, riseup-net"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_taking_a_watch_name_suggests_the_closest() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    let commands: [&[&str]; 8] = [
        &["remove", "acne"],
        &["rename", "acne", "new"],
        &["history", "acne"],
        &["diff", "acne"],
        &["show", "acne"],
        &["verify", "acne"],
        &["export", "acne"],
        &["check", "acne"],
    ];
    for args in commands {
        let out = expect(&env, args, 1).await;
        let err = stderr(&out);
        assert!(err.starts_with("canaryd: error: "), "{args:?}: {err}");
        assert!(err.contains("did you mean \"acme\"?"), "{args:?}: {err}");
        assert!(
            err.contains("riseup-net"),
            "{args:?} lists the names: {err}"
        );
    }
    let wl = std::fs::read_to_string(env.watchlist()).expect("read");
    assert!(wl.contains("name = \"acme\""), "nothing was changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_the_summary_only_and_verbose_shows_debug_logs() {
    let (_site, env) = two_watches().await;
    let quiet = expect(&env, &["check", "-q"], 0).await;
    assert_eq!(
        stdout(&quiet),
        "checked 2 watches: 2 fetched, 0 failed\n",
        "no per-watch lines"
    );
    // The second check of an unchanged page logs at debug that it reused the baseline.
    let plain = expect(&env, &["check"], 0).await;
    assert!(
        !stderr(&plain).contains("same page as the last check"),
        "{}",
        stderr(&plain)
    );
    assert!(stdout(&plain).contains("acme: "), "{}", stdout(&plain));
    let verbose = expect(&env, &["-vv", "check"], 0).await;
    assert!(
        stderr(&verbose).contains("same page as the last check"),
        "-vv logs at debug: {}",
        stderr(&verbose)
    );
    let out = env.canaryd(&["-q", "-v", "check"]).await;
    assert_eq!(code(&out), Some(2), "-q and -v conflict");
}
