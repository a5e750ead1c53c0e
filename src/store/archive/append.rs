//! Writing a record: body, then record (each fsynced), then HEAD (fsynced with the folder,
//! which makes all three entries durable); then retention.
//!
//! The order makes a crash harmless: until HEAD moves, a half-written snapshot is not part of
//! the chain, and the next append reuses its sequence number and overwrites it.

use std::io::Write as _;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::Snapshot;
use super::head::{self, Head, HeadError};
use super::record::{
    BodyRef, FORMAT, FileKind, SnapshotRecord, body_file, file_kind, record_file, sha256_hex,
};
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

pub fn append(dir: &Path, snap: &Snapshot<'_>, max_history: usize) -> Result<u64, StoreError> {
    atomic::create_dir(dir).map_err(io_err("create", dir))?;
    let prev = current_head(dir)?;
    let seq = prev.as_ref().map_or(1, |h| h.seq + 1);

    let body = match snap.capture {
        Some(capture) => {
            let path = dir.join(body_file(seq));
            let gz = gzip(&capture.body).map_err(io_err("compress the body for", &path))?;
            // HEAD's durable write below fsyncs this folder, making this entry durable too.
            atomic::write(&path, &gz, Sync::FileOnly).map_err(io_err("write", &path))?;
            Some(BodyRef {
                file: body_file(seq),
                sha256: sha256_hex(&capture.body),
                length: capture.body.len() as u64,
                content_type: capture.content_type.clone(),
            })
        }
        None => None,
    };
    let statements = snap.capture.and_then(|c| c.statements.clone());
    let c = snap.check;
    let record = SnapshotRecord {
        format: FORMAT.to_string(),
        seq,
        prev_record_sha256: prev.as_ref().map(|h| h.record_sha256.clone()),
        at: snap.at,
        url: c.url.clone().unwrap_or_default(),
        final_url: c.final_url.clone(),
        result: c.result.to_string(),
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
        followed: c.followed.clone(),
    };
    let path = dir.join(record_file(seq));
    let bytes = record.to_bytes().map_err(|source| StoreError::Corrupt {
        path: path.clone(),
        source,
    })?;
    atomic::write(&path, &bytes, Sync::FileOnly).map_err(io_err("write", &path))?;

    let pruned_before = prev.as_ref().map_or(0, |h| h.bodies_pruned_through);
    let pruned = pruned_before.max(seq.saturating_sub(max_history.max(1) as u64));
    head::save(
        dir,
        &Head {
            seq,
            record_sha256: sha256_hex(&bytes),
            bodies_pruned_through: pruned,
        },
    )?;
    prune(dir, pruned_before + 1, pruned);
    Ok(seq)
}

/// HEAD, or a head rebuilt from the newest record when HEAD is missing or unreadable (so a
/// lost HEAD never restarts a chain at 1 over existing records). `verify` still reports the
/// loss until the next append rewrites it.
fn current_head(dir: &Path) -> Result<Option<Head>, StoreError> {
    let why = match head::load(dir) {
        Ok(h) => return Ok(Some(h)),
        Err(HeadError::Missing) => "missing".to_string(),
        Err(HeadError::Unreadable(e)) => format!("unreadable ({e})"),
    };
    let entries = std::fs::read_dir(dir).map_err(io_err("list", dir))?;
    let newest = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| match file_kind(&e.file_name().to_string_lossy()) {
            Some(FileKind::Record(seq)) => Some(seq),
            _ => None,
        })
        .max();
    let Some(seq) = newest else {
        return Ok(None);
    };
    let path = dir.join(record_file(seq));
    let bytes = std::fs::read(&path).map_err(io_err("read", &path))?;
    tracing::warn!(
        history = %dir.display(),
        seq,
        "evidence HEAD {why}; continuing the chain from the newest record"
    );
    Ok(Some(Head {
        seq,
        record_sha256: sha256_hex(&bytes),
        bodies_pruned_through: 0,
    }))
}

/// Deletes the bodies of records `from..=to`. Not fsynced: a deleted body that reappears
/// after a power cut still verifies, and HEAD already says it may be gone.
fn prune(dir: &Path, from: u64, to: u64) {
    for seq in from..=to {
        let path = dir.join(body_file(seq));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot prune an old evidence body; it is kept")
            }
        }
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        // Evidence is written on every change and rarely read. On bench/ pages, level 1
        // takes about a third of the default level's CPU for output ~14% larger.
        Compression::fast(),
    );
    enc.write_all(bytes)?;
    enc.finish()
}

/// Reads a body back: gunzipped, or the error that says why not.
pub fn gunzip(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut out = Vec::new();
    // Multi-member, so data appended after the first gzip member is read (and verified) too.
    flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)).read_to_end(&mut out)?;
    Ok(out)
}
