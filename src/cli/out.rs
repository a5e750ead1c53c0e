//! Standard output for commands, which people pipe into `head`, `less` or `grep -m1`: once the
//! reader has gone (a closed pipe), the rest of the output is dropped quietly instead of
//! panicking with a backtrace, and the command finishes its work (a `check` still delivers
//! its alerts) and exits with its own status. A stdout channel that then fails to write an
//! alert says so and leaves the alert queued (see `notify::channel::stdout`).

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to standard output failed: nothing more is tried.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `args` (a line's text without its newline, or with `newline` false, as is).
pub(crate) fn write(args: std::fmt::Arguments<'_>, newline: bool) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let written = if newline {
        writeln!(out, "{args}")
    } else {
        write!(out, "{args}").and_then(|()| out.flush())
    };
    if let Err(e) = written {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            tracing::warn!(
                "cannot write to standard output: {e}; the rest of the output is dropped"
            );
        }
    }
}

/// `println!` that never panics (see the module documentation).
macro_rules! outln {
    () => {
        $crate::cli::out::write(format_args!(""), true)
    };
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*), true)
    };
}

/// `print!` that never panics (see the module documentation).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::write(format_args!($($arg)*), false)
    };
}
