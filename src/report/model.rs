//! What the report reads from the state directory, and only reads: a watch's state, last
//! check, event log and evidence. It never takes the state lock, so it runs beside `run`:
//! every file it reads is replaced atomically or appended line by line, a torn last event
//! line is skipped, a record past HEAD is left out; a file that cannot be read is said on
//! that watch's page instead of failing the report.

use sha2::{Digest as _, Sha256};

use crate::config::Watch;
use crate::health::{self, Health};
use crate::judge::WatchState;
use crate::judge::event::Event;
use crate::store::archive::{Archive, History, SignatureEvidence, SnapshotRecord, Verification};
use crate::store::{CheckRecord, Store};

use super::status::{self, Status};

/// What the index needs of a watch: cheap to read (no history).
#[derive(Debug, Clone)]
pub struct Summary {
    pub name: String,
    pub url: String,
    pub signed: bool,
    pub state: WatchState,
    pub check: CheckRecord,
    pub events: Vec<Event>,
    pub health: Health,
    pub status: Status,
    /// The newest record's signatures (who signed the canary as it now stands).
    pub signatures: Option<SignatureEvidence>,
    /// Files that could not be read, in words.
    pub problems: Vec<String>,
    /// Changes whenever anything a watch's own pages show changes (see [`fingerprint`]).
    pub fingerprint: String,
}

/// Reads the summary of `watch` from the state directory.
pub fn summary(store: &Store, archive: &Archive, watch: &Watch) -> Summary {
    let name = watch.name.as_str();
    let mut problems = Vec::new();
    let state = store.load_state(name).unwrap_or_else(|e| {
        problems.push(crate::error_chain(&e));
        WatchState::default()
    });
    let check = store
        .load_check(name)
        .unwrap_or_else(|e| {
            problems.push(crate::error_chain(&e));
            None
        })
        .unwrap_or_default();
    let events = store.events(name).unwrap_or_else(|e| {
        problems.push(crate::error_chain(&e));
        Vec::new()
    });
    let alerts = crate::store::alerts::summarise(&events);
    let health = health::assess(&state, &check, watch.signing.is_some(), &alerts);
    let status = status::status(&health, &state, &events);
    let head = archive.head(name);
    let newest: Option<SnapshotRecord> = head.as_ref().and_then(|h| {
        let path = archive
            .dir(name)
            .join(crate::store::archive::record_file(h.seq));
        std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    });
    let url = crate::fetch::redact(&watch.url);
    let fingerprint = fingerprint(&[
        env!("CARGO_PKG_VERSION").as_bytes(),
        url.as_bytes(),
        &serde_json::to_vec(&state).unwrap_or_default(),
        check.result.as_str().as_bytes(),
        check.claims.to_string().as_bytes(),
        check
            .signature
            .map(|s| s.to_string())
            .unwrap_or_default()
            .as_bytes(),
        &[u8::from(check.scripted), u8::from(watch.signing.is_some())],
        events.len().to_string().as_bytes(),
        head.as_ref()
            .map_or("", |h| h.record_sha256.as_str())
            .as_bytes(),
        problems.join("\n").as_bytes(),
    ]);
    Summary {
        name: name.to_string(),
        url,
        signed: watch.signing.is_some(),
        state,
        check,
        events,
        health,
        status,
        signatures: newest.and_then(|r| r.signatures),
        problems,
        fingerprint,
    }
}

/// sha256 over length-prefixed parts.
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// A watch's evidence, for its own pages.
#[derive(Debug)]
pub struct Evidence {
    pub history: Option<History>,
    pub verification: Option<Verification>,
    /// Why there is no history, when there is none.
    pub missing: Option<String>,
}

pub fn evidence(archive: &Archive, name: &str) -> Evidence {
    match archive.load_verified(name) {
        (Ok(history), verification) => Evidence {
            verification: Some(verification),
            history: Some(history),
            missing: None,
        },
        (Err(e), _) => Evidence {
            history: None,
            verification: None,
            missing: Some(crate::error_chain(&e)),
        },
    }
}
