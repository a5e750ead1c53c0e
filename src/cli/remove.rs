//! `canaryd remove NAME [--purge]`: take a watch out of the watchlist. Its history (state,
//! events, evidence) stays in the state directory, where `history`, `verify` and `export`
//! still read it, unless `--purge` deletes it.

use std::path::Path;

use anyhow::Context as _;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::config::edit;
use crate::config::valid_watch_name;
use crate::notify::outbox::Outbox;

use super::watchlist_file::{self, RELOAD_HINT};

pub fn run(watchlist: &Path, state: &Path, name: &str, purge: bool) -> anyhow::Result<u8> {
    if !valid_watch_name(name) {
        eprintln!("canaryd: \"{name}\" is not a watch name");
        return Ok(EXIT_USAGE);
    }
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let history = state.join(name);
    let _lock = match purge {
        true => Some(crate::store::lock::StateLock::acquire(
            state,
            "remove --purge",
        )?),
        false => None,
    };
    if wl.watch(name).is_some() {
        let text = watchlist_file::read(watchlist)?.unwrap_or_default();
        let edited = edit::remove(&text, name)?;
        watchlist_file::write(watchlist, &edited)?;
        println!(
            "removed watch \"{name}\" from {}; {RELOAD_HINT}",
            watchlist.display()
        );
    } else if purge && history.is_dir() {
        // Purging the history of a watch removed earlier.
        println!("\"{name}\" is not in {}", watchlist.display());
    } else {
        eprintln!(
            "canaryd: no watch is named \"{name}\" in {}; `canaryd list` shows the names",
            watchlist.display()
        );
        return Ok(EXIT_FAILURE);
    }

    if !history.is_dir() {
        return Ok(0);
    }
    if purge {
        std::fs::remove_dir_all(&history)
            .with_context(|| format!("cannot delete {}", history.display()))?;
        println!("deleted its history, {}", history.display());
    } else {
        println!(
            "its history stays in {} (`canaryd history {name}`, `verify`, `export` still read it; `canaryd remove {name} --purge` deletes it)",
            history.display()
        );
    }
    let queued = if state.join("outbox").is_dir() {
        Outbox::at(state)
            .pending()?
            .iter()
            .filter(|q| q.alert.watch == name)
            .count()
    } else {
        0
    };
    if queued > 0 {
        println!("{queued} alert(s) about \"{name}\" are still queued and will be delivered");
    }
    Ok(0)
}
