//! Crash-safe file writes: temp file in the same folder, fsync, rename, fsync the folder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

/// Durability of a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// fsync the file and its folder: the write survives a power cut once this returns.
    Durable,
    /// Atomic (never torn) but not forced to disk: for advisory data such as the time of the
    /// last check, where losing the newest copy in a power cut costs nothing.
    Lazy,
    /// The file is fsynced before the rename, but its folder is not: the caller makes the
    /// entry durable with a later `Durable` write (or `sync_dir`) in the same folder, so a
    /// snapshot of several files costs one folder fsync, not one per file.
    FileOnly,
}

/// Replaces `path` with `bytes` atomically.
pub fn write(path: &Path, bytes: &[u8], sync: Sync) -> io::Result<()> {
    let dir = parent(path);
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if sync != Sync::Lazy {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if sync == Sync::Durable {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Appends `bytes` to `path` (created if missing) and fsyncs it.
pub fn append(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let existed = path.exists();
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    if !existed {
        sync_dir(parent(path))?;
    }
    Ok(())
}

/// Removes `path` and makes the removal durable.
pub fn remove(path: &Path) -> io::Result<()> {
    fs::remove_file(path)?;
    sync_dir(parent(path))
}

/// Creates `dir` (and parents) and makes its entry durable.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    sync_dir(parent(dir))
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes the entries of `dir` (renames, creations, removals) durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("state.json");
        write(&p, b"first version, long", Sync::Durable).expect("write");
        write(&p, b"second", Sync::Lazy).expect("write");
        assert_eq!(fs::read(&p).expect("read"), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn append_adds_lines() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("events.jsonl");
        append(&p, b"a\n").expect("append");
        append(&p, b"b\n").expect("append");
        assert_eq!(fs::read_to_string(&p).expect("read"), "a\nb\n");
    }
}
