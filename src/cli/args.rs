//! The command line as clap reads it (a contract: names and flags are relied on by scripts).
//!
//! Every clap type lives here and depends on nothing but clap, clap_complete and std, because
//! build.rs compiles this same file to write the shell completions and the man page.

use std::path::PathBuf;

use clap::{ArgAction, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "canaryd",
    version,
    about = "Watches warrant canaries and emails you the moment one dies",
    long_about = "Watches warrant canaries (\"we have never received a National Security Letter\") \
and emails you the moment a statement disappears or is weakened, with the evidence.\n\n\
Exit status: 0 the command did its work (whether or not alerts fired); 1 failure; 2 usage; \
75 `check` left alerts undelivered (a channel is down; they are retried on the next run); \
78 bad watchlist.\n\n\
Colour: --color auto (the default) colours a terminal unless NO_COLOR is set or TERM=dumb; \
CLICOLOR_FORCE=1 colours pipes too."
)]
pub struct Cli {
    /// The watchlist [default: ./watchlist.toml, or $CONFIGURATION_DIRECTORY/watchlist.toml under systemd]
    #[arg(long, global = true, env = "CANARYD_WATCHLIST", value_name = "FILE")]
    pub watchlist: Option<PathBuf>,
    /// The state directory [default: ./snapshots, or $STATE_DIRECTORY under systemd]
    #[arg(long, global = true, env = "CANARYD_STATE", value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// More log output on standard error: -v info, -vv debug, -vvv trace
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Less output: errors only in the log, no per-watch lines or progress bar from `check`
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to colour output and help: auto (a terminal, unless NO_COLOR or TERM=dumb; CLICOLOR_FORCE forces it), always, never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One pass over every watch (or the NAMEs given): fetch, compare, deliver alerts, exit;
    /// exit 75 when alerts are left undelivered
    Check {
        /// Only these watches, by name as `list` shows them [default: every watch]
        #[arg(value_name = "NAME")]
        names: Vec<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
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
        follow: FollowArgs,
        /// CSS selector of the canary statements, e.g. "#canary li"
        #[arg(long, value_name = "CSS")]
        selector: Option<String>,
        #[command(flatten)]
        signing: SigningFlags,
        /// How the page is read: "fetch" (as served) or "browser" (loaded in headless
        /// Chromium, its scripts run: the watch gets render = "browser")
        #[arg(long, value_name = "HOW", value_parser = ["fetch", "browser"])]
        render: Option<String>,
        /// Confirm the quoted Bitcoin block with this Esplora API, as a watch's
        /// `freshness_api` does, e.g. "https://blockstream.info/api/block/{hash}"
        #[arg(long, value_name = "URL")]
        freshness_api: Option<String>,
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
        follow: FollowArgs,
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
        signing: SigningFlags,
        /// How the page is read: "fetch" (as served) or "browser" (loaded in headless
        /// Chromium, its scripts run: the watch gets render = "browser")
        #[arg(long, value_name = "HOW", value_parser = ["fetch", "browser"])]
        render: Option<String>,
    },
    /// Remove a watch from the watchlist; its history is kept unless --purge
    Remove {
        /// The watch's name, as `list` shows it
        name: String,
        /// Also delete its history (state, events, evidence) from the state directory; asks
        /// first on a terminal, and is refused elsewhere without --yes
        #[arg(long)]
        purge: bool,
        /// Do not ask before --purge deletes the history
        #[arg(short = 'y', long, requires = "purge")]
        yes: bool,
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
        /// Every column, however wide (on a terminal the table otherwise fits its width)
        #[arg(long)]
        wide: bool,
    },
    /// A watch's evidence snapshots and the events they recorded, newest first
    History {
        /// The watch's name (its history is read even after `remove`)
        name: String,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Statement diff between two snapshots [default: the last two]
    Diff {
        /// The watch's name
        name: String,
        /// Snapshot number (from `history`), or a date (YYYY-MM-DD or RFC 3339): the snapshot in force then
        from: Option<String>,
        /// Likewise [default: the latest snapshot]
        to: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The statements as they were at a snapshot [default: the latest]
    Show {
        /// The watch's name
        name: String,
        /// Snapshot number, or a date (YYYY-MM-DD or RFC 3339): the snapshot in force then
        at: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Check the evidence hash chains [default: every watch]; exit 0 when all hold, 1 when any breaks
    Verify {
        /// Only this watch's chain
        name: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write a watch's evidence as a WARC 1.1 file
    Export {
        /// The watch's name
        name: String,
        /// Output file; ".gz" compresses, "-" is standard output [default: NAME.warc.gz]
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite FILE if it exists (without it, an existing file is refused)
        #[arg(long)]
        force: bool,
    },
    /// Write the report: a static site of every watch's state, timeline, versions, diffs,
    /// feeds and evidence, from the state directory (read-only; safe beside `run`)
    Report {
        /// The folder to write [default: ./report]
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// Also write each watch's evidence as a WARC file beside its page
        /// (`watch/NAME.warc.gz`, what `canaryd export NAME` writes) and link it from the page.
        /// Slower: every watch's whole history is compressed at each rebuild
        #[arg(long)]
        warc: bool,
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
        /// Accept SHA-1 signatures (refused by default; a watch's `accept_sha1 = true`)
        #[arg(long, requires = "keys")]
        accept_sha1: bool,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// One file per version, in order; time = first YYYY-MM-DD in the name, else mtime
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Pinned keys: `keys refresh [NAME]...` fetches each pinned key's `key_url` and accepts
    /// the update only if its primary key is the pinned one
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
    /// Print a shell completion script, e.g. `canaryd completions bash > /etc/bash_completion.d/canaryd`
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print a man page as roff, e.g. `canaryd man | man -l -`, or `canaryd man check | man -l -` for one command
    Man {
        /// The command whose page to print [default: canaryd(1), which lists them all]
        command: Option<String>,
    },
}

/// What `canaryd keys` does.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Fetch every pinned key with a `key_url` (of the watches named, or all) and keep the
    /// publisher's update when its primary fingerprint is the pinned one; exit 1 if any was refused
    Refresh {
        /// Only these watches [default: every watch with a key_url]
        #[arg(value_name = "NAME")]
        names: Vec<String>,
    },
}

/// `--follow-index URL --follow-pattern REGEX [--follow-order O]` of `preview` and `add`
/// (their meaning is in `follow_args`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FollowArgs {
    /// Follow the newest document linked from this index page (instead of URL)
    #[arg(long, value_name = "URL", requires = "follow_pattern")]
    pub follow_index: Option<String>,
    /// Regex matched against each absolute link of the index, e.g. "canary-(\d+)\.txt$"
    #[arg(long, value_name = "REGEX", requires = "follow_index")]
    pub follow_pattern: Option<String>,
    /// How the documents are ordered [default: number, else date, else position]
    #[arg(long, value_name = "ORDER", requires = "follow_index", value_parser = ["number", "date", "position"])]
    pub follow_order: Option<String>,
    /// Let the followed document (and its signatures) be at this internal address, network
    /// (CIDR) or host name; repeatable. Written to the watch as `allow_internal` by `add`
    #[arg(long, value_name = "ADDR")]
    pub allow_internal: Vec<String>,
}

/// `--key FILE…`, `--signature-url URL…` and `--signers N` of `preview` and `add` (their
/// meaning is in `signing_flags`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SigningFlags {
    /// Pin an OpenPGP public key file (repeatable): the watch then requires signatures
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Detached signature URL, "{url}" standing for the canary's URL, e.g. "{url}.sig" (repeatable)
    #[arg(long = "signature-url", value_name = "URL")]
    pub signature_urls: Vec<String>,
    /// Distinct pinned signers required [default: 1]
    #[arg(long, value_name = "N")]
    pub signers: Option<usize>,
    /// Accept SHA-1 signatures for this watch (refused by default; writes `accept_sha1 = true`)
    #[arg(long)]
    pub accept_sha1: bool,
}

/// `--color`: `auto` leaves the choice to the terminal and the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// `--format` of every command but `list`: text for people, JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Where the watchlist and the state are when neither a flag, the environment nor systemd
/// says otherwise.
pub const DEFAULT_WATCHLIST: &str = "watchlist.toml";
pub const DEFAULT_STATE: &str = "snapshots";

impl Cli {
    /// The watchlist path after flags, `CANARYD_WATCHLIST` and systemd's directories.
    pub fn watchlist_path(&self) -> PathBuf {
        self.watchlist.clone().unwrap_or_else(|| {
            systemd_dir("CONFIGURATION_DIRECTORY").map_or_else(
                || PathBuf::from(DEFAULT_WATCHLIST),
                |d| d.join(DEFAULT_WATCHLIST),
            )
        })
    }

    /// The state directory after flags, `CANARYD_STATE` and systemd's `$STATE_DIRECTORY`.
    pub fn state_dir(&self) -> PathBuf {
        self.state.clone().unwrap_or_else(|| {
            systemd_dir("STATE_DIRECTORY").unwrap_or_else(|| PathBuf::from(DEFAULT_STATE))
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
