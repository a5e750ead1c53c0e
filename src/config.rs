//! The watchlist: `watchlist.toml` read once, validated, and turned into typed settings.
//!
//! Raw serde structs (with spans) live in `watchlist/raw.rs`; everything past `load` works
//! with typed values: URLs parsed, selectors compiled, durations typed, defaults applied.

mod channel;
pub(crate) mod edit;
mod email;
mod follow;
mod freshness;
mod located;
mod raw;
mod render;
mod signing;
mod values;
mod web;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::fetch::FetchOptions;
use crate::judge::Policy;
use crate::judge::event::EventKind;

pub use crate::observe::selector::WatchSelector;
pub use channel::{ChannelConfig, ChannelKind, CommandConfig, Secret, WebhookConfig};
pub use follow::{DocumentFormat, Follow, FollowError};
pub use freshness::{FreshnessApi, FreshnessApiError};
pub use render::{Place, Render};
pub use signing::{KeySource, Signing};
pub use values::{parse_duration, parse_size};
pub use web::WebConfig;

/// Default `max_history`: evidence records per watch whose raw bodies are kept.
pub const DEFAULT_MAX_HISTORY: usize = 500;

/// A watchlist that passed validation.
#[derive(Debug, Clone)]
pub struct Watchlist {
    pub source: PathBuf,
    pub settings: Settings,
    pub email: Option<EmailConfig>,
    pub watches: Vec<Watch>,
    /// `[[channel]]` tables in file order (`[email]` is not among them; see `notify::channel`).
    pub channels: Vec<ChannelConfig>,
    /// `[web]`: `run` serves the report there; `None` serves nothing.
    pub web: Option<WebConfig>,
}

/// The keys `[settings]` and `[[watch]]` share, typed: a watch's own value, else
/// `[settings]`'s, else the default. Declared once in `raw.rs`, resolved once.
#[derive(Debug, Clone)]
pub struct Shared {
    /// How often `run` checks the watch.
    pub interval: Duration,
    /// How the page is fetched: `timeout`, `max_body`, `proxy`.
    pub fetch: FetchOptions,
    /// How the judge reads what it sees: `confirm`, `confirm_after`, `notify`,
    /// `unreachable_after`, `max_age`, `stale_grace`.
    pub policy: Policy,
    /// Evidence records per watch whose raw bodies are kept; older bodies are pruned (the
    /// records stay). See `store::archive`.
    pub max_history: usize,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            interval: Duration::from_secs(6 * 3600),
            fetch: FetchOptions::default(),
            policy: Policy::default(),
            max_history: DEFAULT_MAX_HISTORY,
        }
    }
}

/// `[settings]`, with defaults applied: the shared keys (every watch's defaults) and the
/// bounds of a whole pass.
#[derive(Debug, Clone)]
pub struct Settings {
    pub shared: Shared,
    pub host_delay: Duration,
    pub host_concurrency: usize,
    pub concurrency: usize,
    /// `browser` and `browser_concurrency`: the Chromium `render = "browser"` watches use.
    pub browser: crate::fetch::browser::BrowserSettings,
    /// Where `browser` was written, for `validate`'s message when it is not a browser.
    pub browser_at: Option<Place>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            browser: Default::default(),
            browser_at: None,
            shared: Shared::default(),
            host_delay: Duration::from_secs(5),
            host_concurrency: 1,
            concurrency: 16,
        }
    }
}

/// How long one SMTP conversation (connect, TLS, EHLO, AUTH, DATA) may take, unless `timeout`
/// says otherwise.
pub(crate) const DEFAULT_SMTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// `[email]`: where alerts go. The password is never in the watchlist itself.
#[derive(Debug, Clone)]
pub struct EmailConfig {
    /// lettre URL syntax: `smtp://host:25`, `smtp://host:587?tls=required`, `smtps://host:465`.
    pub smtp: String,
    /// Bounds one whole SMTP conversation.
    pub timeout: std::time::Duration,
    pub from: lettre::message::Mailbox,
    pub to: Vec<lettre::message::Mailbox>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
}

/// One `[[watch]]`, every shared key resolved against `[settings]`.
#[derive(Debug, Clone)]
pub struct Watch {
    pub name: String,
    /// The page watched; for a `follow` watch, its index page (the document followed is in
    /// the check record).
    pub url: Url,
    /// `follow = { ... }`: watch the newest document linked from `url` instead of `url`.
    pub follow: Option<Follow>,
    /// How the body is read (`format`, `auto` by default).
    pub format: DocumentFormat,
    pub selector: Option<WatchSelector>,
    pub shared: Shared,
    /// Pinned keys and signature URLs; `None` for a watch whose signatures are not checked.
    pub signing: Option<Signing>,
    /// `render`: fetched as served, or rendered in a browser.
    pub render: Render,
    /// `freshness_api`: confirm the quoted Bitcoin block online (opt-in).
    pub freshness_api: Option<FreshnessApi>,
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
        let base = path.parent().unwrap_or(Path::new(""));
        let mut watchlist = raw::parse(text, base).map_err(|e| e.locate(text, path))?;
        watchlist.source = path.to_path_buf();
        Ok(watchlist)
    }

    /// `validate`'s check that a watch with `render = "browser"` has a browser to render it:
    /// the error, placed at the `browser` setting or at the first such watch's `render`.
    pub fn browser_problem(&self) -> Option<WatchlistError> {
        render::browser_problem(self)
    }

    pub fn watch(&self, name: &str) -> Option<&Watch> {
        self.watches.iter().find(|w| w.name == name)
    }
}

/// Names of canaryd's own entries in the state directory: no watch may take one, or its
/// history would land in (or be purged with) canaryd's outbox, feed or lock.
pub const RESERVED_NAMES: [&str; 4] = ["outbox", "lock", "feed.atom", "feed.json"];

/// Whether `name` may name a watch (it becomes a folder name in the state directory).
pub fn valid_watch_name(name: &str) -> bool {
    !RESERVED_NAMES.contains(&name)
        && !name.is_empty()
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
