//! `canaryd rename OLD NEW`: renames a watch in the watchlist and moves `<state>/OLD` to
//! `<state>/NEW` with all its history, and re-addresses alerts still queued for it.
//!
//! Evidence records do not name their watch, so the hash chains move untouched and still
//! verify. Feed entries already published keep the name they were published under.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::config::edit;
use crate::config::valid_watch_name;
use crate::notify::alert;
use crate::notify::outbox::{Outbox, Queued};
use crate::store::atomic::{self, Sync};

use super::watchlist_file::{self, RELOAD_HINT};
use super::{names, say};

pub fn run(watchlist: &Path, state: &Path, old: &str, new: &str) -> anyhow::Result<u8> {
    for name in [old, new] {
        if !valid_watch_name(name) {
            say::error(format!(
                "\"{name}\" cannot name a watch: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-'"
            ));
            return Ok(EXIT_USAGE);
        }
    }
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    // Moving a watch's history under a running check or daemon would split it in two.
    let _lock = crate::store::lock::StateLock::acquire(state, "rename")?;
    if wl.watch(old).is_none() {
        let known: Vec<String> = wl.watches.iter().map(|w| w.name.clone()).collect();
        say::error(names::unknown(
            old,
            &known,
            &watchlist.display().to_string(),
        ));
        return Ok(EXIT_FAILURE);
    }
    if wl.watch(new).is_some() {
        say::error(format!(
            "a watch named \"{new}\" already exists; choose another name"
        ));
        return Ok(EXIT_FAILURE);
    }
    let (from, to) = (state.join(old), state.join(new));
    if to.exists() {
        say::error(format!(
            "{} already holds history for \"{new}\" (from an earlier watch of that name); move it aside or `canaryd remove {new} --purge` it first",
            to.display()
        ));
        return Ok(EXIT_FAILURE);
    }
    let text = watchlist_file::read(watchlist)?.unwrap_or_default();
    let edited = edit::rename(&text, old, new)?;

    // Move the history first and put it back if the watchlist cannot be written, so the two
    // never disagree.
    let moved = from.is_dir();
    if moved {
        std::fs::rename(&from, &to)
            .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))?;
        sync_dir(state);
    }
    if let Err(e) = watchlist_file::write(watchlist, &edited) {
        if moved && let Err(back) = std::fs::rename(&to, &from) {
            say::error(format!(
                "could not move {} back to {}: {back}; move it by hand",
                to.display(),
                from.display()
            ));
        }
        return Err(e);
    }
    outln!(
        "renamed watch \"{old}\" to \"{new}\" in {}; {RELOAD_HINT}",
        watchlist.display()
    );
    if moved {
        rename_statements_header(&to, old, new)?;
        outln!("moved its history to {}", to.display());
    }
    let requeued = readdress_queued(state, old, new)?;
    if requeued > 0 {
        outln!(
            "{} now name \"{new}\"",
            crate::words::plural(requeued, "queued alert")
        );
    }
    Ok(0)
}

/// Queued alerts carry the watch's name (and their subject, body and thread derive from it).
fn readdress_queued(state: &Path, old: &str, new: &str) -> anyhow::Result<usize> {
    if !state.join("outbox").is_dir() {
        return Ok(0);
    }
    let outbox = Outbox::at(state);
    let mut n = 0;
    for q in outbox
        .pending()?
        .into_iter()
        .filter(|q| q.alert.watch == old)
    {
        outbox.rewrite(&readdressed(q, old, new))?;
        n += 1;
    }
    Ok(n)
}

fn readdressed(mut q: Queued, old: &str, new: &str) -> Queued {
    let a = &mut q.alert;
    a.watch = new.to_string();
    a.thread_id = alert::thread_id(new);
    a.subject = a.subject.replacen(
        &format!("[canaryd] {old}:"),
        &format!("[canaryd] {new}:"),
        1,
    );
    a.body = a.body.replacen(
        &format!("\nWatch:       {old}\n"),
        &format!("\nWatch:       {new}\n"),
        1,
    );
    q
}

/// `statements.txt` opens with the watch's name, for people; keep it true.
fn rename_statements_header(dir: &Path, old: &str, new: &str) -> anyhow::Result<()> {
    let path = dir.join("statements.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let header = format!("# canaryd snapshot of watch \"{old}\"\n");
    if let Some(rest) = text.strip_prefix(&header) {
        let text = format!("# canaryd snapshot of watch \"{new}\"\n{rest}");
        atomic::write(&path, text.as_bytes(), Sync::Durable)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Makes the rename of a folder entry durable.
fn sync_dir(dir: &Path) {
    if let Err(e) = std::fs::File::open(dir).and_then(|f| f.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot fsync the state directory after the rename");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::EventKind;

    #[test]
    fn a_queued_alert_is_readdressed_in_name_subject_body_and_thread() {
        let q = Queued {
            alert: crate::notify::alert::Alert {
                id: "a1".into(),
                watch: "old".into(),
                url: "u".into(),
                kind: EventKind::Removed,
                subject: "[canaryd] old: canary statement removed".into(),
                body: "canaryd: removed\n\nWatch:       old\nURL:         u\n".into(),
                message_id: "<a1@canaryd>".into(),
                thread_id: alert::thread_id("old"),
                created: chrono::Utc::now(),
                severity: None,
                detail: String::new(),
                statements: Vec::new(),
                changes: Vec::new(),
                first_seen: None,
                events: Vec::new(),
            },
            queued_at: chrono::Utc::now(),
            attempts: 0,
            last_error: None,
            next_attempt: chrono::Utc::now(),
            channels: None,
            in_feed: true,
        };
        let r = readdressed(q, "old", "new");
        assert_eq!(r.alert.watch, "new");
        assert_eq!(r.alert.subject, "[canaryd] new: canary statement removed");
        assert!(r.alert.body.contains("\nWatch:       new\n"));
        assert_eq!(r.alert.thread_id, alert::thread_id("new"));
        assert_eq!(r.alert.id, "a1", "the id (and file, and Message-ID) stay");
    }
}
