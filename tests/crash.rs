//! SIGKILL at random points of a changed pass and of its delivery: afterwards, every death is
//! alerted exactly once, under one Message-ID, logged once and archived once. A pass commits
//! its writes in groups (`pipeline::commit`); the second test kills at seeded random points of
//! the pass's progress, and also checks that nothing the killed pass acknowledged was missing
//! from disk and that every evidence chain still verifies.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::smtp::SmtpServer;
use common::watchlist::{Watch, Watchlist};

const WATCHES: usize = 40;

fn page(claims: &[&str]) -> Reply {
    let items: String = claims.iter().map(|c| format!("<li>{c}</li>")).collect();
    Reply::html(&format!(
        "<html><body><h1>Warrant canary</h1><ul id=\"canary\">{items}</ul></body></html>"
    ))
}

fn watchlist(site: &Site, smtp: &SmtpServer) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 1)
        .setting("host_delay", "0s")
        .setting("host_concurrency", 64)
        .email(&smtp.url(), &["reader@test.invalid"])
        .watches((0..WATCHES).map(|i| {
            Watch::url(&format!("w{i}"), &site.url(&format!("/w{i}"))).set("selector", "#canary li")
        }))
}

/// How far the pass under test has got: pages fetched in it (at most one per watch) plus
/// alerts delivered, 0 to `2 × WATCHES`.
fn progress(site: &Site, smtp: &SmtpServer, hits_before: usize) -> usize {
    let hits: usize = (0..WATCHES).map(|i| site.hits(&format!("/w{i}"))).sum();
    hits.saturating_sub(hits_before).min(WATCHES) + smtp.mails().len()
}

/// Starts `check` and SIGKILLs it once the pass has made `at` steps of progress (a readiness
/// signal, not a wall-clock guess); returns the pass's progress when the kill landed. Fails
/// the test if the pass ended before the kill, since then nothing was killed mid-pass.
async fn check_killed_at(
    env: &Env,
    site: &Site,
    smtp: &SmtpServer,
    at: usize,
    out: std::process::Stdio,
) -> usize {
    use std::os::unix::process::ExitStatusExt as _;
    let hits_before: usize = (0..WATCHES).map(|i| site.hits(&format!("/w{i}"))).sum();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_canaryd"))
        .arg("--watchlist")
        .arg(env.watchlist())
        .arg("--state")
        .arg(env.state())
        .arg("check")
        .stdout(out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn check");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while progress(site, smtp, hits_before) < at {
        assert!(
            child.try_wait().expect("try_wait").is_none(),
            "the pass ended at progress {} before reaching {at}",
            progress(site, smtp, hits_before)
        );
        assert!(
            tokio::time::Instant::now() < deadline,
            "no progress to {at}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // SIGKILL: no destructor, no flush, exactly as a power cut looks to the files.
    let _ = child.start_kill();
    let status = child.wait().await.expect("wait");
    let landed = progress(site, smtp, hits_before);
    assert_eq!(
        status.signal(),
        Some(9),
        "the kill at progress {at} landed after the pass had ended ({status})"
    );
    landed
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_anywhere_in_a_changed_pass_alerts_each_death_once() {
    // Kill points spread over the pass, by its progress (pages fetched, then alerts
    // delivered, out of 2 × WATCHES): fetching, judging and the durable writes, delivery.
    let kill_at = [1, 4, 10, 20, 32, 40, 44, 52];
    for (trial, at) in kill_at.iter().enumerate() {
        let site = Site::start().await;
        let smtp = SmtpServer::start().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL, GAG]));
        }
        let env = Env::new(watchlist(&site, &smtp));
        env.check().await;
        assert!(smtp.mails().is_empty(), "the first pass only records");
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL]));
        }
        let landed = check_killed_at(&env, &site, &smtp, *at, std::process::Stdio::null()).await;
        // Mid-pass: begun, and not every alert out yet.
        assert!(
            landed >= *at && smtp.mails().len() < WATCHES,
            "trial {trial}: the kill at {at} landed at progress {landed}, {} alerts out",
            smtp.mails().len()
        );
        // The next passes finish the job: judge what was not judged, deliver what waits.
        for _ in 0..2 {
            let out = env.canaryd(&["check"]).await;
            assert_eq!(
                out.status.code(),
                Some(0),
                "trial {trial}: {}{}",
                stdout(&out),
                stderr(&out)
            );
        }

        each_death_once(&env, &smtp, trial, *at);
    }
}

/// After the passes that follow a kill: every watch alerted under exactly one Message-ID,
/// its removal logged once and archived once, and nothing left in the outbox.
fn each_death_once(env: &Env, smtp: &SmtpServer, trial: usize, at: usize) {
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in smtp.mails() {
        let subject = m.header("Subject").unwrap_or_default();
        let Some(watch) = subject
            .strip_prefix("[canaryd] ")
            .and_then(|s| s.split(':').next())
        else {
            continue;
        };
        ids.entry(watch.to_string())
            .or_default()
            .insert(m.header("Message-ID").unwrap_or_default());
    }
    for i in 0..WATCHES {
        let w = format!("w{i}");
        assert_eq!(
            ids.get(&w).map_or(0, BTreeSet::len),
            1,
            "trial {trial} (killed at progress {at}): {w} must be alerted under exactly one Message-ID: {:?}",
            ids.get(&w)
        );
        let log =
            std::fs::read_to_string(env.state().join(&w).join("events.jsonl")).unwrap_or_default();
        let removed = log
            .lines()
            .filter(|l| l.contains("\"kind\":\"removed\""))
            .count();
        assert_eq!(
            removed, 1,
            "trial {trial}: {w} logs its removal once:\n{log}"
        );
        let records = std::fs::read_dir(env.state().join(&w).join("history"))
            .map(|d| {
                d.flatten()
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.ends_with(".json")
                            && std::fs::read_to_string(e.path()).is_ok_and(|t| {
                                t.contains("\"kind\": \"removed\"")
                                    || t.contains("\"kind\":\"removed\"")
                            })
                    })
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(records, 1, "trial {trial}: {w} archives its removal once");
    }
    assert_eq!(
        std::fs::read_dir(env.state().join("outbox"))
            .map(|d| d
                .flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count())
            .unwrap_or(0),
        0,
        "trial {trial}: nothing left undelivered"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_at_random_points_of_a_group_commit_loses_and_tears_nothing() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64);
    let mut rng = fastrand::Rng::with_seed(seed);
    for trial in 0..6 {
        // Anywhere from the first fetch to well into delivery, mostly around the group
        // commit that follows the fetches (progress WATCHES).
        let at = rng.usize(1..WATCHES + WATCHES / 2);
        let site = Site::start().await;
        let smtp = SmtpServer::start().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL, GAG]));
        }
        let env = Env::new(watchlist(&site, &smtp));
        env.check().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL]));
        }
        let said = env.dir.path().join("killed.out");
        let file = std::fs::File::create(&said).expect("create");
        let landed = check_killed_at(&env, &site, &smtp, at, file.into()).await;
        assert!(
            landed >= at && smtp.mails().len() < WATCHES,
            "seed {seed} trial {trial}: the kill at {at} landed at progress {landed}"
        );
        // Whatever the killed pass said was queued is on disk: its removal logged, and its
        // alert in the outbox (or already delivered).
        let acknowledged = std::fs::read_to_string(&said).unwrap_or_default();
        let mailed: BTreeSet<String> = smtp
            .mails()
            .iter()
            .filter_map(|m| m.header("Subject"))
            .collect();
        let queued: String = std::fs::read_dir(env.state().join("outbox"))
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        for line in acknowledged
            .lines()
            .filter(|l| l.ends_with("(alert queued)"))
        {
            let w = line.split(':').next().unwrap_or_default();
            let log = std::fs::read_to_string(env.state().join(w).join("events.jsonl"))
                .unwrap_or_default();
            assert!(
                log.contains("\"kind\":\"removed\""),
                "seed {seed} trial {trial} (progress {at}): \"{line}\" was said before its event was logged"
            );
            assert!(
                queued.contains(&format!("\"watch\": \"{w}\""))
                    || mailed
                        .iter()
                        .any(|s| s.starts_with(&format!("[canaryd] {w}:"))),
                "seed {seed} trial {trial} (progress {at}): \"{line}\" was said before its alert was queued"
            );
        }
        for _ in 0..2 {
            let out = env.canaryd(&["check"]).await;
            assert_eq!(
                out.status.code(),
                Some(0),
                "seed {seed} trial {trial}: {}{}",
                stdout(&out),
                stderr(&out)
            );
        }
        each_death_once(&env, &smtp, trial, at);
        let verify = env.canaryd(&["verify"]).await;
        assert_eq!(
            verify.status.code(),
            Some(0),
            "seed {seed} trial {trial} (progress {at}): every evidence chain holds: {}{}",
            stdout(&verify),
            stderr(&verify)
        );
    }
}
