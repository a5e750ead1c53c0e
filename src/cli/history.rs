//! `canaryd history NAME [--format json]`: a watch's evidence snapshots and the events each
//! recorded, newest first. Also the shared opening of a history for `diff`, `show` and `export`.

use std::path::Path;

use super::{evidence_json, names, say};
use crate::cli::args::Format;
use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::cli::term::{self, Paint};
use crate::config::valid_watch_name;
use crate::judge::event::{Event, EventKind};
use crate::store::archive::{Archive, ArchiveError, Entry, History, Verification};
use crate::store::{CheckResult, Store};

/// Loads NAME's history from the state directory (the watchlist is not needed: a removed
/// watch's evidence is still readable). `Err` carries the exit status, already explained.
pub fn open(state: &Path, name: &str) -> Result<History, u8> {
    named(name)?;
    Archive::new(state)
        .load(name)
        .map_err(|e| refused(state, name, e))
}

/// [`open`], with the check of the chain made on the very records loaded: what `export`
/// states of the chain is about the records it writes, even while a check appends one.
pub fn open_verified(state: &Path, name: &str) -> Result<(History, Verification), u8> {
    named(name)?;
    let (history, verification) = Archive::new(state).load_verified(name);
    history
        .map(|h| (h, verification))
        .map_err(|e| refused(state, name, e))
}

fn named(name: &str) -> Result<(), u8> {
    if valid_watch_name(name) {
        return Ok(());
    }
    say::error(format!("\"{name}\" is not a watch name"));
    Err(EXIT_USAGE)
}

/// Says why NAME's history cannot be read; the exit status.
fn refused(state: &Path, name: &str, e: ArchiveError) -> u8 {
    match e {
        // No folder at all by that name: most likely a typo, so name the ones there are.
        ArchiveError::NoHistory { .. } if !Store::at(state).has_watch_dir(name) => {
            say::error(names::unknown_in_state(name, state));
        }
        e => say::error(crate::error_chain(&e)),
    }
    EXIT_FAILURE
}

pub fn run(state: &Path, name: &str, format: Format) -> u8 {
    let history = match open(state, name) {
        Ok(h) => h,
        Err(code) => return code,
    };
    match format {
        Format::Json => evidence_json::print(&evidence_json::history(&history)),
        Format::Text => {
            out!("{}", render(&history, Paint::stdout()));
            0
        }
    }
}

/// The timeline as text.
pub fn render(history: &History, paint: Paint) -> String {
    let mut out = String::new();
    let url = history
        .entries
        .last()
        .map(|e| e.record.url.as_str())
        .unwrap_or("");
    out.push_str(&format!(
        "{} {url}: {}, newest first\n",
        paint.bold(&history.watch),
        crate::words::plural(history.entries.len(), "snapshot")
    ));
    for entry in history.entries.iter().rev() {
        out.push('\n');
        out.push_str(&snapshot_line(entry, paint));
        out.push('\n');
        if let Some(sigs) = &entry.record.signatures {
            out.push_str(&signature_lines(sigs, paint));
        }
        if let Some(f) = &entry.record.freshness {
            for line in f.describe() {
                out.push_str(&format!("    freshness: {line}\n"));
            }
        }
        for l in &entry.record.freshness_api {
            out.push_str(&format!("    freshness_api: {}\n", l.describe()));
        }
        for event in &entry.record.events {
            out.push_str(&event_lines(event, paint));
        }
    }
    out
}

fn snapshot_line(entry: &Entry, paint: Paint) -> String {
    let r = &entry.record;
    let mut parts = vec![paint.bold(&format!("#{}", r.seq)), term::time(r.at)];
    match r.result {
        CheckResult::Failed => parts.push(paint.red(&format!(
            "failed: {}",
            r.error.as_deref().unwrap_or("unknown error")
        ))),
        // A file:// watch has no HTTP: its "304" is an unchanged modification time.
        CheckResult::Unchanged if r.url.starts_with("file:") => {
            parts.push("unchanged (file not modified)".into())
        }
        CheckResult::Unchanged => parts.push("unchanged (HTTP 304)".into()),
        other => parts.push(other.to_string()),
    }
    if let Some(status) = r.status
        && r.result != CheckResult::Unchanged
        && !r.url.starts_with("file:")
    {
        parts.push(format!("HTTP {status}"));
    }
    if let Some(statements) = r.statements() {
        let claims = statements.iter().filter(|s| s.claim).count();
        parts.push(crate::words::statements_tracked(statements.len(), claims));
    }
    if let Some(hash) = &r.set_hash {
        parts.push(format!("set {}", hash.get(..8).unwrap_or(hash)));
    }
    match &r.body {
        Some(_) if entry.body_pruned => parts.push(paint.dim("body pruned")),
        Some(b) => parts.push(format!("body {}", size(b.length))),
        None => {}
    }
    if r.seq == 1 {
        parts.push(paint.dim("first snapshot"));
    }
    if let Some(rebuilt) = &r.head_rebuilt {
        parts.push(paint.red(&format!(
            "HEAD was {} and rebuilt here: records after #{} may have been deleted",
            rebuilt.why, rebuilt.from_seq
        )));
    }
    parts.join("  ")
}

/// Who signed this snapshot, and how each signature fared.
fn signature_lines(sigs: &crate::store::archive::SignatureEvidence, paint: Paint) -> String {
    let mut out = format!("    signatures: {}\n", sigs.summary);
    for v in &sigs.verdicts {
        let who = match &v.verdict.signer {
            Some(s) => format!(
                "{} ({})",
                s.user_id.as_deref().unwrap_or(&s.label),
                s.fingerprint
            ),
            None => format!(
                "unpinned key {}",
                v.verdict.issuer.as_deref().unwrap_or("(no issuer)")
            ),
        };
        let status = v.verdict.status.to_string();
        let status = if v.verdict.is_good() {
            paint.green(&status)
        } else {
            paint.red(&status)
        };
        let when = v
            .verdict
            .created
            .map(|t| format!(", signed {}", term::time(t)))
            .unwrap_or_default();
        out.push_str(&format!("      {status}: {who}{when} [{}]\n", v.source));
    }
    out
}

fn event_lines(event: &Event, paint: Paint) -> String {
    let kind = match event.kind {
        EventKind::Added | EventKind::Recovered => paint.green(event.kind.as_str()),
        _ if !event.claim => paint.yellow(event.kind.as_str()),
        _ => paint.red(event.kind.as_str()),
    };
    let told = if event.notify { "alerted" } else { "recorded" };
    let mut out = format!("    {kind} ({told}): {}\n", event.detail);
    const SHOWN: usize = 5;
    for s in event.statements.iter().take(SHOWN) {
        out.push_str(&format!("      “{s}”\n"));
    }
    for c in event.changes.iter().take(SHOWN) {
        out.push_str(&format!("      {}\n", paint.word_diff(&c.word_diff)));
    }
    let more = event.statements.len().max(event.changes.len());
    if more > SHOWN {
        out.push_str(&format!("      … and {} more\n", more - SHOWN));
    }
    out
}

/// "512 B", "1.2 KiB", "3.4 MiB".
pub fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
