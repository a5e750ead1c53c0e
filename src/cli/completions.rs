//! `canaryd completions SHELL` and `canaryd man`: the completion script and the man page,
//! generated from the same clap definitions the parser uses (build.rs writes the same files
//! into OUT_DIR at build time), so they can never disagree with the real flags.

use std::io::Write as _;

use clap::CommandFactory as _;

use super::args::Cli;
use super::exit::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use super::say;

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "canaryd", &mut out);
    finish(out.flush())
}

/// canaryd(1), or canaryd-COMMAND(1) (one page per command, as cargo and git ship them:
/// clap_mangen renders one command per page).
pub fn man(command: Option<&str>) -> u8 {
    let mut page = Vec::new();
    match render(command, &mut page) {
        Ok(true) => {}
        Ok(false) => {
            let known: Vec<String> = commands();
            let asked = command.unwrap_or_default();
            let mut message = format!("no command is named \"{asked}\"");
            if let Some(s) = super::names::suggestion(asked, &known) {
                message.push_str(&format!("; did you mean \"{s}\"?"));
            }
            say::error(message);
            return EXIT_USAGE;
        }
        Err(e) => {
            say::error(format!("cannot render the man page: {e}"));
            return EXIT_FAILURE;
        }
    }
    let mut out = std::io::stdout().lock();
    finish(out.write_all(&page).and_then(|()| out.flush()))
}

/// The command line as the man pages see it: built, so each subcommand knows its full name
/// ("canaryd-check"), without clap's `help` subcommand, which has no page.
pub fn built() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every subcommand's name.
pub fn commands() -> Vec<String> {
    built()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

/// Renders the page into `out`; `false` when no command has that name.
pub fn render(command: Option<&str>, out: &mut Vec<u8>) -> std::io::Result<bool> {
    let cmd = built();
    let page = match command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => return Ok(false),
        },
    };
    clap_mangen::Man::new(page).render(out)?;
    Ok(true)
}

fn finish(result: std::io::Result<()>) -> u8 {
    match result {
        Ok(()) => EXIT_OK,
        // `canaryd man | head` closes the pipe early: not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            say::error(format!("cannot write to standard output: {e}"));
            EXIT_FAILURE
        }
    }
}
