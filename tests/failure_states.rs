//! Each failure state over HTTP, end to end: gone, unreachable, missing, bot challenges,
//! error pages, flapping and stale, with what is (and is not) emailed.

mod common;

use std::time::Duration;

use common::canary::{FISA, GAG, NSL};
use common::run::{Env, stdout};
use common::site::{Reply, Site};
use common::smtp::SmtpServer;
use common::wait_until;
use common::watchlist::{Watch, Watchlist, strings};

/// A realistic page: navigation, a long report, and the canary list (when given).
fn page(canary: Option<&[&str]>) -> Reply {
    let report: String = (0..40)
        .map(|i| format!("<p>Section {i}: we received {i} requests for user data this period and answered them as described in our policy.</p>"))
        .collect();
    let list = canary
        .map(|items| {
            let lis: String = items.iter().map(|s| format!("<li>{s}</li>")).collect();
            format!("<ul id=\"canary\">{lis}</ul>")
        })
        .unwrap_or_default();
    Reply::html(&format!(
        "<html><head><title>Transparency</title></head><body><nav><a href=/>Home</a></nav><main>{report}{list}</main></body></html>"
    ))
}

fn watchlist(site: &Site, smtp: &SmtpServer) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 2)
        .setting("host_delay", "0s")
        .setting("timeout", "5s")
        .email(&smtp.url(), &["reader@test.invalid"])
        .watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li"))
}

fn subjects(smtp: &SmtpServer) -> Vec<String> {
    smtp.mails()
        .iter()
        .filter_map(|m| m.header("Subject"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn page_taken_down_is_gone_then_recovered() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(watchlist(&site, &smtp));
    env.check().await;
    site.set("/canary", Reply::status(404));
    env.check().await;
    assert!(smtp.mails().is_empty(), "one 404 is not yet confirmed");
    env.check().await;
    env.check().await;
    assert_eq!(
        subjects(&smtp),
        vec!["[canaryd] example: canary page gone".to_string()]
    );
    assert!(
        smtp.mails()[0].body().contains(NSL),
        "gone names the claims the page made"
    );
    site.set("/canary", page(Some(&[NSL, GAG])));
    env.check().await;
    assert_eq!(subjects(&smtp).len(), 2);
    assert_eq!(subjects(&smtp)[1], "[canaryd] example: recovered");
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_for_unreachable_after_is_one_unreachable_alert() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(watchlist(&site, &smtp).setting("unreachable_after", "1s"));
    env.check().await;
    site.set("/canary", Reply::status(503));
    env.check().await;
    assert!(
        smtp.mails().is_empty(),
        "a first failure is not an outage yet"
    );
    // The threshold is wall-clock time since the first failure (the CLI reads the system
    // clock): wait until the recorded first failure is `unreachable_after` old, not a guess.
    let since = canaryd::store::Store::at(&env.state())
        .load_state("example")
        .expect("state")
        .failing
        .expect("the failure is recorded")
        .since;
    let due = since + chrono::TimeDelta::seconds(1);
    assert!(
        wait_until(Duration::from_secs(10), || chrono::Utc::now() >= due).await,
        "the first failure is a second old"
    );
    env.check().await;
    env.check().await;
    assert_eq!(
        subjects(&smtp),
        vec!["[canaryd] example: canary page unreachable".to_string()]
    );
    site.set("/canary", page(Some(&[NSL, GAG])));
    env.check().await;
    assert_eq!(subjects(&smtp)[1], "[canaryd] example: recovered");
    assert!(!subjects(&smtp).iter().any(|s| s.contains("removed")));
}

#[tokio::test(flavor = "multi_thread")]
async fn canary_block_gone_from_a_working_page_is_missing() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG, FISA])));
    let env = Env::new(watchlist(&site, &smtp));
    env.check().await;
    site.set("/canary", page(None));
    env.check().await;
    env.check().await;
    let s = subjects(&smtp);
    assert_eq!(
        s,
        vec!["[canaryd] example: canary statements missing from the page".to_string()]
    );
    let body = smtp.mails()[0].body();
    for claim in [NSL, GAG, FISA] {
        assert!(
            body.contains(claim),
            "missing quotes every claim that was there: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bot_challenge_and_tiny_error_page_are_failed_fetches() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(watchlist(&site, &smtp));
    env.check().await;
    site.set(
        "/canary",
        Reply::html("<html><head><title>Just a moment...</title></head><body><div id=cf-browser-verification></div><script>window._cf_chl_opt={}</script></body></html>"),
    );
    for _ in 0..3 {
        let out = env.check().await;
        assert!(
            out.contains("fetch failed") && out.contains("bot challenge"),
            "{out}"
        );
    }
    site.set(
        "/canary",
        Reply::html("<html><body><h1>Service temporarily unavailable</h1></body></html>"),
    );
    for _ in 0..3 {
        let out = env.check().await;
        assert!(out.contains("fetch failed"), "{out}");
    }
    assert!(
        smtp.mails().is_empty(),
        "challenge and error pages never alert: {:?}",
        subjects(&smtp)
    );
    let snapshot =
        std::fs::read_to_string(env.state().join("example/statements.txt")).expect("snapshot");
    assert!(
        snapshot.contains(NSL) && snapshot.contains(GAG),
        "the snapshot is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_page_embedding_a_captcha_login_is_content_not_a_challenge() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(watchlist(&site, &smtp));
    env.check().await;
    // The canary list is gone from the full report page, which has a reCAPTCHA login form.
    let mut login = String::from(
        "<form id=login><div class=\"g-recaptcha\" data-sitekey=k></div><button>Log in</button></form>",
    );
    login.push_str("<script src=\"https://www.google.com/recaptcha/api.js\"></script>");
    let report: String = (0..40)
        .map(|i| format!("<p>Section {i}: we received {i} requests for user data this period and answered them as described in our policy.</p>"))
        .collect();
    site.set(
        "/canary",
        Reply::html(&format!(
            "<html><head><title>Transparency</title></head><body><nav><a href=/>Home</a></nav>{login}<main>{report}</main></body></html>"
        )),
    );
    for _ in 0..2 {
        let out = env.check().await;
        assert!(!out.contains("bot challenge"), "{out}");
    }
    assert_eq!(
        subjects(&smtp),
        vec!["[canaryd] example: canary statements missing from the page".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn flapping_statement_is_one_notice() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(watchlist(&site, &smtp).setting("confirm", 1));
    env.check().await;
    for i in 0..6 {
        let items: &[&str] = if i % 2 == 0 { &[GAG] } else { &[NSL, GAG] };
        site.set("/canary", page(Some(items)));
        env.check().await;
    }
    let s = subjects(&smtp);
    assert_eq!(
        s.iter()
            .filter(|s| s.ends_with("canary statement flapping"))
            .count(),
        1,
        "{s:?}"
    );
    assert!(
        s.iter().filter(|s| s.contains("removed")).count() <= 1,
        "not an alert per flip: {s:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn canary_dated_past_max_age_is_stale_once() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    let dated = "As of January 5, 2021, Example Co has never received a National Security Letter.";
    site.set("/canary", page(Some(&[dated, GAG])));
    let env = Env::new(watchlist(&site, &smtp).setting("max_age", "100d"));
    env.check().await;
    env.check().await;
    let s = subjects(&smtp);
    assert_eq!(
        s,
        vec!["[canaryd] example: canary is overdue".to_string()],
        "{s:?}"
    );
    assert!(
        smtp.mails()[0].body().contains("2021-01-05"),
        "{}",
        smtp.mails()[0].body()
    );
    let list = stdout(&env.canaryd(&["list"]).await);
    assert!(list.contains("stale"), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn notify_list_limits_what_is_emailed() {
    let (site, smtp) = (Site::start().await, SmtpServer::start().await);
    site.set("/canary", page(Some(&[NSL, GAG])));
    let env = Env::new(
        watchlist(&site, &smtp)
            .setting("notify", strings(&["changed"]))
            .setting("confirm", 1),
    );
    env.check().await;
    site.set("/canary", page(Some(&[GAG])));
    let out = env.check().await;
    assert!(out.contains("removed (recorded)"), "{out}");
    assert!(smtp.mails().is_empty(), "removed is not in notify");
}
