//! Loading a watch's history and finding "snapshot N" or "the snapshot in force at a time".

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::ArchiveError;
use super::gzip::gunzip;
use super::record::{SnapshotRecord, pruned_through};
use super::scan::{ReadRecord, Scan};
use crate::store::io_err;

/// One record as loaded.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: SnapshotRecord,
    /// sha256 of the record file's bytes.
    pub sha256: String,
    /// The record file exactly as stored (exported verbatim).
    pub bytes: Vec<u8>,
    /// Retention deleted the body: it is gone and a record of the chain says it was pruned
    /// (or, for a chain written before `canaryd-evidence/2`, HEAD says so).
    pub body_pruned: bool,
}

impl Entry {
    pub fn seq(&self) -> u64 {
        self.record.seq
    }
}

/// A watch's records, oldest first. Loading does not verify the chain (see `verify`); it only
/// refuses records it cannot parse.
#[derive(Debug, Clone)]
pub struct History {
    pub watch: String,
    pub dir: PathBuf,
    pub entries: Vec<Entry>,
}

/// A point in a history: a sequence number, or a time meaning "the snapshot in force then".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    Seq(u64),
    Time(DateTime<Utc>),
}

impl At {
    /// `12` or `#12`; an RFC 3339 time; or `YYYY-MM-DD`, meaning the end of that day (UTC),
    /// so a snapshot taken that day counts as that day's.
    pub fn parse(text: &str) -> Result<At, ArchiveError> {
        let t = text.trim();
        let digits = t.strip_prefix('#').unwrap_or(t);
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = digits.parse()
        {
            return Ok(At::Seq(n));
        }
        if let Ok(time) = DateTime::parse_from_rfc3339(t) {
            return Ok(At::Time(time.with_timezone(&Utc)));
        }
        if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            let end = NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
                .expect("23:59:59.999999999 is a valid time");
            return Ok(At::Time(day.and_time(end).and_utc()));
        }
        Err(ArchiveError::BadAt {
            text: text.to_string(),
        })
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Seq(n) => write!(f, "#{n}"),
            At::Time(t) => write!(f, "in force at {}", crate::words::describe_time(*t)),
        }
    }
}

impl History {
    /// Loads every record of `dir` up to HEAD (or every record, when HEAD is missing).
    pub fn load(watch: &str, dir: &Path) -> Result<History, ArchiveError> {
        match Scan::read(dir) {
            Ok(scan) => History::from_scan(watch, scan),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ArchiveError::NoHistory {
                watch: watch.to_string(),
                dir: dir.to_path_buf(),
            }),
            Err(e) => Err(io_err("list", dir)(e).into()),
        }
    }

    /// The history a scan read (a record past HEAD is an interrupted write, not yet part of
    /// the chain, and was not read).
    pub(crate) fn from_scan(watch: &str, scan: Scan) -> Result<History, ArchiveError> {
        let Scan {
            dir, head, records, ..
        } = scan;
        if records.is_empty() {
            return Err(ArchiveError::NoHistory {
                watch: watch.to_string(),
                dir,
            });
        }
        let head = head.ok();
        let mut entries = Vec::with_capacity(records.len());
        for (seq, scanned) in records {
            let path = dir.join(super::record_file(seq));
            let ReadRecord {
                bytes,
                sha256,
                record,
            } = scanned.map_err(io_err("read", &path))?;
            let record = record.map_err(|source| ArchiveError::Unreadable {
                watch: watch.to_string(),
                path,
                source,
            })?;
            entries.push(Entry {
                sha256,
                record,
                bytes,
                body_pruned: false,
            });
        }
        let through = pruned_through(
            entries.iter().map(|e| &e.record),
            head.as_ref().map_or(0, |h| h.bodies_pruned_through),
        )
        .seq();
        for e in &mut entries {
            e.body_pruned = e.seq() <= through
                && e.record
                    .body
                    .as_ref()
                    .is_some_and(|b| !dir.join(&b.file).exists());
        }
        Ok(History {
            watch: watch.to_string(),
            dir,
            entries,
        })
    }

    /// The record numbered `seq`.
    pub fn get(&self, seq: u64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.seq() == seq)
    }

    /// The newest record at or before `at` that saw the page (has statements): what the
    /// canary said at that point.
    pub fn in_force(&self, at: At) -> Result<&Entry, ArchiveError> {
        self.entries
            .iter()
            .rev()
            .filter(|e| e.record.statements.is_some())
            .find(|e| match at {
                At::Seq(n) => e.seq() <= n,
                At::Time(t) => e.record.at <= t,
            })
            .filter(|_| match at {
                At::Seq(n) => self.get(n).is_some(),
                At::Time(_) => true,
            })
            .ok_or_else(|| ArchiveError::NoSnapshot {
                watch: self.watch.clone(),
                what: at.to_string(),
            })
    }

    /// Records that saw the page, oldest first.
    pub fn with_statements(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.record.statements.is_some())
    }

    /// The raw body of a record, if it is still stored.
    pub fn body(&self, entry: &Entry) -> Option<std::io::Result<Vec<u8>>> {
        let b = entry.record.body.as_ref()?;
        let path = self.dir.join(&b.file);
        if entry.body_pruned || !path.exists() {
            return None;
        }
        Some(gunzip(&path))
    }
}
