//! The state directory: one folder per watch holding its judgement state, a human-readable
//! snapshot of its statements, its event log and its last check; plus the outbox.
//!
//! ```text
//! <state>/<watch>/state.json       judgement state (baseline, pending, failures); durable
//! <state>/<watch>/statements.txt   the confirmed statements with hashes, for people; durable
//! <state>/<watch>/events.jsonl     every event, one JSON object per line; durable, append-only
//! <state>/<watch>/check.json       the last check (time, result, validators); atomic, not fsynced
//! <state>/<watch>/history/         evidence: hash-chained snapshot records and raw bodies (archive.rs)
//! <state>/outbox/                  alerts not yet delivered (see outbox.rs)
//! <state>/lock                     held by the one canaryd working on this directory
//! <state>/feed.atom, feed.json     the Atom feed of queued alerts (feed.rs)
//! <state>/.checks.json             when unchanged watches were last checked (seen.rs)
//! ```
//!
//! A pass's durable writes are made together (`pipeline::commit`): written without fsync, then made
//! durable by one barrier per stage, in the order that never loses an alert.

pub(crate) mod alerts;
pub(crate) mod archive;
pub(crate) mod atomic;
mod followed;
pub(crate) mod keys;
pub mod lock;
mod recover;
pub(crate) mod seen;
mod statements_file;
mod watch_dir;

pub use followed::{FollowedDoc, TailRecord};
pub use watch_dir::Purged;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::WatchState;
use crate::judge::event::Event;
use atomic::Sync;

/// A state-directory failure, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{} is corrupt ({source}); move it aside to start that watch afresh", path.display())]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot move {} to {}: {source}", from.display(), to.display())]
    Move {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The runtime shut down while a check was being recorded; the check did not happen.
    #[error("the check was interrupted before it was recorded: {0}")]
    Interrupted(String),
    /// The check panicked (a bug in canaryd): it recorded nothing, and the rest of the
    /// pass went on.
    #[error(
        "the check panicked before it was recorded ({0}); the watch keeps its last recorded state; please report this with `canaryd --verbose check <watch>`'s output"
    )]
    Panicked(String),
}

pub(crate) fn io_err<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// How a check ended. Written as "ok", "unchanged" (304), "failed" in `check.json`, the
/// evidence records and `list --format json`; "" before the first check.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    /// Not checked yet.
    #[default]
    #[serde(rename = "")]
    None,
    /// The page was fetched and read.
    Ok,
    /// The server said the page is as it was (304).
    Unchanged,
    /// No usable page: the fetch failed, or the page could not stand for the canary.
    Failed,
}

impl CheckResult {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckResult::None => "",
            CheckResult::Ok => "ok",
            CheckResult::Unchanged => "unchanged",
            CheckResult::Failed => "failed",
        }
    }
}

impl std::fmt::Display for CheckResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the last check of a watch did. Advisory: shown by `list`, used for conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub at: Option<DateTime<Utc>>,
    pub result: CheckResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    pub statements: usize,
    pub claims: usize,
    /// When the scheduler means to check again (the daemon persists it across restarts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_check: Option<DateTime<Utc>>,
    /// What extraction read: see `pipeline::ContentKey`. The same key on the next check
    /// means the same statements, so the page need not be parsed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ContentKey>,
    /// A signed watch's signatures as `list` shows them: "2/2 ok", "1/2", "BAD", "unsigned".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<crate::observe::signature::SignatureTally>,
    /// How the last page was declared (HTML or text): a page that keeps its bytes but changes
    /// its declared type is a failed fetch, not a canary whose statements all went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<crate::fetch::Format>,
    /// A `follow` watch's document on this check (carried over when the check failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed: Option<FollowedDoc>,
    /// A CanaryTail canary's pinned keys and open alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canarytail: Option<TailRecord>,
    /// The page held no claim and looked like it needs JavaScript to show one: `check` and
    /// `list` say so instead of suggesting a selector.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scripted: bool,
    /// A signed watch's refusals in words (what was refused, why, the setting that accepts
    /// it), and signatures accepted only by `accept_sha1`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signature_notes: Vec<String>,
    /// The watch accepts SHA-1 signatures (`accept_sha1 = true`): its health says so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepts_sha1: bool,
    /// Refreshes of pinned keys from their `key_url` made by this check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_refreshes: Vec<keys::KeyRefresh>,
    /// The proofs of freshness the last page read quoted (`show`, `history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<crate::observe::freshness::Freshness>,
    /// What `freshness_api` said about the blocks that page quoted: asked by this check, or
    /// from the watch's cache (`show`, `history`, the evidence).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freshness_api: Vec<crate::observe::freshness::api::BlockLookup>,
    /// What the canary was last read as ("html", "text", "pdf", "canarytail"): with
    /// `format = "auto"`, a PDF or CanaryTail canary stays one (see `observe::known_format`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_as: Option<String>,
}

/// The inputs of one extraction, hashed: the extraction settings (canaryd's version and the
/// selector) and the decoded page with its format.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentKey {
    /// sha256 of canaryd's version and the watch's selector (or "auto").
    pub extractor: String,
    /// sha256 of the kind of document the page is read as, the charset its text is decoded
    /// with (HTML and text) and the sha256 of its bytes.
    pub page: String,
}

/// A watch as a check starts from: its judgement state and its last check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    pub state: WatchState,
    pub check: CheckRecord,
}

/// The state directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
    /// `.checks.json` in memory, shared by clones (see [`seen`]).
    seen: Arc<Mutex<seen::Seen>>,
}

impl Store {
    /// Opens (creating if needed) the state directory.
    pub fn open(root: &Path) -> Result<Store, StoreError> {
        atomic::create_dir(root).map_err(io_err("create state directory", root))?;
        Ok(Store::at(root))
    }

    /// A read-only view of `root`; nothing is created.
    pub fn at(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, seen::Seen> {
        // Poisoning only means a panic elsewhere while holding it; the map is whole.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that a check changed nothing but its time (and next due time): kept in
    /// `.checks.json`, written by [`Store::flush_seen`], not in the watch's `check.json`.
    pub fn note_unchanged(&self, name: &str, record: &CheckRecord) {
        if let Some(s) = seen::SeenCheck::of(record) {
            self.seen().note(&self.root, name, s);
        }
    }

    /// Writes `.checks.json` if an unchanged check was noted since it was last written.
    pub fn flush_seen(&self) -> Result<(), StoreError> {
        self.seen().flush(&self.root)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn watch_dir(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn ensure_watch_dir(&self, name: &str, sync: Sync) -> Result<PathBuf, StoreError> {
        let dir = self.watch_dir(name);
        atomic::create_dir_with(&dir, sync).map_err(io_err("create", &dir))?;
        Ok(dir)
    }

    fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>, StoreError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| StoreError::Corrupt {
                        path: path.to_path_buf(),
                        source,
                    })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", path)(e)),
        }
    }

    /// The watch a check starts from, in one call. An unreadable `state.json` is moved aside
    /// (stamped with `now`) and rebuilt from the newest evidence record; an unreadable
    /// `check.json` is dropped (see [`recover`]).
    pub fn load(&self, name: &str, now: DateTime<Utc>) -> Result<Loaded, StoreError> {
        Ok(Loaded {
            state: recover::state(self, name, now)?,
            check: recover::check(self, name)?,
        })
    }

    /// The saved judgement state as it is, an unreadable copy an error ([`Store::load`]
    /// recovers from it).
    pub fn load_state(&self, name: &str) -> Result<WatchState, StoreError> {
        Ok(Self::read_json(&self.watch_dir(name).join("state.json"))?.unwrap_or_default())
    }

    /// Saves the judgement state if it differs from `prev`; returns whether it wrote.
    /// `url` and `check` annotate the human-readable statements file.
    pub fn save_state(
        &self,
        name: &str,
        state: &WatchState,
        prev: &WatchState,
        check: &CheckRecord,
    ) -> Result<bool, StoreError> {
        let files = self.state_files(name, state, prev, check, Sync::Durable)?;
        let saved = !files.is_empty();
        for (path, bytes) in files {
            // state.json's durable write (last) also makes statements.txt's entry durable
            // (same folder).
            let sync = if path.ends_with("state.json") {
                Sync::Durable
            } else {
                Sync::FileOnly
            };
            atomic::write(&path, &bytes, sync).map_err(io_err("write", &path))?;
        }
        Ok(saved)
    }

    /// The judgement state's files written into their spares for a group commit, in the
    /// order they are to be put in place after the group's barrier: none when the state
    /// did not change.
    pub fn stage_state(
        &self,
        name: &str,
        state: &WatchState,
        prev: &WatchState,
        check: &CheckRecord,
    ) -> Result<Vec<atomic::Staged>, StoreError> {
        self.state_files(name, state, prev, check, Sync::Deferred)?
            .into_iter()
            .map(|(path, bytes)| atomic::stage(&path, &bytes).map_err(io_err("write", &path)))
            .collect()
    }

    /// The files a changed state is saved as, each with its bytes: `statements.txt` (when
    /// the baseline moved: a readable copy of it) then `state.json`.
    fn state_files(
        &self,
        name: &str,
        state: &WatchState,
        prev: &WatchState,
        check: &CheckRecord,
        sync: Sync,
    ) -> Result<Vec<(PathBuf, Vec<u8>)>, StoreError> {
        if state == prev {
            return Ok(Vec::new());
        }
        let dir = self.ensure_watch_dir(name, sync)?;
        let path = dir.join("state.json");
        let json = serde_json::to_vec_pretty(state).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        let mut files = Vec::with_capacity(2);
        if state.baseline != prev.baseline {
            let text = statements_file::text(name, state, check);
            files.push((dir.join("statements.txt"), text.into_bytes()));
        }
        files.push((path, json));
        Ok(files)
    }

    /// The watch's last check: its `check.json`, with the time of a newer unchanged check
    /// from `.checks.json` laid over it.
    pub fn load_check(&self, name: &str) -> Result<Option<CheckRecord>, StoreError> {
        let mut record: Option<CheckRecord> =
            Self::read_json(&self.watch_dir(name).join("check.json"))?;
        if let Some(r) = &mut record
            && let Some(seen) = self.seen().get(&self.root, name)
        {
            seen.apply(r);
        }
        Ok(record)
    }

    /// Records the last check. Atomic but not fsynced: it changes on every check, and a
    /// lost copy only costs one unconditional fetch.
    pub fn save_check(&self, name: &str, record: &CheckRecord) -> Result<(), StoreError> {
        self.seen().forget(name);
        let (path, json) = self.check_file(name, record, Sync::Durable)?;
        atomic::write(&path, &json, Sync::Lazy).map_err(io_err("write", &path))
    }

    /// [`Store::save_check`] for a group commit: written into its spare now, put in place
    /// by [`Store::put_check`] with the check's state.
    pub fn stage_check(
        &self,
        name: &str,
        record: &CheckRecord,
    ) -> Result<atomic::Staged, StoreError> {
        let (path, json) = self.check_file(name, record, Sync::Deferred)?;
        atomic::stage(&path, &json).map_err(io_err("write", &path))
    }

    /// Puts a staged `check.json` in place; `.checks.json`'s older time for the watch no
    /// longer applies.
    pub fn put_check(&self, name: &str, staged: &atomic::Staged) -> Result<(), StoreError> {
        self.seen().forget(name);
        staged.put().map_err(io_err("write", staged.path()))
    }

    fn check_file(
        &self,
        name: &str,
        record: &CheckRecord,
        sync: Sync,
    ) -> Result<(PathBuf, Vec<u8>), StoreError> {
        let dir = self.ensure_watch_dir(name, sync)?;
        let path = dir.join("check.json");
        let json = serde_json::to_vec_pretty(record).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        Ok((path, json))
    }

    /// Appends the events of judgement `generation` to the event log, once: a check redone
    /// after a crash finds them already logged. Each append starts on a fresh line, so a
    /// line torn by a crash costs only itself.
    pub fn append_events(
        &self,
        name: &str,
        events: &[Event],
        generation: u64,
    ) -> Result<(), StoreError> {
        self.append_events_with(name, events, generation, Sync::Durable)
    }

    /// [`Store::append_events`], durable now or at the group's next barrier.
    pub fn append_events_with(
        &self,
        name: &str,
        events: &[Event],
        generation: u64,
        sync: Sync,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let dir = self.ensure_watch_dir(name, sync)?;
        let path = dir.join("events.jsonl");
        let tail = log_tail(&path).map_err(io_err("read", &path))?;
        if tail
            .lines()
            .filter_map(|l| serde_json::from_str::<Generation>(l).ok())
            .any(|l| l.generation == Some(generation))
        {
            return Ok(());
        }
        let mut lines = Vec::new();
        if !tail.is_empty() && !tail.ends_with('\n') {
            lines.push(b'\n');
        }
        for event in events {
            let logged = Logged { generation, event };
            serde_json::to_writer(&mut lines, &logged).map_err(|source| StoreError::Corrupt {
                path: path.clone(),
                source,
            })?;
            lines.push(b'\n');
        }
        atomic::append_with(&path, &lines, sync).map_err(io_err("append to", &path))
    }

    /// The watch's alert history, from its event log (see [`alerts`]).
    pub fn alert_history(&self, name: &str) -> Result<alerts::AlertHistory, StoreError> {
        Ok(alerts::summarise(&self.events(name)?))
    }

    /// Every recorded event of a watch, oldest first. A torn last line (a crash mid-append)
    /// is skipped rather than failing the whole history.
    pub fn events(&self, name: &str) -> Result<Vec<Event>, StoreError> {
        let path = self.watch_dir(name).join("events.jsonl");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("read", &path)(e)),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}

/// An event as the log holds it: the event, and the judgement generation it opened.
#[derive(Serialize)]
struct Logged<'a> {
    generation: u64,
    #[serde(flatten)]
    event: &'a Event,
}

#[derive(Deserialize)]
struct Generation {
    generation: Option<u64>,
}

/// The end of the event log: enough for the events of the last few checks.
fn log_tail(path: &Path) -> io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    const TAIL: u64 = 256 * 1024;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL)))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::{EventKind, Severity};

    fn event(kind: EventKind) -> Event {
        let at: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().expect("time");
        Event {
            kind,
            at,
            severity: Severity::High,
            detail: "d".into(),
            statements: vec!["s".into()],
            changes: Vec::new(),
            claim: true,
            first_seen: at,
            notify: true,
            evidence: None,
        }
    }

    #[test]
    fn a_torn_last_line_costs_only_itself_and_a_redone_generation_is_logged_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path()).expect("store");
        store
            .append_events("w", &[event(EventKind::Removed)], 1)
            .expect("append");
        // A crash mid-append leaves half a line.
        let log = dir.path().join("w/events.jsonl");
        atomic::append(&log, b"{\"kind\":\"rem").expect("torn");
        store
            .append_events("w", &[event(EventKind::Changed)], 2)
            .expect("append after the torn line");
        // The same generation again (a check redone after a crash): not logged twice.
        store
            .append_events("w", &[event(EventKind::Changed)], 2)
            .expect("redo");
        let kinds: Vec<EventKind> = store
            .events("w")
            .expect("events")
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, vec![EventKind::Removed, EventKind::Changed]);
    }
}
