//! Crash-safe file writes: temp file in the same folder, fsync, rename, fsync the folder;
//! or, in a group commit, a replacement staged in the file's spare and swapped into place
//! after the group's barrier.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

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

/// The spare of a file a group commit replaces: `.spare-<name>` beside it.
pub const SPARE_PREFIX: &str = ".spare-";

/// A replacement of one file, written into the file's spare and not yet in place.
///
/// A group commit stages every replacement of its group first, makes them durable with one
/// [`barrier`], and only then puts each in place ([`Staged::put`]), so the name always
/// holds a whole file, written before it was named, a power cut included. The spare is the
/// inode the file had before its last replacement: putting swaps the two names
/// (`renameat2(RENAME_EXCHANGE)`), so a replacement frees no inode and allocates none. On
/// ext4 without a journal, a file created while many inodes were freed in the last half
/// minute costs a scan past each of them, so replacing a few files per alert by temporary
/// file and rename grows with the square of the alerts a pass raises (docs/performance.md).
///
/// The spare then holds the file's previous version, and is never read: it is overwritten
/// by the next replacement. One writer per file: the state lock keeps other processes out,
/// and a group holds one check of each watch.
#[derive(Debug)]
pub struct Staged {
    spare: PathBuf,
    path: PathBuf,
}

/// Writes `bytes` into the spare of `path` (created 0600 if missing), not fsynced: the
/// caller's [`barrier`] does it before [`Staged::put`].
pub fn stage(path: &Path, bytes: &[u8]) -> io::Result<Staged> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a staged file needs a name"))?;
    let mut spare_name = std::ffi::OsString::from(SPARE_PREFIX);
    spare_name.push(name);
    let spare = parent(path).join(spare_name);
    // Not truncated first: its blocks are overwritten, and only the tail past the new
    // length is given back.
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&spare)?;
    f.write_all(bytes)?;
    f.set_len(bytes.len() as u64)?;
    Ok(Staged {
        spare,
        path: path.to_path_buf(),
    })
}

impl Staged {
    /// The file it replaces.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Puts the staged file in place: swapped with the file, or renamed to its name when
    /// there is no file yet (or the filesystem cannot swap two names). Durable at the
    /// caller's next barrier.
    pub fn put(&self) -> io::Result<()> {
        match exchange(&self.spare, &self.path) {
            Ok(()) => Ok(()),
            // No file yet (its first write), or a filesystem without RENAME_EXCHANGE: the
            // spare becomes the file and the next replacement starts a new one.
            Err(e)
                if (e.kind() == io::ErrorKind::NotFound && self.spare.exists())
                    || matches!(
                        e.raw_os_error(),
                        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP)
                    ) =>
            {
                fs::rename(&self.spare, &self.path)
            }
            Err(e) => Err(e),
        }
    }
}

/// Swaps the names `a` and `b` atomically (both must exist).
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let cstr = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (cstr(a)?, cstr(b)?);
    // SAFETY: both paths are NUL-terminated strings that live across the call; renameat2
    // only reads them.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
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

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staged_replacement_is_invisible_until_put_and_then_reuses_the_old_inode() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("state.json");

        // The first write: no file to swap with, so the spare becomes the file.
        let staged = stage(&p, b"first version, long").expect("stage");
        assert!(!p.exists(), "nothing is in place before put");
        staged.put().expect("put");
        assert_eq!(fs::read(&p).expect("read"), b"first version, long");
        assert_eq!(names(dir.path()), ["state.json"]);
        let first = fs::metadata(&p).expect("stat").ino();

        // The second: the file stays whole until put, then the two names swap.
        let staged = stage(&p, b"second").expect("stage");
        assert_eq!(fs::read(&p).expect("read"), b"first version, long");
        staged.put().expect("put");
        assert_eq!(fs::read(&p).expect("read"), b"second");
        let spare = dir.path().join(".spare-state.json");
        assert_eq!(fs::read(&spare).expect("spare"), b"first version, long");
        assert_eq!(fs::metadata(&spare).expect("stat").ino(), first);
        let second = fs::metadata(&p).expect("stat").ino();

        // From the third on, the same two inodes take turns, none freed or allocated; a
        // shorter version leaves nothing of the longer one behind.
        stage(&p, b"3rd").expect("stage").put().expect("put");
        assert_eq!(fs::read(&p).expect("read"), b"3rd");
        assert_eq!(fs::metadata(&p).expect("stat").ino(), first);
        assert_eq!(fs::metadata(&spare).expect("stat").ino(), second);
        assert_eq!(fs::read(&spare).expect("spare"), b"second");
        assert_eq!(names(dir.path()), [".spare-state.json", "state.json"]);
        let mode = fs::metadata(&p).expect("stat").mode() & 0o777;
        assert_eq!(mode, 0o600, "the state is private, as a temp file is");
    }

    #[test]
    fn a_staged_replacement_never_put_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("HEAD");
        write(&p, b"kept", Sync::Durable).expect("write");
        let _abandoned = stage(&p, b"a group that failed its barrier").expect("stage");
        assert_eq!(fs::read(&p).expect("read"), b"kept");
        // The next replacement overwrites the abandoned spare and puts only itself.
        stage(&p, b"next").expect("stage").put().expect("put");
        assert_eq!(fs::read(&p).expect("read"), b"next");
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
