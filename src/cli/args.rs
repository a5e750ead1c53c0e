//! The command line as clap reads it (a contract: names and flags are relied on by scripts).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "canaryd",
    version,
    about = "Watches warrant canaries and emails you the moment one dies",
    long_about = "Watches warrant canaries (\"we have never received a National Security Letter\") \
and emails you the moment a statement disappears or is weakened, with the evidence.\n\n\
Exit status: 0 the command did its work (whether or not alerts fired); 1 failure; 2 usage; \
78 bad watchlist."
)]
pub struct Cli {
    /// The watchlist [default: ./watchlist.toml, or $CONFIGURATION_DIRECTORY/watchlist.toml under systemd]
    #[arg(long, global = true, env = "CANARYD_WATCHLIST", value_name = "FILE")]
    pub watchlist: Option<PathBuf>,
    /// The state directory [default: ./snapshots, or $STATE_DIRECTORY under systemd]
    #[arg(long, global = true, env = "CANARYD_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One pass over every watch: fetch, compare, deliver alerts, exit
    Check,
    /// The daemon: check every watch on its interval until SIGTERM; SIGHUP reloads the watchlist
    Run,
    /// Fetch a page once and print the statements that would be tracked; writes nothing
    Preview {
        /// http(s):// or file:// URL (a local path works too)
        #[arg(
            required_unless_present = "follow_index",
            conflicts_with = "follow_index"
        )]
        url: Option<String>,
        #[command(flatten)]
        follow: super::follow_args::FollowArgs,
        /// CSS selector of the canary statements, e.g. "#canary li"
        #[arg(long, value_name = "CSS")]
        selector: Option<String>,
        #[command(flatten)]
        signing: super::signing_flags::SigningFlags,
    },
    /// Fetch a page once, show the statements it would track, and add it to the watchlist
    /// (comments and layout kept)
    Add {
        /// http(s):// or file:// URL (a local path works too)
        #[arg(
            required_unless_present = "follow_index",
            conflicts_with = "follow_index"
        )]
        url: Option<String>,
        #[command(flatten)]
        follow: super::follow_args::FollowArgs,
        /// Name of the watch [default: from the host, e.g. "riseup-net", made unique]
        #[arg(long, value_name = "N")]
        name: Option<String>,
        /// CSS selector of the canary statements, e.g. "#canary li"
        #[arg(long, value_name = "CSS")]
        selector: Option<String>,
        /// How often `run` checks it, e.g. "1h" [default: the watchlist's interval]
        #[arg(long, value_name = "D")]
        interval: Option<String>,
        /// Add it even though the page cannot be fetched right now, or has no canary claim to track
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        signing: super::signing_flags::SigningFlags,
    },
    /// Remove a watch from the watchlist; its history is kept unless --purge
    Remove {
        /// The watch's name, as `list` shows it
        name: String,
        /// Also delete its history (state, events, evidence) from the state directory
        #[arg(long)]
        purge: bool,
    },
    /// Rename a watch in the watchlist and move its history with it
    Rename {
        /// The watch's current name
        old: String,
        /// Its new name (1 to 64 letters, digits, '-', '_' or '.')
        new: String,
    },
    /// Each watch: statements, last check and result, last change, next check, pending, undelivered alerts
    List {
        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// A watch's evidence snapshots and the events they recorded, newest first
    History {
        /// The watch's name (its history is read even after `remove`)
        name: String,
    },
    /// Statement diff between two snapshots [default: the last two]
    Diff {
        /// The watch's name
        name: String,
        /// Snapshot number (from `history`), or a date (YYYY-MM-DD or RFC 3339): the snapshot in force then
        from: Option<String>,
        /// Likewise [default: the latest snapshot]
        to: Option<String>,
    },
    /// The statements as they were at a snapshot [default: the latest]
    Show {
        /// The watch's name
        name: String,
        /// Snapshot number, or a date (YYYY-MM-DD or RFC 3339): the snapshot in force then
        at: Option<String>,
    },
    /// Check the evidence hash chains [default: every watch]; exit 0 when all hold, 1 when any breaks
    Verify {
        /// Only this watch's chain
        name: Option<String>,
    },
    /// Write a watch's evidence as a WARC 1.1 file
    Export {
        /// The watch's name
        name: String,
        /// Output file; ".gz" compresses, "-" is standard output [default: NAME.warc.gz]
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Send a test email through the watchlist's [email] settings and report the server's answer
    TestEmail,
    /// Send a test notification through every channel (or one) and report each answer
    TestNotify {
        /// Only channel N: 1-based in watchlist order, `[email]` first when present
        #[arg(long, value_name = "N")]
        channel: Option<usize>,
    },
    /// Offline demonstration: a canary served on loopback loses a statement; see the alert
    Demo,
    /// Check the watchlist; exit 0 if good, 78 (with file:line:column) if not
    Validate,
    /// Replay files as successive versions of one canary and print the events that would fire
    Replay {
        /// CSS selector of the canary statements (HTML versions)
        #[arg(long, value_name = "CSS")]
        selector: Option<String>,
        /// Alert `stale` when the canary's date is older than this (e.g. "100d")
        #[arg(long, value_name = "D")]
        max_age: Option<String>,
        /// Pin an OpenPGP public key and judge signatures beside each version (X.sig, X.sig.*, X.asc; repeatable)
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// Distinct pinned signers required [default: 1]
        #[arg(long, value_name = "N", requires = "keys")]
        signers: Option<usize>,
        /// Output format
        #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
        format: ReplayFormat,
        /// One file per version, in order; time = first YYYY-MM-DD in the name, else mtime
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    Text,
    Json,
}

impl Cli {
    /// The watchlist path after flags, `CANARYD_WATCHLIST` and systemd's directories.
    pub fn watchlist_path(&self) -> PathBuf {
        self.watchlist.clone().unwrap_or_else(|| {
            systemd_dir("CONFIGURATION_DIRECTORY").map_or_else(
                || PathBuf::from("watchlist.toml"),
                |d| d.join("watchlist.toml"),
            )
        })
    }

    /// The state directory after flags, `CANARYD_STATE` and systemd's `$STATE_DIRECTORY`.
    pub fn state_dir(&self) -> PathBuf {
        self.state.clone().unwrap_or_else(|| {
            systemd_dir("STATE_DIRECTORY").unwrap_or_else(|| PathBuf::from("snapshots"))
        })
    }
}

/// The first of the directories systemd passes in `var` (it may pass several,
/// colon-separated; ours is the first).
fn systemd_dir(var: &str) -> Option<PathBuf> {
    let dirs = std::env::var_os(var)?;
    let first = dirs.to_string_lossy().split(':').next()?.to_string();
    (!first.is_empty()).then(|| PathBuf::from(first))
}
