//! The shell completions and the man pages, made in one place from the clap definitions the
//! parser uses: `canaryd completions` and `canaryd man` print them, and build.rs (which
//! compiles this file as a module beside args.rs) writes every one of them for packagers.
//! So the packaged pages and the printed ones cannot differ.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory as _;
use clap_complete::Shell;

use super::args::Cli;

/// The shells a completion script is written for at build time.
#[cfg_attr(not(test), allow(dead_code))] // the binary prints one; build.rs writes all
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The completion script for `shell`.
pub fn completion(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "canaryd", out);
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

/// canaryd(1), or canaryd-COMMAND(1), rendered into `out`; `false` when no command has that
/// name.
pub fn man_page(command: Option<&str>, out: &mut Vec<u8>) -> std::io::Result<bool> {
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

/// Writes every completion script into `completions` and every man page (canaryd.1 and
/// canaryd-COMMAND.1) into `man`, creating both.
#[cfg_attr(not(test), allow(dead_code))] // build.rs
pub fn write_all(completions: &Path, man: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(completions)?;
    for shell in SHELLS {
        clap_complete::generate_to(shell, &mut Cli::command(), "canaryd", completions)?;
    }
    std::fs::create_dir_all(man)?;
    clap_mangen::generate_to(built(), man)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_files_written_for_packagers_are_what_the_commands_print() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (completions, man) = (dir.path().join("completions"), dir.path().join("man"));
        write_all(&completions, &man).expect("write");
        let read = |path: std::path::PathBuf| std::fs::read(&path).expect("a written file");
        let mut page = Vec::new();
        assert!(man_page(None, &mut page).expect("render"));
        assert_eq!(read(man.join("canaryd.1")), page);
        let names = commands();
        assert!(names.iter().any(|n| n == "check") && !names.iter().any(|n| n == "help"));
        for name in &names {
            let mut page = Vec::new();
            assert!(man_page(Some(name), &mut page).expect("render"));
            assert_eq!(read(man.join(format!("canaryd-{name}.1"))), page, "{name}");
        }
        let mut bash = Vec::new();
        completion(Shell::Bash, &mut bash);
        assert_eq!(read(completions.join("canaryd.bash")), bash);
        assert!(!man_page(Some("no-such-command"), &mut Vec::new()).expect("render"));
    }
}
