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
