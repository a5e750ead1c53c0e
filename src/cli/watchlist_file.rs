//! Rewriting the watchlist file for `add`, `remove` and `rename`: validate, then replace it
//! atomically, as the same file (symlinks followed) with the same permissions.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::Watchlist;
use crate::store::atomic::{self, Sync};

/// The watchlist's text, or `None` when the file does not exist yet.
pub fn read(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read watchlist {}", path.display())),
    }
}

/// Checks that `text` is a valid watchlist and writes it over `path`. Nothing is written
/// when it is not valid, so an edit can never leave a watchlist the daemon would refuse.
pub fn write(path: &Path, text: &str) -> anyhow::Result<Watchlist> {
    let watchlist = Watchlist::parse(text, path).map_err(|e| {
        anyhow::anyhow!("the edited watchlist would not be valid, so nothing was written: {e}")
    })?;
    // Replace the file a symlink points at, not the symlink (e.g. /etc/canaryd → a repo).
    let target: PathBuf = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let permissions = std::fs::metadata(&target).ok().map(|m| m.permissions());
    atomic::write(&target, text.as_bytes(), Sync::Durable)
        .with_context(|| format!("cannot write watchlist {}", target.display()))?;
    // The temporary file was created private (0600); give the new file the old one's mode
    // so a daemon running as another user can still read it.
    let permissions = permissions.unwrap_or_else(|| {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::Permissions::from_mode(0o644)
    });
    std::fs::set_permissions(&target, permissions)
        .with_context(|| format!("cannot set the permissions of {}", target.display()))?;
    Ok(watchlist)
}

/// What to tell the user after an edit, so a running daemon picks it up.
pub const RELOAD_HINT: &str =
    "a running daemon picks this up on reload (`systemctl reload canaryd`, or SIGHUP)";
