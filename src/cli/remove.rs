//! `canaryd remove NAME [--purge [--yes]]`: take a watch out of the watchlist. Its history
//! (state, events, evidence) stays in the state directory, where `history`, `verify` and
//! `export` still read it, unless `--purge` deletes it: evidence cannot be brought back, so
//! `--purge` asks first on a terminal and, elsewhere, is refused without `--yes`.

use std::path::Path;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::clock::Clock;
use crate::config::edit;
use crate::config::valid_watch_name;
use crate::notify::outbox::Outbox;
use crate::store::{Purged, Store};

use super::watchlist_file::{self, RELOAD_HINT};
use super::{names, say};

/// What `--purge` and `--yes` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purge {
    /// Keep the history.
    No,
    /// Delete it once the person at the terminal says yes.
    AskFirst,
    /// Delete it (`--yes`).
    Yes,
}

pub fn run(
    watchlist: &Path,
    state: &Path,
    name: &str,
    purge: Purge,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
    if !valid_watch_name(name) {
        say::error(format!("\"{name}\" is not a watch name"));
        return Ok(EXIT_USAGE);
    }
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let store = Store::at(state);
    let history = store.watch_dir(name);
    let confirm = purge == Purge::AskFirst;
    let purge = purge != Purge::No;
    let _lock = match purge {
        true => Some(crate::store::lock::StateLock::acquire(
            state,
            "remove --purge",
            clock.now(),
        )?),
        false => None,
    };
    let listed = wl.watch(name).is_some();
    // Unknown unless listed, or a removed watch whose history --purge is to delete.
    let purgeable = purge && store.has_watch_dir(name);
    if !(listed || purgeable) {
        let known: Vec<String> = wl.watches.iter().map(|w| w.name.clone()).collect();
        say::error(names::unknown(
            name,
            &known,
            &watchlist.display().to_string(),
        ));
        return Ok(EXIT_FAILURE);
    }
    // Asked before anything changes: "no" leaves the watchlist as it was too.
    if confirm && store.has_watch_dir(name) {
        match confirmed(name, &history)? {
            Answer::Yes => {}
            Answer::No => {
                outln!("nothing removed");
                return Ok(EXIT_FAILURE);
            }
            Answer::NoTerminal => {
                say::error(format!(
                    "remove --purge deletes the evidence of \"{name}\" for good, and there is no terminal to ask: pass --yes to confirm (nothing removed)"
                ));
                return Ok(EXIT_USAGE);
            }
        }
    }
    if listed {
        let text = watchlist_file::read(watchlist)?.unwrap_or_default();
        let edited = edit::remove(&text, name)?;
        watchlist_file::write(watchlist, &edited)?;
        outln!(
            "removed watch \"{name}\" from {}; {RELOAD_HINT}",
            watchlist.display()
        );
    } else {
        // Purging the history of a watch removed earlier.
        outln!("\"{name}\" is not in {}", watchlist.display());
    }

    if !store.has_watch_dir(name) {
        return Ok(0);
    }
    if purge {
        match store.purge_watch(name)? {
            Purged::Deleted => outln!("deleted its history, {}", history.display()),
            Purged::Absent => return Ok(0),
            Purged::NotAWatch => {
                say::error(format!(
                    "{} does not look like a watch's history (no state.json, check.json, events.jsonl or history/); nothing deleted",
                    history.display()
                ));
                return Ok(EXIT_FAILURE);
            }
        }
    } else {
        outln!(
            "its history stays in {} (`canaryd history {name}`, `verify`, `export` still read it; `canaryd remove {name} --purge` deletes it)",
            history.display()
        );
    }
    let queued = match Outbox::existing(state) {
        Some(outbox) => outbox
            .pending()?
            .iter()
            .filter(|q| q.alert.watch == name)
            .count(),
        None => 0,
    };
    if queued > 0 {
        let verb = if queued == 1 { "is" } else { "are" };
        outln!(
            "{} about \"{name}\" {verb} still queued and will be delivered",
            crate::words::plural(queued, "alert")
        );
    }
    Ok(0)
}

enum Answer {
    Yes,
    No,
    /// Standard input is not a terminal: nobody can be asked.
    NoTerminal,
}

/// Asks on standard error and reads the answer from standard input; only "y" or "yes" is yes.
fn confirmed(name: &str, history: &Path) -> anyhow::Result<Answer> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !std::io::stdin().is_terminal() {
        return Ok(Answer::NoTerminal);
    }
    let mut err = std::io::stderr().lock();
    write!(
        err,
        "delete the history of \"{name}\" ({}), its evidence included? This cannot be undone. [y/N] ",
        history.display()
    )?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim().to_ascii_lowercase();
    Ok(if answer == "y" || answer == "yes" {
        Answer::Yes
    } else {
        Answer::No
    })
}
