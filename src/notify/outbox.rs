//! The durable outbox: every alert is on disk before any delivery attempt, and stays there
//! until every channel it is for has taken it (or refused it for good). Each channel's
//! attempts back off on their own, capped at an hour, across restarts.
//!
//! One JSON file per alert, `<state>/outbox/<alert id>.json`: the alert, when it was queued,
//! `channels` (one entry per channel it is for, by channel id: attempts, next attempt, last
//! error, delivered, permanent), whether the Atom feed has it (`in_feed`), and top-level
//! `attempts` / `next_attempt` / `last_error` summarising the channels. Files written before
//! channels existed have only the top-level fields: they are for every current channel, and
//! carry their attempts over. An alert some channel refused for good is moved, once every
//! other channel has settled, to `<state>/outbox/failed/`, where it stays as a record.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::NotifySet;
use crate::notify::alert::Alert;
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

/// How long the marker of a delivered alert is kept.
const SENT_KEPT: Duration = Duration::from_secs(30 * 86400);

pub use crate::backoff::{Backoff, Jitter};

/// How long to wait between delivery attempts: about 1, 2, 4 … minutes, at most an hour,
/// with up to 20% taken off so that many queued alerts do not retry in lockstep.
pub const DELIVERY_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(60),
    cap: Duration::from_secs(3600),
    jitter: Jitter::Shave(20),
};

/// When to try again after `attempts` failures.
fn retry_at(now: DateTime<Utc>, attempts: u32, backoff: Backoff) -> DateTime<Utc> {
    now + TimeDelta::from_std(backoff.delay(attempts)).unwrap_or(TimeDelta::hours(1))
}

/// An alert waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub alert: Alert,
    pub queued_at: DateTime<Utc>,
    /// Most attempts of any channel still waiting (all of them in files from before channels).
    #[serde(default)]
    pub attempts: u32,
    /// The newest delivery error of any channel.
    #[serde(default)]
    pub last_error: Option<String>,
    /// The soonest retry of any channel still waiting.
    pub next_attempt: DateTime<Utc>,
    /// The channels this alert is for. `None` (a file from before channels, or queued by a
    /// process that had none configured): decided at its first delivery, from the channels
    /// configured then.
    #[serde(default)]
    pub channels: Option<Vec<ChannelState>>,
    /// Whether `feed.atom` has this alert. Files from before delivery fed the feed were fed
    /// when they were queued, hence the default.
    #[serde(default = "already_in_feed")]
    pub in_feed: bool,
}

fn already_in_feed() -> bool {
    true
}

/// One channel's delivery of one alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelState {
    /// The channel's stable id (see `notify::channel`), e.g. `webhook:https://hooks.example.org/x`.
    pub channel: String,
    #[serde(default)]
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    #[serde(default)]
    pub last_error: Option<String>,
    /// When the channel took the alert; it is never sent there again.
    #[serde(default)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// The channel refused the alert for good (e.g. a webhook's HTTP 400): not retried.
    #[serde(default)]
    pub permanent: bool,
}

impl ChannelState {
    fn new(channel: &str, now: DateTime<Utc>) -> ChannelState {
        ChannelState {
            channel: channel.to_string(),
            attempts: 0,
            next_attempt: now,
            last_error: None,
            delivered_at: None,
            permanent: false,
        }
    }

    /// A transient failure: count it and back off.
    pub fn failed(&mut self, error: &str, now: DateTime<Utc>, backoff: Backoff) {
        self.attempts += 1;
        self.last_error = Some(error.to_string());
        self.next_attempt = retry_at(now, self.attempts, backoff);
    }

    /// Delivered, or refused for good: nothing more to do on this channel.
    pub fn settled(&self) -> bool {
        self.delivered_at.is_some() || self.permanent
    }
}

/// Which alerts a channel takes: its id and its `events` / `watches` filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub channel: String,
    pub events: Option<NotifySet>,
    pub watches: Option<Vec<String>>,
}

impl Route {
    /// An alert holding several events is for a channel with an `events` filter when any of
    /// them is one of its kinds; the channel then gets the whole message.
    pub fn accepts(&self, alert: &Alert) -> bool {
        self.events
            .is_none_or(|e| alert.kinds().into_iter().any(|k| e.contains(k)))
            && self
                .watches
                .as_ref()
                .is_none_or(|w| w.contains(&alert.watch))
    }
}

impl Queued {
    /// Makes sure the alert names its channels: one queued without (an older file) is for
    /// every route that accepts it, carrying over its attempts. Returns whether it changed.
    pub fn assign(&mut self, routes: &[Route]) -> bool {
        if self.channels.is_some() {
            return false;
        }
        let states = routes
            .iter()
            .filter(|r| r.accepts(&self.alert))
            .map(|r| ChannelState {
                attempts: self.attempts,
                last_error: self.last_error.clone(),
                ..ChannelState::new(&r.channel, self.next_attempt)
            })
            .collect();
        self.channels = Some(states);
        true
    }

    /// Recomputes the top-level summary from the channels still waiting.
    pub fn summarise(&mut self) {
        let Some(states) = &self.channels else { return };
        let waiting = || states.iter().filter(|s| !s.settled());
        self.attempts = waiting().map(|s| s.attempts).max().unwrap_or(0);
        if let Some(t) = waiting().map(|s| s.next_attempt).min() {
            self.next_attempt = t;
        }
        if let Some(e) = states.iter().rev().find_map(|s| s.last_error.clone()) {
            self.last_error = Some(e);
        }
    }
}

/// `<state>/outbox/`, one JSON file per undelivered alert, named by its stable id.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
    /// The channels new alerts are for, set by whoever delivers (`None`: not known in this
    /// process; such alerts get their channels at their first delivery). Shared by clones,
    /// so a reload reaches every check.
    routes: Arc<RwLock<Option<Vec<Route>>>>,
    /// Opened to deliver (not a read-only view): a corrupt entry is moved aside.
    writable: bool,
    /// Held (write) by a group commit from its first write to its last barrier, and (read)
    /// by delivery while it lists the outbox: no alert is tried before it is durable.
    commit_gate: Arc<tokio::sync::RwLock<()>>,
}

impl Outbox {
    pub fn open(state_dir: &Path) -> Result<Outbox, StoreError> {
        let dir = state_dir.join("outbox");
        atomic::create_dir(&dir).map_err(io_err("create", &dir))?;
        let outbox = Outbox {
            dir,
            routes: Arc::default(),
            writable: true,
            commit_gate: Arc::default(),
        };
        outbox.forget_old_deliveries();
        Ok(outbox)
    }

    /// `<state>/outbox/sent/`: each alert delivered in the last [`SENT_KEPT`] (its queued
    /// file, moved there), so an alert re-derived after a crash is not queued again. Its age
    /// counts from when it was queued or last retried.
    fn sent_dir(&self) -> PathBuf {
        self.dir.join("sent")
    }

    /// Markers of deliveries older than [`SENT_KEPT`] go: a crashed check is redone within
    /// minutes, not months. Best effort; a marker left over costs one small file.
    fn forget_old_deliveries(&self) {
        let Ok(entries) = std::fs::read_dir(self.sent_dir()) else {
            return;
        };
        let now = std::time::SystemTime::now();
        for e in entries.flatten() {
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > SENT_KEPT));
            if old {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }

    /// A read-only view of `<state_dir>/outbox`; nothing is created.
    pub fn at(state_dir: &Path) -> Outbox {
        Outbox {
            dir: state_dir.join("outbox"),
            routes: Arc::default(),
            writable: false,
            commit_gate: Arc::default(),
        }
    }

    /// A read-only view of `<state_dir>/outbox` if anything was ever queued there.
    pub fn existing(state_dir: &Path) -> Option<Outbox> {
        let outbox = Outbox::at(state_dir);
        outbox.dir.is_dir().then_some(outbox)
    }

    /// Sets the channels alerts queued from now on are for.
    pub fn set_routes(&self, routes: Vec<Route>) {
        // Poisoning only means a panic elsewhere while holding it; the value is whole.
        *self.routes.write().unwrap_or_else(|p| p.into_inner()) = Some(routes);
    }

    /// `<state>/outbox/failed/`: alerts some channel refused for good, kept as a record.
    pub fn failed_dir(&self) -> PathBuf {
        self.dir.join("failed")
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Puts `alert` durably in the outbox. Idempotent: an alert already queued is kept as is.
    /// An alert already delivered (its id is in `sent/`) is not queued again.
    pub fn enqueue(&self, alert: &Alert, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.enqueue_with(alert, now, Sync::Durable)
    }

    /// The gate a group commit holds while its alerts are not yet durable (see
    /// `store::group`); delivery lists the outbox only through it.
    pub fn commit_gate(&self) -> &Arc<tokio::sync::RwLock<()>> {
        &self.commit_gate
    }

    /// [`Outbox::enqueue`], durable now (`Durable`) or at the group's barrier (`Deferred`,
    /// under [`Outbox::commit_gate`]).
    pub fn enqueue_with(
        &self,
        alert: &Alert,
        now: DateTime<Utc>,
        sync: Sync,
    ) -> Result<(), StoreError> {
        let path = self.path(&alert.id);
        if path.exists() || self.sent_dir().join(&alert.id).exists() {
            return Ok(());
        }
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        let channels = routes.as_ref().map(|routes| {
            routes
                .iter()
                .filter(|r| r.accepts(alert))
                .map(|r| ChannelState::new(&r.channel, now))
                .collect()
        });
        drop(routes);
        let q = Queued {
            alert: alert.clone(),
            queued_at: now,
            attempts: 0,
            last_error: None,
            next_attempt: now,
            channels,
            in_feed: false,
        };
        self.write_with(&q, sync)
    }

    fn write(&self, q: &Queued) -> Result<(), StoreError> {
        self.write_with(q, Sync::Durable)
    }

    fn write_with(&self, q: &Queued, sync: Sync) -> Result<(), StoreError> {
        let path = self.path(&q.alert.id);
        let json = serde_json::to_vec_pretty(q).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, sync).map_err(io_err("write", &path))
    }

    /// `<state>/outbox/corrupt/`: entries that could not be read, kept for a person to look
    /// at, out of delivery's way.
    pub fn corrupt_dir(&self) -> PathBuf {
        self.dir.join("corrupt")
    }

    /// The entries moved to `corrupt/`.
    pub fn corrupt(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.corrupt_dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }

    /// One unreadable entry must not stop every other alert: it is logged at error and, when
    /// this outbox delivers, moved to `corrupt/` (kept, never deleted).
    fn set_aside(&self, path: &Path, error: &StoreError) {
        let shown = crate::error_chain(error);
        if !self.writable {
            tracing::error!(path = %path.display(), error = %shown, "unreadable outbox entry skipped");
            return;
        }
        let dir = self.corrupt_dir();
        let moved = atomic::create_dir(&dir).and_then(|()| {
            let to = dir.join(path.file_name().unwrap_or_default());
            std::fs::rename(path, &to)?;
            atomic::sync_dir(&self.dir)?;
            Ok(to)
        });
        match moved {
            Ok(to) => {
                tracing::error!(path = %path.display(), moved_to = %to.display(), error = %shown, "unreadable outbox entry moved aside; the other alerts are delivered")
            }
            Err(e) => {
                tracing::error!(path = %path.display(), error = %shown, move_error = %e, "unreadable outbox entry; cannot move it aside")
            }
        }
    }

    /// Every undelivered alert, oldest first. An unreadable entry is set aside (see
    /// [`Outbox::corrupt`]), never a reason to deliver nothing.
    pub fn pending(&self) -> Result<Vec<Queued>, StoreError> {
        let mut out = Vec::new();
        for p in self.files()? {
            match self.load(&p) {
                Ok(q) => out.push(q),
                Err(StoreError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound => {}
                Err(e @ StoreError::Corrupt { .. }) => self.set_aside(&p, &e),
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| (a.queued_at, &a.alert.id).cmp(&(b.queued_at, &b.alert.id)));
        Ok(out)
    }

    /// The files of every undelivered alert, in `pending`'s order: what `drain` walks,
    /// loading one alert at a time, so a backlog of thousands costs no more memory than one.
    pub fn pending_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        /// Only what ordering needs, so listing a backlog holds no alert text.
        #[derive(Deserialize)]
        struct Key {
            alert: KeyId,
            queued_at: DateTime<Utc>,
        }
        #[derive(Deserialize)]
        struct KeyId {
            id: String,
        }
        let mut keyed = Vec::new();
        for path in self.files()? {
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                // Delivered and removed meanwhile.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err("read", &path)(e)),
            };
            match serde_json::from_slice::<Key>(&bytes) {
                Ok(key) => keyed.push((key.queued_at, key.alert.id, path)),
                Err(source) => {
                    let e = StoreError::Corrupt {
                        path: path.clone(),
                        source,
                    };
                    self.set_aside(&path, &e);
                }
            }
        }
        keyed.sort();
        Ok(keyed.into_iter().map(|(_, _, path)| path).collect())
    }

    /// The outbox's alert files, unordered.
    fn files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(io_err("list", &self.dir))?;
        for entry in entries {
            let path = entry.map_err(io_err("list", &self.dir))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
        Ok(out)
    }

    /// One queued alert for delivery: `None` when it is gone (delivered meanwhile) or
    /// unreadable (set aside, see [`Outbox::corrupt`]).
    pub fn take(&self, path: &Path) -> Result<Option<Queued>, StoreError> {
        match self.load(path) {
            Ok(q) => Ok(Some(q)),
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(e @ StoreError::Corrupt { .. }) => {
                self.set_aside(path, &e);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// One queued alert.
    pub fn load(&self, path: &Path) -> Result<Queued, StoreError> {
        let bytes = std::fs::read(path).map_err(io_err("read", path))?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The alert was accepted: it moves to `sent/`, its marker, durably. One rename: at
    /// every instant the alert is either queued or marked, so no crash lets a redone check
    /// queue it again, and no file is made or deleted for it.
    pub fn delivered(&self, id: &str) -> Result<(), StoreError> {
        self.move_to_sent(id, Sync::Durable)?;
        atomic::sync_dir(&self.dir).map_err(io_err("make durable the removal from", &self.dir))
    }

    /// The alert was accepted: it moves to `sent/` now, not made durable; [`Outbox::settle`]
    /// makes the moves of many alerts durable with one barrier. Until then a crash may find
    /// the alert still queued, and it is resent under the same id, as a crash between a send
    /// and its marker always allowed.
    pub fn delivered_deferred(&self, id: &str) -> Result<(), StoreError> {
        self.move_to_sent(id, Sync::Deferred)
    }

    /// `<id>.json` becomes `sent/<id>`. `sync` is that of `sent/`'s entries: `Durable`
    /// fsyncs it, `Deferred` leaves it to a barrier. An alert already moved is left as it is.
    fn move_to_sent(&self, id: &str, sync: Sync) -> Result<(), StoreError> {
        let sent = self.sent_dir();
        atomic::create_dir_with(&sent, sync).map_err(io_err("create", &sent))?;
        let (from, to) = (self.path(id), sent.join(id));
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if to.exists() {
                    return Ok(());
                }
                // Not queued (anymore): an empty marker still keeps it from being queued.
                return atomic::write(&to, b"", sync).map_err(io_err("write", &to));
            }
            Err(e) => return Err(io_err("move to sent/", &from)(e)),
        }
        if sync == Sync::Durable {
            atomic::sync_dir(&sent).map_err(io_err("make durable the marker in", &sent))?;
        }
        Ok(())
    }

    /// Makes the moves to `sent/` of `ids` durable, with one barrier.
    pub fn settle(&self, ids: &[String]) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        atomic::barrier(&self.dir).map_err(io_err("make durable the markers in", &self.dir))
    }

    /// Replaces a queued alert in place (same id), e.g. after its watch was renamed.
    pub fn rewrite(&self, q: &Queued) -> Result<(), StoreError> {
        self.write(q)
    }

    /// Every channel has settled and some refused the alert for good: keep it, as a record,
    /// in `failed/` (written durably before the outbox copy goes), out of delivery's way.
    pub fn retire(&self, q: &Queued) -> Result<(), StoreError> {
        let dir = self.failed_dir();
        atomic::create_dir(&dir).map_err(io_err("create", &dir))?;
        let path = dir.join(format!("{}.json", q.alert.id));
        let json = serde_json::to_vec_pretty(q).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, Sync::Durable).map_err(io_err("write", &path))?;
        self.delivered(&q.alert.id)
    }

    /// The alerts in `failed/`, oldest first; none when there is no such folder.
    pub fn failed_permanently(&self) -> Result<Vec<Queued>, StoreError> {
        let dir = self.failed_dir();
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err("list", &dir))? {
            let path = entry.map_err(io_err("list", &dir))?.path();
            if path.extension().is_some_and(|e| e == "json") {
                out.push(self.load(&path)?);
            }
        }
        out.sort_by(|a, b| (a.queued_at, &a.alert.id).cmp(&(b.queued_at, &b.alert.id)));
        Ok(out)
    }

    /// A delivery attempt failed on every channel still waiting (all of the alert, for one
    /// without channels): record why and when to try next.
    pub fn failed(
        &self,
        q: &Queued,
        error: &str,
        now: DateTime<Utc>,
        backoff: Backoff,
    ) -> Result<Queued, StoreError> {
        let mut q = q.clone();
        match &mut q.channels {
            None => {
                q.attempts += 1;
                q.last_error = Some(error.to_string());
                q.next_attempt = retry_at(now, q.attempts, backoff);
            }
            Some(states) => {
                for s in states.iter_mut().filter(|s| !s.settled()) {
                    s.failed(error, now, backoff);
                }
                q.summarise();
            }
        }
        self.write(&q)?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod channel_tests;
