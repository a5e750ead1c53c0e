//! `<state>/.checks.json`: when each watch whose last check changed nothing was checked.
//!
//! A check that found the page as it was (same bytes, or a 304) and raised nothing changes
//! only its time, its duration and, in the daemon, when it is due next. Writing that into the
//! watch's `check.json` would cost a file per watch per check; instead it is kept here, for
//! every such watch, in one file written once per pass (or once a minute by the daemon).
//! `Store::load_check` lays it over `check.json` when it is newer. Advisory, like
//! `check.json`: atomic, not fsynced; losing the newest copy costs at worst one extra
//! conditional GET and an older "last checked" time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::atomic::{self, Sync};
use super::{CheckRecord, StoreError, io_err};

pub const SEEN_FILE: &str = ".checks.json";

/// The part of a check record that an unchanged check moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenCheck {
    pub at: DateTime<Utc>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_check: Option<DateTime<Utc>>,
}

impl SeenCheck {
    /// What `record` says of itself, if it has a time.
    pub fn of(record: &CheckRecord) -> Option<SeenCheck> {
        Some(SeenCheck {
            at: record.at?,
            duration_ms: record.duration_ms,
            next_check: record.next_check,
        })
    }

    /// Lays this over `record` when it is newer.
    pub fn apply(&self, record: &mut CheckRecord) {
        if record.at.is_none_or(|at| at < self.at) {
            record.at = Some(self.at);
            record.duration_ms = self.duration_ms;
            record.next_check = self.next_check;
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SeenFile {
    checks: BTreeMap<String, SeenCheck>,
}

/// The file's contents in memory, loaded on first use.
#[derive(Debug, Default)]
pub struct Seen {
    loaded: bool,
    checks: BTreeMap<String, SeenCheck>,
    dirty: bool,
}

fn path(root: &Path) -> PathBuf {
    root.join(SEEN_FILE)
}

impl Seen {
    fn load(&mut self, root: &Path) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        let path = path(root);
        match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<SeenFile>(&bytes) {
                Ok(f) => self.checks = f.checks,
                // Advisory: the watches' own check.json files still say when they were checked.
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "unreadable; the last check times of unchanged watches start from their check.json")
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot read"),
        }
    }

    pub fn get(&mut self, root: &Path, name: &str) -> Option<SeenCheck> {
        self.load(root);
        self.checks.get(name).copied()
    }

    pub fn note(&mut self, root: &Path, name: &str, seen: SeenCheck) {
        self.load(root);
        self.checks.insert(name.to_string(), seen);
        self.dirty = true;
    }

    /// The watch's check.json was written: what it says is newest.
    pub fn forget(&mut self, name: &str) {
        if self.loaded && self.checks.remove(name).is_some() {
            self.dirty = true;
        }
    }

    /// Writes the file if anything changed since it was last written.
    pub fn flush(&mut self, root: &Path) -> Result<(), StoreError> {
        if !self.dirty {
            return Ok(());
        }
        let path = path(root);
        let file = SeenFile {
            checks: std::mem::take(&mut self.checks),
        };
        let json = serde_json::to_vec(&file);
        self.checks = file.checks;
        let json = json.map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, Sync::Lazy).map_err(io_err("write", &path))?;
        self.dirty = false;
        Ok(())
    }
}
