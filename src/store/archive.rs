//! The evidence archive: for every check that changed anything, a hash-chained snapshot
//! record and the raw response body, kept under `<state>/<watch>/history/`.
//!
//! ```text
//! <state>/<watch>/history/000001.json      snapshot record, human-readable JSON
//! <state>/<watch>/history/000001.body.gz   the raw response body as received, gzip
//! <state>/<watch>/history/HEAD             the chain's head: last record, its sha256, a copy of the pruning mark
//! ```
//!
//! A record's hash is the sha256 of its file's exact bytes, so anyone can check it with
//! `sha256sum`. Each record names the hash of the one before and HEAD names the last, so an
//! edited, deleted or inserted record breaks the chain ([`verify`]). Records are written once
//! and never rewritten; retention only deletes the oldest raw bodies, and the record that
//! deletes them says so in the chain (`pruned`), so a pruned chain still verifies while a
//! body deleted by anyone else does not. A HEAD lost or edited is rebuilt from the records by
//! the next append, which records that in the chain (`head_rebuilt`); verify reports it.
//!
//! Submodules: `record` (the record format), `head` (HEAD), `append` (writing and retention),
//! `scan` (one read of a history folder, shared by the next two), `read` (loading a history,
//! resolving "snapshot N" or "as of a date"), `verify` (the chain check) and `warc` (export
//! as WARC 1.1).

pub(crate) mod append;
mod gzip;
mod head;
mod read;
mod record;
mod scan;
mod signatures;
mod verify;
mod warc;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::judge::WatchState;
use crate::judge::event::Event;
use crate::observe::statement::Statement;
use crate::store::{CheckRecord, StoreError};

pub use head::Head;
pub use read::{At, Entry, History};
pub use record::{SnapshotRecord, record_file};
pub use signatures::SignatureEvidence;
pub use verify::{Verification, verify_dir};
pub use warc::{WarcOptions, write_warc};

/// A problem reading a watch's evidence, naming the watch and what to try.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "watch \"{watch}\" has no evidence under {}: its first check that fetches the page starts it (is --state right?)",
        dir.display()
    )]
    NoHistory { watch: String, dir: PathBuf },
    #[error("{} is not a readable snapshot record ({source}); run `canaryd verify {watch}`", path.display())]
    Unreadable {
        watch: String,
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("watch \"{watch}\" has no snapshot {what}; `canaryd history {watch}` lists them")]
    NoSnapshot { watch: String, what: String },
    #[error(
        "\"{text}\" is neither a snapshot number nor a date; use a number from `canaryd history`, YYYY-MM-DD or an RFC 3339 time"
    )]
    BadAt { text: String },
}

/// What the fetch produced, handed to the archive only when the check changed something.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Response headers as received (see [`crate::fetch::Page::headers`]).
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// The body after transfer decoding, before charset decoding.
    pub body: bytes::Bytes,
    /// The statements extracted from it; `None` when extraction failed.
    pub statements: Option<Vec<Statement>>,
    /// A signed watch's signature files and verdicts.
    pub signatures: Option<SignatureEvidence>,
    /// A page rendered in a browser: the body the server sent (`body` is the rendered
    /// DOM), and its declared type.
    pub served: Option<bytes::Bytes>,
    pub served_type: Option<String>,
    /// The bodies compressed and hashed ahead of the commit ([`Capture::pack`]), so the
    /// group's writer only writes them; `None`: the commit compresses them itself.
    pub packed: Option<Packed>,
}

/// A capture's bodies as the archive stores them, made where the check runs (in parallel
/// with other checks) rather than in the group commit that writes them one after another.
#[derive(Debug, Clone)]
pub struct Packed {
    pub(crate) body: append::PackedBody,
    pub(crate) served: Option<append::PackedBody>,
}

impl Capture {
    /// Compresses and hashes the bodies now (CPU work: call it off the async workers).
    pub fn pack(&mut self) -> std::io::Result<()> {
        let served = self.served.as_deref().map(append::pack).transpose()?;
        self.packed = Some(Packed {
            body: append::pack(&self.body)?,
            served,
        });
        Ok(())
    }
}

/// One check, as the archive records it.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot<'a> {
    pub at: DateTime<Utc>,
    pub check: &'a CheckRecord,
    pub capture: Option<&'a Capture>,
    pub events: &'a [Event],
    /// The confirmed statement set after this check.
    pub confirmed_set_hash: Option<&'a str>,
    /// The judgement generation the check's events opened, when it raised any.
    pub generation: Option<u64>,
}

/// Whether a check is evidence worth a record: it raised an event or moved the confirmed
/// statements (wording and dates included, so a re-signed canary is kept as proof of
/// renewal). The first snapshot of a watch is decided by the caller ([`Archive::has_history`]).
pub fn worth_keeping(prev: &WatchState, state: &WatchState, events: &[Event]) -> bool {
    !events.is_empty() || prev.baseline != state.baseline
}

/// The archives of every watch in a state directory.
#[derive(Debug, Clone)]
pub struct Archive {
    state_dir: PathBuf,
}

impl Archive {
    /// The archives under `state_dir`; nothing is created until something is appended.
    pub fn new(state_dir: &Path) -> Archive {
        Archive {
            state_dir: state_dir.to_path_buf(),
        }
    }

    /// `<state>/<watch>/history`.
    pub fn dir(&self, watch: &str) -> PathBuf {
        self.state_dir.join(watch).join("history")
    }

    /// Whether the watch has a chain at all. One `stat`, so a check can afford to ask.
    pub fn has_history(&self, watch: &str) -> bool {
        self.dir(watch).join(head::HEAD_FILE).exists()
    }

    /// The chain's head, if the watch has a readable one.
    pub fn head(&self, watch: &str) -> Option<Head> {
        head::load(&self.dir(watch)).ok()
    }

    /// When record `seq` was taken, if it is readable.
    pub fn record_time(&self, watch: &str, seq: u64) -> Option<DateTime<Utc>> {
        let bytes = std::fs::read(self.dir(watch).join(record_file(seq))).ok()?;
        serde_json::from_slice::<SnapshotRecord>(&bytes)
            .ok()
            .map(|r| r.at)
    }

    /// Where the watch's chain stands: read once by a check, both to learn whether its
    /// generation is recorded already and to continue the chain ([`Archive::prepare`]).
    /// `at`: when the check was taken (a HEAD rebuilt for it records it).
    pub fn tip(&self, watch: &str, at: DateTime<Utc>) -> Result<append::Tip, StoreError> {
        append::read_tip(&self.dir(watch), at)
    }

    /// Appends a record (and the body, when there is one) and applies retention: bodies of
    /// records older than the newest `max_history` are deleted. Returns the new sequence
    /// number. Everything but the pruning is durable once this returns. Checks append in
    /// groups (`prepare`, then `finish`); this one-step form is the archive's tests'.
    #[cfg(test)]
    pub fn append(
        &self,
        watch: &str,
        snapshot: &Snapshot<'_>,
        max_history: usize,
    ) -> Result<u64, StoreError> {
        append::append(&self.dir(watch), snapshot, max_history)
    }

    /// The first half of a group-committed append: the bodies and record written, not
    /// fsynced; [`Archive::finish`] moves HEAD once a barrier has made them durable.
    pub fn prepare(
        &self,
        watch: &str,
        tip: Option<append::Tip>,
        snapshot: &Snapshot<'_>,
        max_history: usize,
    ) -> Result<append::Prepared, StoreError> {
        append::prepare(
            &self.dir(watch),
            tip,
            snapshot,
            max_history,
            crate::store::atomic::Sync::Deferred,
        )
    }

    /// The second half: HEAD names the prepared record (durable at the next barrier).
    pub fn finish(&self, prepared: &append::Prepared) -> Result<(), StoreError> {
        append::finish(prepared, crate::store::atomic::Sync::Deferred)
    }

    /// The watch's whole history, oldest first.
    pub fn load(&self, watch: &str) -> Result<History, ArchiveError> {
        History::load(watch, &self.dir(watch))
    }

    /// Checks the watch's chain; see [`verify_dir`].
    pub fn verify(&self, watch: &str) -> Verification {
        verify_dir(&self.dir(watch))
    }

    /// The watch's history and the check of its chain, from one read of each record file:
    /// what [`Archive::load`] and [`Archive::verify`] return, and the history is the one
    /// that was verified, even while a check appends to it.
    pub fn load_verified(&self, watch: &str) -> (Result<History, ArchiveError>, Verification) {
        let dir = self.dir(watch);
        match scan::Scan::read(&dir) {
            Ok(scan) => {
                let v = verify::verify_scan(&scan);
                (History::from_scan(watch, scan), v)
            }
            // Not listable: each says so in its own words.
            Err(_) => (History::load(watch, &dir), verify_dir(&dir)),
        }
    }

    /// Names of the watches in the state directory that have an archive, sorted.
    pub fn watches(&self) -> Result<Vec<String>, StoreError> {
        let entries = match std::fs::read_dir(&self.state_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(crate::store::io_err("list", &self.state_dir)(e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(crate::store::io_err("list", &self.state_dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join("history").is_dir() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests;
