//! A watch's folder as a whole: whether it is there, moving it to a new name (`rename`) and
//! deleting it (`remove --purge`), each made durable in the state directory.

use std::path::Path;

use super::atomic::{self, Sync};
use super::statements_file::header as statements_header;
use super::{Store, StoreError, io_err};

/// What [`Store::purge_watch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purged {
    /// The folder and everything in it are gone.
    Deleted,
    /// There is no folder of that name.
    Absent,
    /// The folder holds nothing canaryd keeps for a watch: left alone.
    NotAWatch,
}

impl Store {
    /// Whether the state directory has a folder for watch `name` (its history, possibly of a
    /// watch removed from the watchlist).
    pub fn has_watch_dir(&self, name: &str) -> bool {
        self.watch_dir(name).is_dir()
    }

    /// Moves the folder of watch `old`, with all its history, to `new`, durably, and keeps
    /// the watch's name in `statements.txt` true. `Ok(false)`: `old` has no folder. Evidence
    /// records do not name their watch, so the hash chains move untouched and still verify.
    /// Moving it back (`rename_watch(new, old)`) undoes it.
    pub fn rename_watch(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let (from, to) = (self.watch_dir(old), self.watch_dir(new));
        if !from.is_dir() {
            return Ok(false);
        }
        std::fs::rename(&from, &to).map_err(|source| StoreError::Move {
            from: from.clone(),
            to: to.clone(),
            source,
        })?;
        self.sync_root();
        if let Err(e) = retitle_statements(&to, old, new) {
            // The folder and its statements file never disagree on the name: put it back.
            if std::fs::rename(&to, &from).is_ok() {
                self.sync_root();
            }
            return Err(e);
        }
        Ok(true)
    }

    /// Deletes the folder of watch `name` and everything in it (its evidence included), but
    /// only a folder canaryd wrote for a watch, never anything else.
    pub fn purge_watch(&self, name: &str) -> Result<Purged, StoreError> {
        let dir = self.watch_dir(name);
        if !dir.is_dir() {
            return Ok(Purged::Absent);
        }
        if !is_watch_history(&dir) {
            return Ok(Purged::NotAWatch);
        }
        std::fs::remove_dir_all(&dir).map_err(io_err("delete", &dir))?;
        self.sync_root();
        Ok(Purged::Deleted)
    }

    /// Makes a rename or removal of a watch's folder durable. Only warned about: the move is
    /// done and the next write of the directory's entries flushes it too.
    fn sync_root(&self) {
        if let Err(e) = atomic::sync_dir(self.root()) {
            tracing::warn!(dir = %self.root().display(), error = %e, "cannot fsync the state directory after moving a watch's folder");
        }
    }
}

/// Whether `dir` holds what canaryd keeps for a watch.
fn is_watch_history(dir: &Path) -> bool {
    ["state.json", "check.json", "events.jsonl", "history"]
        .iter()
        .any(|f| dir.join(f).exists())
}

/// `statements.txt` opens with the watch's name: renamed with the folder.
fn retitle_statements(dir: &Path, old: &str, new: &str) -> Result<(), StoreError> {
    let path = dir.join("statements.txt");
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    if let Some(rest) = text.strip_prefix(&statements_header(old)) {
        let text = format!("{}{rest}", statements_header(new));
        atomic::write(&path, text.as_bytes(), Sync::Durable).map_err(io_err("write", &path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::{self, WatchState};
    use crate::observe::normalise::statement;
    use crate::store::CheckRecord;

    fn store_with_watch(name: &str) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        let at = "2026-03-01T06:00:00Z".parse().expect("time");
        let state = judge::state_from_baseline(vec![statement("We were never gagged.", true)], at);
        store
            .save_state(
                name,
                &state,
                &WatchState::default(),
                &CheckRecord::default(),
            )
            .expect("save");
        (dir, store)
    }

    #[test]
    fn a_renamed_watch_keeps_its_state_and_its_statements_file_names_it() {
        let (d, store) = store_with_watch("old");
        let before = store.load_state("old").expect("state");
        assert!(store.rename_watch("old", "new").expect("rename"));
        assert!(!store.has_watch_dir("old"));
        assert_eq!(store.load_state("new").expect("state"), before);
        let text = std::fs::read_to_string(d.path().join("new/statements.txt")).expect("text");
        assert!(
            text.starts_with("# canaryd snapshot of watch \"new\"\n"),
            "{text}"
        );
        // And back again, as `rename` does when the watchlist cannot be written.
        assert!(store.rename_watch("new", "old").expect("back"));
        let text = std::fs::read_to_string(d.path().join("old/statements.txt")).expect("text");
        assert!(
            text.starts_with("# canaryd snapshot of watch \"old\"\n"),
            "{text}"
        );
        assert!(
            !store
                .rename_watch("never", "other")
                .expect("nothing to move")
        );
    }

    #[test]
    fn purge_deletes_a_watch_folder_and_nothing_else() {
        let (d, store) = store_with_watch("w");
        std::fs::create_dir(d.path().join("stranger")).expect("mkdir");
        std::fs::write(d.path().join("stranger/notes.txt"), b"mine").expect("write");
        assert_eq!(
            store.purge_watch("stranger").expect("purge"),
            Purged::NotAWatch
        );
        assert!(d.path().join("stranger/notes.txt").exists());
        assert_eq!(store.purge_watch("w").expect("purge"), Purged::Deleted);
        assert!(!store.has_watch_dir("w"));
        assert_eq!(store.purge_watch("w").expect("again"), Purged::Absent);
    }
}
