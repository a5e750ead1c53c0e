//! HEAD: the last record of a chain and how far retention has pruned bodies.
//!
//! Without it, deleting the newest record (or editing it) would leave a shorter chain that
//! still links; HEAD names the newest record's hash, so both are caught.

use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

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
    #[serde(default)]
    pub bodies_pruned_through: u64,
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

/// Replaces `<dir>/HEAD` durably.
pub fn save(dir: &Path, head: &Head) -> Result<(), StoreError> {
    let path = dir.join(HEAD_FILE);
    let mut json = serde_json::to_vec_pretty(head).map_err(|source| StoreError::Corrupt {
        path: path.clone(),
        source,
    })?;
    json.push(b'\n');
    atomic::write(&path, &json, Sync::Durable).map_err(io_err("write", &path))
}
