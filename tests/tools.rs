//! Operators' tools end to end: the real binary against a real HTTP site and SMTP server on
//! loopback. Watchlist editing (`add`, `remove`, `rename`, `list`, `check`) in
//! `tools/editing.rs`; the evidence archive (`verify`, `export`, `history`, `diff`, `show`,
//! retention) in `tools/evidence.rs`; `test-email` and the Atom feed in `tools/email.rs`.
//!
//! Pages are text/plain with one sentence per paragraph, each a claim ("never"), so they read
//! the same to any extractor that splits paragraphs into sentences.

mod common;
#[path = "tools/editing.rs"]
mod editing;
#[path = "tools/email.rs"]
mod email;
#[path = "tools/evidence.rs"]
mod evidence;
#[path = "tools/health.rs"]
mod health;
#[path = "tools/pages.rs"]
mod pages;

use std::path::{Path, PathBuf};

pub use common::canary::{FISA, GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};

pub const SEIZE: &str = "Backdoors were never placed in any hardware or software we run.";

/// A text canary: one paragraph per statement.
pub fn page(statements: &[&str]) -> Reply {
    Reply::text(&format!("{}\n", statements.join("\n\n")))
}

/// A watchlist with comments, one watch "example" on the site's /canary, confirm = 1 so each
/// change is one event.
pub fn watchlist(site: &Site, extra_settings: &str) -> String {
    format!(
        "# Operators' watchlist — comments and layout must survive edits.\n\n[settings]\nconfirm = 1          # one sighting is enough here\nhost_delay = \"0s\"\ntimeout = \"5s\"\n{extra_settings}\n# The example canary.\n[[watch]]\nname = \"example\"    # short name\nurl = \"{}\"\n",
        site.url("/canary")
    )
}

/// Runs canaryd and asserts the exit status; returns standard output.
pub async fn ok(env: &Env, args: &[&str]) -> String {
    expect(env, args, 0).await
}

pub async fn expect(env: &Env, args: &[&str], code: i32) -> String {
    let out = env.canaryd(args).await;
    assert_eq!(
        out.status.code(),
        Some(code),
        "canaryd {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

/// A site serving `pages` one after another, checked once each: one snapshot per page.
pub async fn history_of(pages: &[&[&str]], extra_settings: &str) -> (Site, Env) {
    let site = Site::start().await;
    site.set("/canary", page(pages[0]));
    let env = Env::new(watchlist(&site, extra_settings));
    for p in pages {
        site.set("/canary", page(p));
        ok(&env, &["check"]).await;
    }
    (site, env)
}

pub fn history_dir(env: &Env, watch: &str) -> PathBuf {
    env.state().join(watch).join("history")
}

/// Copies a directory tree (to tamper with a copy of the evidence).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("ls") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
