//! One process per state directory: an advisory lock (`flock`) on `<state>/lock`, holding
//! the holder's pid, command and start time so the second process can say who has it, and
//! `released` once its holder let it go, so the next one knows no write was cut short.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// Held for as long as the value lives; the kernel releases it if the process dies.
#[derive(Debug)]
pub struct StateLock {
    file: File,
}

/// What the lock file says once its holder dropped it (see [`StateLock`]'s `Drop`).
const RELEASED: &str = "released";

impl Drop for StateLock {
    /// A holder that gets here finished or abandoned every write through `tempfile`, whose
    /// drop removes its temporary file: no `.tmp-*` file of its is left, so the next holder
    /// need not look. A holder killed (or aborted) never gets here, and its pid stays in the
    /// file: the next holder sweeps. Not synced: after a power loss the file may still
    /// name the holder, which only costs a sweep.
    fn drop(&mut self) {
        let released = self.file.set_len(0).is_ok()
            && self.file.rewind().is_ok()
            && self.file.write_all(RELEASED.as_bytes()).is_ok();
        if !released {
            tracing::debug!("cannot mark the state lock released; the next holder sweeps");
        }
    }
}

/// Another canaryd works on this state directory.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the state directory {} is in use by another canaryd ({holder}); two processes on one state directory would alert twice. Stop the other one first, or let the running daemon do the checking",
        dir.display()
    )]
    Busy { dir: PathBuf, holder: String },
    #[error("cannot lock the state directory ({}): {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StateLock {
    /// Takes the lock for `command` ("check", "run", "rename"…), or says who holds it.
    /// `since` is when the holder started, as its clock says.
    pub fn acquire(
        state_dir: &Path,
        command: &str,
        since: DateTime<Utc>,
    ) -> Result<StateLock, LockError> {
        let path = state_dir.join("lock");
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // SAFETY: flock on a descriptor this function owns; no memory is involved.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            let err = std::io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(LockError::Busy {
                    dir: state_dir.to_path_buf(),
                    holder: match holder {
                        "" => "pid unknown".into(),
                        // Caught between marking the file and letting the lock go.
                        RELEASED => "releasing it now; try again".into(),
                        h => h.to_string(),
                    },
                });
            }
            return Err(io(err));
        }
        let me = format!(
            "canaryd {command}, pid {}, since {}",
            std::process::id(),
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let mut last = String::new();
        // Unreadable counts as "not released": the sweep is the safe side.
        let _ = file.read_to_string(&mut last);
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(me.as_bytes()).map_err(io)?;
        // A pass over every watch folder and its history: skipped when the last holder let
        // go normally, since only a killed one leaves temporary files.
        if last.trim() != RELEASED {
            remove_leftover_temp_files(state_dir);
        }
        Ok(StateLock { file })
    }
}

/// Temporary files (`.tmp-*`) left by a process killed mid-write. Only the lock holder may
/// write here, so once it is held none of them is anyone's work in progress.
fn remove_leftover_temp_files(state_dir: &Path) {
    let mut dirs = vec![state_dir.to_path_buf()];
    let mut removed = 0usize;
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let path = e.path();
            match e.file_type() {
                // Watch folders, their history, the outbox: two levels below the root.
                Ok(t)
                    if t.is_dir()
                        && path.components().count() <= state_dir.components().count() + 2 =>
                {
                    dirs.push(path)
                }
                Ok(t)
                    if t.is_file()
                        && name.to_string_lossy().starts_with(".tmp-")
                        && std::fs::remove_file(&path).is_ok() =>
                {
                    removed += 1;
                }
                _ => {}
            }
        }
    }
    if removed > 0 {
        tracing::info!(
            removed,
            "removed temporary files left by an interrupted write"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When the holder started, as its clock says.
    fn at() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn taking_the_lock_clears_temporary_files_left_by_a_kill() {
        let dir = tempfile::tempdir().expect("tempdir");
        let history = dir.path().join("w/history");
        std::fs::create_dir_all(&history).expect("dirs");
        for p in [
            dir.path().join(".tmp-abc"),
            dir.path().join("w/.tmp-def"),
            history.join(".tmp-ghi"),
        ] {
            std::fs::write(&p, b"half").expect("write");
        }
        std::fs::write(history.join("000001.json"), b"{}").expect("record");
        let _lock = StateLock::acquire(dir.path(), "check", at()).expect("lock");
        assert!(!dir.path().join(".tmp-abc").exists());
        assert!(!dir.path().join("w/.tmp-def").exists());
        assert!(!history.join(".tmp-ghi").exists());
        assert!(history.join("000001.json").exists(), "real files stay");
    }

    #[test]
    fn only_a_holder_that_did_not_let_go_leaves_the_next_one_a_sweep() {
        let dir = tempfile::tempdir().expect("tempdir");
        let leftover = dir.path().join("w/.tmp-abc");
        std::fs::create_dir_all(dir.path().join("w")).expect("dirs");
        drop(StateLock::acquire(dir.path(), "check", at()).expect("lock"));
        assert_eq!(
            std::fs::read_to_string(dir.path().join("lock")).expect("lock file"),
            RELEASED
        );
        // Let go normally: no write of its was cut short, so nothing is looked for. (A file
        // planted here by hand is not one of its writes; it stays.)
        std::fs::write(&leftover, b"planted").expect("write");
        drop(StateLock::acquire(dir.path(), "check", at()).expect("lock"));
        assert!(leftover.exists(), "swept after a clean release");
        // Killed while holding it: the kernel let the lock go, the file still names the
        // holder, and its half-written temporary file is removed by the next one.
        std::fs::write(
            dir.path().join("lock"),
            "canaryd run, pid 4242, since 2026-03-01T00:00:00Z",
        )
        .expect("as a kill leaves it");
        let _lock = StateLock::acquire(dir.path(), "check", at()).expect("lock");
        assert!(!leftover.exists(), "left after a killed holder");
    }

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = StateLock::acquire(dir.path(), "run", at()).expect("first");
        // flock locks belong to the open file description: a second open in the same
        // process conflicts, as another process would.
        match StateLock::acquire(dir.path(), "check", at()) {
            Err(LockError::Busy { holder, .. }) => {
                assert!(holder.contains("canaryd run"), "{holder}");
                assert!(holder.contains(&std::process::id().to_string()), "{holder}");
                assert!(holder.contains("since 2026-03-01T00:00:00Z"), "{holder}");
            }
            other => panic!("the second lock must be refused: {other:?}"),
        }
        drop(first);
        StateLock::acquire(dir.path(), "check", at()).expect("free again once released");
    }
}
