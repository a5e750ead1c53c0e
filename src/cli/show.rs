//! `canaryd show NAME [AT] [--format json]`: the statements as they were at a snapshot (default: the
//! latest), with their hashes, as recorded in the evidence.

use std::path::Path;

use super::{evidence_json, say};
use crate::cli::args::Format;
use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::cli::term::{self, Paint};
use crate::store::archive::{At, Entry, History};

pub fn run(state: &Path, name: &str, at: Option<&str>, format: Format) -> u8 {
    let history = match super::history::open(state, name) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let at = match at.map(At::parse).transpose() {
        Ok(a) => a,
        Err(e) => {
            say::error(e);
            return EXIT_USAGE;
        }
    };
    let (asked, found) = match at {
        None => (
            history.entries.last().map(Entry::seq),
            history
                .with_statements()
                .next_back()
                .ok_or_else(|| format!("\"{name}\" has no snapshot of the page yet")),
        ),
        Some(at) => (
            match at {
                At::Seq(n) => Some(n),
                At::Time(_) => None,
            },
            history.in_force(at).map_err(|e| e.to_string()),
        ),
    };
    match found {
        Ok(entry) if format == Format::Json => {
            evidence_json::print(&evidence_json::show(&history, entry, asked))
        }
        Ok(entry) => {
            out!("{}", render(&history, entry, asked, Paint::stdout()));
            0
        }
        Err(e) => {
            say::error(e);
            EXIT_FAILURE
        }
    }
}

/// The statements of `entry`; `asked` is the snapshot asked for, when it saw no page.
pub fn render(history: &History, entry: &Entry, asked: Option<u64>, paint: Paint) -> String {
    let r = &entry.record;
    let mut out = format!(
        "{} snapshot #{} at {}: {}{}\n",
        paint.bold(&history.watch),
        r.seq,
        term::time(r.at),
        r.final_url.as_deref().unwrap_or(&r.url),
        r.status
            .filter(|_| !r.url.starts_with("file:"))
            .map(|s| format!(" (HTTP {s})"))
            .unwrap_or_default()
    );
    if let Some(n) = asked.filter(|n| *n != r.seq)
        && let Some(other) = history.get(n)
    {
        out.push_str(&format!(
            "snapshot #{n} saw no page ({}); these are the statements in force then, from #{}\n",
            other
                .record
                .error
                .as_deref()
                .unwrap_or(other.record.result.as_str()),
            r.seq
        ));
    }
    if let Some(h) = &r.set_hash {
        out.push_str(&format!("statement set sha256: {h}\n"));
    }
    if let Some(b) = &r.body {
        let kept = if entry.body_pruned {
            "pruned by retention"
        } else {
            b.file.as_str()
        };
        out.push_str(&format!("raw body sha256: {} ({kept})\n", b.sha256));
    }
    let statements = r.statements().unwrap_or_default();
    if statements.is_empty() {
        out.push_str("\nno canary statements on the page\n");
        return out;
    }
    out.push('\n');
    for s in statements {
        let kind = if s.claim {
            paint.bold("claim  ")
        } else {
            paint.dim("context")
        };
        let hash = s.hash.get(..12).unwrap_or(&s.hash);
        out.push_str(&format!("[{kind}] {}  {}\n", paint.dim(hash), s.text));
    }
    if let Some(f) = &r.freshness {
        out.push_str("\nproof of freshness:\n");
        for line in f.describe() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    for l in &r.freshness_api {
        out.push_str(&format!("  freshness_api: {}\n", l.describe()));
    }
    out
}
