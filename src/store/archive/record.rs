//! The snapshot record: what one check saw, as pretty JSON, plus the file-name scheme.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::Event;
use crate::observe::statement::Statement;

/// The `format` of every record this version writes. `/2` added `pruned` and
/// `head_rebuilt`: retention and a rebuilt HEAD are part of the hashed chain.
pub const FORMAT: &str = "canaryd-evidence/2";

/// The format of records written before pruning was recorded in the chain. Still read and
/// verified; for a chain made only of such records, HEAD's `bodies_pruned_through` is what
/// says which bodies retention deleted (see `verify`).
pub const FORMAT_V1: &str = "canaryd-evidence/1";

/// One check that changed something. Field order is the order people read the file in.
/// Every optional field is written (as `null` when absent) so all records look alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRecord {
    pub format: String,
    /// 1, 2, 3 … with no gaps; the file is named after it.
    pub seq: u64,
    /// sha256 (hex) of the previous record file's bytes; `null` for the first record.
    pub prev_record_sha256: Option<String>,
    /// When the check ran.
    pub at: DateTime<Utc>,
    /// The watched URL, and where redirects ended.
    pub url: String,
    pub final_url: Option<String>,
    /// "ok", "unchanged" (304) or "failed", as in `check.json`.
    pub result: crate::store::CheckResult,
    pub error: Option<String>,
    pub status: Option<u16>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Response headers as received, in order, one "name: value" string each.
    #[serde(with = "header_lines")]
    pub headers: Vec<(String, String)>,
    /// The raw body stored beside the record; `null` when the check had none (a failed
    /// fetch or a 304).
    pub body: Option<BodyRef>,
    /// The statements extracted from this response; `null` when the check saw no page.
    pub statements: Option<Vec<Statement>>,
    /// sha256 of `statements` as a set (see `diff::set_hash`).
    pub set_hash: Option<String>,
    /// The confirmed statement set after this check (what alerts compare against).
    pub confirmed_set_hash: Option<String>,
    /// The events this check raised.
    pub events: Vec<Event>,
    /// The judgement generation these events opened (see `WatchState::generation`): a
    /// record is written once per generation, however often a crashed check is redone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// Retention as of this record: the bodies of records `1..=through_seq` have been
    /// deleted. Carried forward unchanged by every record after the one that moved it;
    /// `null` until retention first deletes anything (and in `canaryd-evidence/1` records).
    #[serde(default)]
    pub pruned: Option<Pruned>,
    /// Set when this record was appended over a HEAD that was missing, unreadable or did
    /// not match the records: the chain was continued from the newest record left, and
    /// records after it may have been deleted. `verify` reports it for good.
    #[serde(default)]
    pub head_rebuilt: Option<HeadRebuilt>,
    /// A signed watch's signature files (bytes in hex) and verdicts; absent for unsigned
    /// watches, so their records are as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signatures: Option<super::SignatureEvidence>,
    /// For a `follow` watch: which document of the series was read, and why. Absent
    /// otherwise, so records of other watches are as they always were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed: Option<crate::store::FollowedDoc>,
    /// Refreshes of pinned keys from their `key_url` made by this check, accepted or
    /// refused, with the bytes served. Absent when none was made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_refreshes: Vec<crate::store::keys::KeyRefresh>,
    /// The proofs of freshness the page quoted (block hashes and heights, `date -R` lines,
    /// headlines, news links). Absent when it quoted none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<crate::observe::freshness::Freshness>,
    /// What `freshness_api` said about the blocks the page quoted (`asked`: by this check,
    /// else from the watch's cache). Absent without `freshness_api`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freshness_api: Vec<crate::observe::freshness::api::BlockLookup>,
    /// For a page rendered in a browser (`render = "browser"`): the response body as the
    /// server sent it, stored beside the record; `body` is then the DOM the browser built
    /// from it, which is what was judged. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served: Option<BodyRef>,
}

/// How far retention has deleted raw bodies, and by which rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pruned {
    /// The bodies of records 1 through this one are deleted (their records stay).
    pub through_seq: u64,
    /// When retention last moved `through_seq` (the time of the record that moved it).
    pub at: DateTime<Utc>,
    /// Why: `max_history=N`, or `HEAD bodies_pruned_through` when the mark was taken over
    /// from the HEAD of a chain written before `canaryd-evidence/2`.
    pub rule: String,
}

/// The chain was continued over a HEAD that could not be trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadRebuilt {
    /// When HEAD was rebuilt.
    pub at: DateTime<Utc>,
    /// The newest record left, which the chain was continued from.
    pub from_seq: u64,
    /// What was wrong with HEAD: "missing", "unreadable (…)", or how it disagreed.
    pub why: String,
}

/// The raw body of a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRef {
    /// File name in the same folder (gzip of the body).
    pub file: String,
    /// sha256 (hex) of the body itself, before gzip: `zcat FILE | sha256sum`.
    pub sha256: String,
    /// Length of the body in bytes, before gzip.
    pub length: u64,
    pub content_type: Option<String>,
}

impl SnapshotRecord {
    /// The bytes written to disk: pretty JSON and a final newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// The statements if this check saw a page.
    pub fn statements(&self) -> Option<&[Statement]> {
        self.statements.as_deref()
    }
}

/// How far retention has deleted bodies, by the chain's own word: the highest
/// `pruned.through_seq` of its records. A chain without a single `canaryd-evidence/2`
/// record never recorded pruning, and only then is HEAD's `bodies_pruned_through` believed.
pub fn pruned_through<'a>(
    records: impl IntoIterator<Item = &'a SnapshotRecord>,
    head_marker: u64,
) -> PrunedThrough {
    let mut any_v2 = false;
    let mut through = 0;
    for r in records {
        any_v2 |= r.format != FORMAT_V1;
        through = through.max(r.pruned.as_ref().map_or(0, |p| p.through_seq));
    }
    if any_v2 {
        PrunedThrough::Chain(through)
    } else {
        PrunedThrough::Head(head_marker)
    }
}

/// Who says which bodies retention deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrunedThrough {
    /// The records' `pruned`.
    Chain(u64),
    /// HEAD alone, for a chain written entirely before `canaryd-evidence/2`.
    Head(u64),
}

impl PrunedThrough {
    pub fn seq(self) -> u64 {
        match self {
            PrunedThrough::Chain(n) | PrunedThrough::Head(n) => n,
        }
    }
}

/// Headers as `"name: value"` lines: how people read them, and a header name never
/// contains a colon, so the split is unambiguous.
mod header_lines {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(headers: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}")),
        )
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        let lines = Vec::<String>::deserialize(d)?;
        lines
            .into_iter()
            .map(|line| {
                line.split_once(": ")
                    .or_else(|| line.split_once(':'))
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("header line without a colon: {line:?}"))
                    })
            })
            .collect()
    }
}

/// `000042.json`: zero-padded so a directory listing sorts in order.
pub fn record_file(seq: u64) -> String {
    format!("{seq:06}.json")
}

/// `000042.body.gz`.
pub fn body_file(seq: u64) -> String {
    format!("{seq:06}.body.gz")
}

/// `000042.served.gz`: a rendered page's response as served.
pub fn served_file(seq: u64) -> String {
    format!("{seq:06}.served.gz")
}

/// What a file in a history folder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Record(u64),
    Body(u64),
}

/// Recognises record and body file names; anything else (HEAD, temporary files) is `None`.
pub fn file_kind(name: &str) -> Option<FileKind> {
    let seq = |digits: &str| {
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse().ok())
            .flatten()
    };
    if let Some(d) = name.strip_suffix(".body.gz") {
        return seq(d).map(FileKind::Body);
    }
    name.strip_suffix(".json")
        .and_then(seq)
        .map(FileKind::Record)
}

/// Lower-case hex sha256 of bytes: `canaryd_core::digest`, here for the archive's callers.
pub use canaryd_core::digest::sha256_hex;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_read_back_as_written() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct H(#[serde(with = "header_lines")] Vec<(String, String)>);
        let h = H(vec![
            ("content-type".into(), "text/plain; charset=utf-8".into()),
            ("x-empty".into(), String::new()),
            ("link".into(), "<https://a.example/>; rel=\"x\"".into()),
        ]);
        let json = serde_json::to_string(&h).expect("json");
        assert!(
            json.contains("\"content-type: text/plain; charset=utf-8\""),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<H>(&json).expect("parse"), h);
    }

    #[test]
    fn file_names_sort_and_parse_back() {
        assert_eq!(record_file(7), "000007.json");
        assert_eq!(body_file(1_234_567), "1234567.body.gz");
        assert_eq!(file_kind("000007.json"), Some(FileKind::Record(7)));
        assert_eq!(file_kind("000007.body.gz"), Some(FileKind::Body(7)));
        for other in ["HEAD", ".tmp-abc", "x.json", ".json", "7.body", "07.gz"] {
            assert_eq!(file_kind(other), None, "{other}");
        }
    }
}
