//! Writes the shell completions and the man pages into OUT_DIR from the same clap definitions
//! the binary parses with (src/cli/args.rs), by the same code `canaryd completions` and
//! `canaryd man` print them with (src/cli/generated.rs; both compiled here as modules), so
//! a packager finds them in the build output: `$OUT_DIR/completions/` (bash, zsh, fish,
//! elvish, PowerShell) and `$OUT_DIR/man/` (canaryd.1 and canaryd-COMMAND.1).
//!
//! The same files are also written to `target/<profile>/canaryd-dist/`, a path without the
//! build script's hash in it: cargo-deb's assets (Cargo.toml, `[package.metadata.deb]`) can
//! only name files by a fixed path under `target/release/`, and a glob over
//! `build/canaryd-*/out` would also pick up the stale output of earlier builds. There the man
//! pages are gzipped as Debian policy wants them installed (`gzip -9n`: best compression, no
//! name or time in the header, so the package is reproducible): cargo-deb compresses the man
//! pages it takes from the source tree, but not files it counts as build output.

// The parser half of args.rs (paths, systemd) is the binary's business, unused here.
#[allow(dead_code)]
#[path = "src/cli/args.rs"]
mod args;
// What `canaryd completions` and `canaryd man` print; here, written as files. The printing
// half is the binary's business.
#[allow(dead_code)]
#[path = "src/cli/generated.rs"]
mod generated;

use std::io::Write as _;
use std::path::Path;

/// `from` gzipped into `to` as `gzip -9n` would: no file name, a zero timestamp.
fn gzip(from: &Path, to: &Path) -> std::io::Result<()> {
    let file = std::fs::File::create(to)?;
    let mut gz = flate2::GzBuilder::new().write(file, flate2::Compression::best());
    gz.write_all(&std::fs::read(from)?)?;
    gz.finish()?.sync_all()
}

/// Links the binary with its relative relocations packed (DT_RELR: binutils 2.38+, glibc
/// 2.36+, so Debian 12 on). The position-independent binary otherwise carries 1.4 MB of
/// them, which the loader reads at every start and the process keeps resident (about 1.4
/// MB of an idle daemon's 21); packed, they take a few kilobytes. An older linker ignores
/// the option with a warning; the package's libc6 dependency follows from the binary.
fn pack_relative_relocations() {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn main() -> std::io::Result<()> {
    println!("cargo::rerun-if-changed=src/cli/args.rs");
    println!("cargo::rerun-if-changed=src/cli/generated.rs");
    println!("cargo::rerun-if-changed=build.rs");
    pack_relative_relocations();
    let Some(out) = std::env::var_os("OUT_DIR").map(std::path::PathBuf::from) else {
        return Err(std::io::Error::other(
            "cargo sets OUT_DIR for build scripts",
        ));
    };
    let completions = out.join("completions");
    let man = out.join("man");
    if man.exists() {
        std::fs::remove_dir_all(&man)?; // no page of a command that no longer exists
    }
    generated::write_all(&completions, &man)?;
    // OUT_DIR is <target>/<profile>/build/canaryd-<hash>/out.
    if let Some(profile_dir) = out.ancestors().nth(3) {
        let dist = profile_dir.join("canaryd-dist");
        for (from, name) in [(&completions, "completions"), (&man, "man")] {
            let to = dist.join(name);
            if to.exists() {
                std::fs::remove_dir_all(&to)?;
            }
            std::fs::create_dir_all(&to)?;
            for entry in std::fs::read_dir(from)? {
                let entry = entry?;
                if name == "man" {
                    let mut gz = entry.file_name();
                    gz.push(".gz");
                    gzip(&entry.path(), &to.join(gz))?;
                } else {
                    std::fs::copy(entry.path(), to.join(entry.file_name()))?;
                }
            }
        }
    }
    Ok(())
}
