//! The command line: clap's arguments ([`args`]), exit statuses ([`exit`]), and one file per
//! command, each turning typed arguments into work and an exit status. Nothing outside this
//! module sees a clap type.

mod add;
mod args;
mod check;
mod demo;
mod diff;
pub(crate) mod exit;
mod export;
mod follow_args;
mod history;
mod list;
mod list_row;
mod list_table;
mod logging;
mod preview;
mod remove;
mod rename;
mod replay;
mod run;
mod show;
mod signing_flags;
mod term;
mod test_email;
mod test_notify;
mod verify;
mod watchlist_file;

pub use check::line as check_line;

use std::future::Future;
use std::path::Path;

use crate::config::{Watchlist, WatchlistError};
use args::{Cli, Command};
use exit::{EXIT_BAD_WATCHLIST, EXIT_FAILURE, EXIT_OK};

/// Parses the command line, runs the command, maps the outcome to an exit status.
pub fn main() -> std::process::ExitCode {
    use clap::Parser as _;
    let cli = Cli::parse();
    logging::init(matches!(cli.command, Command::Run));
    std::process::ExitCode::from(run(cli))
}

/// Runs the command `cli` names; returns the exit status.
fn run(cli: Cli) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("canaryd: error: cannot start the async runtime: {e}");
            return EXIT_FAILURE;
        }
    };
    let watchlist = cli.watchlist_path();
    let state = cli.state_dir();
    match cli.command {
        Command::Check => block(&runtime, check::run(&watchlist, &state)),
        Command::Run => block(&runtime, run::run(&watchlist, &state)),
        Command::Preview {
            url,
            follow,
            selector,
            signing,
        } => block(
            &runtime,
            follow_args::run_preview(url, follow, selector, signing),
        ),
        Command::List { format } => list::run(&watchlist, &state, format),
        Command::Demo => block(&runtime, demo::run()),
        Command::Validate => validate(&watchlist),
        Command::Replay {
            selector,
            max_age,
            keys,
            signers,
            format,
            files,
        } => block(
            &runtime,
            replay::run(
                &files,
                selector.as_deref(),
                max_age.as_deref(),
                replay::SigningArgs { keys, signers },
                format,
            ),
        ),
        Command::Add {
            url,
            follow,
            name,
            selector,
            interval,
            force,
            signing,
        } => block(
            &runtime,
            add::run(
                &watchlist,
                &state,
                add::AddArgs {
                    url,
                    follow,
                    name,
                    selector,
                    interval,
                    force,
                    signing,
                },
            ),
        ),
        Command::Remove { name, purge } => sync(remove::run(&watchlist, &state, &name, purge)),
        Command::Rename { old, new } => sync(rename::run(&watchlist, &state, &old, &new)),
        Command::History { name } => history::run(&state, &name),
        Command::Diff { name, from, to } => {
            diff::run(&state, &name, from.as_deref(), to.as_deref())
        }
        Command::Show { name, at } => show::run(&state, &name, at.as_deref()),
        Command::Verify { name } => verify::run(&state, name.as_deref()),
        Command::Export { name, output } => sync(export::run(&state, &name, output.as_deref())),
        Command::TestEmail => block(&runtime, test_email::run(&watchlist)),
        Command::TestNotify { channel } => block(&runtime, test_notify::run(&watchlist, channel)),
    }
}

fn block(runtime: &tokio::runtime::Runtime, fut: impl Future<Output = anyhow::Result<u8>>) -> u8 {
    match runtime.block_on(fut) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("canaryd: error: {}", chain(&e));
            EXIT_FAILURE
        }
    }
}

/// The exit status of a command that needs no runtime.
fn sync(result: anyhow::Result<u8>) -> u8 {
    result.unwrap_or_else(|e| {
        eprintln!("canaryd: error: {}", chain(&e));
        EXIT_FAILURE
    })
}

/// "a: b: c" for an anyhow error and its causes.
pub fn chain(e: &anyhow::Error) -> String {
    crate::error_chain(e.as_ref())
}

/// Loads the watchlist, printing a located error. `Err` carries the exit status.
pub fn load_watchlist(path: &Path) -> Result<Watchlist, u8> {
    Watchlist::load(path).map_err(|e| {
        eprintln!("canaryd: {e}");
        match e {
            WatchlistError::Read { .. } => {
                eprintln!("  fix: create it (the README's watchlist reference shows every key) or pass --watchlist FILE");
                EXIT_BAD_WATCHLIST
            }
            WatchlistError::Invalid { .. } => EXIT_BAD_WATCHLIST,
        }
    })
}

fn validate(path: &Path) -> u8 {
    match load_watchlist(path) {
        Ok(wl) => {
            let email = if wl.email.is_some() {
                "email alerts"
            } else {
                "alerts to standard output"
            };
            println!(
                "{}: OK, {} watches, {email}",
                path.display(),
                wl.watches.len()
            );
            EXIT_OK
        }
        Err(code) => code,
    }
}
