//! Checking a chain: every record's hash against its successor's link and HEAD, every stored
//! body against its recorded sha256, and the sequence for gaps. Reads only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::append::gunzip;
use super::head::{self, HEAD_FILE, Head, HeadError};
use super::record::{
    FORMAT, FileKind, SnapshotRecord, body_file, file_kind, record_file, sha256_hex,
};

/// One thing that does not hold, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The record concerned, when there is one.
    pub seq: Option<u64>,
    /// The file concerned, relative to the history folder.
    pub file: String,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "record #{seq} ({}): {}", self.file, self.what),
            None => write!(f, "{}: {}", self.file, self.what),
        }
    }
}

/// The outcome of checking one chain.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    pub dir: PathBuf,
    pub head: Option<Head>,
    /// Records that are part of the chain (1 through HEAD), present or not.
    pub records: u64,
    /// Bodies read back and matched against their sha256.
    pub bodies_checked: u64,
    /// Bodies deleted by retention, as HEAD allows.
    pub bodies_pruned: u64,
    pub problems: Vec<Problem>,
    /// Harmless findings, e.g. a record written by a check interrupted before it moved HEAD.
    pub notes: Vec<String>,
}

impl Verification {
    /// Whether the chain holds.
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }

    fn problem(&mut self, seq: Option<u64>, file: impl Into<String>, what: impl Into<String>) {
        self.problems.push(Problem {
            seq,
            file: file.into(),
            what: what.into(),
        });
    }
}

/// Checks the chain in `dir` (a `history` folder).
pub fn verify_dir(dir: &Path) -> Verification {
    let mut v = Verification {
        dir: dir.to_path_buf(),
        ..Verification::default()
    };
    let listing = match std::fs::read_dir(dir) {
        Ok(l) => l,
        Err(e) => {
            v.problem(
                None,
                dir.display().to_string(),
                format!("cannot list the history folder: {e}"),
            );
            return v;
        }
    };
    let mut records = BTreeMap::new();
    for entry in listing.filter_map(|e| e.ok()) {
        if let Some(FileKind::Record(seq)) = file_kind(&entry.file_name().to_string_lossy()) {
            records.insert(seq, ());
        }
    }
    v.head = match head::load(dir) {
        Ok(h) => Some(h),
        Err(HeadError::Missing) if records.is_empty() => None,
        Err(HeadError::Missing) => {
            v.problem(
                None,
                HEAD_FILE,
                "missing: the chain's newest record cannot be confirmed (deleted?)",
            );
            None
        }
        Err(HeadError::Unreadable(e)) => {
            v.problem(None, HEAD_FILE, format!("unreadable (edited?): {e}"));
            None
        }
    };
    let last = v.head.as_ref().map_or_else(
        || records.keys().next_back().copied().unwrap_or(0),
        |h| h.seq,
    );
    let pruned_through = v.head.as_ref().map_or(0, |h| h.bodies_pruned_through);
    v.records = last;
    for &seq in records.keys().filter(|s| **s > last) {
        if seq == last + 1 {
            v.notes.push(format!(
                "{} was written by a check interrupted before it moved HEAD; it is not part of the chain and the next snapshot replaces it",
                record_file(seq)
            ));
        } else {
            v.problem(
                Some(seq),
                record_file(seq),
                format!("lies beyond HEAD (#{last}): inserted?"),
            );
        }
    }

    // The sha256 of the previous record file, when it was present.
    let mut prev_hash: Option<String> = None;
    for seq in 1..=last {
        let file = record_file(seq);
        if !records.contains_key(&seq) {
            v.problem(
                Some(seq),
                &file,
                "missing: deleted, so the chain has a gap here",
            );
            prev_hash = None;
            continue;
        }
        let bytes = match std::fs::read(dir.join(&file)) {
            Ok(b) => b,
            Err(e) => {
                v.problem(Some(seq), &file, format!("unreadable: {e}"));
                prev_hash = None;
                continue;
            }
        };
        let hash = sha256_hex(&bytes);
        match serde_json::from_slice::<SnapshotRecord>(&bytes) {
            Ok(record) => check_record(&mut v, seq, &record, prev_hash.as_deref(), pruned_through),
            Err(e) => v.problem(
                Some(seq),
                &file,
                format!("not a valid record any more (edited?): {e}"),
            ),
        }
        prev_hash = Some(hash);
    }
    if let (Some(h), Some(newest)) = (&v.head, &prev_hash)
        && *newest != h.record_sha256
    {
        let what = format!(
            "edited: its sha256 is {newest} but HEAD recorded {}",
            h.record_sha256
        );
        v.problem(Some(last), record_file(last), what);
    }
    v
}

fn check_record(
    v: &mut Verification,
    seq: u64,
    record: &SnapshotRecord,
    prev_hash: Option<&str>,
    pruned_through: u64,
) {
    let file = record_file(seq);
    if record.format != FORMAT {
        v.problem(
            Some(seq),
            &file,
            format!("unknown format \"{}\"", record.format),
        );
    }
    if record.seq != seq {
        v.problem(
            Some(seq),
            &file,
            format!("says it is #{} (renamed or edited?)", record.seq),
        );
    }
    match (seq, record.prev_record_sha256.as_deref(), prev_hash) {
        (1, None, _) => {}
        (1, Some(_), _) => v.problem(
            Some(1),
            &file,
            "names a predecessor but is the first record (records before it deleted?)",
        ),
        (_, recorded, Some(actual)) if recorded != Some(actual) => {
            let what = format!(
                "edited: its sha256 is {actual} but record #{seq} recorded {}",
                recorded.unwrap_or("nothing")
            );
            v.problem(Some(seq - 1), record_file(seq - 1), what);
        }
        // The predecessor is missing or unreadable: already reported.
        _ => {}
    }
    let Some(body) = &record.body else {
        return;
    };
    // The record names its body file; only the expected name is read, so an edited record
    // cannot point verification at some other file.
    if body.file != body_file(seq) {
        v.problem(
            Some(seq),
            &file,
            format!(
                "names body file \"{}\", expected {}",
                body.file,
                body_file(seq)
            ),
        );
        return;
    }
    let path = v.dir.join(&body.file);
    if !path.exists() {
        if seq <= pruned_through {
            v.bodies_pruned += 1;
        } else {
            let what = format!(
                "missing: deleted (retention has pruned bodies only through #{pruned_through})"
            );
            v.problem(Some(seq), &body.file, what);
        }
        return;
    }
    match gunzip(&path) {
        Ok(bytes) => {
            v.bodies_checked += 1;
            let actual = sha256_hex(&bytes);
            if actual != body.sha256 || bytes.len() as u64 != body.length {
                let what = format!(
                    "edited: the body's sha256 is {actual} ({} bytes) but the record says {} ({} bytes)",
                    bytes.len(),
                    body.sha256,
                    body.length
                );
                v.problem(Some(seq), &body.file, what);
            }
        }
        Err(e) => v.problem(
            Some(seq),
            &body.file,
            format!("not a readable gzip body (edited?): {e}"),
        ),
    }
}
