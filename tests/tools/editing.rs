//! `add`, `remove`, `rename`, `list` and `check`'s plain output.

use crate::common::run::{Env, stderr, stdout};
use crate::common::site::{Reply, Site};
use crate::common::smtp::SmtpServer;
use crate::{GAG, NSL, closed_port, expect, history_dir, ok, page, watchlist};

#[tokio::test(flavor = "multi_thread")]
async fn add_shows_the_statements_and_appends_one_entry_byte_for_byte() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL]));
    site.set("/other.txt", page(&[NSL, GAG]));
    let original = watchlist(&site, "");
    let env = Env::new(&original);

    let url = site.url("/other.txt");
    let out = ok(&env, &["add", &url, "--interval", "1h"]).await;
    assert!(
        out.contains(NSL) && out.contains(GAG),
        "shows what it tracks: {out}"
    );
    // The hint can be pasted as it is: it names the watchlist and state it was given.
    let hint = format!(
        "`canaryd --watchlist {} --state {} check` takes its baseline",
        env.watchlist().display(),
        env.state().display()
    );
    assert!(out.contains(&hint), "{out}");
    let entry = format!("\n[[watch]]\nname = \"127-0-0-1\"\nurl = \"{url}\"\ninterval = \"1h\"\n");
    let after = std::fs::read_to_string(env.watchlist()).expect("read");
    assert_eq!(
        after,
        format!("{original}{entry}"),
        "only the new entry is added"
    );

    // The derived name is made unique; a name in use is refused and nothing is written.
    ok(&env, &["add", &url, "--selector", "p"]).await;
    let after = std::fs::read_to_string(env.watchlist()).expect("read");
    assert!(after.contains("name = \"127-0-0-1-2\"\n"), "{after}");
    assert!(after.contains("selector = \"p\"\n"), "{after}");
    expect(&env, &["add", &url, "--name", "example"], 1).await;
    expect(&env, &["add", &url, "--name", "../etc"], 2).await;
    expect(&env, &["add", &url, "--interval", "soon"], 2).await;
    assert_eq!(
        std::fs::read_to_string(env.watchlist()).expect("read"),
        after
    );
    expect(&env, &["validate"], 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn add_refuses_a_page_it_cannot_fetch_unless_forced_and_says_when_nothing_is_found() {
    let site = Site::start().await;
    site.set(
        "/blank.txt",
        Reply::text("Opening hours are nine to five.\n"),
    );
    site.set(
        "/blank.html",
        Reply::html(
            "<html><body><h1>Shop</h1><p>Opening hours are nine to five.</p></body></html>",
        ),
    );
    let original = watchlist(&site, "");
    let env = Env::new(&original);

    let down = format!("http://127.0.0.1:{}/canary.txt", closed_port());
    let out = env.canaryd(&["add", &down]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        crate::common::run::stderr(&out).contains("--force"),
        "says how to add it anyway"
    );
    assert_eq!(
        std::fs::read_to_string(env.watchlist()).expect("read"),
        original
    );
    ok(&env, &["add", &down, "--name", "down", "--force"]).await;
    assert!(
        std::fs::read_to_string(env.watchlist())
            .expect("read")
            .contains("name = \"down\"")
    );

    // A page with no claim would make a watch that can never alert: refused unless forced.
    let before = std::fs::read_to_string(env.watchlist()).expect("read");
    let out = env
        .canaryd(&["add", &site.url("/blank.txt"), "--name", "blank"])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("No canary claims found"),
        "{}",
        stdout(&out)
    );
    let err = crate::common::run::stderr(&out);
    assert!(
        err.contains("nothing was added") && err.contains("has no canary claim to track"),
        "{err}"
    );
    assert!(
        err.contains("--selector") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(env.watchlist()).expect("read"),
        before
    );
    let out = env
        .canaryd(&["add", &site.url("/blank.txt"), "--name", "blank", "--force"])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("canaryd: warning: tracks nothing"),
        "{}",
        stderr(&out)
    );
    let out = ok(
        &env,
        &[
            "add",
            &site.url("/blank.html"),
            "--name",
            "blank-html",
            "--force",
        ],
    )
    .await;
    assert!(out.contains("No canary statements found"), "{out}");
    assert!(out.contains("--selector"), "suggests a selector: {out}");
    expect(&env, &["validate"], 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn remove_keeps_comments_and_history_unless_purged() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL, GAG]));
    site.set("/two", page(&[GAG]));
    let env = Env::new(watchlist(&site, ""));
    ok(&env, &["add", &site.url("/two"), "--name", "two"]).await;
    let with_two = std::fs::read_to_string(env.watchlist()).expect("read");
    ok(&env, &["check"]).await;

    ok(&env, &["remove", "example"]).await;
    let after = std::fs::read_to_string(env.watchlist()).expect("read");
    let entry = format!(
        "\n# The example canary.\n[[watch]]\nname = \"example\"    # short name\nurl = \"{}\"\n",
        site.url("/canary")
    );
    assert_eq!(
        after,
        with_two.replace(&entry, ""),
        "only the entry and its comment go"
    );
    assert!(
        history_dir(&env, "example").is_dir(),
        "history kept without --purge"
    );
    ok(&env, &["verify", "example"]).await;
    ok(&env, &["history", "example"]).await;

    ok(&env, &["remove", "two", "--purge", "--yes"]).await;
    assert!(
        !env.state().join("two").exists(),
        "--purge deletes the history"
    );
    expect(&env, &["remove", "nosuch"], 1).await;
    // A removed watch's history can still be purged.
    ok(&env, &["remove", "example", "--purge", "--yes"]).await;
    assert!(!env.state().join("example").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn rename_moves_history_and_readdresses_queued_alerts() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/canary", page(&[NSL, GAG]));
    let email = format!(
        "\n[email]\nsmtp = \"{}\"\nfrom = \"canaryd@test.invalid\"\nto = [\"reader@test.invalid\"]\n",
        smtp.url()
    );
    let env = Env::new(format!("{}{email}", watchlist(&site, "")));
    ok(&env, &["check"]).await;
    smtp.set_refusing(true);
    site.set("/canary", page(&[GAG]));
    // The alert stays queued: check says so with EX_TEMPFAIL.
    expect(&env, &["check"], 75).await;
    assert!(smtp.mails().is_empty());

    ok(&env, &["rename", "example", "renamed"]).await;
    let text = std::fs::read_to_string(env.watchlist()).expect("read");
    assert!(
        text.contains("name = \"renamed\"    # short name"),
        "{text}"
    );
    assert!(!env.state().join("example").exists());
    assert!(history_dir(&env, "renamed").is_dir());
    let verified = ok(&env, &["verify", "renamed"]).await;
    assert!(verified.contains("2 records"), "{verified}");
    let outbox = std::fs::read_dir(env.state().join("outbox")).expect("outbox");
    for f in outbox {
        let text = std::fs::read_to_string(f.expect("entry").path()).expect("read");
        assert!(text.contains("\"watch\": \"renamed\""), "{text}");
    }
    let list = ok(&env, &["list"]).await;
    assert!(
        list.contains("renamed") && list.contains("undelivered alerts: 1"),
        "{list}"
    );

    smtp.set_refusing(false);
    ok(&env, &["check"]).await;
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("[canaryd] renamed: canary statement removed")
    );
    expect(&env, &["rename", "renamed", "renamed"], 1).await;
    expect(&env, &["rename", "nosuch", "x"], 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_table_and_json_and_plain_check_lines() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, ""));
    let before = ok(&env, &["list"]).await;
    assert!(before.contains("never checked"), "{before}");

    let out = env.canaryd(&["check"]).await;
    let text = stdout(&out);
    assert!(text.contains("example: ok, 2 claims"), "{text}");
    assert!(
        !text.contains('\u{1b}'),
        "no progress bar or colour without a terminal"
    );

    let table = ok(&env, &["list"]).await;
    let header = table.lines().next().expect("header");
    for col in [
        "NAME",
        "STATEMENTS",
        "LAST CHECK",
        "RESULT",
        "LAST CHANGE",
        "NEXT CHECK",
        "PENDING",
        "UNDELIVERED",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(
        table.contains("2 claims") && table.contains(" ok "),
        "{table}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&ok(&env, &["list", "--format", "json"]).await).expect("json");
    let row = &json[0];
    for field in [
        "name",
        "url",
        "statements",
        "claims",
        "canary_date",
        "last_check",
        "last_result",
        "last_error",
        "last_change",
        "next_check",
        "pending",
        "conditions",
        "undelivered",
        "delivery_error",
        "interval",
        "snapshots",
        "last_snapshot",
    ] {
        assert!(row.get(field).is_some(), "json has {field}: {row}");
    }
    assert_eq!(row["snapshots"], 1);
    assert_eq!(row["interval"], "6h");
}

#[tokio::test(flavor = "multi_thread")]
async fn add_starts_a_watchlist_that_does_not_exist_yet() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL]));
    let env = Env::new("");
    std::fs::remove_file(env.watchlist()).expect("rm");
    ok(&env, &["add", &site.url("/canary"), "--name", "first"]).await;
    let text = std::fs::read_to_string(env.watchlist()).expect("created");
    assert!(text.starts_with("# canaryd watchlist"), "{text}");
    assert!(text.ends_with(&format!(
        "[[watch]]\nname = \"first\"\nurl = \"{}\"\n",
        site.url("/canary")
    )));
    let out = ok(&env, &["validate"]).await;
    assert!(out.contains("OK, 1 watch, "), "{out}");
}
