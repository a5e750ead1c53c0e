//! `canaryd report [-o DIR]`: writes the static report of every watch from the state
//! directory (see `crate::report`), without taking the state lock; `--warc` adds each
//! watch's WARC.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::clock::Clock;

/// Writes the report into `out` (default `./report`); prints where.
pub fn run(
    watchlist: &Path,
    state: &Path,
    out: Option<&Path>,
    warcs: crate::report::Warcs,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let out: PathBuf = out.map_or_else(|| PathBuf::from("report"), Path::to_path_buf);
    let outcome = write(&wl, state, &out, clock.now(), warcs)?;
    outln!(
        "wrote the report of {} to {} ({} rebuilt, {} unchanged; {} written)",
        crate::words::plural(outcome.watches, "watch"),
        out.join("index.html").display(),
        outcome.rebuilt,
        outcome.watches - outcome.rebuilt,
        crate::words::plural(outcome.written, "file")
    );
    Ok(0)
}

/// Writes the report into `out` as of `now`, saying which folder failed.
pub fn write(
    wl: &crate::config::Watchlist,
    state: &Path,
    out: &Path,
    now: chrono::DateTime<chrono::Utc>,
    warcs: crate::report::Warcs,
) -> anyhow::Result<crate::report::Outcome> {
    crate::report::generate(wl, state, out, now, warcs)
        .with_context(|| format!("writing the report into {}", out.display()))
}
