//! Writes the shell completions and the man pages into OUT_DIR from the same clap definitions
//! the binary parses with (src/cli/args.rs, compiled here as a module of the build script), so
//! a packager finds them in the build output: `$OUT_DIR/completions/` (bash, zsh, fish,
//! elvish, PowerShell) and `$OUT_DIR/man/` (canaryd.1 and canaryd-COMMAND.1).

// The parser half of args.rs (paths, systemd) is the binary's business, unused here.
#[allow(dead_code)]
#[path = "src/cli/args.rs"]
mod args;

use clap::CommandFactory as _;
use clap_complete::Shell;

fn main() -> std::io::Result<()> {
    println!("cargo::rerun-if-changed=src/cli/args.rs");
    println!("cargo::rerun-if-changed=build.rs");
    let Some(out) = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from) else {
        return Err(std::io::Error::other(
            "cargo sets OUT_DIR for build scripts",
        ));
    };
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        clap_complete::generate_to(shell, &mut args::Cli::command(), "canaryd", &completions)?;
    }
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(args::Cli::command(), &man)?;
    Ok(())
}
