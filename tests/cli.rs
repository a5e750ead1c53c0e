//! The command line as a mature tool's: `check NAME…`, did-you-mean for watch names, `-v`/`-q`,
//! `--format json`, `--color` and the colour environment, completions and the man page,
//! `remove --purge` confirmation, `export --force`, one error prefix. The real binary against
//! a real HTTP site on loopback. The tests are in `cli/`; the shared helpers here.

#[path = "cli/color.rs"]
mod color;
mod common;
#[path = "cli/files.rs"]
mod files;
#[path = "cli/json.rs"]
mod json;
#[path = "cli/names.rs"]
mod names;
#[path = "cli/pipe.rs"]
mod pipe;

use std::process::Output;

pub use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

/// A text canary: one paragraph per statement.
pub fn page(statements: &[&str]) -> Reply {
    Reply::text(&format!("{}\n", statements.join("\n\n")))
}

/// Two watches, "acme" on /a and "riseup-net" on /b, confirm = 1.
pub async fn two_watches() -> (Site, Env) {
    let site = Site::start().await;
    site.set("/a", page(&[NSL, GAG]));
    site.set("/b", page(&[NSL]));
    let env = Env::new(
        Watchlist::new()
            .setting("confirm", 1)
            .setting("host_delay", "0s")
            .setting("timeout", "5s")
            .watch(Watch::url("acme", &site.url("/a")))
            .watch(Watch::url("riseup-net", &site.url("/b"))),
    );
    (site, env)
}

pub fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

pub async fn expect(env: &Env, args: &[&str], want: i32) -> Output {
    let out = env.canaryd(args).await;
    assert_eq!(
        code(&out),
        Some(want),
        "canaryd {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// ESC, the start of every colour sequence.
pub const ESC: char = '\u{1b}';

/// Runs canaryd on a pseudo-terminal with util-linux `script`, feeding `input` to it; `None`
/// where `script` is missing.
pub fn on_terminal(env: &Env, args: &str, vars: &[(&str, &str)], input: &str) -> Option<String> {
    use std::io::Write as _;
    let command = format!(
        "{} --watchlist {} --state {} {args}",
        env!("CARGO_BIN_EXE_canaryd"),
        env.watchlist().display(),
        env.state().display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env.dir.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("script ran");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}
