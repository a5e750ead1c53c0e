//! `canaryd completions SHELL` and `canaryd man`: the completion script and the man page,
//! printed from `generated`, which build.rs also uses to write the packaged files, so they
//! can never disagree with the real flags or with each other.

use std::io::Write as _;

use super::exit::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};
use super::say;

pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut out = std::io::stdout().lock();
    super::generated::completion(shell, &mut out);
    finish(out.flush())
}

/// canaryd(1), or canaryd-COMMAND(1) (one page per command, as cargo and git ship them:
/// clap_mangen renders one command per page).
pub fn man(command: Option<&str>) -> u8 {
    let mut page = Vec::new();
    match super::generated::man_page(command, &mut page) {
        Ok(true) => {}
        Ok(false) => {
            let known: Vec<String> = super::generated::commands();
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
