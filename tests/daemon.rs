//! The daemon: scheduling against a real site, the durable outbox across SMTP outages and
//! SIGKILL, SIGHUP reloads, graceful stops and the systemd protocol.

mod common;

use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use canaryd::daemon::{self, DaemonParts};
use canaryd::notify::outbox::{Backoff, DELIVERY_BACKOFF, Outbox};
use common::canary::{GAG, NSL};
use common::notify::NotifySocket;
use common::run::Env;
use common::site::{Reply, Site};
use common::smtp::SmtpServer;
use common::wait_until;
use common::watchlist::{Watch, Watchlist};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;

fn canary(paragraphs: &[&str]) -> Reply {
    Reply::text(&paragraphs.join("\n\n"))
}

/// A watch of each name (of the page named after it), checked every second.
fn watchlist(site: &Site, smtp: &SmtpServer, watches: &[&str]) -> Watchlist {
    Watchlist::new()
        .setting("interval", "1s")
        .setting("confirm", 1)
        .setting("confirm_after", "1s")
        .setting("host_delay", "0s")
        .setting("timeout", "5s")
        .email(&smtp.url(), &["reader@test.invalid"])
        .watches(
            watches
                .iter()
                .map(|w| Watch::url(w, &site.url(&format!("/{w}")))),
        )
}

fn spawn_daemon(env: &Env, extra_env: &[(&str, String)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canaryd"));
    cmd.arg("--watchlist")
        .arg(env.watchlist())
        .arg("--state")
        .arg(env.state())
        .arg("run")
        .env("RUST_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WATCHDOG_USEC")
        .env_remove("JOURNAL_STREAM")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn canaryd run")
}

fn signal(child: &Child, sig: &str) {
    let pid = child.id().expect("running").to_string();
    let ok = std::process::Command::new("kill")
        .args([sig, &pid])
        .status()
        .expect("kill");
    assert!(ok.success());
}

fn outbox_len(env: &Env) -> usize {
    Outbox::at(&env.state())
        .pending()
        .map(|p| p.len())
        .unwrap_or(0)
}

async fn stderr_of(child: Child) -> (Option<i32>, String) {
    let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("the daemon stops within 10 s of SIGTERM")
        .expect("wait");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_down_then_up_delivers_exactly_once() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    smtp.set_refusing(true);
    site.set("/example", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["example"]));
    let shutdown = CancellationToken::new();
    let parts = DaemonParts {
        watchlist: env.watchlist(),
        state: env.state(),
        clock: canaryd::clock::system(),
        shutdown: shutdown.clone(),
        reload: Arc::default(),
        backoff: Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_millis(500),
            ..DELIVERY_BACKOFF
        },
    };
    let daemon = tokio::spawn(daemon::run(parts));

    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/example") >= 2).await,
        "baseline checks"
    );
    site.set("/example", canary(&[GAG]));
    let queued_and_failed = wait_until(Duration::from_secs(20), || {
        Outbox::at(&env.state())
            .pending()
            .is_ok_and(|p| p.len() == 1 && p[0].attempts >= 2)
    })
    .await;
    assert!(
        queued_and_failed,
        "the alert waits in the outbox and is retried while SMTP refuses"
    );
    assert!(smtp.mails().is_empty());

    smtp.set_refusing(false);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.mails().len() == 1).await,
        "delivered once SMTP is back"
    );
    assert!(wait_until(Duration::from_secs(5), || outbox_len(&env) == 0).await);
    // Several more check cycles and retry periods: still exactly one mail.
    let hits = site.hits("/example");
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/example")
            >= hits + 3)
        .await
    );
    assert_eq!(smtp.mails().len(), 1, "never sent twice");
    assert!(smtp.mails()[0].body().contains(NSL));

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), daemon)
        .await
        .expect("stops within 10 s")
        .expect("join")
        .expect("daemon ran cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_after_queueing_loses_no_alert() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    smtp.set_refusing(true);
    site.set("/example", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["example"]));

    let child = spawn_daemon(&env, &[]);
    assert!(wait_until(Duration::from_secs(20), || site.hits("/example") >= 2).await);
    site.set("/example", canary(&[GAG]));
    assert!(
        wait_until(Duration::from_secs(20), || outbox_len(&env) == 1).await,
        "alert queued"
    );
    signal(&child, "-KILL");
    let _ = child.wait_with_output().await;

    smtp.set_refusing(false);
    let child = spawn_daemon(&env, &[]);
    assert!(
        wait_until(Duration::from_secs(20), || smtp.mails().len() == 1).await,
        "the queued alert is delivered after the restart"
    );
    assert!(wait_until(Duration::from_secs(5), || outbox_len(&env) == 0).await);
    signal(&child, "-TERM");
    let (code, _) = stderr_of(child).await;
    assert_eq!(code, Some(0));
    assert_eq!(smtp.mails().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_good_watchlist_keeps_old_on_bad_and_talks_to_systemd() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", canary(&[NSL, GAG]));
    site.set("/b", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["a"]));
    let sock = NotifySocket::bind();
    let child = spawn_daemon(
        &env,
        &[
            ("NOTIFY_SOCKET", sock.path.display().to_string()),
            ("WATCHDOG_USEC", "1000000".into()),
            ("JOURNAL_STREAM", "8:12345".into()),
        ],
    );
    let ready = sock.wait_for("READY=1", 0, Duration::from_secs(20)).await;
    sock.wait_for("WATCHDOG=1", 0, Duration::from_secs(10))
        .await;
    assert!(wait_until(Duration::from_secs(20), || site.hits("/a") >= 1).await);
    assert_eq!(site.hits("/b"), 0);

    // A valid watchlist with a new watch is applied.
    env.set_watchlist(watchlist(&site, &smtp, &["a", "b"]));
    signal(&child, "-HUP");
    let reloading = sock
        .wait_for("RELOADING=1", ready + 1, Duration::from_secs(10))
        .await;
    let ready_again = sock
        .wait_for("READY=1", reloading + 1, Duration::from_secs(10))
        .await;
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/b") >= 1).await,
        "new watch checked"
    );

    // An invalid one is refused and the old one keeps running.
    env.set_watchlist("[settings]\ninterval = \"soon\"\n");
    signal(&child, "-HUP");
    sock.wait_for("READY=1", ready_again + 1, Duration::from_secs(10))
        .await;
    let (a, b) = (site.hits("/a"), site.hits("/b"));
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/a") > a + 1
            && site.hits("/b") > b + 1)
        .await,
        "both watches still checked after a bad reload"
    );

    signal(&child, "-TERM");
    let stopping = sock
        .wait_for("STOPPING=1", 0, Duration::from_secs(10))
        .await;
    assert!(stopping > ready_again);
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("watchlist.toml:2:12"),
        "bad reload logged with line and column: {stderr}"
    );
    // Under journald: syslog priority prefixes, no timestamps.
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(
            l.starts_with("<3>")
                || l.starts_with("<4>")
                || l.starts_with("<6>")
                || l.starts_with("<7>"),
            "{l}"
        );
        assert!(
            !l.contains("Z  INFO") && !l.starts_with("20"),
            "no timestamps under journald: {l}"
        );
    }
    assert!(
        stderr.contains("<3>"),
        "the failed reload is logged at error priority: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_check_logged_per_watch_with_result_and_duration() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["a"]));
    let child = spawn_daemon(&env, &[]);
    assert!(wait_until(Duration::from_secs(20), || site.hits("/a") >= 2).await);
    signal(&child, "-TERM");
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(0));
    let check_line = stderr
        .lines()
        .find(|l| l.contains(" check") && l.contains("watch=a"))
        .unwrap_or_default();
    assert!(
        check_line.contains("result=ok") && check_line.contains("duration_ms="),
        "{stderr}"
    );
    assert!(!stderr.contains("password"), "secrets never logged");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watch_that_tracks_nothing_is_logged_at_warning_from_the_first_check() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/a", canary(&["Opening hours are nine to five."]));
    site.set("/b", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["a", "b"]));
    let child = spawn_daemon(&env, &[]);
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/a") >= 1
            && site.hits("/b") >= 1)
        .await
    );
    // The first check's lines are written before the next one starts.
    assert!(wait_until(Duration::from_secs(20), || site.hits("/a") >= 2).await);
    signal(&child, "-TERM");
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(0));
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("tracks nothing"))
        .collect();
    assert!(!warned.is_empty(), "{stderr}");
    for l in &warned {
        assert!(l.contains("WARN") && l.contains("watch=a"), "{l}");
        assert!(
            l.contains("canaryd preview") && l.contains("--selector"),
            "{l}"
        );
    }
    // Each check's own line carries the verdict too.
    let check_of = |w: &str| {
        stderr
            .lines()
            .find(|l| l.contains(" check") && l.contains(&format!("watch={w} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(check_of("a").contains("health=warning"), "{stderr}");
    assert!(check_of("b").contains("health=ok"), "{stderr}");
    assert!(
        !stderr
            .lines()
            .any(|l| l.contains("watch=b") && l.contains("WARN")),
        "{stderr}"
    );
}

/// A server that accepts connections and never answers: a check against it hangs until its
/// timeout. It counts the connections it accepted: one means a check is in flight.
struct BlackHole {
    port: u16,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl BlackHole {
    async fn start() -> BlackHole {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = listener.accept().await {
                held.push(s);
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
        BlackHole {
            port,
            accepted,
            _task: task,
        }
    }

    /// Waits until a check has connected and hangs on this server.
    async fn wait_for_a_check(&self) {
        let accepted = &self.accepted;
        assert!(
            wait_until(Duration::from_secs(20), || accepted
                .load(std::sync::atomic::Ordering::SeqCst)
                >= 1)
            .await,
            "the check connects to the silent server"
        );
    }
}

/// Persists a next-check time one second ahead, so the watch's first check starts then
/// (overdue or unknown times would be spread over several minutes).
fn due_in_a_second(env: &Env, watch: &str) {
    std::fs::create_dir_all(env.state().join(watch)).expect("mkdir");
    let next = chrono::Utc::now() + chrono::TimeDelta::seconds(1);
    std::fs::write(
        env.state().join(watch).join("check.json"),
        format!(
            "{{\"result\":\"ok\",\"duration_ms\":0,\"statements\":0,\"claims\":0,\"next_check\":\"{}\"}}",
            next.to_rfc3339()
        ),
    )
    .expect("write check.json");
}

fn hanging_watchlist(port: u16) -> Watchlist {
    Watchlist::new()
        .setting("interval", "1h")
        .setting("timeout", "60s")
        .setting("host_delay", "0s")
        .watch(Watch::url(
            "slow",
            &format!("http://127.0.0.1:{port}/canary"),
        ))
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_within_ten_seconds_even_with_a_hung_fetch() {
    let server = BlackHole::start().await;
    let env = Env::new(hanging_watchlist(server.port));
    due_in_a_second(&env, "slow");
    let sock = NotifySocket::bind();
    let child = spawn_daemon(&env, &[("NOTIFY_SOCKET", sock.path.display().to_string())]);
    sock.wait_for("READY=1", 0, Duration::from_secs(20)).await;
    // The check starts after a second and hangs on the silent server (60 s timeout).
    server.wait_for_a_check().await;
    signal(&child, "-TERM");
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("abandoning in-flight checks"),
        "the hung check was in flight: {stderr}"
    );
    assert!(stderr.contains("canaryd stopped"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn second_signal_exits_at_once() {
    let server = BlackHole::start().await;
    let env = Env::new(hanging_watchlist(server.port));
    due_in_a_second(&env, "slow");
    let sock = NotifySocket::bind();
    let child = spawn_daemon(&env, &[("NOTIFY_SOCKET", sock.path.display().to_string())]);
    sock.wait_for("READY=1", 0, Duration::from_secs(20)).await;
    server.wait_for_a_check().await;
    signal(&child, "-TERM");
    sock.wait_for("STOPPING=1", 0, Duration::from_secs(5)).await;
    signal(&child, "-TERM");
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(130), "a second signal exits at once: {stderr}");
    assert!(stderr.contains("second stop signal"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_panics_is_logged_shown_and_retried_never_dropped() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/boom", canary(&[NSL, GAG]));
    site.set("/calm", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["boom", "calm"]));
    let shutdown = CancellationToken::new();
    // The first three checks of "boom" panic, as a bug in a check would.
    let boom_checks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = boom_checks.clone();
    let parts = DaemonParts {
        watchlist: env.watchlist(),
        state: env.state(),
        clock: canaryd::clock::system(),
        shutdown: shutdown.clone(),
        reload: Arc::default(),
        backoff: DELIVERY_BACKOFF,
    };
    let hook = daemon::FaultHook(Arc::new(move |name: &str| {
        if name == "boom" && counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
            panic!("injected fault in the check of {name}");
        }
    }));
    let daemon = tokio::spawn(daemon::run_with_fault_hook(parts, hook));

    // While it panics, `list` says so for that watch, and the other watch goes on. The
    // daemon records the panic in check.json first; `list` is asked once it has (the three
    // panics keep it recorded for seconds: their backoffs are 1 s, 2 s and 4 s).
    let check_json = env.state().join("boom").join("check.json");
    let panicked = |v: &serde_json::Value| {
        v["result"] == "failed"
            && v["error"]
                .as_str()
                .is_some_and(|e| e.contains("panicked") && e.contains("injected fault"))
    };
    assert!(
        wait_until(Duration::from_secs(20), || {
            std::fs::read(&check_json)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| panicked(&v))
        })
        .await,
        "the panicked check of boom is recorded"
    );
    let out = env.canaryd(&["list", "--format", "json"]).await;
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("list JSON");
    let boom = rows
        .as_array()
        .and_then(|r| r.iter().find(|w| w["name"] == "boom"))
        .cloned()
        .unwrap_or_default();
    assert!(
        boom["last_result"] == "failed"
            && boom["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("panicked") && e.contains("injected fault")),
        "list shows the panicked check of boom: {boom}"
    );
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/calm") >= 2).await,
        "the other watch is checked as usual"
    );
    // Retried with backoff (1 s, 2 s, 4 s): the watch comes back and its canary is judged.
    assert!(
        wait_until(Duration::from_secs(30), || site.hits("/boom") >= 2).await,
        "boom is checked again after its panics"
    );
    site.set("/boom", canary(&[GAG]));
    assert!(
        wait_until(Duration::from_secs(20), || smtp
            .mails()
            .iter()
            .any(|m| m.data.contains("boom") && m.data.contains("removed")))
        .await,
        "a death on the watch that panicked is still alerted"
    );
    assert!(boom_checks.load(std::sync::atomic::Ordering::SeqCst) > 3);
    shutdown.cancel();
    daemon.await.expect("join").expect("daemon stops cleanly");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_beside_a_running_daemon_is_refused_and_names_it() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    site.set("/example", canary(&[NSL, GAG]));
    let env = Env::new(watchlist(&site, &smtp, &["example"]));
    let mut daemon = spawn_daemon(&env, &[]);
    assert!(
        wait_until(Duration::from_secs(20), || site.hits("/example") >= 1).await,
        "the daemon checks"
    );
    let out = env.canaryd(&["check"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", common::run::stdout(&out));
    let err = common::run::stderr(&out);
    assert!(err.contains("canaryd: error:"), "{err}");
    assert!(err.contains("in use by another canaryd"), "{err}");
    assert!(
        err.contains(&format!("canaryd run, pid {}", daemon.id().expect("pid"))),
        "{err}"
    );
    signal(&daemon, "-TERM");
    let _ = daemon.wait().await;
    // Once the daemon is gone the directory is free again.
    env.check().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_watchlist_is_checked_within_seconds_and_the_log_says_when() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    let names = ["a", "b", "c", "d", "e"];
    for n in names {
        site.set(&format!("/{n}"), canary(&[NSL, GAG]));
    }
    // A six-hour interval: before, a never-checked watch waited up to five minutes.
    let env = Env::new(watchlist(&site, &smtp, &names).setting("interval", "6h"));
    let child = spawn_daemon(&env, &[]);
    let all_checked = wait_until(Duration::from_secs(30), || {
        names.iter().all(|n| site.hits(&format!("/{n}")) >= 1)
    })
    .await;
    signal(&child, "-TERM");
    let (code, stderr) = stderr_of(child).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        all_checked,
        "every new watch is checked within seconds: {stderr}"
    );
    assert!(stderr.contains("5 watches; first check "), "{stderr}");
    for n in names {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(" due ") && l.contains(&format!("watch={n}"))),
            "when {n} is due is said at start-up: {stderr}"
        );
    }
    // A check that raised nothing and failed in nothing logs no empty fields.
    let check_line = stderr
        .lines()
        .find(|l| l.contains(" check") && l.contains("watch=a") && l.contains("result="))
        .unwrap_or_default();
    assert!(!check_line.contains("events="), "{check_line}");
    assert!(!check_line.contains("error="), "{check_line}");
}
