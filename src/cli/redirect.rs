//! Standard output sent to standard error for a while: `check --format json` owns standard
//! output for its one JSON document, but the stdout channel (alerts when no channel is
//! configured) writes alert texts there during delivery. Moving file descriptor 1 for the
//! duration keeps the document parseable without the notify layer knowing about formats.

use std::io::Write as _;
use std::os::fd::{AsRawFd as _, FromRawFd as _, OwnedFd};

/// Restores standard output when dropped.
pub struct StdoutToStderr {
    saved: Option<OwnedFd>,
}

impl StdoutToStderr {
    /// Points descriptor 1 at standard error. If the descriptors cannot be moved, output
    /// stays where it was (the JSON then follows the alert texts, as it did before).
    pub fn start() -> StdoutToStderr {
        let _ = std::io::stdout().flush();
        // SAFETY: dup on a descriptor the process owns; the result is checked and owned.
        let saved = unsafe { libc::dup(libc::STDOUT_FILENO) };
        if saved < 0 {
            return StdoutToStderr { saved: None };
        }
        // SAFETY: `saved` is a fresh descriptor nothing else owns.
        let saved = unsafe { OwnedFd::from_raw_fd(saved) };
        // SAFETY: dup2 between the process's own standard descriptors.
        if unsafe { libc::dup2(libc::STDERR_FILENO, libc::STDOUT_FILENO) } < 0 {
            return StdoutToStderr { saved: None };
        }
        StdoutToStderr { saved: Some(saved) }
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        if let Some(saved) = &self.saved {
            // SAFETY: puts back the descriptor saved by `start`, still open (owned here).
            unsafe { libc::dup2(saved.as_raw_fd(), libc::STDOUT_FILENO) };
        }
    }
}
