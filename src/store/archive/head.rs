//! HEAD: the last record of a chain, a copy of how far retention has pruned bodies, and
//! whether HEAD itself was ever rebuilt.
//!
//! Without it, deleting the newest record (or editing it) would leave a shorter chain that
//! still links; HEAD names the newest record's hash, so both are caught. HEAD is not hashed:
//! what it says about pruning or a rebuild counts only where a record in the chain says it
//! too (`SnapshotRecord::pruned`, `SnapshotRecord::head_rebuilt`).

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::record::HeadRebuilt;
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

pub const HEAD_FILE: &str = "HEAD";

/// The chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Sequence number of the newest record.
    pub seq: u64,
    /// sha256 (hex) of the newest record file's bytes.
    pub record_sha256: String,
    /// Bodies of records 1..=this were deleted by retention (`max_history`); 0 when none.
    /// A copy of the newest record's `pruned.through_seq`; it proves nothing by itself, and
    /// is believed only for chains written entirely before `canaryd-evidence/2`.
    #[serde(default)]
    pub bodies_pruned_through: u64,
    /// The last time HEAD was missing, unreadable or edited and was rebuilt from the
    /// records (the record appended then says so too, in the chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebuilt: Option<HeadRebuilt>,
}

/// Why HEAD could not be used.
#[derive(Debug)]
pub enum HeadError {
    Missing,
    Unreadable(String),
}

/// Reads `<dir>/HEAD`.
pub fn load(dir: &Path) -> Result<Head, HeadError> {
    let path = dir.join(HEAD_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|e| HeadError::Unreadable(e.to_string()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(HeadError::Missing),
        Err(e) => Err(HeadError::Unreadable(e.to_string())),
    }
}

/// Replaces `<dir>/HEAD`: durable now, or at the group's next barrier (`Deferred`).
pub fn save_with(dir: &Path, head: &Head, sync: Sync) -> Result<(), StoreError> {
    let path = dir.join(HEAD_FILE);
    let json = to_bytes(&path, head)?;
    atomic::write(&path, &json, sync).map_err(io_err("write", &path))
}

/// Writes the next `<dir>/HEAD` into its spare, to be put in place after a barrier.
pub fn stage(dir: &Path, head: &Head) -> Result<atomic::Staged, StoreError> {
    let path = dir.join(HEAD_FILE);
    let json = to_bytes(&path, head)?;
    atomic::stage(&path, &json).map_err(io_err("write", &path))
}

fn to_bytes(path: &Path, head: &Head) -> Result<Vec<u8>, StoreError> {
    let mut json = serde_json::to_vec_pretty(head).map_err(|source| StoreError::Corrupt {
        path: path.to_path_buf(),
        source,
    })?;
    json.push(b'\n');
    Ok(json)
}
