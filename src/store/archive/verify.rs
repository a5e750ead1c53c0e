//! Checking a chain: every record's hash against its successor's link and HEAD, every stored
//! body against its recorded sha256, and the sequence for gaps. Reads only.
//!
//! A missing body counts as pruned only when a record of the chain says retention deleted
//! it (`pruned.through_seq`); HEAD's `bodies_pruned_through` is believed only for a chain
//! with no `canaryd-evidence/2` record at all (written before pruning was chained), and
//! otherwise must agree with the chain. A record carrying `head_rebuilt` (HEAD was lost or
//! edited and rebuilt from the records) is a problem, for good: records after the one the
//! chain was continued from may have been deleted.

use std::path::{Path, PathBuf};

use super::head::{HEAD_FILE, Head, HeadError};
use super::record::{
    BodyRef, FORMAT, FORMAT_V1, HeadRebuilt, PrunedThrough, SnapshotRecord, body_file,
    pruned_through, record_file, served_file, sha256_hex,
};
use super::scan::{ReadRecord, Scan};

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
    /// Bodies deleted by retention, as a record of the chain (or an old chain's HEAD) says.
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
    match Scan::read(dir) {
        Ok(scan) => verify_scan(&scan),
        Err(e) => {
            let mut v = Verification {
                dir: dir.to_path_buf(),
                ..Verification::default()
            };
            v.problem(
                None,
                dir.display().to_string(),
                format!("cannot list the history folder: {e}"),
            );
            v
        }
    }
}

/// Checks the chain of a history folder already read (see [`Scan`]); the bodies are read
/// here, each against its record.
pub(crate) fn verify_scan(scan: &Scan) -> Verification {
    let mut v = Verification {
        dir: scan.dir.clone(),
        ..Verification::default()
    };
    let records = &scan.listed;
    v.head = match &scan.head {
        Ok(h) => Some(h.clone()),
        Err(HeadError::Missing) if records.is_empty() => None,
        Err(HeadError::Missing) => {
            let newest = records.iter().next_back().copied().unwrap_or(0);
            v.problem(
                None,
                HEAD_FILE,
                format!(
                    "missing: the chain's newest record cannot be confirmed; records after #{newest} may have been deleted (the next snapshot rebuilds HEAD and records that in the chain)"
                ),
            );
            None
        }
        Err(HeadError::Unreadable(e)) => {
            v.problem(None, HEAD_FILE, format!("unreadable (edited?): {e}"));
            None
        }
    };
    let last = v.head.as_ref().map_or_else(
        || records.iter().next_back().copied().unwrap_or(0),
        |h| h.seq,
    );
    v.records = last;
    for &seq in records.iter().filter(|s| **s > last) {
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

    // First every record of the chain, so the bodies can be judged by the whole chain's
    // word on retention.
    let mut slots: Vec<Option<(&str, Option<&SnapshotRecord>)>> = Vec::with_capacity(last as usize);
    for seq in 1..=last {
        let file = record_file(seq);
        match scan.records.get(&seq) {
            // The scan reads every listed record up to HEAD: not there is not listed.
            None => {
                v.problem(
                    Some(seq),
                    &file,
                    "missing: deleted, so the chain has a gap here",
                );
                slots.push(None);
            }
            Some(Err(e)) => {
                v.problem(Some(seq), &file, format!("unreadable: {e}"));
                slots.push(None);
            }
            Some(Ok(ReadRecord { sha256, record, .. })) => {
                if let Err(e) = record {
                    v.problem(
                        Some(seq),
                        &file,
                        format!("not a valid record any more (edited?): {e}"),
                    );
                }
                slots.push(Some((sha256.as_str(), record.as_ref().ok())));
            }
        }
    }
    let head_marker = v.head.as_ref().map_or(0, |h| h.bodies_pruned_through);
    let pruned = pruned_through(slots.iter().flatten().filter_map(|(_, r)| *r), head_marker);
    match pruned {
        PrunedThrough::Head(n) if n > 0 => v.notes.push(format!(
            "the bodies of records #1-#{n} are taken as pruned on the word of HEAD's bodies_pruned_through alone: these records were written before canaryd recorded pruning in the chain ({FORMAT_V1}); the next snapshot takes the marker into the chain"
        )),
        PrunedThrough::Chain(n) if v.head.as_ref().is_some_and(|h| h.bodies_pruned_through != n) => {
            let what = format!(
                "says bodies were pruned through #{head_marker}, but the chain records pruning through #{n} (HEAD edited?)"
            );
            v.problem(None, HEAD_FILE, what);
        }
        _ => {}
    }

    // The sha256 of the previous record file, and its retention mark, when it was readable.
    let mut prev_hash: Option<&str> = None;
    let mut prev_pruned = 0;
    let mut rebuilds = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        let seq = i as u64 + 1;
        let &Some((hash, record)) = slot else {
            prev_hash = None;
            continue;
        };
        if let Some(record) = record {
            check_record(&mut v, seq, record, prev_hash, pruned, prev_pruned);
            prev_pruned = record.pruned.as_ref().map_or(0, |p| p.through_seq);
            if let Some(r) = &record.head_rebuilt {
                v.problem(Some(seq), record_file(seq), rebuilt_problem(r));
                rebuilds.push(r.clone());
            }
        }
        prev_hash = Some(hash);
    }
    if let Some(r) = v.head.as_ref().and_then(|h| h.rebuilt.clone())
        && !rebuilds.contains(&r)
    {
        v.problem(None, HEAD_FILE, rebuilt_problem(&r));
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

/// What a recorded HEAD rebuild means.
fn rebuilt_problem(r: &HeadRebuilt) -> String {
    format!(
        "HEAD was {} and rebuilt at {}: records after #{} may have been deleted (the chain was continued from #{})",
        r.why,
        crate::words::describe_time(r.at),
        r.from_seq,
        r.from_seq
    )
}

fn check_record(
    v: &mut Verification,
    seq: u64,
    record: &SnapshotRecord,
    prev_hash: Option<&str>,
    pruned: PrunedThrough,
    prev_pruned: u64,
) {
    let file = record_file(seq);
    if record.format != FORMAT && record.format != FORMAT_V1 {
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
    if let Some(p) = &record.pruned {
        if p.through_seq >= seq {
            v.problem(
                Some(seq),
                &file,
                format!(
                    "says retention pruned bodies through #{}, which is not before it",
                    p.through_seq
                ),
            );
        }
        if p.through_seq < prev_pruned {
            v.problem(
                Some(seq),
                &file,
                format!(
                    "says retention pruned bodies through #{}, but the record before said #{prev_pruned}",
                    p.through_seq
                ),
            );
        }
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
    if let Some(body) = &record.body {
        check_body(v, seq, &file, body, &body_file(seq), pruned);
    }
    if let Some(served) = &record.served {
        check_body(v, seq, &file, served, &served_file(seq), pruned);
    }
}

/// One body file of record `seq` (named `expected`) against what the record says of it.
fn check_body(
    v: &mut Verification,
    seq: u64,
    file: &str,
    body: &BodyRef,
    expected: &str,
    pruned: PrunedThrough,
) {
    // The record names its body file; only the expected name is read, so an edited record
    // cannot point verification at some other file.
    if body.file != expected {
        v.problem(
            Some(seq),
            file,
            format!("names body file \"{}\", expected {expected}", body.file),
        );
        return;
    }
    let path = v.dir.join(&body.file);
    // Read whole, then un-gzipped from memory: one read per small file instead of a
    // buffered stream's several.
    let gz = match std::fs::read(&path) {
        Err(_) if !path.exists() => None,
        read => Some(read),
    };
    let Some(gz) = gz else {
        if seq <= pruned.seq() {
            v.bodies_pruned += 1;
        } else {
            let what = match pruned {
                PrunedThrough::Chain(0) => {
                    "missing: deleted (no record of the chain says retention pruned it)".to_string()
                }
                PrunedThrough::Chain(n) => format!(
                    "missing: deleted (the chain records retention pruning bodies only through #{n})"
                ),
                PrunedThrough::Head(n) => {
                    format!("missing: deleted (retention has pruned bodies only through #{n})")
                }
            };
            v.problem(Some(seq), &body.file, what);
        }
        return;
    };
    match gz.and_then(|gz| gunzip_bytes(&gz, body.length)) {
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

/// Un-gzips a body held in memory; multi-member, like the archive's `gunzip`, so data
/// appended after the first member is read (and verified) too. `length` (what the record
/// says) only sizes the buffer, bounded so an edited record cannot make it huge.
fn gunzip_bytes(gz: &[u8], length: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let hint = usize::try_from(length.min(1 << 24)).unwrap_or(0);
    let mut out = Vec::with_capacity(hint);
    flate2::bufread::MultiGzDecoder::new(gz).read_to_end(&mut out)?;
    Ok(out)
}
