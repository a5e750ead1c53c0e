//! `statements.txt`: the confirmed statements as people read them, with the check they came
//! from; written beside `state.json` whenever the baseline moves.

use std::fmt::Write as _;

use super::CheckRecord;
use crate::judge::WatchState;

/// The first line of `statements.txt`, naming the watch for people.
pub(super) fn header(name: &str) -> String {
    format!("# canaryd snapshot of watch \"{name}\"\n")
}

/// The whole file for the state's baseline, annotated with the check it came from.
pub(super) fn text(name: &str, state: &WatchState, check: &CheckRecord) -> String {
    let mut out = String::new();
    out.push_str(&header(name));
    if let Some(url) = &check.url {
        let _ = writeln!(out, "# url: {url}");
    }
    if let Some(url) = &check.final_url {
        let _ = writeln!(out, "# final url: {url}");
    }
    if let Some(status) = check.status {
        let _ = writeln!(out, "# status: {status}");
    }
    if let Some(etag) = &check.etag {
        let _ = writeln!(out, "# etag: {etag}");
    }
    if let Some(lm) = &check.last_modified {
        let _ = writeln!(out, "# last-modified: {lm}");
    }
    if let Some(at) = check.at {
        let _ = writeln!(out, "# fetched: {}", at.to_rfc3339());
    }
    if let Some(b) = &state.baseline {
        let _ = writeln!(out, "# since: {}", b.since.to_rfc3339());
        if let Some(d) = b.canary_date {
            let _ = writeln!(out, "# canary date: {d}");
        }
        let _ = writeln!(out, "# statement set sha256: {}", b.set_hash);
        let _ = writeln!(
            out,
            "# one statement per paragraph: [claim|context] sha256, then the wording"
        );
        for s in &b.statements {
            let kind = if s.claim { "claim" } else { "context" };
            let _ = writeln!(out, "\n[{kind}] {}\n{}", s.hash, s.text);
        }
    }
    out
}
