//! Health beyond results: a watch that tracks nothing warns everywhere from its first check;
//! a canary whose claims go says what was lost; `list` shows the last alert (from the event
//! log), the canary's own deadline and the health, in the table and as JSON.

use crate::common::run::Env;
use crate::common::site::{Reply, Site};
use crate::common::watchlist::{Watch, Watchlist};
use crate::{GAG, NSL, SEIZE, ok, page};

/// One watch "example" on /canary, needing `confirm` sightings.
fn watchlist(site: &Site, confirm: i64) -> Watchlist {
    Watchlist::new()
        .setting("confirm", confirm)
        .setting("host_delay", "0s")
        .setting("timeout", "5s")
        .watch(Watch::url("example", &site.url("/canary")))
}

fn list_json(text: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(text).expect("json");
    json[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_without_claims_warns_in_check_and_list_from_the_first_check() {
    let site = Site::start().await;
    site.set("/canary", page(&["Opening hours are nine to five."]));
    let env = Env::new(watchlist(&site, 2));
    let url = site.url("/canary");

    for _ in 0..2 {
        let out = ok(&env, &["check"]).await;
        assert!(
            out.contains(&format!(
                "example: warning: tracks nothing: 1 statement, none a claim (try `canaryd preview {url}` with a --selector)"
            )),
            "{out}"
        );
    }
    let table = ok(&env, &["list"]).await;
    let header = table.lines().next().expect("header");
    for col in ["HEALTH", "LAST ALERT", "NEXT DUE"] {
        assert!(header.contains(col), "{header}");
    }
    assert!(table.contains(" warning: tracks nothing "), "{table}");
    assert!(
        table.contains(&format!(
            "example: warning: tracks nothing: no canary claim on the page, so it can never alert (try `canaryd preview {url}` with a --selector)"
        )),
        "{table}"
    );
    let row = list_json(&ok(&env, &["list", "--format", "json"]).await);
    assert_eq!(row["health"], "warning", "{row}");
    assert_eq!(row["health_reasons"], serde_json::json!(["tracks nothing"]));
    assert_eq!(row["last_alert"], serde_json::Value::Null);
    assert_eq!(
        row["last_result"], "ok",
        "existing fields keep their meaning"
    );

    // An HTML page with nothing canary-like: the same warning, with no statement at all.
    site.set(
        "/canary",
        Reply::html("<html><body><h1>Shop</h1><div id=\"root\"></div></body></html>"),
    );
    let out = ok(&env, &["check"]).await;
    assert!(out.contains("example: warning: tracks nothing: "), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_canary_whose_claims_go_says_what_was_lost_and_list_shows_the_alert() {
    let site = Site::start().await;
    let html = |body: &str| {
        Reply::html(&format!(
            "<html><body><h1>Transparency</h1>{body}<p>Updated quarterly.</p></body></html>"
        ))
    };
    site.set(
        "/canary",
        html(&format!(
            "<ul id=\"canary\"><li>{NSL}</li><li>{GAG}</li><li>{SEIZE}</li></ul>"
        )),
    );
    let env =
        Env::new(watchlist(&site, 2).with_watch("example", |w| w.set("selector", "#canary li")));
    let out = ok(&env, &["check"]).await;
    assert!(out.contains("example: ok, 3 claims"), "{out}");
    let row = list_json(&ok(&env, &["list", "--format", "json"]).await);
    assert_eq!(row["health"], "ok", "{row}");
    assert_eq!(row["health_reasons"], serde_json::json!([]));

    // The canary block is withdrawn: the page still loads, as long as before.
    let moved = "Our reports now live in the transparency centre, with the archive of earlier years and the contact details of our legal team.";
    site.set("/canary", html(&format!("<p>{moved}</p><p>{moved}</p>")));
    let first = ok(&env, &["check"]).await;
    assert!(
        first.contains("example: 3 claims missing; awaiting confirmation"),
        "{first}"
    );
    assert!(!first.contains("--selector"), "not a setup hint: {first}");
    let row = list_json(&ok(&env, &["list", "--format", "json"]).await);
    assert_eq!(row["health"], "warning", "{row}");
    assert_eq!(
        row["health_reasons"],
        serde_json::json!(["3 claims missing"])
    );

    let second = ok(&env, &["check"]).await;
    assert!(
        second.contains("example: 3 claims missing; alert queued"),
        "{second}"
    );
    assert!(!second.contains("--selector"), "{second}");

    // Every `list` is a new process: the last alert is read from the durable event log.
    let table = ok(&env, &["list"]).await;
    assert!(table.contains("warning: 3 claims missing"), "{table}");
    let row = list_json(&ok(&env, &["list", "--format", "json"]).await);
    assert_eq!(row["last_alert"]["kind"], "missing", "{row}");
    let at = row["last_alert"]["at"].as_str().expect("at").to_string();
    assert!(
        table.contains(&format!("missing {}", &at[..19])),
        "{table}\n{at}"
    );

    let third = ok(&env, &["check"]).await;
    assert!(
        third.contains("example: 3 claims missing; alerted earlier"),
        "{third}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn claims_confirmed_removed_are_not_read_as_a_setup_mistake() {
    let site = Site::start().await;
    const CONTEXT: &str = "This statement is reviewed by our counsel every quarter.";
    site.set("/canary", page(&[NSL, GAG, CONTEXT]));
    let env = Env::new(watchlist(&site, 1));
    let out = ok(&env, &["check"]).await;
    assert!(
        out.contains("example: ok, 2 claims, 1 heading or note"),
        "{out}"
    );
    // The claims are withdrawn, the context stays: a removal, confirmed at once.
    site.set("/canary", page(&[CONTEXT]));
    let out = ok(&env, &["check"]).await;
    assert!(
        out.contains("example: 2 claims missing; alert queued"),
        "{out}"
    );
    let later = ok(&env, &["check"]).await;
    assert!(!later.contains("--selector"), "{later}");
    assert!(
        later.contains(
            "example: warning: tracks nothing: its claims were removed (last alert: removed at 20"
        ),
        "{later}"
    );
    let row = list_json(&ok(&env, &["list", "--format", "json"]).await);
    assert_eq!(row["health"], "warning", "{row}");
    assert_eq!(row["health_reasons"], serde_json::json!(["claims lost"]));
    assert_eq!(row["last_alert"]["kind"], "removed", "{row}");
}
