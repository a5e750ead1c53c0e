//! The command line: clap's arguments ([`args`]), exit statuses ([`exit`]), how errors are
//! said ([`say`]), and one file per command, each turning typed arguments into work and an
//! exit status. Nothing outside this module sees a clap type.

#[macro_use]
mod out;

mod add;
mod args;
mod check;
mod check_json;
mod completions;
mod demo;
mod diff;
mod evidence_json;
pub(crate) mod exit;
mod export;
mod follow_args;
mod generated;
mod history;
mod keys;
mod list;
mod list_row;
mod list_table;
mod logging;
mod names;
mod preview;
mod preview_freshness;
mod remove;
mod rename;
mod replay;
mod report;
mod run;
mod say;
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
use args::{Cli, ColorWhen, Command};
use exit::{EXIT_BAD_WATCHLIST, EXIT_FAILURE, EXIT_OK};

/// Parses the command line, runs the command, maps the outcome to an exit status.
pub fn main() -> std::process::ExitCode {
    use clap::{CommandFactory as _, FromArgMatches as _};
    // Before parsing, so that clap's help and errors are coloured (or not) the same way.
    term::set_color(term::color_from_args(std::env::args_os()).unwrap_or(ColorWhen::Auto));
    let cli = match Cli::from_arg_matches(&Cli::command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    term::set_color(cli.color);
    logging::init(matches!(cli.command, Command::Run), cli.verbose, cli.quiet);
    std::process::ExitCode::from(run(cli))
}

/// Runs the command `cli` names; returns the exit status.
fn run(cli: Cli) -> u8 {
    crate::memory::fixed_mmap_threshold();
    if matches!(cli.command, Command::Run) {
        // Before the runtime's threads exist: glibc gives each new thread an arena of its
        // own, and one set later only limits arenas not yet made.
        crate::memory::one_arena();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say::error(format!("cannot start the async runtime: {e}"));
            return EXIT_FAILURE;
        }
    };
    let watchlist = cli.watchlist_path();
    let state = cli.state_dir();
    let quiet = cli.quiet;
    // The one clock of the commands below that read the time themselves.
    let clock = &crate::clock::SystemClock;
    match cli.command {
        Command::Check { names, format } => block(
            &runtime,
            check::run(
                &watchlist,
                &state,
                check::CheckArgs {
                    names,
                    format,
                    quiet,
                    refresh_keys: false,
                },
            ),
        ),
        Command::Run => block(&runtime, run::run(&watchlist, &state)),
        Command::Preview {
            url,
            follow,
            selector,
            signing,
            render,
            freshness_api,
        } => block(
            &runtime,
            follow_args::run_preview(
                url,
                follow,
                selector,
                signing,
                render.as_deref() == Some("browser"),
                freshness_api.as_deref(),
            ),
        ),
        Command::List { format, wide } => list::run(&watchlist, &state, format, wide),
        Command::Demo => block(&runtime, demo::run()),
        Command::Validate => validate(&watchlist),
        Command::Replay {
            selector,
            max_age,
            keys,
            signers,
            accept_sha1,
            format,
            files,
        } => block(
            &runtime,
            replay::run(
                &files,
                selector.as_deref(),
                max_age.as_deref(),
                replay::SigningArgs {
                    keys,
                    signers,
                    accept_sha1,
                },
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
            render,
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
                    render: render.as_deref() == Some("browser"),
                },
            ),
        ),
        Command::Remove { name, purge, yes } => {
            let purge = match (purge, yes) {
                (false, _) => remove::Purge::No,
                (true, false) => remove::Purge::AskFirst,
                (true, true) => remove::Purge::Yes,
            };
            sync(remove::run(&watchlist, &state, &name, purge, clock))
        }
        Command::Rename { old, new } => sync(rename::run(&watchlist, &state, &old, &new, clock)),
        Command::History { name, format } => history::run(&state, &name, format),
        Command::Diff {
            name,
            from,
            to,
            format,
        } => diff::run(&state, &name, from.as_deref(), to.as_deref(), format),
        Command::Show { name, at, format } => show::run(&state, &name, at.as_deref(), format),
        Command::Verify { name, format } => verify::run(&state, name.as_deref(), format),
        Command::Export {
            name,
            output,
            force,
        } => sync(export::run(&state, &name, output.as_deref(), force, clock)),
        Command::Keys {
            action: args::KeysAction::Refresh { names },
        } => block(
            &runtime,
            keys::refresh(&watchlist, &state, names, quiet, clock),
        ),
        Command::Report { output, warc } => {
            let warcs = if warc {
                crate::report::Warcs::Written
            } else {
                crate::report::Warcs::Command
            };
            sync(report::run(
                &watchlist,
                &state,
                output.as_deref(),
                warcs,
                clock,
            ))
        }
        Command::Completions { shell } => completions::completions(shell),
        Command::Man { command } => completions::man(command.as_deref()),
        Command::TestEmail => block(&runtime, test_email::run(&watchlist, clock)),
        Command::TestNotify { channel } => {
            block(&runtime, test_notify::run(&watchlist, channel, clock))
        }
    }
}

fn block(runtime: &tokio::runtime::Runtime, fut: impl Future<Output = anyhow::Result<u8>>) -> u8 {
    match runtime.block_on(fut) {
        Ok(code) => code,
        Err(e) => {
            say::error(chain(&e));
            EXIT_FAILURE
        }
    }
}

/// The exit status of a command that needs no runtime.
fn sync(result: anyhow::Result<u8>) -> u8 {
    result.unwrap_or_else(|e| {
        say::error(chain(&e));
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
        say::error(&e);
        match e {
            WatchlistError::Read { .. } => {
                say::detail("fix: create it (the watchlist reference, docs/watchlist.md, shows every key) or pass --watchlist FILE");
                EXIT_BAD_WATCHLIST
            }
            WatchlistError::Invalid { .. } => EXIT_BAD_WATCHLIST,
        }
    })
}

fn validate(path: &Path) -> u8 {
    match load_watchlist(path) {
        Ok(wl) => {
            if let Some(problem) = wl.browser_problem() {
                say::error(&problem);
                return exit::EXIT_BAD_WATCHLIST;
            }
            let email = if wl.email.is_some() {
                "email alerts"
            } else {
                "alerts to standard output"
            };
            outln!(
                "{}: OK, {}, {email}",
                path.display(),
                crate::words::plural(wl.watches.len(), "watch")
            );
            EXIT_OK
        }
        Err(code) => code,
    }
}
