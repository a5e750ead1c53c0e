//! SIGKILL at random points of a changed pass and of its delivery: afterwards, every death is
//! alerted exactly once, under one Message-ID, logged once and archived once. A pass commits
//! its writes in groups (`pipeline::commit`); the second test kills at random instants of a
//! larger pass, most of them inside a group, and also checks that nothing the killed pass
//! acknowledged was missing from disk and that every evidence chain still verifies.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::smtp::SmtpServer;

const NSL: &str = "Example Co has never received a National Security Letter.";
const GAG: &str = "Example Co has never been subject to a gag order.";
const WATCHES: usize = 40;

fn page(claims: &[&str]) -> Reply {
    let items: String = claims.iter().map(|c| format!("<li>{c}</li>")).collect();
    Reply::html(&format!(
        "<html><body><h1>Warrant canary</h1><ul id=\"canary\">{items}</ul></body></html>"
    ))
}

fn watchlist(site: &Site, smtp: &SmtpServer) -> String {
    let mut s = format!(
        "[settings]\nconfirm = 1\nhost_delay = \"0s\"\nhost_concurrency = 64\n\n\
         [email]\nsmtp = \"{}\"\nfrom = \"canaryd@test.invalid\"\nto = [\"reader@test.invalid\"]\n",
        smtp.url()
    );
    for i in 0..WATCHES {
        s.push_str(&format!(
            "\n[[watch]]\nname = \"w{i}\"\nurl = \"{}\"\nselector = \"#canary li\"\n",
            site.url(&format!("/w{i}"))
        ));
    }
    s
}

async fn check_killed_after(env: &Env, delay: Duration) {
    check_killed_after_to(env, delay, std::process::Stdio::null()).await
}

async fn check_killed_after_to(env: &Env, delay: Duration, out: std::process::Stdio) {
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
    tokio::time::sleep(delay).await;
    // SIGKILL: no destructor, no flush, exactly as a power cut looks to the files.
    let _ = child.start_kill();
    let _ = child.wait().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_anywhere_in_a_changed_pass_alerts_each_death_once() {
    // Delays spread over the pass: fetching, judging, the durable writes, delivery.
    let delays_ms = [40, 90, 150, 220, 300, 420, 600, 800];
    for (trial, ms) in delays_ms.iter().enumerate() {
        let site = Site::start().await;
        let smtp = SmtpServer::start().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL, GAG]));
        }
        let env = Env::new(&watchlist(&site, &smtp));
        env.check().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL]));
        }
        check_killed_after(&env, Duration::from_millis(*ms)).await;
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

        each_death_once(&env, &smtp, trial, *ms);
    }
}

/// After the passes that follow a kill: every watch alerted under exactly one Message-ID,
/// its removal logged once and archived once, and nothing left in the outbox.
fn each_death_once(env: &Env, smtp: &SmtpServer, trial: usize, ms: u64) {
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
            "trial {trial} (killed after {ms} ms): {w} must be alerted under exactly one Message-ID: {:?}",
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
    // How long the changed pass takes here, unkilled: the kills are spread over it.
    let pass_ms = {
        let site = Site::start().await;
        let smtp = SmtpServer::start().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL, GAG]));
        }
        let env = Env::new(&watchlist(&site, &smtp));
        env.check().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL]));
        }
        let started = std::time::Instant::now();
        env.check().await;
        started.elapsed().as_millis() as u64
    };
    for trial in 0..6 {
        let ms = rng.u64(10..pass_ms.max(20));
        let site = Site::start().await;
        let smtp = SmtpServer::start().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL, GAG]));
        }
        let env = Env::new(&watchlist(&site, &smtp));
        env.check().await;
        for i in 0..WATCHES {
            site.set(&format!("/w{i}"), page(&[NSL]));
        }
        let said = env.dir.path().join("killed.out");
        let file = std::fs::File::create(&said).expect("create");
        check_killed_after_to(&env, Duration::from_millis(ms), file.into()).await;
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
                "seed {seed} trial {trial} ({ms} ms): \"{line}\" was said before its event was logged"
            );
            assert!(
                queued.contains(&format!("\"watch\": \"{w}\""))
                    || mailed
                        .iter()
                        .any(|s| s.starts_with(&format!("[canaryd] {w}:"))),
                "seed {seed} trial {trial} ({ms} ms): \"{line}\" was said before its alert was queued"
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
        each_death_once(&env, &smtp, trial, ms);
        let verify = env.canaryd(&["verify"]).await;
        assert_eq!(
            verify.status.code(),
            Some(0),
            "seed {seed} trial {trial} ({ms} ms): every evidence chain holds: {}{}",
            stdout(&verify),
            stderr(&verify)
        );
    }
}
