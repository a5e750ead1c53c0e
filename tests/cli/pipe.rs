//! `check | head` and `preview | head`: standard output closed by its reader. No panic, no
//! backtrace; `check` finishes its pass with its own exit status, and an alert the stdout
//! channel could not write stays queued for the next run.

use std::process::{Output, Stdio};

use crate::common::run::{Env, stderr, stdout};
use crate::{GAG, NSL, code, expect, page, two_watches};

/// Runs canaryd with its standard output already closed by the reader (as `| head -0`, or a
/// `head` that has read its lines and left).
async fn closed_stdout(env: &Env, args: &[&str]) -> Output {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_canaryd"))
        .current_dir(env.dir.path())
        .arg("--watchlist")
        .arg(env.watchlist())
        .arg("--state")
        .arg(env.state())
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn canaryd");
    drop(child.stdout.take());
    tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("canaryd finished within a minute")
        .expect("canaryd ran")
}

fn quiet(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
    assert_ne!(code(out), Some(101), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_into_a_closed_pipe_finishes_quietly_and_keeps_the_alert_queued() {
    let (site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    site.set("/a", page(&[NSL]));
    let out = closed_stdout(&env, &["check"]).await;
    quiet(&out);
    // The alert could not be written: undelivered (75), as with any channel that failed.
    assert_eq!(code(&out), Some(75), "{}", stderr(&out));
    // The next run delivers it.
    let out = expect(&env, &["check"], 0).await;
    let text = stdout(&out);
    assert!(text.contains("Subject:") && text.contains(GAG), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_into_a_closed_pipe_exits_quietly() {
    let (site, env) = two_watches().await;
    let url = site.url("/a");
    let out = closed_stdout(&env, &["preview", &url]).await;
    quiet(&out);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
}
