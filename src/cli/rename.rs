//! `canaryd rename OLD NEW`: renames a watch in the watchlist and moves `<state>/OLD` to
//! `<state>/NEW` with all its history, and re-addresses alerts still queued for it.
//!
//! Evidence records do not name their watch, so the hash chains move untouched and still
//! verify. Feed entries already published keep the name they were published under.

use std::path::Path;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::clock::Clock;
use crate::config::edit;
use crate::config::valid_watch_name;
use crate::notify::outbox::Outbox;
use crate::store::Store;

use super::watchlist_file::{self, RELOAD_HINT};
use super::{names, say};

pub fn run(
    watchlist: &Path,
    state: &Path,
    old: &str,
    new: &str,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
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
    let _lock = crate::store::lock::StateLock::acquire(state, "rename", clock.now())?;
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
    let store = Store::at(state);
    let to = store.watch_dir(new);
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
    let moved = store.rename_watch(old, new)?;
    if let Err(e) = watchlist_file::write(watchlist, &edited) {
        if moved && let Err(back) = store.rename_watch(new, old) {
            say::error(format!("{}; move it by hand", crate::error_chain(&back)));
        }
        return Err(e);
    }
    outln!(
        "renamed watch \"{old}\" to \"{new}\" in {}; {RELOAD_HINT}",
        watchlist.display()
    );
    if moved {
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

/// Queued alerts carry the watch's name, and their subject, body and thread derive from it:
/// each is rendered again for the new name (see [`crate::notify::alert::Alert::readdress`]).
fn readdress_queued(state: &Path, old: &str, new: &str) -> anyhow::Result<usize> {
    let Some(outbox) = Outbox::existing(state) else {
        return Ok(0);
    };
    let mut n = 0;
    for mut q in outbox
        .pending()?
        .into_iter()
        .filter(|q| q.alert.watch == old)
    {
        if !q.alert.readdress(new) {
            tracing::warn!(
                alert = %q.alert.id,
                "this alert was queued by an earlier canaryd that did not keep all its text was made of: it now names \"{new}\" for delivery, but its subject and body still say \"{old}\""
            );
        }
        outbox.rewrite(&q)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::{Event, EventKind, Severity};
    use crate::notify::alert;

    #[test]
    fn a_queued_alert_is_readdressed_in_name_subject_body_and_thread() {
        let at = "2026-03-01T00:00:00Z".parse().expect("time");
        let event = Event {
            kind: EventKind::Removed,
            at,
            severity: Severity::High,
            detail: "1 claim no longer on the page".into(),
            statements: vec!["We have never received an NSL.".into()],
            changes: Vec::new(),
            claim: true,
            first_seen: at,
            notify: true,
            evidence: None,
        };
        let queued = alert::render("old", "u", 1, &[(0, &event)]).expect("alert");
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = Outbox::open(dir.path()).expect("outbox");
        outbox.enqueue(&queued, at).expect("enqueue");

        assert_eq!(
            readdress_queued(dir.path(), "other", "new").expect("none"),
            0
        );
        assert_eq!(readdress_queued(dir.path(), "old", "new").expect("one"), 1);
        let pending = outbox.pending().expect("pending");
        let r = &pending[0].alert;
        assert_eq!(r.watch, "new");
        assert_eq!(r.subject, "[canaryd] new: canary statement removed");
        assert!(r.body.contains("\nWatch:       new\n"), "{}", r.body);
        assert!(!r.body.contains("old"), "{}", r.body);
        assert_eq!(r.thread_id, alert::thread_id("new"));
        assert_eq!(r.id, queued.id, "the id (and file, and Message-ID) stay");
    }
}
