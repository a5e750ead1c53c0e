//! Runs the real `canaryd` binary against a watchlist and state directory of the test's own.

use std::path::{Path, PathBuf};
use std::process::Output;

/// A scratch directory holding `watchlist.toml` and `state/`.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new(watchlist: impl std::fmt::Display) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("watchlist.toml"), watchlist.to_string())
            .expect("write watchlist");
        Env { dir }
    }

    pub fn watchlist(&self) -> PathBuf {
        self.dir.path().join("watchlist.toml")
    }

    pub fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    pub fn set_watchlist(&self, text: impl std::fmt::Display) {
        std::fs::write(self.watchlist(), text.to_string()).expect("write watchlist");
    }

    /// Runs `canaryd --watchlist … --state … ARGS` to completion.
    pub async fn canaryd(&self, args: &[&str]) -> Output {
        canaryd_in(self.dir.path(), &self.watchlist(), &self.state(), args).await
    }

    /// Runs `check`, asserts it exited 0, and returns its standard output.
    pub async fn check(&self) -> String {
        let out = self.canaryd(&["check"]).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "check failed: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        stdout(&out)
    }

    /// Like `canaryd`, with extra environment variables (e.g. `RUST_LOG`).
    pub async fn canaryd_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        run(self.dir.path(), &self.watchlist(), &self.state(), args, env).await
    }
}

pub async fn canaryd_in(cwd: &Path, watchlist: &Path, state: &Path, args: &[&str]) -> Output {
    run(cwd, watchlist, state, args, &[]).await
}

async fn run(
    cwd: &Path,
    watchlist: &Path,
    state: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_canaryd"))
        .current_dir(cwd)
        .arg("--watchlist")
        .arg(watchlist)
        .arg("--state")
        .arg(state)
        .args(args)
        .env_remove("CANARYD_SMTP_PASSWORD")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("all_proxy")
        .envs(env.iter().copied())
        .output();
    tokio::time::timeout(std::time::Duration::from_secs(60), out)
        .await
        .expect("canaryd finished within a minute")
        .expect("canaryd ran")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
