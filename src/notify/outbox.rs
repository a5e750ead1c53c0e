//! The durable outbox: every alert is on disk before any delivery attempt, and stays there
//! until a sink accepts it. Delivery retries back off, capped at an hour, across restarts.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::notify::alert::Alert;
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

/// How long to wait between delivery attempts: doubling from `base`, never over `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    /// About 1, 2, 4 … minutes, at most an hour.
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(60),
            cap: Duration::from_secs(3600),
        }
    }
}

impl Backoff {
    /// The wait after `attempts` failed attempts, with up to 20% jitter taken off so many
    /// queued alerts do not retry in lockstep.
    pub fn delay(&self, attempts: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(16));
        let capped = exp.min(self.cap);
        capped - capped.mul_f64(0.2 * fastrand::f64())
    }
}

/// An alert waiting for delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queued {
    pub alert: Alert,
    pub queued_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt: DateTime<Utc>,
}

/// `<state>/outbox/`, one JSON file per undelivered alert, named by its stable id.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    pub fn open(state_dir: &Path) -> Result<Outbox, StoreError> {
        let dir = state_dir.join("outbox");
        atomic::create_dir(&dir).map_err(io_err("create", &dir))?;
        Ok(Outbox { dir })
    }

    /// A read-only view of `<state_dir>/outbox`; nothing is created.
    pub fn at(state_dir: &Path) -> Outbox {
        Outbox {
            dir: state_dir.join("outbox"),
        }
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Puts `alert` durably in the outbox. Idempotent: an alert already queued is kept as is.
    pub fn enqueue(&self, alert: &Alert, now: DateTime<Utc>) -> Result<(), StoreError> {
        let path = self.path(&alert.id);
        if path.exists() {
            return Ok(());
        }
        let q = Queued {
            alert: alert.clone(),
            queued_at: now,
            attempts: 0,
            last_error: None,
            next_attempt: now,
        };
        self.write(&q)
    }

    fn write(&self, q: &Queued) -> Result<(), StoreError> {
        let path = self.path(&q.alert.id);
        let json = serde_json::to_vec_pretty(q).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, Sync::Durable).map_err(io_err("write", &path))
    }

    /// Every undelivered alert, oldest first. Unreadable files are reported, not dropped.
    pub fn pending(&self) -> Result<Vec<Queued>, StoreError> {
        let mut out = self
            .files()?
            .iter()
            .map(|p| self.load(p))
            .collect::<Result<Vec<_>, _>>()?;
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
            let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
            let key: Key =
                serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
                    path: path.clone(),
                    source,
                })?;
            keyed.push((key.queued_at, key.alert.id, path));
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

    /// One queued alert.
    pub fn load(&self, path: &Path) -> Result<Queued, StoreError> {
        let bytes = std::fs::read(path).map_err(io_err("read", path))?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Corrupt {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The alert was accepted: remove it for good.
    pub fn delivered(&self, id: &str) -> Result<(), StoreError> {
        let path = self.path(id);
        atomic::remove(&path).map_err(io_err("remove", &path))
    }

    /// Replaces a queued alert in place (same id), e.g. after its watch was renamed.
    pub fn rewrite(&self, q: &Queued) -> Result<(), StoreError> {
        self.write(q)
    }

    /// A delivery attempt failed: record why and when to try next.
    pub fn failed(
        &self,
        q: &Queued,
        error: &str,
        now: DateTime<Utc>,
        backoff: Backoff,
    ) -> Result<Queued, StoreError> {
        let mut q = q.clone();
        q.attempts += 1;
        q.last_error = Some(error.to_string());
        q.next_attempt =
            now + TimeDelta::from_std(backoff.delay(q.attempts)).unwrap_or(TimeDelta::hours(1));
        self.write(&q)?;
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::EventKind;

    fn alert(id: &str) -> Alert {
        Alert {
            id: id.into(),
            watch: "w".into(),
            url: "u".into(),
            kind: EventKind::Removed,
            subject: "s".into(),
            body: "b".into(),
            message_id: format!("<{id}@canaryd>"),
            thread_id: "<t@canaryd>".into(),
            created: Utc::now(),
        }
    }

    #[test]
    fn queued_alert_survives_reopen_until_delivered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let now = Utc::now();
        let ob = Outbox::open(dir.path()).expect("open");
        ob.enqueue(&alert("a1"), now).expect("enqueue");
        ob.enqueue(&alert("a1"), now).expect("idempotent");
        let again = Outbox::open(dir.path()).expect("reopen");
        let pending = again.pending().expect("pending");
        assert_eq!(pending.len(), 1);
        let failed = again
            .failed(&pending[0], "connection refused", now, Backoff::default())
            .expect("failed");
        assert_eq!(failed.attempts, 1);
        assert!(failed.next_attempt > now);
        assert_eq!(
            again.pending().expect("pending")[0].last_error.as_deref(),
            Some("connection refused")
        );
        again.delivered("a1").expect("delivered");
        assert!(again.pending().expect("pending").is_empty());
    }

    #[test]
    fn backoff_grows_and_is_capped_at_an_hour() {
        let b = Backoff::default();
        assert!(b.delay(1) <= Duration::from_secs(60));
        assert!(b.delay(1) >= Duration::from_secs(48));
        assert!(b.delay(3) >= Duration::from_secs(192));
        for n in [10, 20, 1000] {
            assert!(b.delay(n) <= Duration::from_secs(3600));
            assert!(b.delay(n) >= Duration::from_secs(2880));
        }
    }
}
