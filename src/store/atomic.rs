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
    /// Atomic, nothing forced to disk here: part of a group commit (see `store::group`),
    /// made durable with every other write of the group by one [`barrier`].
    Deferred,
}

impl Sync {
    fn file_fsync(self) -> bool {
        matches!(self, Sync::Durable | Sync::FileOnly)
    }
}

/// Replaces `path` with `bytes` atomically.
pub fn write(path: &Path, bytes: &[u8], sync: Sync) -> io::Result<()> {
    let dir = parent(path);
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    if sync.file_fsync() {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if sync == Sync::Durable {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Writes the file at `path` with whatever `fill` writes, durably and never half: into a
/// private (0600) temp file beside it, fsynced, then renamed into place. Without `replace`
/// an existing file is kept, one created meanwhile included (`ErrorKind::AlreadyExists`).
pub fn write_through<T>(
    path: &Path,
    replace: bool,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    let dir = parent(path);
    let tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    let mut out = io::BufWriter::new(tmp);
    let value = fill(&mut out)?;
    let tmp = out.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    sync_dir(dir)?;
    Ok(value)
}

/// Appends `bytes` to `path` (created if missing) and fsyncs it.
#[cfg(test)]
pub fn append(path: &Path, bytes: &[u8]) -> io::Result<()> {
    append_with(path, bytes, Sync::Durable)
}

/// Appends `bytes` to `path`: fsynced (with the folder when the file is new) unless `sync`
/// is `Lazy` or `Deferred`.
pub fn append_with(path: &Path, bytes: &[u8], sync: Sync) -> io::Result<()> {
    let existed = path.exists();
    let mut f = OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(bytes)?;
    if sync.file_fsync() {
        f.sync_all()?;
        if !existed {
            sync_dir(parent(path))?;
        }
    }
    Ok(())
}

/// Creates `dir` (and parents) and makes its entry durable.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    create_dir_with(dir, Sync::Durable)
}

/// Creates `dir` (and parents); its entry is made durable now unless `sync` is `Deferred`
/// (a later [`barrier`] does it) or `Lazy`.
pub fn create_dir_with(dir: &Path, sync: Sync) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir)?;
    if sync.file_fsync() {
        sync_dir(parent(dir))?;
    }
    Ok(())
}

/// Makes every write made so far on the filesystem holding `dir` durable (`syncfs(2)`):
/// the one flush a group commit pays instead of an fsync per file and per folder. Linux
/// reports writeback errors of the filesystem to it (since 5.8), so a failed flush is an
/// error here, not a silent loss.
pub fn barrier(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd as _;
    let f = File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which `f` keeps open for the call.
    let rc = unsafe { libc::syncfs(f.as_raw_fd()) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    BARRIERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// How many [`barrier`]s this process made (reported by `check` at debug level, and by tests).
pub static BARRIERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

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
    fn write_through_keeps_an_existing_file_unless_told_to_replace_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("export.warc");
        let n = write_through(&p, false, |w| w.write_all(b"first").map(|()| 5)).expect("new");
        assert_eq!(n, 5);
        let kept = write_through(&p, false, |w| w.write_all(b"second"));
        assert_eq!(
            kept.expect_err("exists").kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read(&p).expect("read"), b"first");
        let failed = write_through(&p, true, |w| {
            w.write_all(b"half")?;
            Err::<(), _>(io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            fs::read(&p).expect("read"),
            b"first",
            "a failed write leaves nothing"
        );
        write_through(&p, true, |w| w.write_all(b"second")).expect("replace");
        assert_eq!(fs::read(&p).expect("read"), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("export.warc")]);
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
