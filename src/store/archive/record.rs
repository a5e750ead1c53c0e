//! The snapshot record: what one check saw, as pretty JSON, plus the file-name scheme.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::judge::event::Event;
use crate::observe::statement::Statement;

/// The `format` of every record this version writes; readers reject other formats.
pub const FORMAT: &str = "canaryd-evidence/1";

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
    pub result: String,
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
    /// For a `follow` watch: which document of the series was read, and why. Absent
    /// otherwise, so records of other watches are as they always were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followed: Option<crate::store::FollowedDoc>,
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

/// Lower-case hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

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
