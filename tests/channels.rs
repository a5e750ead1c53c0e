//! Notification channels end to end, with the real binary: a webhook against a real loopback
//! HTTP server, a command channel running a real shell script, several channels at once,
//! filters, an outbox file in the old format, one message for a check with several events,
//! and `test-notify`.

mod common;

use std::convert::Infallible;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Channel, Watch, Watchlist, strings};

/// One request the hook received.
#[derive(Debug, Clone)]
struct Hit {
    authorization: Option<String>,
    content_type: Option<String>,
    body: serde_json::Value,
}

/// A loopback webhook receiver answering the scripted statuses in turn (the last one
/// repeating), recording every request with its body.
#[derive(Clone)]
struct Hook {
    port: u16,
    hits: Arc<Mutex<Vec<Hit>>>,
}

impl Hook {
    async fn start(statuses: &[u16]) -> Hook {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let statuses = statuses.to_vec();
        let h = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (h, statuses) = (h.clone(), statuses.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                        let (h, statuses) = (h.clone(), statuses.clone());
                        async move {
                            let header = |n: &str| {
                                req.headers()
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .map(String::from)
                            };
                            let (authorization, content_type) =
                                (header("authorization"), header("content-type"));
                            let bytes = req.into_body().collect().await.expect("body").to_bytes();
                            let body = serde_json::from_slice(&bytes).expect("JSON body");
                            let n = {
                                let mut hits = h.lock().expect("lock");
                                hits.push(Hit {
                                    authorization,
                                    content_type,
                                    body,
                                });
                                hits.len() - 1
                            };
                            let status = statuses[n.min(statuses.len() - 1)];
                            let mut resp =
                                Response::new(Full::new(Bytes::from(format!("answer {status}"))));
                            *resp.status_mut() =
                                hyper::StatusCode::from_u16(status).expect("status");
                            Ok::<_, Infallible>(resp)
                        }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Hook { port, hits }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/canaryd", self.port)
    }

    fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("lock").clone()
    }
}

fn canary(paragraphs: &[&str]) -> Reply {
    Reply::text(&paragraphs.join("\n\n"))
}

/// Two watches, "example" and "other", each of the page named after it; add the channels.
fn watchlist(site: &Site) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .setting("timeout", "5s")
        .watch(Watch::url("example", &site.url("/example")))
        .watch(Watch::url("other", &site.url("/other")))
}

fn webhook(hook: &Hook) -> Channel {
    Channel::new("webhook").set("url", hook.url())
}

/// A script that saves its stdin and environment next to itself and exits with `code`.
fn script(dir: &Path, code: i32) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(format!("notify-{code}.sh"));
    let d = dir.display();
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ncat > {d}/stdin.json\nenv > {d}/env.txt\necho run >> {d}/runs.txt\necho 'something broke' >&2\necho 'pager says no' >&2\nexit {code}\n"
        ),
    )
    .expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

fn command(path: &str) -> Channel {
    Channel::new("command").set("command", strings(&[path, "--urgent"]))
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs.txt"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

/// Baseline, then the NSL statement withdrawn: one `removed` alert about "example".
async fn removal(env: &Env, site: &Site) -> String {
    site.set("/example", canary(&[NSL, GAG]));
    site.set("/other", canary(&[NSL, GAG]));
    env.check().await;
    site.set("/example", canary(&[GAG]));
    check(env).await
}

/// Runs `check`: exit 75 exactly when its summary says alerts are left undelivered (waiting,
/// or refused for good in this pass), 0 otherwise.
async fn check(env: &Env) -> String {
    let out = env.canaryd(&["check"]).await;
    let text = stdout(&out);
    let stuck = (text.contains(" waiting") && !text.contains(" 0 waiting"))
        || text.contains("refused for good");
    assert_eq!(
        out.status.code(),
        Some(if stuck { 75 } else { 0 }),
        "{text}{}",
        stderr(&out)
    );
    text
}

async fn list_json(env: &Env) -> serde_json::Value {
    let out = env.canaryd(&["list", "--format", "json"]).await;
    serde_json::from_str(&stdout(&out)).expect("list JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_gets_the_documented_json_and_the_authorization_header() {
    let site = Site::start().await;
    let hook = Hook::start(&[200]).await;
    let env = Env::new("");
    let token = env.dir.path().join("token");
    std::fs::write(&token, "Bearer s3cret\n").expect("token");
    env.set_watchlist(
        watchlist(&site)
            .channel(webhook(&hook).set("authorization_file", token.display().to_string())),
    );
    let out = removal(&env, &site).await;
    assert!(out.contains("1 delivered"), "{out}");
    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.authorization.as_deref(), Some("Bearer s3cret"));
    assert_eq!(h.content_type.as_deref(), Some("application/json"));
    let b = &h.body;
    assert_eq!(b["watch"], "example");
    assert_eq!(b["url"], site.url("/example"));
    assert_eq!(b["kind"], "removed");
    assert_eq!(b["severity"], "high");
    assert_eq!(b["statements"][0], NSL);
    assert!(b["changes"].as_array().expect("changes").is_empty());
    assert!(b["detail"].as_str().expect("detail").contains("claim"));
    for t in ["first_seen", "at", "queued_at"] {
        assert!(
            chrono::DateTime::parse_from_rfc3339(b[t].as_str().expect(t)).is_ok(),
            "{t}: {b}"
        );
    }
    assert_eq!(b["alert_id"].as_str().expect("id").len(), 32);
    assert_eq!(b["subject"], "[canaryd] example: canary statement removed");
    assert!(b["body"].as_str().expect("body").contains(NSL));
    assert_eq!(b["test"], false);
    // The feed is written by delivery from the same queued alert.
    let atom = std::fs::read_to_string(env.state().join("feed.atom")).expect("feed.atom");
    assert!(atom.contains("canary statement removed"), "{atom}");
    assert!(
        env.state()
            .join("outbox")
            .read_dir()
            .expect("outbox")
            .all(|e| e.expect("entry").path().is_dir())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_400_is_permanent_not_retried_and_shown_by_list() {
    let site = Site::start().await;
    let hook = Hook::start(&[400]).await;
    let env = Env::new(watchlist(&site).channel(webhook(&hook)));
    let out = removal(&env, &site).await;
    assert!(out.contains("refused for good"), "{out}");
    check(&env).await;
    assert_eq!(hook.hits().len(), 1, "a permanent failure is not retried");
    let failed = env.state().join("outbox/failed");
    assert_eq!(failed.read_dir().expect("failed/").count(), 1);
    let json = list_json(&env).await;
    let row = &json[0];
    assert_eq!(row["undelivered"], 1);
    let ch = &row["undelivered_channels"][0];
    assert_eq!(ch["channel"], format!("webhook:{}", hook.url()));
    assert_eq!(ch["permanent"], true);
    assert!(
        ch["last_error"]
            .as_str()
            .expect("error")
            .contains("HTTP 400"),
        "{ch}"
    );
    let table = stdout(&env.canaryd(&["list"]).await);
    assert!(
        table.contains("example: refused for good by webhook:"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_503_is_retried_then_delivered() {
    let site = Site::start().await;
    let hook = Hook::start(&[503, 200]).await;
    let env = Env::new(watchlist(&site).channel(webhook(&hook)));
    let out = removal(&env, &site).await;
    assert!(out.contains("1 waiting"), "{out}");
    let json = list_json(&env).await;
    let ch = &json[0]["undelivered_channels"][0];
    assert_eq!(ch["permanent"], false);
    assert_eq!(ch["attempts"], 1);
    assert!(
        json[0]["delivery_error"]
            .as_str()
            .expect("error")
            .contains("503")
    );
    let out = env.check().await;
    assert!(out.contains("1 delivered"), "{out}");
    let hits = hook.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body["alert_id"], hits[1].body["alert_id"]);
    assert_eq!(list_json(&env).await[0]["undelivered"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn command_gets_json_on_stdin_and_env_and_exit_status_decides() {
    let site = Site::start().await;
    let env = Env::new("");
    let dir = env.dir.path().join("bin");
    std::fs::create_dir(&dir).expect("bin");
    env.set_watchlist(watchlist(&site).channel(command(&script(&dir, 0))));
    let out = removal(&env, &site).await;
    assert!(out.contains("1 delivered"), "{out}");
    let stdin: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("stdin.json")).expect("stdin"))
            .expect("JSON on stdin");
    assert_eq!(stdin["watch"], "example");
    assert_eq!(stdin["statements"][0], NSL);
    let envs = std::fs::read_to_string(dir.join("env.txt")).expect("env");
    for want in [
        "CANARYD_WATCH=example".to_string(),
        format!("CANARYD_URL={}", site.url("/example")),
        "CANARYD_KIND=removed".into(),
        "CANARYD_SEVERITY=high".into(),
        "CANARYD_SUBJECT=[canaryd] example: canary statement removed".into(),
        format!(
            "CANARYD_ALERT_ID={}",
            stdin["alert_id"].as_str().expect("id")
        ),
    ] {
        assert!(envs.lines().any(|l| l == want), "{want} in {envs}");
    }

    // Exit 1: a failure with the last line of stderr, retried on the next run.
    let env = Env::new("");
    let dir = env.dir.path().join("bin");
    std::fs::create_dir(&dir).expect("bin");
    env.set_watchlist(watchlist(&site).channel(command(&script(&dir, 1))));
    let out = removal(&env, &site).await;
    assert!(out.contains("1 waiting"), "{out}");
    let json = list_json(&env).await;
    let error = json[0]["undelivered_channels"][0]["last_error"]
        .as_str()
        .expect("error")
        .to_string();
    assert!(
        error.contains("status 1") && error.contains("pager says no"),
        "{error}"
    );
    check(&env).await;
    assert_eq!(runs(&dir), 2, "retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_two_channels_the_one_that_took_it_is_not_sent_it_again() {
    let site = Site::start().await;
    let hook = Hook::start(&[200]).await;
    let env = Env::new("");
    let dir = env.dir.path().join("bin");
    std::fs::create_dir(&dir).expect("bin");
    env.set_watchlist(
        watchlist(&site)
            .channel(webhook(&hook))
            .channel(command(&script(&dir, 1))),
    );
    removal(&env, &site).await;
    check(&env).await;
    assert_eq!(runs(&dir), 2, "the failing channel is retried");
    assert_eq!(
        hook.hits().len(),
        1,
        "the webhook that took it is not sent it again"
    );
    let json = list_json(&env).await;
    let chans = json[0]["undelivered_channels"]
        .as_array()
        .expect("channels");
    assert_eq!(chans.len(), 1);
    assert!(
        chans[0]["channel"]
            .as_str()
            .expect("id")
            .starts_with("command:")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn filtered_alerts_are_not_sent_to_that_channel() {
    let site = Site::start().await;
    let by_watch = Hook::start(&[200]).await;
    let by_event = Hook::start(&[200]).await;
    let all = Hook::start(&[200]).await;
    let env = Env::new(
        watchlist(&site)
            .channel(webhook(&by_watch).set("watches", strings(&["other"])))
            .channel(webhook(&by_event).set("events", strings(&["changed", "gone"])))
            .channel(webhook(&all)),
    );
    removal(&env, &site).await;
    assert_eq!(all.hits().len(), 1);
    assert!(by_watch.hits().is_empty());
    assert!(by_event.hits().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outbox_file_in_the_old_format_is_still_delivered() {
    let site = Site::start().await;
    site.set("/example", canary(&[NSL, GAG]));
    site.set("/other", canary(&[NSL, GAG]));
    let hook = Hook::start(&[200]).await;
    let env = Env::new(watchlist(&site).channel(webhook(&hook)));
    std::fs::create_dir_all(env.state().join("outbox")).expect("outbox");
    std::fs::write(
        env.state()
            .join("outbox/0123456789abcdef0123456789abcdef.json"),
        r#"{
  "alert": {
    "id": "0123456789abcdef0123456789abcdef", "watch": "example", "url": "https://example.org/",
    "kind": "removed", "subject": "[canaryd] example: canary statement removed",
    "body": "old body", "message_id": "<0123456789abcdef0123456789abcdef@canaryd>",
    "thread_id": "<watch.x@canaryd>", "created": "2026-01-02T03:04:05Z"
  },
  "queued_at": "2026-01-02T03:04:05Z",
  "attempts": 2,
  "last_error": "connection refused",
  "next_attempt": "2026-01-02T03:10:00Z"
}"#,
    )
    .expect("old file");
    let out = env.check().await;
    assert!(out.contains("1 delivered"), "{out}");
    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].body["alert_id"], "0123456789abcdef0123456789abcdef");
    assert_eq!(hits[0].body["body"], "old body");
    assert!(hits[0].body["severity"].is_null());
    // Queued when each event was its own alert: delivered as that one event.
    let events = hits[0].body["events"].as_array().expect("events");
    assert_eq!(events.len(), 1, "{}", hits[0].body);
    assert_eq!(events[0]["kind"], "removed");
    assert!(events[0]["severity"].is_null());
}

#[tokio::test(flavor = "multi_thread")]
async fn test_notify_reports_each_channel_and_fails_if_any_failed() {
    let site = Site::start().await;
    let hook = Hook::start(&[204]).await;
    let env = Env::new("");
    let dir = env.dir.path().join("bin");
    std::fs::create_dir(&dir).expect("bin");
    env.set_watchlist(
        watchlist(&site)
            .channel(webhook(&hook))
            .channel(command(&script(&dir, 1))),
    );
    let out = env.canaryd(&["test-notify"]).await;
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!("channel 1 (webhook:{}): OK: HTTP 204", hook.url())),
        "{text}"
    );
    assert!(
        text.contains("channel 2 (command:") && text.contains("pager says no"),
        "{text}"
    );
    assert_eq!(hook.hits()[0].body["test"], true);
    assert_eq!(hook.hits()[0].body["kind"], "test");

    let out = env.canaryd(&["test-notify", "--channel", "1"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(!stdout(&out).contains("channel 2"));
    let out = env.canaryd(&["test-notify", "--channel", "3"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no channel 3"), "{}", stderr(&out));
}

const WEAKENED_GAG: &str = "Example Co has rarely been subject to a gag order.";

#[tokio::test(flavor = "multi_thread")]
async fn one_check_with_a_removal_and_a_change_is_one_message_everywhere() {
    let site = Site::start().await;
    let hook = Hook::start(&[200]).await;
    let smtp = common::smtp::SmtpServer::start().await;
    let env = Env::new(
        watchlist(&site)
            .email(&smtp.url(), &["reader@test.invalid"])
            .channel(webhook(&hook)),
    );
    site.set("/example", canary(&[NSL, GAG]));
    site.set("/other", canary(&[NSL, GAG]));
    env.check().await;
    // The NSL claim withdrawn and the gag claim weakened, found by the same check.
    site.set("/example", canary(&[WEAKENED_GAG]));
    let out = env.check().await;
    assert!(out.contains("1 delivered"), "{out}");

    // The event log keeps one line per event.
    let log = std::fs::read_to_string(env.state().join("example/events.jsonl")).expect("log");
    assert!(log.contains("\"kind\":\"removed\"") && log.contains("\"kind\":\"changed\""));

    // One email, the statement diff once, the subject naming the most severe event.
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "one message for the check");
    let subject = mails[0].header("Subject").unwrap_or_default();
    assert!(
        subject == "[canaryd] example: canary statement removed; also changed"
            || subject == "[canaryd] example: canary statement changed; also removed",
        "{subject}"
    );
    let body = mails[0].body();
    assert_eq!(
        body.matches("Statement list, before and after:").count(),
        1,
        "{body}"
    );
    assert!(
        body.contains("Event 1 of 2") && body.contains("Event 2 of 2"),
        "{body}"
    );
    assert!(
        body.contains(NSL) && body.contains("[-never-]{+rarely+}"),
        "{body}"
    );
    let events_header = mails[0].header("X-Canaryd-Events").unwrap_or_default();
    assert!(
        events_header.contains("removed") && events_header.contains("changed"),
        "{events_header}"
    );

    // One webhook request: the old top-level fields, and every event in `events`.
    let hits = hook.hits();
    assert_eq!(hits.len(), 1);
    let b = &hits[0].body;
    assert_eq!(b["subject"], subject.as_str());
    assert_eq!(
        b["message_id"],
        mails[0].header("Message-ID").unwrap_or_default()
    );
    assert_eq!(b["severity"], "high");
    let events = b["events"].as_array().expect("events");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 2, "{b}");
    assert!(
        kinds.contains(&"removed") && kinds.contains(&"changed"),
        "{b}"
    );
    assert_eq!(
        b["kind"], kinds[0],
        "top-level kind is the first (most severe) event's"
    );
    assert!(
        b["statements"]
            .as_array()
            .expect("statements")
            .iter()
            .any(|s| s == NSL)
    );
    assert_eq!(b["changes"][0]["new"], WEAKENED_GAG);
    for e in events {
        for key in [
            "severity",
            "statements",
            "changes",
            "detail",
            "first_seen",
            "at",
        ] {
            assert!(e.get(key).is_some(), "{key} in {e}");
        }
        let at = e["at"].as_str().expect("at");
        assert!(
            chrono::DateTime::parse_from_rfc3339(at).is_ok() && !at.contains('.'),
            "RFC 3339 to the second: {at}"
        );
    }

    // One feed entry, a category per event.
    let atom = std::fs::read_to_string(env.state().join("feed.atom")).expect("feed.atom");
    assert_eq!(atom.matches("<entry>").count(), 1, "{atom}");
    assert!(
        atom.contains("<category term=\"removed\"/>")
            && atom.contains("<category term=\"changed\"/>"),
        "{atom}"
    );
    assert!(atom.contains("<link rel=\"self\""), "{atom}");
}
