//! Writing a record: body, then record (each fsynced), then HEAD (fsynced with the folder,
//! which makes all three entries durable); then retention.
//!
//! The order makes a crash harmless: until HEAD moves, a half-written snapshot is not part of
//! the chain, and the next append reuses its sequence number and overwrites it.
//!
//! Retention is part of the chain: the record being written carries `pruned` (how far
//! bodies are deleted, when, by which rule) before anything is deleted. A HEAD that is
//! missing, unreadable or disagrees with the records is rebuilt from the newest record and
//! the new record carries `head_rebuilt`, so the loss can never be washed out by a check.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::Snapshot;
use super::gzip::gzip;
use super::head::{self, Head, HeadError};
use super::record::{
    BodyRef, FORMAT, FORMAT_V1, FileKind, HeadRebuilt, Pruned, SnapshotRecord, body_file,
    file_kind, record_file, served_file, sha256_hex,
};
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

#[cfg(test)]
pub fn append(dir: &Path, snap: &Snapshot<'_>, max_history: usize) -> Result<u64, StoreError> {
    let prepared = prepare(dir, None, snap, max_history, Sync::FileOnly)?;
    let seq = prepared.head.seq;
    finish(&prepared, Sync::Durable)?;
    Ok(seq)
}

/// A record written (with its bodies) but not yet in the chain: HEAD still names the one
/// before. [`finish`] moves HEAD once the record is durable.
#[derive(Debug)]
pub struct Prepared {
    dir: std::path::PathBuf,
    head: Head,
    /// The new HEAD, staged beside the old one when prepared for a group commit: the
    /// group's barrier makes it durable with the record, and `finish` only swaps it in.
    staged_head: Option<atomic::Staged>,
    prune_from: u64,
    prune_to: u64,
}

/// Moves HEAD to the prepared record (fsynced with its folder when `sync` is `Durable`;
/// at the group's next barrier when `Deferred`), then applies retention.
pub fn finish(p: &Prepared, sync: Sync) -> Result<(), StoreError> {
    match &p.staged_head {
        Some(staged) if sync == Sync::Deferred => {
            staged.put().map_err(io_err("write", staged.path()))?;
        }
        _ => head::save_with(&p.dir, &p.head, sync)?,
    }
    prune(&p.dir, p.prune_from, p.prune_to);
    Ok(())
}

/// Writes the bodies and the record of the next snapshot, each fsynced when `sync` is
/// `FileOnly`, left for the group's barrier when `Deferred`. `tip`: the chain's tip as the
/// caller read it moments before (under the same watch's check), read here when `None`.
pub fn prepare(
    dir: &Path,
    tip: Option<Tip>,
    snap: &Snapshot<'_>,
    max_history: usize,
    sync: Sync,
) -> Result<Prepared, StoreError> {
    atomic::create_dir_with(dir, sync).map_err(io_err("create", dir))?;
    let tip = match tip {
        Some(tip) => tip,
        None => read_tip(dir, snap.at)?,
    };
    let seq = tip.seq + 1;

    // Retention, decided before the record is written so the record says what it prunes.
    let chain_through = tip.pruned.as_ref().map_or(0, |p| p.through_seq);
    let pruned_before = chain_through.max(tip.legacy_pruned_through);
    let max_history = max_history.max(1);
    let by_rule = seq.saturating_sub(max_history as u64);
    let through = pruned_before.max(by_rule);
    let pruned = if through > chain_through {
        Some(Pruned {
            through_seq: through,
            at: snap.at,
            rule: if by_rule >= through {
                format!("max_history={max_history}")
            } else {
                LEGACY_PRUNE_RULE.to_string()
            },
        })
    } else {
        tip.pruned.clone()
    };

    let packed = snap.capture.and_then(|c| c.packed.as_ref());
    // HEAD's durable write below fsyncs this folder, making these entries durable too.
    let body = match snap.capture {
        Some(capture) => Some(BodyRef {
            file: body_file(seq),
            sha256: write_body(
                &dir.join(body_file(seq)),
                packed.map(|p| &p.body),
                &capture.body,
                sync,
            )?,
            length: capture.body.len() as u64,
            content_type: capture.content_type.clone(),
        }),
        None => None,
    };
    let served = match snap.capture.and_then(|c| c.served.as_ref()) {
        Some(original) => Some(BodyRef {
            file: served_file(seq),
            sha256: write_body(
                &dir.join(served_file(seq)),
                packed.and_then(|p| p.served.as_ref()),
                original,
                sync,
            )?,
            length: original.len() as u64,
            content_type: snap.capture.and_then(|c| c.served_type.clone()),
        }),
        None => None,
    };
    let statements = snap.capture.and_then(|c| c.statements.clone());
    let c = snap.check;
    let record = SnapshotRecord {
        format: FORMAT.to_string(),
        seq,
        prev_record_sha256: tip.record_sha256.clone(),
        at: snap.at,
        url: c.url.clone().unwrap_or_default(),
        final_url: c.final_url.clone(),
        result: c.result,
        error: c.error.clone(),
        status: c.status,
        etag: c.etag.clone(),
        last_modified: c.last_modified.clone(),
        headers: snap.capture.map(|c| c.headers.clone()).unwrap_or_default(),
        body,
        set_hash: statements.as_deref().map(crate::judge::diff::set_hash),
        statements,
        confirmed_set_hash: snap.confirmed_set_hash.map(str::to_string),
        events: snap.events.to_vec(),
        pruned,
        head_rebuilt: tip.rebuilt_now.clone(),
        generation: snap.generation,
        signatures: snap.capture.and_then(|c| c.signatures.clone()),
        followed: c.followed.clone(),
        key_refreshes: c.key_refreshes.clone(),
        freshness: c.freshness.clone(),
        freshness_api: c.freshness_api.clone(),
        served,
    };
    let path = dir.join(record_file(seq));
    let bytes = record.to_bytes().map_err(|source| StoreError::Corrupt {
        path: path.clone(),
        source,
    })?;
    atomic::write(&path, &bytes, sync).map_err(io_err("write", &path))?;

    let head = Head {
        seq,
        record_sha256: sha256_hex(&bytes),
        bodies_pruned_through: through,
        rebuilt: tip.rebuilt_now.or(tip.head_rebuilt),
    };
    // In a group, HEAD is written now, beside the old one, and made durable by the same
    // barrier as the record it names: moving it is then a swap of names.
    let staged_head = match sync {
        Sync::Deferred => Some(head::stage(dir, &head)?),
        _ => None,
    };
    Ok(Prepared {
        dir: dir.to_path_buf(),
        head,
        staged_head,
        prune_from: pruned_before + 1,
        prune_to: through,
    })
}

/// The rule named in a record's `pruned` when it took over the marker of a HEAD written
/// before pruning was recorded in the chain.
pub const LEGACY_PRUNE_RULE: &str =
    "HEAD bodies_pruned_through, written before canaryd-evidence/2 recorded pruning in the chain";

/// Where the chain stands before an append.
#[derive(Debug, Default)]
pub struct Tip {
    /// The newest record of the chain; 0 for none.
    seq: u64,
    record_sha256: Option<String>,
    /// Retention as the newest record states it.
    pruned: Option<Pruned>,
    /// HEAD's marker, when the newest record predates `canaryd-evidence/2` (and HEAD
    /// matches it): the only word on pruning such a chain has. The next record takes it in.
    legacy_pruned_through: u64,
    /// HEAD could not be trusted and was rebuilt for this append.
    rebuilt_now: Option<HeadRebuilt>,
    /// An earlier rebuild, as HEAD remembers it.
    head_rebuilt: Option<HeadRebuilt>,
    /// The generation the newest record recorded, when HEAD is trusted and names a
    /// readable record that recorded one.
    generation: Option<u64>,
}

impl Tip {
    /// The judgement generation the chain's newest record recorded; `None` when the chain
    /// is empty, HEAD is not trusted, or that record recorded none. A check redone after a
    /// crash finds its own record here and does not write it again.
    pub fn generation(&self) -> Option<u64> {
        self.generation
    }
}

/// Reads HEAD and checks it against the record it names: that record is there, has the
/// sha256 HEAD names, and is the newest but for at most one interrupted write. Otherwise
/// (HEAD missing, unreadable or edited) the chain is continued from the newest record in the
/// folder, never restarted at 1 and never reusing a number, and the loss is recorded in the
/// new record (`head_rebuilt`) so `verify` reports it for good.
/// `at`: when the append that continues it is taken (a rebuild records it). A folder that
/// is not there is an empty chain.
pub fn read_tip(dir: &Path, at: DateTime<Utc>) -> Result<Tip, StoreError> {
    let why = match head::load(dir) {
        Ok(h) => match check_head(dir, &h)? {
            Ok(newest) => {
                let v1 = newest.as_ref().is_some_and(|r| r.format == FORMAT_V1);
                let generation = newest.as_ref().and_then(|r| r.generation);
                return Ok(Tip {
                    seq: h.seq,
                    record_sha256: Some(h.record_sha256.clone()),
                    pruned: newest.and_then(|r| r.pruned),
                    legacy_pruned_through: if v1 { h.bodies_pruned_through } else { 0 },
                    rebuilt_now: None,
                    head_rebuilt: h.rebuilt,
                    generation,
                });
            }
            Err(why) => format!("edited ({why})"),
        },
        Err(HeadError::Missing) => "missing".to_string(),
        Err(HeadError::Unreadable(e)) => format!("unreadable ({e})"),
    };
    let newest = newest_record(dir)?;
    if newest.is_none() && why == "missing" {
        // An empty folder: the first record of a new chain.
        return Ok(Tip::default());
    }
    let from_seq = newest.unwrap_or(0);
    tracing::warn!(
        history = %dir.display(),
        from_seq,
        "evidence HEAD {why}; continuing the chain from the newest record, and recording in it that HEAD was rebuilt (verify reports it)"
    );
    let rebuilt_now = Some(HeadRebuilt { at, from_seq, why });
    let Some(seq) = newest else {
        return Ok(Tip {
            rebuilt_now,
            ..Tip::default()
        });
    };
    let path = dir.join(record_file(seq));
    let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
    let record = serde_json::from_slice::<SnapshotRecord>(&bytes).ok();
    Ok(Tip {
        seq,
        record_sha256: Some(sha256_hex(&bytes)),
        pruned: record.and_then(|r| r.pruned),
        legacy_pruned_through: 0,
        rebuilt_now,
        head_rebuilt: None,
        generation: None,
    })
}

/// Whether HEAD agrees with the records: `Ok(Ok(record))` with the newest record (`None`
/// when it is not parseable; `verify` reports that), `Ok(Err(why))` when it does not.
fn check_head(dir: &Path, h: &Head) -> Result<Result<Option<SnapshotRecord>, String>, StoreError> {
    let path = dir.join(record_file(h.seq));
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Err(format!("names #{}, which is not there", h.seq)));
        }
        Err(e) => return Err(io_err("read", &path)(e)),
    };
    let actual = sha256_hex(&bytes);
    if actual != h.record_sha256 {
        return Ok(Err(format!(
            "names #{} with sha256 {}, but that record's sha256 is {actual}",
            h.seq, h.record_sha256
        )));
    }
    // One record past HEAD is a write interrupted before HEAD moved; two are not.
    if dir.join(record_file(h.seq + 2)).exists() {
        return Ok(Err(format!(
            "names #{} as the newest, but #{} exists",
            h.seq,
            h.seq + 2
        )));
    }
    Ok(Ok(serde_json::from_slice(&bytes).ok()))
}

/// The highest record number in the folder.
fn newest_record(dir: &Path) -> Result<Option<u64>, StoreError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err("list", dir)(e)),
    };
    Ok(entries
        .filter_map(|e| e.ok())
        .filter_map(|e| match file_kind(&e.file_name().to_string_lossy()) {
            Some(FileKind::Record(seq)) => Some(seq),
            _ => None,
        })
        .max())
}

/// Deletes the bodies of records `from..=to`. Not fsynced: a deleted body that reappears
/// after a power cut still verifies, and the record just written already says it may be
/// gone.
fn prune(dir: &Path, from: u64, to: u64) {
    for path in (from..=to).flat_map(|seq| [dir.join(body_file(seq)), dir.join(served_file(seq))]) {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot prune an old evidence body; it is kept")
            }
        }
    }
}

/// A body as a record keeps it: its gzip file's bytes and the sha256 of the body itself.
#[derive(Debug, Clone)]
pub struct PackedBody {
    gz: Vec<u8>,
    // Computed once the body is kept: a check compares pages by BLAKE3.
    sha256: String,
}

/// Writes a body's gzip file at `path`, from its packing made ahead (`packed`) or packed
/// now; returns the body's sha256 for its record.
fn write_body(
    path: &Path,
    packed: Option<&PackedBody>,
    body: &[u8],
    sync: Sync,
) -> Result<String, StoreError> {
    let made;
    let p = match packed {
        Some(p) => p,
        None => {
            made = pack(body).map_err(io_err("compress the body for", path))?;
            &made
        }
    };
    atomic::write(path, &p.gz, sync).map_err(io_err("write", path))?;
    Ok(p.sha256.clone())
}

/// A body packed from gzip bytes made elsewhere, as a check's own packing would hand it over.
#[cfg(test)]
pub fn packed_from(gz: Vec<u8>, body: &[u8]) -> PackedBody {
    PackedBody {
        gz,
        sha256: sha256_hex(body),
    }
}

/// Compresses and hashes a body for its record.
pub fn pack(bytes: &[u8]) -> std::io::Result<PackedBody> {
    Ok(PackedBody {
        gz: gzip(bytes)?,
        sha256: sha256_hex(bytes),
    })
}
