//! Refreshed copies of a watch's pinned keys and the log of every refresh, under
//! `<state>/<watch>/keys/`: `<FINGERPRINT>.asc` (the pinned key merged with the publisher's
//! update; the user's own key file is never written) and `refresh.json` (the last refresh of
//! each key, as `list` shows it). Every refresh is also in the evidence chain (see
//! `pipeline::keys`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::atomic::{self, Sync};
use super::{Store, StoreError, io_err};

/// One refresh of one pinned key from its `key_url`: the check record and the evidence
/// keep it, `refresh.json` keeps the last one per key (JSON field names are a contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRefresh {
    /// The key file as the watchlist names it.
    pub file: String,
    /// The pinned primary fingerprint.
    pub fingerprint: String,
    pub url: String,
    pub at: DateTime<Utc>,
    /// "accepted" (the update brought something new and is in use), "unchanged", "refused"
    /// (not the pinned primary key, or not a public key) or "failed" (the fetch failed).
    pub outcome: String,
    /// What changed, or why it was refused or failed.
    pub detail: String,
    /// sha256 of the bytes fetched, when any were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The bytes fetched (armoured keys are text), so the evidence shows what was served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched: Option<String>,
}

impl KeyRefresh {
    /// Whether this refresh left the pinned copy as it was because something was wrong.
    pub fn is_problem(&self) -> bool {
        matches!(self.outcome.as_str(), "refused" | "failed")
    }
}

impl Store {
    fn keys_dir(&self, watch: &str) -> PathBuf {
        self.watch_dir(watch).join("keys")
    }

    /// The refreshed copy of the key `fingerprint`, if one was accepted.
    pub fn refreshed_key(&self, watch: &str, fingerprint: &str) -> Option<Vec<u8>> {
        std::fs::read(self.keys_dir(watch).join(format!("{fingerprint}.asc"))).ok()
    }

    /// Stores the refreshed copy of the key `fingerprint` durably.
    pub fn save_refreshed_key(
        &self,
        watch: &str,
        fingerprint: &str,
        armored: &[u8],
    ) -> Result<(), StoreError> {
        let dir = self.keys_dir(watch);
        atomic::create_dir(&self.watch_dir(watch)).map_err(io_err("create", &dir))?;
        atomic::create_dir(&dir).map_err(io_err("create", &dir))?;
        let path = dir.join(format!("{fingerprint}.asc"));
        atomic::write(&path, armored, Sync::Durable).map_err(io_err("write", &path))
    }

    /// The last refresh of each key (in the order they were first refreshed).
    pub fn key_refreshes(&self, watch: &str) -> Result<Vec<KeyRefresh>, StoreError> {
        Ok(Self::read_json(&self.keys_dir(watch).join("refresh.json"))?.unwrap_or_default())
    }

    /// Records `done` as the last refresh of their keys.
    pub fn record_key_refreshes(&self, watch: &str, done: &[KeyRefresh]) -> Result<(), StoreError> {
        if done.is_empty() {
            return Ok(());
        }
        let mut log = self.key_refreshes(watch)?;
        for r in done {
            let slim = KeyRefresh {
                fetched: None,
                ..r.clone()
            };
            match log
                .iter_mut()
                .find(|l| l.fingerprint == r.fingerprint && l.file == r.file)
            {
                Some(l) => *l = slim,
                None => log.push(slim),
            }
        }
        let dir = self.keys_dir(watch);
        atomic::create_dir(&self.watch_dir(watch)).map_err(io_err("create", &dir))?;
        atomic::create_dir(&dir).map_err(io_err("create", &dir))?;
        let path = dir.join("refresh.json");
        let json = serde_json::to_vec_pretty(&log).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, Sync::Durable).map_err(io_err("write", &path))
    }
}
