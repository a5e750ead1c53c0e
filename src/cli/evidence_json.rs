//! `--format json` of the evidence commands: `history`, `diff`, `show` and `verify`. Field
//! names are a contract for scripts (documented in the README): added, never renamed. These
//! are this module's own structs, so a change to the stored records cannot rename them.

use serde::Serialize;

use crate::judge::diff;
use crate::store::archive::{Entry, History, Verification};

use super::check_json::{ChangeJson, EventJson, event};

/// `history --format json`: the snapshots, newest first, as the text shows them.
#[derive(Debug, Serialize)]
pub struct HistoryJson {
    pub watch: String,
    /// The URL of the newest snapshot.
    pub url: Option<String>,
    pub snapshots: Vec<SnapshotJson>,
}

/// One snapshot of `history`.
#[derive(Debug, Serialize)]
pub struct SnapshotJson {
    pub seq: u64,
    pub at: String,
    /// "ok", "unchanged" or "failed".
    pub result: crate::store::CheckResult,
    pub error: Option<String>,
    pub status: Option<u16>,
    /// Absent when the snapshot saw no page.
    pub statements: Option<usize>,
    pub claims: Option<usize>,
    /// sha256 of the statement set.
    pub set_hash: Option<String>,
    /// The record file's sha256 (the chain link).
    pub record_sha256: String,
    pub body_sha256: Option<String>,
    pub body_length: Option<u64>,
    pub body_pruned: bool,
    /// "2/2 ok", "1/2", "BAD" or "unsigned"; absent for unsigned watches.
    pub signatures: Option<crate::observe::signature::SignatureTally>,
    /// Set when HEAD was rebuilt before this record: records after `from_seq` may be gone.
    pub head_rebuilt: Option<String>,
    pub events: Vec<EventJson>,
    /// The proofs of freshness the page quoted (`null` when none or no page).
    pub freshness: Option<crate::observe::freshness::Freshness>,
    /// What `freshness_api` said about the quoted blocks (absent without it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub freshness_api: Vec<crate::observe::freshness::api::BlockLookup>,
}

pub fn history(h: &History) -> HistoryJson {
    HistoryJson {
        watch: h.watch.clone(),
        url: h.entries.last().map(|e| e.record.url.clone()),
        snapshots: h.entries.iter().rev().map(snapshot).collect(),
    }
}

fn snapshot(e: &Entry) -> SnapshotJson {
    let r = &e.record;
    SnapshotJson {
        seq: r.seq,
        at: r.at.to_rfc3339(),
        result: r.result,
        error: r.error.clone(),
        status: r.status,
        statements: r.statements().map(<[_]>::len),
        claims: r.statements().map(|s| s.iter().filter(|s| s.claim).count()),
        set_hash: r.set_hash.clone(),
        record_sha256: e.sha256.clone(),
        body_sha256: r.body.as_ref().map(|b| b.sha256.clone()),
        body_length: r.body.as_ref().map(|b| b.length),
        body_pruned: e.body_pruned,
        signatures: r.signatures.as_ref().map(|s| s.summary),
        head_rebuilt: r.head_rebuilt.as_ref().map(|h| {
            format!(
                "HEAD was {} and rebuilt at {}; records after #{} may have been deleted",
                h.why,
                h.at.to_rfc3339(),
                h.from_seq
            )
        }),
        events: r.events.iter().map(event).collect(),
        freshness: r.freshness.clone(),
        freshness_api: r.freshness_api.clone(),
    }
}

/// A snapshot named by `diff` and `show`.
#[derive(Debug, Serialize)]
pub struct SnapshotRef {
    pub seq: u64,
    pub at: String,
    pub set_hash: Option<String>,
}

fn reference(e: &Entry) -> SnapshotRef {
    SnapshotRef {
        seq: e.seq(),
        at: e.record.at.to_rfc3339(),
        set_hash: e.record.set_hash.clone(),
    }
}

/// `diff --format json`.
#[derive(Debug, Serialize)]
pub struct DiffJson {
    pub watch: String,
    pub from: SnapshotRef,
    pub to: SnapshotRef,
    pub removed: Vec<String>,
    /// Same statement, other wording that matters (`broadened` when it only gained words).
    pub changed: Vec<ChangeJson>,
    pub added: Vec<String>,
    /// Same meaning, new wording (a re-dated canary): never alerted.
    pub reworded: Vec<Reworded>,
}

#[derive(Debug, Serialize)]
pub struct Reworded {
    pub old: String,
    pub new: String,
}

pub fn diff(h: &History, old: &Entry, new: &Entry) -> DiffJson {
    let empty = Vec::new();
    let before = old.record.statements.as_ref().unwrap_or(&empty);
    let after = new.record.statements.as_ref().unwrap_or(&empty);
    let d = diff::diff(before, after);
    DiffJson {
        watch: h.watch.clone(),
        from: reference(old),
        to: reference(new),
        removed: d.removed.iter().map(|s| s.text.clone()).collect(),
        changed: d
            .changed
            .iter()
            .map(|c| ChangeJson {
                old: c.old.text.clone(),
                new: c.new.text.clone(),
                word_diff: c.change.word_diff.to_string(),
                broadened: c.change.broadened,
            })
            .collect(),
        added: d.added.iter().map(|s| s.text.clone()).collect(),
        reworded: reworded(before, after)
            .into_iter()
            .map(|(o, n)| Reworded {
                old: o.to_string(),
                new: n.to_string(),
            })
            .collect(),
    }
}

/// Statements whose comparison key held while their wording moved.
pub fn reworded<'a>(
    before: &'a [crate::observe::statement::Statement],
    after: &'a [crate::observe::statement::Statement],
) -> Vec<(&'a str, &'a str)> {
    before
        .iter()
        .filter_map(|o| {
            after
                .iter()
                .find(|n| n.hash == o.hash && n.text != o.text)
                .map(|n| (o.text.as_str(), n.text.as_str()))
        })
        .collect()
}

/// `show --format json`.
#[derive(Debug, Serialize)]
pub struct ShowJson {
    pub watch: String,
    pub seq: u64,
    pub at: String,
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    /// The snapshot asked for when it saw no page (the statements are those in force then).
    pub asked_seq: Option<u64>,
    pub set_hash: Option<String>,
    pub body_sha256: Option<String>,
    pub body_pruned: bool,
    pub statements: Vec<StatementJson>,
    /// The proofs of freshness the page quoted (`null` when none).
    pub freshness: Option<crate::observe::freshness::Freshness>,
    /// What `freshness_api` said about the quoted blocks (absent without it).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub freshness_api: Vec<crate::observe::freshness::api::BlockLookup>,
}

#[derive(Debug, Serialize)]
pub struct StatementJson {
    pub text: String,
    pub hash: String,
    pub claim: bool,
}

pub fn show(h: &History, e: &Entry, asked: Option<u64>) -> ShowJson {
    let r = &e.record;
    ShowJson {
        watch: h.watch.clone(),
        seq: r.seq,
        at: r.at.to_rfc3339(),
        url: r.url.clone(),
        final_url: r.final_url.clone(),
        status: r.status,
        asked_seq: asked.filter(|n| *n != r.seq),
        set_hash: r.set_hash.clone(),
        body_sha256: r.body.as_ref().map(|b| b.sha256.clone()),
        body_pruned: e.body_pruned,
        statements: r
            .statements()
            .unwrap_or_default()
            .iter()
            .map(|s| StatementJson {
                text: s.text.clone(),
                hash: s.hash.clone(),
                claim: s.claim,
            })
            .collect(),
        freshness: r.freshness.clone(),
        freshness_api: r.freshness_api.clone(),
    }
}

/// `verify --format json`: one object per chain.
#[derive(Debug, Serialize)]
pub struct ChainJson {
    pub watch: String,
    pub holds: bool,
    pub dir: String,
    pub records: u64,
    pub bodies_checked: u64,
    pub bodies_pruned: u64,
    pub head_seq: Option<u64>,
    pub head_sha256: Option<String>,
    /// One sentence per problem, naming the file.
    pub problems: Vec<String>,
    pub notes: Vec<String>,
}

pub fn chain(name: &str, v: &Verification) -> ChainJson {
    ChainJson {
        watch: name.to_string(),
        holds: v.holds(),
        dir: v.dir.display().to_string(),
        records: v.records,
        bodies_checked: v.bodies_checked,
        bodies_pruned: v.bodies_pruned,
        head_seq: v.head.as_ref().map(|h| h.seq),
        head_sha256: v.head.as_ref().map(|h| h.record_sha256.clone()),
        problems: v.problems.iter().map(|p| p.to_string()).collect(),
        notes: v.notes.clone(),
    }
}

/// Pretty JSON on standard output, as `list --format json` prints it.
pub fn print(value: &impl Serialize) -> u8 {
    match serde_json::to_string_pretty(value) {
        Ok(j) => {
            outln!("{j}");
            super::exit::EXIT_OK
        }
        Err(e) => {
            super::say::error(format!("cannot write JSON: {e}"));
            super::exit::EXIT_FAILURE
        }
    }
}
