//! A watch whose `state.json` or `check.json` cannot be read is not poisoned: the last check
//! is advisory and starts afresh; the judgement state is rebuilt from the newest evidence
//! record, so a death is still judged against the statements people were last told of.

use chrono::{DateTime, Utc};

use crate::judge::{self, WatchState};
use crate::store::archive::Archive;
use crate::store::{CheckRecord, Store, StoreError, io_err};

/// The watch's judgement state: as saved, or rebuilt (and saved again) when the saved copy
/// is unreadable. The unreadable file is kept beside it as `state.json.corrupt-<now>`.
pub(super) fn state(
    store: &Store,
    watch: &str,
    now: DateTime<Utc>,
) -> Result<WatchState, StoreError> {
    let error = match store.load_state(watch) {
        Err(e @ StoreError::Corrupt { .. }) => e,
        other => return other,
    };
    let path = store.watch_dir(watch).join("state.json");
    let aside = path.with_file_name(format!(
        "state.json.corrupt-{}",
        now.format("%Y%m%dT%H%M%SZ")
    ));
    std::fs::rename(&path, &aside).map_err(io_err("move aside", &path))?;
    let rebuilt = from_evidence(&Archive::new(store.root()), watch);
    match &rebuilt {
        Some(state) => tracing::warn!(
            watch,
            error = %crate::error_chain(&error),
            kept = %aside.display(),
            statements = state.baseline.as_ref().map_or(0, |b| b.statements.len()),
            "state.json was unreadable; rebuilt the confirmed statements from the newest evidence record"
        ),
        None => tracing::error!(
            watch,
            error = %crate::error_chain(&error),
            kept = %aside.display(),
            "state.json was unreadable and there is no evidence to rebuild it from: the next good page becomes the watch's baseline"
        ),
    }
    let state = rebuilt.unwrap_or_default();
    store.save_state(
        watch,
        &state,
        &WatchState::default(),
        &CheckRecord::default(),
    )?;
    Ok(state)
}

/// The last check, or none when its file is unreadable (it only holds validators and
/// times: losing it costs one unconditional fetch).
pub(super) fn check(store: &Store, watch: &str) -> Result<CheckRecord, StoreError> {
    match store.load_check(watch) {
        Ok(c) => Ok(c.unwrap_or_default()),
        Err(e @ StoreError::Corrupt { .. }) => {
            tracing::warn!(watch, error = %crate::error_chain(&e), "check.json was unreadable; starting from an unconditional fetch");
            Ok(CheckRecord::default())
        }
        Err(e) => Err(e),
    }
}

/// The state the newest evidence says: the confirmed statements are those of the newest
/// record whose own statements are the confirmed set.
fn from_evidence(archive: &Archive, watch: &str) -> Option<WatchState> {
    let history = archive.load(watch).ok()?;
    let generation = history
        .entries
        .iter()
        .filter_map(|e| e.record.generation)
        .max()
        .unwrap_or(0);
    let entry = history.entries.iter().rev().find(|e| {
        e.record.statements.is_some()
            && e.record.confirmed_set_hash.is_some()
            && e.record.set_hash == e.record.confirmed_set_hash
    })?;
    let statements = entry.record.statements.clone()?;
    let mut state = judge::state_from_baseline(statements, entry.record.at);
    state.generation = generation;
    Some(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::normalise::statement;
    use crate::store::archive::{Capture, Snapshot};

    const A: &str = "We have never received a National Security Letter.";

    fn now() -> DateTime<Utc> {
        "2026-03-02T07:08:09Z".parse().expect("time")
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        std::fs::create_dir(dir.path().join("w")).expect("watch dir");
        (dir, store)
    }

    /// One evidence record whose statements are the confirmed set, at generation 4.
    fn evidence(store: &Store) -> WatchState {
        let at: DateTime<Utc> = "2026-03-01T06:00:00Z".parse().expect("time");
        let statements = vec![statement(A, true)];
        let set = crate::judge::diff::set_hash(&statements);
        let capture = Capture {
            headers: Vec::new(),
            content_type: Some("text/plain".into()),
            body: bytes::Bytes::from_static(A.as_bytes()),
            statements: Some(statements.clone()),
            signatures: None,
            served: None,
            served_type: None,
            packed: None,
        };
        let check = CheckRecord {
            at: Some(at),
            ..CheckRecord::default()
        };
        let snap = Snapshot {
            at,
            check: &check,
            capture: Some(&capture),
            events: &[],
            confirmed_set_hash: Some(&set),
            generation: Some(4),
        };
        Archive::new(store.root())
            .append("w", &snap, 10)
            .expect("append");
        let mut state = judge::state_from_baseline(statements, at);
        state.generation = 4;
        state
    }

    #[test]
    fn a_readable_watch_loads_as_saved_and_an_unknown_one_as_new() {
        let (_d, store) = store();
        let saved = judge::state_from_baseline(vec![statement(A, true)], now());
        let check = CheckRecord {
            at: Some(now()),
            statements: 1,
            ..CheckRecord::default()
        };
        store
            .save_state("w", &saved, &WatchState::default(), &check)
            .expect("save state");
        store.save_check("w", &check).expect("save check");
        let loaded = store.load("w", now()).expect("load");
        assert_eq!(loaded.state, saved);
        assert_eq!(loaded.check, check);
        assert_eq!(
            store.load("never-checked", now()).expect("load"),
            crate::store::Loaded::default()
        );
    }

    #[test]
    fn an_unreadable_state_is_kept_aside_and_rebuilt_from_the_newest_evidence() {
        let (d, store) = store();
        let expected = evidence(&store);
        std::fs::write(d.path().join("w/state.json"), b"{ torn").expect("corrupt");
        let loaded = store.load("w", now()).expect("load");
        assert_eq!(loaded.state, expected);
        let aside = d.path().join("w/state.json.corrupt-20260302T070809Z");
        assert_eq!(std::fs::read(&aside).expect("kept aside"), b"{ torn");
        // Saved again: the next load reads it without recovering.
        assert_eq!(store.load_state("w").expect("saved"), expected);
    }

    #[test]
    fn an_unreadable_state_without_evidence_starts_afresh_and_a_bad_check_is_dropped() {
        let (d, store) = store();
        std::fs::write(d.path().join("w/state.json"), b"[]").expect("corrupt state");
        std::fs::write(d.path().join("w/check.json"), b"nonsense").expect("corrupt check");
        let loaded = store.load("w", now()).expect("load");
        assert_eq!(loaded, crate::store::Loaded::default());
        assert!(
            d.path()
                .join("w/state.json.corrupt-20260302T070809Z")
                .exists()
        );
        assert!(
            d.path().join("w/check.json").exists(),
            "the advisory check is not moved, only ignored"
        );
    }
}
