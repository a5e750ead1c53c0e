//! A block explorer's answer about one block hash (`freshness_api`, an Esplora-shaped JSON API:
//! `GET …/block/{hash}` → `{"id": …, "height": …, "timestamp": …}`), read into a typed
//! [`BlockAnswer`]. Pure and bounded: the body is capped by the fetch, and only three fields
//! are read from it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The Bitcoin genesis block: every Bitcoin API knows it, so asking for it tells an API that
/// does not know a block from an API (or a `freshness_api` template) that answers 404 to all.
pub const GENESIS: &str = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";

/// What the API said about a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum BlockAnswer {
    /// The block exists: its height and its header's time.
    Found { height: u64, time: DateTime<Utc> },
    /// No block has this hash (404 or "Block not found"), from an API that does know the
    /// genesis block.
    NotFound,
    /// Nothing could be learned (unreachable, 5xx, timeout, an answer that is not the
    /// block's): the proof could not be confirmed, which says nothing about the canary.
    Unknown { why: String },
}

impl BlockAnswer {
    /// Whether the answer holds for good: blocks are immutable, so a found block (or a hash
    /// the API does not know) is asked once; an unknown answer is asked again next check.
    pub fn is_final(&self) -> bool {
        !matches!(self, BlockAnswer::Unknown { .. })
    }
}

/// One lookup of a quoted block hash, as kept in the watch's state and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockLookup {
    pub hash: String,
    /// The URL asked (passwords redacted).
    pub url: String,
    /// When it was asked.
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub answer: BlockAnswer,
    /// Asked during this check (false: the answer came from the watch's cache).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub asked: bool,
}

impl BlockLookup {
    /// The lookup as one line for people (`preview`, `show`, `history`).
    pub fn describe(&self) -> String {
        let short = &self.hash[..self.hash.len().min(20)];
        match &self.answer {
            BlockAnswer::Found { height, time } => format!(
                "block {short}… confirmed by {}: height {height}, mined {}",
                self.url,
                time.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            BlockAnswer::NotFound => {
                format!("block {short}…: {} says no block has this hash", self.url)
            }
            BlockAnswer::Unknown { why } => format!(
                "block {short}…: could not confirm ({why}); not judged, asked again next check"
            ),
        }
    }
}

#[derive(Deserialize)]
struct Esplora {
    id: Option<String>,
    height: u64,
    timestamp: i64,
}

/// Reads a 2xx answer's body for `hash`.
pub fn read_answer(hash: &str, body: &[u8]) -> BlockAnswer {
    let text = String::from_utf8_lossy(body);
    if text.trim().eq_ignore_ascii_case("block not found") {
        return BlockAnswer::NotFound;
    }
    let unknown = |why: String| BlockAnswer::Unknown { why };
    let block: Esplora = match serde_json::from_slice(body) {
        Ok(b) => b,
        Err(e) => {
            return unknown(format!(
                "the answer is not an Esplora block (JSON with height and timestamp): {e}"
            ));
        }
    };
    if let Some(id) = &block.id
        && !id.eq_ignore_ascii_case(hash)
    {
        return unknown(format!("the API answered about another block ({id})"));
    }
    match DateTime::from_timestamp(block.timestamp, 0) {
        // Bitcoin began in 2009: a time before it is not a block's.
        Some(time) if block.timestamp >= 1_231_006_505 => BlockAnswer::Found {
            height: block.height,
            time,
        },
        _ => unknown(format!(
            "the block's timestamp {} is not a time",
            block.timestamp
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "00000000000000000001c7c4fb4f5b739e74f18ca4b3b6add30011982c0735d7";

    #[test]
    fn an_esplora_block_is_read_and_anything_else_is_unknown() {
        let body = format!(
            r#"{{"id":"{H}","height":951234,"version":536870912,"timestamp":1780455106,"tx_count":3000}}"#
        );
        assert_eq!(
            read_answer(H, body.as_bytes()),
            BlockAnswer::Found {
                height: 951_234,
                time: DateTime::from_timestamp(1_780_455_106, 0).expect("time")
            }
        );
        assert_eq!(read_answer(H, b"Block not found\n"), BlockAnswer::NotFound);
        for garbage in [
            &b"<html>502 Bad Gateway</html>"[..],
            br#"{"height":"x"}"#,
            br#"{"id":"00","height":1,"timestamp":1780455106}"#,
            br#"{"height":1,"timestamp":5}"#,
        ] {
            assert!(
                !read_answer(H, garbage).is_final(),
                "{}",
                String::from_utf8_lossy(garbage)
            );
        }
    }
}
