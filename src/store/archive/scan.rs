//! One read of a history folder: its listing, HEAD, and every record file of the chain read,
//! hashed and parsed once. Loading (`read`) and verifying (`verify`) both start from it, so
//! a reader that wants both (the report, `export`) reads each file once, and the history it
//! shows is the one that was verified, not a later one.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

use super::head::{self, Head, HeadError};
use super::record::{FileKind, SnapshotRecord, file_kind, record_file, sha256_hex};

/// A record file as read, or why it could not be.
pub(crate) type Scanned = io::Result<ReadRecord>;

/// A record file's bytes, their hash, and the record they parse into (or why they do not).
#[derive(Debug)]
pub(crate) struct ReadRecord {
    pub bytes: Vec<u8>,
    /// sha256 of `bytes`.
    pub sha256: String,
    pub record: Result<SnapshotRecord, serde_json::Error>,
}

/// A history folder as read once.
#[derive(Debug)]
pub(crate) struct Scan {
    pub dir: PathBuf,
    /// Every record file the listing holds, by sequence number, HEAD or not.
    pub listed: BTreeSet<u64>,
    pub head: Result<Head, HeadError>,
    /// The listed records up to HEAD (every listed record when HEAD cannot be read), read:
    /// what both loading and verifying look at. A record past HEAD is not read.
    pub records: BTreeMap<u64, Scanned>,
}

impl Scan {
    /// Lists `dir`, reads HEAD, then reads every record up to it. Only the listing failing is
    /// an error; a record that cannot be read or parsed is kept as such, for the caller to judge.
    pub fn read(dir: &Path) -> io::Result<Scan> {
        let mut listed = BTreeSet::new();
        for entry in std::fs::read_dir(dir)?.filter_map(|e| e.ok()) {
            if let Some(FileKind::Record(seq)) = file_kind(&entry.file_name().to_string_lossy()) {
                listed.insert(seq);
            }
        }
        let head = head::load(dir);
        let last = head.as_ref().map_or(u64::MAX, |h| h.seq);
        let records = listed
            .iter()
            .filter(|seq| **seq <= last)
            .map(|&seq| {
                let scanned = std::fs::read(dir.join(record_file(seq))).map(|bytes| ReadRecord {
                    sha256: sha256_hex(&bytes),
                    record: serde_json::from_slice(&bytes),
                    bytes,
                });
                (seq, scanned)
            })
            .collect();
        Ok(Scan {
            dir: dir.to_path_buf(),
            listed,
            head,
            records,
        })
    }
}
