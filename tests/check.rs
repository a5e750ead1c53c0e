//! End to end: the real binary, a real HTTP site and a real SMTP server on loopback.

mod common;

use common::canary::{FISA, GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::smtp::SmtpServer;
use common::watchlist::{Watch, Watchlist};

fn page(items: &[&str]) -> String {
    let lis: String = items.iter().map(|s| format!("<li>{s}</li>")).collect();
    format!(
        "<html><head><title>Transparency</title></head><body><nav><a href=/>Home</a></nav>\
         <h1>Transparency report</h1><p>Updated quarterly.</p><ul id=\"canary\">{lis}</ul></body></html>"
    )
}

/// The watch "example" of `/canary`, confirmed on the second check; alerts mailed through
/// `smtp` (a URL), or printed without one.
fn watchlist(site: &Site, smtp: Option<&str>) -> Watchlist {
    let list = Watchlist::new()
        .setting("confirm", 2)
        .setting("host_delay", "0s")
        .setting("timeout", "5s");
    let list = match smtp {
        Some(url) => list.email(url, &["reader@test.invalid"]),
        None => list,
    };
    list.watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li"))
}

fn confirm_once(watch: Watch) -> Watch {
    watch.set("confirm", 1)
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_statement_is_emailed_once_after_confirmation() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())));

    env.check().await; // baseline
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    let first = env.check().await;
    assert!(first.contains("awaiting confirmation"), "{first}");
    assert!(
        smtp.mails().is_empty(),
        "one observation must not alert (confirm = 2)"
    );

    env.check().await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "exactly one mail for the removal");
    let m = &mails[0];
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("[canaryd] example: canary statement removed")
    );
    assert!(
        m.body().contains(NSL),
        "the mail quotes the removed statement:\n{}",
        m.body()
    );
    assert!(
        !m.body().contains(&format!("> {GAG}")),
        "only the removed statement is quoted as removed"
    );
    assert!(
        m.header("Message-ID")
            .is_some_and(|v| v.ends_with("@canaryd>"))
    );
    assert!(m.header("Date").is_some());
    assert!(
        m.header("References")
            .is_some_and(|v| v.starts_with("<watch."))
    );
    assert_eq!(m.to, vec!["<reader@test.invalid>".to_string()]);

    // Further checks of the same (now confirmed) page say nothing more.
    env.check().await;
    env.check().await;
    assert_eq!(smtp.mails().len(), 1, "a confirmed removal is alerted once");
}

#[tokio::test(flavor = "multi_thread")]
async fn cosmetic_changes_send_nothing() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())));
    env.check().await;

    // Markup, whitespace, quote marks, entities, zero-width characters and order.
    let fancy = format!(
        "<html><body><div class=\"wrap\"><ul id=\"canary\">\n  <li><b>{}</b></li>\n  <li>  {}  </li>\n  <li>{}</li>\n</ul></div></body></html>",
        GAG.replace("gag", "g\u{200b}ag"),
        NSL.replace(' ', "\n      "),
        FISA.replace("Example Co", "Example&nbsp;Co"),
    );
    site.set("/canary", Reply::html(&fancy));
    for _ in 0..3 {
        let out = env.check().await;
        assert!(
            !out.contains("awaiting confirmation"),
            "cosmetic change seen as a difference: {out}"
        );
    }
    assert!(smtp.mails().is_empty(), "cosmetic changes must not alert");
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_fetches_send_nothing_and_keep_the_snapshot() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())));
    env.check().await;
    let statements = env.state().join("example").join("statements.txt");
    let before = std::fs::read_to_string(&statements).expect("snapshot written");
    assert!(before.contains(NSL));

    for failure in [Reply::status(500), Reply::status(503), Reply::html("")] {
        site.set("/canary", failure);
        for _ in 0..3 {
            env.check().await;
        }
    }
    assert!(
        smtp.mails().is_empty(),
        "failed fetches must never alert as removals: {:?}",
        smtp.mails()
    );
    assert_eq!(
        std::fs::read_to_string(&statements).expect("snapshot"),
        before
    );

    let list = env.canaryd(&["list"]).await;
    let text = stdout(&list);
    assert!(text.contains("example"), "{text}");
    assert!(
        text.contains("failed"),
        "list shows the failed fetch: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn statement_back_before_confirmation_raises_nothing() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())));
    env.check().await;
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    env.check().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    env.check().await;
    env.check().await;
    assert!(smtp.mails().is_empty());
    let list = stdout(&env.canaryd(&["list"]).await);
    assert!(
        !list.contains("pending:"),
        "nothing pending after the statement came back: {list}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reworded_statement_is_changed_with_word_diff() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())).with_watch("example", confirm_once));
    env.check().await;
    let weaker = "Example Co has rarely received a National Security Letter.";
    site.set("/canary", Reply::html(&page(&[weaker, FISA, GAG])));
    env.check().await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("[canaryd] example: canary statement changed")
    );
    let body = mails[0].body();
    assert!(body.contains("[-never-]{+rarely+}"), "{body}");
    assert!(!body.contains("canary statement removed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn without_email_alerts_go_to_standard_output() {
    let site = Site::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, None).with_watch("example", confirm_once));
    env.check().await;
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    let out = env.check().await;
    assert!(
        out.contains("Subject: [canaryd] example: canary statement removed"),
        "{out}"
    );
    assert!(out.contains(NSL), "{out}");
    // Delivered: the next run prints it no more.
    let again = env.check().await;
    assert!(!again.contains("Subject:"), "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn alerts_wait_in_the_outbox_while_smtp_refuses() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, Some(&smtp.url())).with_watch("example", confirm_once));
    env.check().await;
    smtp.set_refusing(true);
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    let out = env.canaryd(&["check"]).await;
    assert_eq!(
        out.status.code(),
        Some(75),
        "undelivered alerts exit EX_TEMPFAIL: {}",
        stderr(&out)
    );
    assert!(smtp.mails().is_empty());
    let list = stdout(&env.canaryd(&["list"]).await);
    assert!(list.contains("undelivered alerts: 1"), "{list}");
    smtp.set_refusing(false);
    env.check().await;
    env.check().await;
    let mails = smtp.mails();
    assert_eq!(
        mails.len(),
        1,
        "delivered exactly once after SMTP came back"
    );
    assert!(mails[0].body().contains(NSL));
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_watchlist_exits_78_with_location_and_bad_usage_exits_2() {
    let env = Env::new(
        "[settings]\ninterval = \"6h\"\n\n[[watch]]\nname = \"x\"\nurl = \"https://example.org/\"\ncolour = \"red\"\n",
    );
    for cmd in ["check", "validate", "list", "run"] {
        let out = env.canaryd(&[cmd]).await;
        assert_eq!(out.status.code(), Some(78), "{cmd}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("watchlist.toml:7:1"),
            "{cmd}: error names file, line and column: {err}"
        );
        assert!(err.contains("colour"), "{err}");
    }
    let out = env.canaryd(&["frobnicate"]).await;
    assert_eq!(out.status.code(), Some(2));
    let out = env.canaryd(&["preview"]).await;
    assert_eq!(out.status.code(), Some(2), "missing URL is a usage error");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_prints_statements_and_writes_nothing() {
    let site = Site::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new("");
    let out = env
        .canaryd(&["preview", &site.url("/canary"), "--selector", "#canary li"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for s in [NSL, FISA, GAG] {
        assert!(text.contains(s), "{text}");
    }
    assert!(
        !env.state().exists(),
        "preview must not create the state directory"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_runs_offline_and_shows_the_alert() {
    let env = Env::new("");
    let out = env.canaryd(&["demo"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Subject: [canaryd] example: canary statement removed"),
        "{text}"
    );
    assert!(
        text.contains("has never received a National Security Letter"),
        "{text}"
    );
    // Its alert's footer fits a demo whose page and state are gone once it ends: no
    // `canaryd preview` of the demo's loopback server, no `canaryd list` of its state.
    assert!(!text.contains("canaryd preview http://127.0.0.1"), "{text}");
    assert!(!text.contains("`canaryd list` shows every watch"), "{text}");
    assert!(
        text.contains("the page and the state of this demo are gone when it ends"),
        "{text}"
    );
    // It ends by writing the report and saying where.
    let last = text
        .lines()
        .rev()
        .find(|l| l.contains("The report"))
        .expect("report line");
    let index = std::path::Path::new(last.rsplit(": ").next().expect("a path"));
    let html = std::fs::read_to_string(index).expect("the demo's report");
    assert!(html.contains("data-status=\"dead\""), "{html}");
    assert!(index.with_file_name("watch").join("example.html").is_file());
    let _ = std::fs::remove_dir_all(index.parent().expect("report dir"));
}

/// A page byte-for-byte the one the baseline came from is not parsed again; a changed page,
/// or the same page under a new selector, is.
#[tokio::test(flavor = "multi_thread")]
async fn identical_page_reuses_the_baseline_until_page_or_selector_changes() {
    let site = Site::start().await;
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let env = Env::new(watchlist(&site, None));
    let debug = [("RUST_LOG", "canaryd=debug")];
    const REUSED: &str = "same page as the last check";

    let first = env.canaryd_env(&["check"], &debug).await;
    assert!(!stderr(&first).contains(REUSED), "{}", stderr(&first));
    let second = env.canaryd_env(&["check"], &debug).await;
    assert!(stderr(&second).contains(REUSED), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("example: ok, 3 claims"),
        "{}",
        stdout(&second)
    );

    // The same bytes read with another selector give other statements.
    env.set_watchlist(
        watchlist(&site, None)
            .with_watch("example", |w| w.set("selector", "#canary li:first-child")),
    );
    let narrowed = env.canaryd_env(&["check"], &debug).await;
    assert!(!stderr(&narrowed).contains(REUSED), "{}", stderr(&narrowed));
    assert!(
        stdout(&narrowed).contains("ok, 1 claim")
            && stdout(&narrowed).contains("awaiting confirmation"),
        "{}",
        stdout(&narrowed)
    );

    // A real change is parsed and seen, however often the page was identical before.
    env.set_watchlist(watchlist(&site, None));
    env.check().await;
    env.check().await;
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    let changed = env.canaryd_env(&["check"], &debug).await;
    assert!(!stderr(&changed).contains(REUSED), "{}", stderr(&changed));
    assert!(
        stdout(&changed).contains("awaiting confirmation"),
        "{}",
        stdout(&changed)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_and_list_show_the_canary_date_its_source_and_next_deadline() {
    let site = Site::start().await;
    let canary = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n\
        The date of issue of this canary is March 3, 2026.\n\n\
        Example Co has never received a National Security Letter.\n\n\
        Example Co will publish the next of these canary statements on or before June 1, 2026.\n\n\
        Recent headline: \"Parliament says the new law will be in force by April 2027\".\n";
    site.set("/canary.txt", Reply::text(canary));
    let env = Env::new(
        Watchlist::new()
            .setting("host_delay", "0s")
            .watch(Watch::url("example", &site.url("/canary.txt"))),
    );
    let out = env.canaryd(&["preview", &site.url("/canary.txt")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Canary date: 2026-03-03 (from its issue-date statement"),
        "{text}"
    );
    assert!(text.contains("Next issue due by: 2026-06-01"), "{text}");

    env.check().await;
    let out = env.canaryd(&["list", "--format", "json"]).await;
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("list JSON");
    assert_eq!(rows[0]["canary_date"], "2026-03-03", "{rows}");
    assert_eq!(
        rows[0]["canary_date_source"], "issue-date statement",
        "{rows}"
    );
    assert_eq!(rows[0]["next_deadline"], "2026-06-01", "{rows}");
    let table = stdout(&env.canaryd(&["list"]).await);
    assert!(
        table.contains("example: canary dated 2026-03-03 (from its issue-date statement); next issue due by 2026-06-01"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_exits_75_while_smtp_is_down_and_0_once_it_delivers() {
    let site = Site::start().await;
    // A port nothing listens on: bound, read, then closed, so connections are refused.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    site.set("/canary", Reply::html(&page(&[NSL, FISA, GAG])));
    let mailing = |smtp: &str| watchlist(&site, Some(smtp)).with_watch("example", confirm_once);
    let env = Env::new(mailing(&format!("smtp://127.0.0.1:{port}")));
    // Nothing due: 0 even with SMTP down.
    let first = env.canaryd(&["check"]).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    site.set("/canary", Reply::html(&page(&[FISA, GAG])));
    let out = env.canaryd(&["check"]).await;
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("1 waiting"), "{}", stdout(&out));
    // Still stuck on the next pass, with no new alert: still 75.
    let again = env.canaryd(&["check"]).await;
    assert_eq!(again.status.code(), Some(75), "{}", stderr(&again));

    let smtp = SmtpServer::start().await;
    env.set_watchlist(mailing(&smtp.url()));
    let delivered = env.canaryd(&["check"]).await;
    assert_eq!(delivered.status.code(), Some(0), "{}", stderr(&delivered));
    assert_eq!(smtp.mails().len(), 1);
}
