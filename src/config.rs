//! The watchlist: `watchlist.toml` read once, validated, and turned into typed settings.
//!
//! Raw serde structs (with spans) live in `watchlist/raw.rs`; everything past `load` works
//! with typed values: URLs parsed, selectors compiled, durations typed, defaults applied.

mod channel;
pub(crate) mod edit;
mod raw;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use scraper::Selector;
use url::Url;

use crate::judge::event::{EventKind, NotifySet};

pub use channel::{ChannelConfig, ChannelKind, CommandConfig, Secret, WebhookConfig};
pub use values::{parse_duration, parse_size};

/// Default `max_history`: evidence records per watch whose raw bodies are kept.
pub const DEFAULT_MAX_HISTORY: usize = 500;

/// Default per-fetch body cap.
pub const DEFAULT_MAX_BODY: u64 = 5 * 1024 * 1024;

/// A watchlist that passed validation.
#[derive(Debug, Clone)]
pub struct Watchlist {
    pub source: PathBuf,
    pub settings: Settings,
    pub email: Option<EmailConfig>,
    pub watches: Vec<Watch>,
    /// `[[channel]]` tables in file order (`[email]` is not among them; see `notify::channel`).
    pub channels: Vec<ChannelConfig>,
}

/// `[settings]`, with defaults applied. Per-watch values are resolved into each [`Watch`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub interval: Duration,
    pub confirm: u32,
    pub timeout: Duration,
    pub confirm_after: Duration,
    pub host_delay: Duration,
    pub host_concurrency: usize,
    pub concurrency: usize,
    pub max_body: u64,
    pub proxy: Option<Url>,
    pub max_age: Option<Duration>,
    pub stale_grace: Duration,
    pub unreachable_after: Duration,
    pub notify: NotifySet,
    /// Evidence records per watch whose raw bodies are kept; older bodies are pruned (the
    /// records stay). See `archive`.
    pub max_history: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval: Duration::from_secs(6 * 3600),
            confirm: 2,
            timeout: Duration::from_secs(30),
            confirm_after: Duration::from_secs(600),
            host_delay: Duration::from_secs(5),
            host_concurrency: 1,
            concurrency: 16,
            max_body: DEFAULT_MAX_BODY,
            proxy: None,
            max_age: None,
            stale_grace: Duration::from_secs(7 * 86400),
            unreachable_after: Duration::from_secs(2 * 86400),
            notify: NotifySet::default(),
            max_history: DEFAULT_MAX_HISTORY,
        }
    }
}

/// `[email]`: where alerts go. The password is never in the watchlist itself.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// lettre URL syntax: `smtp://host:25`, `smtp://host:587?tls=required`, `smtps://host:465`.
    pub smtp: String,
    pub from: lettre::message::Mailbox,
    pub to: Vec<lettre::message::Mailbox>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
}

/// One `[[watch]]`, every optional value resolved against `[settings]`.
#[derive(Debug, Clone)]
pub struct Watch {
    pub name: String,
    pub url: Url,
    pub selector: Option<WatchSelector>,
    pub interval: Duration,
    pub confirm: u32,
    pub timeout: Duration,
    pub max_body: u64,
    pub proxy: Option<Url>,
    pub max_age: Option<Duration>,
    pub stale_grace: Duration,
    pub unreachable_after: Duration,
    pub notify: NotifySet,
    /// Evidence records whose raw bodies are kept (see [`Settings::max_history`]).
    pub max_history: usize,
}

/// A compiled CSS selector together with the text the user wrote.
#[derive(Debug, Clone)]
pub struct WatchSelector {
    pub source: String,
    pub compiled: Selector,
}

impl WatchSelector {
    pub fn parse(source: &str) -> Result<Self, String> {
        Selector::parse(source)
            .map(|compiled| WatchSelector {
                source: source.to_string(),
                compiled,
            })
            .map_err(|e| {
                // scraper's parse errors carry a generic preamble; keep the useful line.
                let text = e.to_string();
                text.lines()
                    .filter(|l| !l.contains("Please report this"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    }
}

/// A watchlist problem, located in its file.
#[derive(Debug, thiserror::Error)]
pub enum WatchlistError {
    #[error("cannot read watchlist {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}\n  fix: {fix}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        fix: String,
    },
}

impl Watchlist {
    /// Reads and validates `path`.
    pub fn load(path: &Path) -> Result<Watchlist, WatchlistError> {
        let text = std::fs::read_to_string(path).map_err(|source| WatchlistError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Validates watchlist text; `path` only names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Watchlist, WatchlistError> {
        let mut watchlist = raw::parse(text).map_err(|e| e.locate(text, path))?;
        watchlist.source = path.to_path_buf();
        Ok(watchlist)
    }

    pub fn watch(&self, name: &str) -> Option<&Watch> {
        self.watches.iter().find(|w| w.name == name)
    }
}

/// Whether `name` may name a watch (it becomes a folder name in the state directory).
pub fn valid_watch_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// All event kinds a `notify` list may name.
pub fn notify_kinds_help() -> String {
    EventKind::ALL
        .iter()
        .map(|k| format!("\"{}\"", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}
