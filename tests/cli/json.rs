//! `--format json` of `check`, `history`, `diff`, `show` and `verify`: the documented fields.

use crate::common::run::stderr;
use crate::{GAG, NSL, expect, json, page, two_watches};

#[tokio::test(flavor = "multi_thread")]
async fn check_json_is_one_document_with_the_documented_fields() {
    let (site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    site.set("/a", page(&[GAG]));
    let out = expect(&env, &["check", "--format", "json"], 0).await;
    // Without channels the alert goes to the stdout channel: on standard error here, so that
    // standard output is the JSON document alone.
    assert!(
        stderr(&out).contains("Subject: [canaryd] acme: canary statement removed"),
        "{}",
        stderr(&out)
    );
    let doc = json(&out);
    assert_eq!(doc["checked"], 2);
    assert_eq!(doc["fetched"], 2);
    assert_eq!(doc["failed"], 0);
    assert_eq!(doc["store_errors"], 0);
    assert_eq!(doc["exit"], 0);
    for key in ["delivered", "waiting", "refused", "last_error"] {
        assert!(doc["alerts"].get(key).is_some(), "alerts.{key}: {doc}");
    }
    let watches = doc["watches"].as_array().expect("watches");
    assert_eq!(watches.len(), 2);
    let acme = watches.iter().find(|w| w["name"] == "acme").expect("acme");
    for key in [
        "result",
        "error",
        "url",
        "final_url",
        "status",
        "statements",
        "claims",
        "pending",
        "queued",
        "duration_ms",
        "events",
    ] {
        assert!(acme.get(key).is_some(), "watches[].{key}: {acme}");
    }
    assert_eq!(acme["result"], "ok");
    assert_eq!(acme["status"], 200);
    assert_eq!(acme["statements"], 1);
    let event = &acme["events"][0];
    assert_eq!(event["kind"], "removed");
    assert_eq!(event["claim"], true);
    assert_eq!(event["notify"], true);
    assert_eq!(event["statements"][0], NSL);
    for key in ["at", "first_seen", "detail", "changes"] {
        assert!(event.get(key).is_some(), "events[].{key}: {event}");
    }
    // One claim left after the removal: still healthy, as `list` would say.
    assert_eq!(acme["health"], "ok", "{acme}");
    assert_eq!(acme["health_reasons"], serde_json::json!([]), "{acme}");
}

#[tokio::test(flavor = "multi_thread")]
async fn evidence_commands_speak_json() {
    let (site, env) = two_watches().await;
    expect(&env, &["check", "acme"], 0).await;
    site.set(
        "/a",
        page(&[GAG, "Acme has never been served a FISA order."]),
    );
    expect(&env, &["check", "acme"], 0).await;

    let h = json(&expect(&env, &["history", "acme", "--format", "json"], 0).await);
    assert_eq!(h["watch"], "acme");
    assert_eq!(h["url"], site.url("/a"));
    let snaps = h["snapshots"].as_array().expect("snapshots");
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0]["seq"], 2, "newest first");
    for key in [
        "at",
        "result",
        "error",
        "status",
        "statements",
        "claims",
        "set_hash",
        "record_sha256",
        "body_sha256",
        "body_length",
        "body_pruned",
        "signatures",
        "head_rebuilt",
        "events",
    ] {
        assert!(
            snaps[0].get(key).is_some(),
            "snapshots[].{key}: {}",
            snaps[0]
        );
    }
    assert_eq!(snaps[0]["events"][0]["kind"], "removed");

    let d = json(&expect(&env, &["diff", "acme", "--format", "json"], 0).await);
    assert_eq!(d["from"]["seq"], 1);
    assert_eq!(d["to"]["seq"], 2);
    assert!(d["from"]["at"].is_string() && d["to"]["set_hash"].is_string());
    assert_eq!(d["removed"], serde_json::json!([NSL]));
    assert_eq!(
        d["added"],
        serde_json::json!(["Acme has never been served a FISA order."])
    );
    assert!(d["changed"].is_array() && d["reworded"].is_array(), "{d}");

    let s = json(&expect(&env, &["show", "acme", "1", "--format", "json"], 0).await);
    assert_eq!(s["seq"], 1);
    assert_eq!(s["status"], 200);
    let st = s["statements"].as_array().expect("statements");
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["text"], NSL);
    assert_eq!(st[0]["claim"], true);
    assert!(st[0]["hash"].as_str().is_some_and(|h| h.len() == 64), "{s}");
    for key in [
        "watch",
        "at",
        "url",
        "final_url",
        "asked_seq",
        "set_hash",
        "body_sha256",
        "body_pruned",
    ] {
        assert!(s.get(key).is_some(), "show.{key}: {s}");
    }

    let v = json(&expect(&env, &["verify", "--format", "json"], 0).await);
    let chains = v.as_array().expect("array");
    assert_eq!(chains.len(), 1, "only acme has evidence: {v}");
    let c = &chains[0];
    assert_eq!(c["watch"], "acme");
    assert_eq!(c["holds"], true);
    assert_eq!(c["records"], 2);
    assert_eq!(c["head_seq"], 2);
    assert!(c["head_sha256"].is_string() && c["dir"].is_string());
    assert_eq!(c["problems"], serde_json::json!([]));
    assert!(c["notes"].is_array() && c["bodies_checked"].is_number());
    assert!(c["bodies_pruned"].is_number());

    // A broken chain: JSON says so and the exit status is still 1.
    std::fs::remove_file(env.state().join("acme/history/000001.json")).expect("rm");
    let broken = expect(&env, &["verify", "acme", "--format", "json"], 1).await;
    let b = json(&broken);
    assert_eq!(b[0]["holds"], false);
    assert!(!b[0]["problems"].as_array().expect("problems").is_empty());
}
