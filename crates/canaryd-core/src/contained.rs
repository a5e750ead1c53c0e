//! Panics of third-party parsers, contained quietly: [`run`] catches a panic inside `f` and
//! returns its message, and while `f` runs on this thread the process's panic hook prints
//! nothing (no "thread panicked at …", no backtrace). pdf-extract panics on many malformed
//! PDFs; canaryd reports those as a failed read in its own words, and a panic anywhere else
//! still prints as before.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while a contained call runs on this thread.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static HOOK: Once = Once::new();

/// A contained panic: its message, on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Panicked(String);

/// Runs `f`; a panic inside it is `Err(message)`, printed nowhere.
pub(crate) fn run<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(was));
    result.map_err(|panic| Panicked(message(panic.as_ref())))
}

/// A panic payload's message, on one line (payloads are `&str` or `String` unless a crate
/// panics with something else).
pub fn message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_contained_panic_is_its_message() {
        assert_eq!(super::run(|| 7), Ok(7));
        let caught = super::run(|| -> u8 { panic!("bad xref at {}", 12) });
        assert_eq!(caught, Err(super::Panicked("bad xref at 12".to_string())));
        // Outside a contained call the thread is not quiet.
        assert!(!super::QUIET.with(std::cell::Cell::get));
    }
}
