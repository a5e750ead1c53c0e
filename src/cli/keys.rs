//! `canaryd keys refresh [NAME]...`: fetch each pinned key's `key_url` now (every watch that
//! has one, or the watches named), keep an update only when its primary key is the pinned one,
//! then check those watches with the refreshed keys, as `check` does. Exit 1 when a refresh
//! was refused or failed.

use std::path::Path;

use crate::cli::args::Format;
use crate::cli::exit::EXIT_FAILURE;
use crate::clock::Clock;
use crate::store::Store;

use super::{check, names, say};

pub async fn refresh(
    watchlist: &Path,
    state: &Path,
    asked: Vec<String>,
    quiet: bool,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let known: Vec<String> = wl.watches.iter().map(|w| w.name.clone()).collect();
    if let Some(bad) = asked.iter().find(|n| !known.contains(n)) {
        say::error(names::unknown(
            bad,
            &known,
            &watchlist.display().to_string(),
        ));
        return Ok(EXIT_FAILURE);
    }
    let has_url = |name: &str| {
        wl.watch(name)
            .and_then(|w| w.signing.as_ref())
            .is_some_and(|s| s.sources.iter().any(|k| k.key_url.is_some()))
    };
    if let Some(without) = asked.iter().find(|n| !has_url(n)) {
        say::error(format!(
            "watch \"{without}\" has no pinned key with a `key_url`: nothing to refresh from"
        ));
        say::detail(
            "give the key one: keys = [{ file = \"keys/signer.asc\", key_url = \"https://example.org/signer.asc\" }]",
        );
        return Ok(EXIT_FAILURE);
    }
    let names: Vec<String> = if asked.is_empty() {
        known.into_iter().filter(|n| has_url(n)).collect()
    } else {
        asked
    };
    if names.is_empty() {
        outln!("no pinned key has a `key_url`: nothing to refresh");
        return Ok(0);
    }
    let started = clock.now();
    let code = check::run(
        watchlist,
        state,
        check::CheckArgs {
            names: names.clone(),
            format: Format::Text,
            quiet,
            refresh_keys: true,
        },
    )
    .await?;
    // Each refresh made now is in the refresh log (and the check line said what it did).
    let store = Store::at(state);
    let mut problems = 0usize;
    for name in &names {
        for r in store.key_refreshes(name).unwrap_or_default() {
            if r.at >= started && r.is_problem() {
                problems += 1;
            }
        }
    }
    if problems > 0 {
        say::error(format!(
            "{} refused or failed; the pinned copies stay as they were",
            crate::words::plural(problems, "key refresh")
        ));
        return Ok(EXIT_FAILURE);
    }
    Ok(code)
}
