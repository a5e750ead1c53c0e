//! Faults an operator meets: damaged state files (one bad file never stops the other alerts,
//! never poisons a watch, never silently re-baselines a canary that has since died), watch
//! names that would collide with canaryd's own files, and an SMTP server that hangs.

mod common;

use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::smtp::SmtpServer;
use common::watchlist::{Watch, Watchlist};

fn page(claims: &[&str]) -> Reply {
    let items: String = claims.iter().map(|c| format!("<li>{c}</li>")).collect();
    Reply::html(&format!(
        "<html><body><ul id=\"canary\">{items}</ul></body></html>"
    ))
}

/// A watch of each name (of the page named after it), mailing through `smtp` (a URL).
fn watchlist(site: &Site, smtp: &str, names: &[&str]) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .email(smtp, &["reader@test.invalid"])
        .watches(
            names
                .iter()
                .map(|n| Watch::url(n, &site.url(&format!("/{n}"))).set("selector", "#canary li")),
        )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_outbox_entry_is_set_aside_and_the_rest_delivered() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", page(&[NSL, GAG]));
    site.set("/b", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp.url(), &["a", "b"]));
    env.check().await;
    smtp.set_refusing(true);
    site.set("/a", page(&[NSL]));
    site.set("/b", page(&[GAG]));
    env.canaryd(&["check"]).await;
    let outbox = env.state().join("outbox");
    std::fs::write(outbox.join("0000-empty.json"), b"").expect("write empty entry");
    smtp.set_refusing(false);

    let out = env.canaryd(&["check"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(smtp.mails().len(), 2, "both good alerts delivered");
    assert!(!outbox.join("0000-empty.json").exists());
    assert!(
        outbox.join("corrupt/0000-empty.json").exists(),
        "the bad entry is kept, aside"
    );
    let out = env.canaryd(&["list"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 unreadable alert file set aside"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_check_json_poisons_nothing() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", page(&[NSL, GAG]));
    site.set("/b", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp.url(), &["a", "b"]));
    env.check().await;
    std::fs::write(env.state().join("a/check.json"), b"").expect("empty check.json");
    let out = env.canaryd(&["list", "--format", "json"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "list still works: {}",
        stderr(&out)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(rows.as_array().map(Vec::len), Some(2), "every watch listed");
    assert!(
        rows[0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("check.json")),
        "{rows}"
    );
    // The watch goes on: a death on it is still alerted.
    site.set("/a", page(&[NSL]));
    env.check().await;
    assert_eq!(smtp.mails().len(), 1);
    assert!(smtp.mails()[0].data.contains(GAG));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_state_json_is_rebuilt_from_evidence_not_rebaselined() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp.url(), &["a"]));
    env.check().await;
    std::fs::write(env.state().join("a/state.json"), b"").expect("empty state.json");
    let out = env.canaryd(&["list"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The canary dies while its state is damaged: the next check must still say so.
    site.set("/a", page(&[NSL]));
    let out = env.canaryd_env(&["check"], &[("RUST_LOG", "warn")]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rebuilt the confirmed statements from the newest evidence record"),
        "said at warning: {}",
        stderr(&out)
    );
    let mails = smtp.mails();
    assert_eq!(
        mails.len(),
        1,
        "the death is alerted, not taken as a new baseline"
    );
    assert!(mails[0].data.contains(GAG), "{}", mails[0].data);
    assert!(
        std::fs::read_dir(env.state().join("a"))
            .expect("dir")
            .flatten()
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with("state.json.corrupt-")),
        "the damaged file is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_names_never_collide_with_canaryds_own_files() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    for reserved in ["outbox", "lock", "feed.atom", "feed.json"] {
        let list = watchlist(&site, &smtp.url(), &[reserved]);
        let at = format!(":{}:8:", list.line_of(&format!("name = \"{reserved}\"")));
        let env = Env::new(list);
        let out = env.canaryd(&["validate"]).await;
        assert_eq!(out.status.code(), Some(78), "{reserved}: {}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&at) && err.contains("choose another name"),
            "{reserved}: {err}"
        );
    }
    // `remove outbox --purge` with no such watch must not delete the queued alerts.
    site.set("/a", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp.url(), &["a"]));
    env.check().await;
    smtp.set_refusing(true);
    site.set("/a", page(&[NSL]));
    env.canaryd(&["check"]).await;
    let queued = || {
        std::fs::read_dir(env.state().join("outbox"))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(queued(), 1);
    let out = env.canaryd(&["remove", "outbox", "--purge", "--yes"]).await;
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(queued(), 1, "the queued alert survives");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_smtp_server_costs_one_timeout_per_pass_not_one_per_alert() {
    // The shortest SMTP timeout the watchlist allows (1 s, not the default 30 s): what is
    // tested is how many timeouts a pass costs, not how long one lasts.
    // Accepts connections and never says a word, counting them.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(sock);
        }
    });
    let site = Site::start().await;
    let names = ["a", "b", "c"];
    for n in names {
        site.set(&format!("/{n}"), page(&[NSL, GAG]));
    }
    let text = watchlist(&site, &format!("smtp://127.0.0.1:{port}"), &names)
        .section("email", "timeout", "1s");
    let env = Env::new(text);
    // The baseline raises nothing, so nothing is sent yet.
    env.canaryd(&["check"]).await;
    for n in names {
        site.set(&format!("/{n}"), page(&[NSL]));
    }
    let out = env.canaryd(&["check"]).await;
    assert_ne!(out.status.code(), None, "check finishes");
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "after the first timeout the other alerts wait instead of each timing out: {}",
        stdout(&out)
    );
    let queued = std::fs::read_dir(env.state().join("outbox"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0);
    assert_eq!(queued, 3, "all three alerts wait in the outbox");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_page_relabelled_text_plain_is_a_failed_fetch_not_a_death() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    let html = "<!DOCTYPE html><html><body><ul id=\"canary\"><li>Example Co has never received a National Security Letter.</li><li>Example Co has never been subject to a gag order.</li></ul></body></html>";
    site.set("/a", Reply::html(html));
    let env = Env::new(watchlist(&site, &smtp.url(), &["a"]));
    env.check().await;
    // Same bytes, now declared text/plain (a misconfigured server or CDN).
    site.set("/a", Reply::text(html));
    for _ in 0..3 {
        let text = env.check().await;
        assert!(text.contains("failed"), "{text}");
    }
    assert!(smtp.mails().is_empty(), "no statement was removed");
    let check: serde_json::Value = serde_json::from_slice(
        &std::fs::read(env.state().join("a/check.json")).expect("check.json"),
    )
    .expect("json");
    assert!(
        check["error"].as_str().is_some_and(|e| e.contains("text")),
        "{check}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_password_never_reaches_list_or_check_json() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", page(&[NSL, GAG]));
    let url = site.url("/a").replace("http://", "http://reader:hunter2@");
    let env = Env::new(watchlist(&site, &smtp.url(), &[]).watch(Watch::url("a", &url)));
    env.check().await;
    let check = std::fs::read_to_string(env.state().join("a/check.json")).expect("check.json");
    assert!(!check.contains("hunter2"), "{check}");
    for args in [&["list"][..], &["list", "--format", "json"][..]] {
        let out = env.canaryd(args).await;
        assert!(!stdout(&out).contains("hunter2"), "{}", stdout(&out));
    }
}
