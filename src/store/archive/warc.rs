//! Export of a history as WARC 1.1, the web-archiving format courts, libraries and the
//! Wayback Machine's tools read.
//!
//! Layout: one `warcinfo` record; then per snapshot, oldest first, a `response` record (the
//! HTTP status line, headers and body as fetched; a `resource` record for `file://`) when
//! the body is still stored, and a `metadata` record holding the snapshot record file
//! verbatim (application/json), so its sha256 — the chain link — can be checked from the WARC
//! alone. Record ids are derived from the record hashes, so exporting twice gives the same
//! ids. Digests are `sha256:` in hex. Compressed output is one gzip member per record.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

use super::read::{Entry, History};
use super::record::sha256_hex;

/// How to write the file.
#[derive(Debug, Clone)]
pub struct WarcOptions {
    /// One gzip member per record (`.warc.gz`).
    pub gzip: bool,
    /// The file name, for `warcinfo`.
    pub filename: String,
    /// The export time (the `warcinfo` date).
    pub now: DateTime<Utc>,
    /// What `verify` said about the chain, one line, for `warcinfo`.
    pub chain: String,
    /// The gzip level. `export` and the WARC `run`'s server makes on request both use the
    /// default; a faster level trades a larger file for less CPU, should a caller ever
    /// write many WARCs at once (the static report writes none).
    pub compression: Compression,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarcSummary {
    pub records: usize,
    pub responses: usize,
}

/// Writes `history` as a WARC to `out`.
pub fn write_warc(
    out: &mut dyn Write,
    history: &History,
    opts: &WarcOptions,
) -> io::Result<WarcSummary> {
    let mut summary = WarcSummary::default();
    let mut out = Records::new(out, opts.gzip, opts.compression);
    let out = &mut out;
    let info_id = record_id(&format!(
        "warcinfo\n{}\n{}\n{}",
        history.watch,
        history.entries.last().map_or("", |e| e.sha256.as_str()),
        opts.now.to_rfc3339()
    ));
    let info = warcinfo_block(history, opts);
    write_record(
        out,
        &[
            ("WARC-Type", "warcinfo".into()),
            ("WARC-Record-ID", info_id.clone()),
            ("WARC-Date", warc_date(opts.now)),
            ("WARC-Filename", opts.filename.clone()),
            ("Content-Type", "application/warc-fields".into()),
            ("WARC-Block-Digest", digest(&info)),
        ],
        &info,
    )?;
    summary.records += 1;
    for entry in &history.entries {
        let r = &entry.record;
        let target = r.final_url.clone().unwrap_or_else(|| r.url.clone());
        let date = warc_date(r.at);
        let mut concurrent = None;
        if let Some(Ok(body)) = history.body(entry) {
            let id = record_id(&format!("response\n{}", entry.sha256));
            let (kind, content_type, block) = match r.status {
                Some(status) if target.starts_with("http") => (
                    "response",
                    "application/http;msgtype=response".to_string(),
                    http_block(entry, status, &body),
                ),
                _ => (
                    "resource",
                    r.body
                        .as_ref()
                        .and_then(|b| b.content_type.clone())
                        .unwrap_or_else(|| "application/octet-stream".into()),
                    body.clone(),
                ),
            };
            write_record(
                out,
                &[
                    ("WARC-Type", kind.into()),
                    ("WARC-Record-ID", id.clone()),
                    ("WARC-Warcinfo-ID", info_id.clone()),
                    ("WARC-Date", date.clone()),
                    ("WARC-Target-URI", target.clone()),
                    ("Content-Type", content_type),
                    ("WARC-Payload-Digest", digest(&body)),
                    ("WARC-Block-Digest", digest(&block)),
                ],
                &block,
            )?;
            summary.records += 1;
            summary.responses += 1;
            concurrent = Some(id);
        }
        let mut headers = vec![
            ("WARC-Type", "metadata".to_string()),
            (
                "WARC-Record-ID",
                record_id(&format!("metadata\n{}", entry.sha256)),
            ),
            ("WARC-Warcinfo-ID", info_id.clone()),
            ("WARC-Date", date),
            ("WARC-Target-URI", target),
        ];
        if let Some(id) = concurrent {
            headers.push(("WARC-Concurrent-To", id));
        }
        headers.push(("Content-Type", "application/json".into()));
        headers.push(("WARC-Block-Digest", digest(&entry.bytes)));
        write_record(out, &headers, &entry.bytes)?;
        summary.records += 1;
    }
    out.out.flush()?;
    Ok(summary)
}

fn warcinfo_block(history: &History, opts: &WarcOptions) -> Vec<u8> {
    let fields = [
        ("software", crate::fetch::user_agent()),
        ("format", "WARC File Format 1.1".into()),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
                .into(),
        ),
        (
            "description",
            format!(
                "Evidence archive of the canaryd watch \"{}\": per snapshot, the HTTP response as fetched (when its body is still kept) and a metadata record holding the hash-chained snapshot record verbatim (application/json; its sha256 is the next record's prev_record_sha256). Transfer- and content-encodings were undone when fetching; such headers appear as X-Archive-Orig-*.",
                history.watch
            ),
        ),
        ("canaryd-watch", history.watch.clone()),
        ("canaryd-snapshots", history.entries.len().to_string()),
        ("canaryd-chain", opts.chain.clone()),
    ];
    let mut block = String::new();
    for (k, v) in fields {
        block.push_str(k);
        block.push_str(": ");
        block.push_str(&one_line(&v));
        block.push_str("\r\n");
    }
    block.into_bytes()
}

/// The HTTP response as a WARC block. The body was stored after transfer and content
/// decoding, so headers describing an encoding no longer hold: they are kept under an
/// `X-Archive-Orig-` prefix (as other archiving tools do) and Content-Length is the body's.
fn http_block(entry: &Entry, status: u16, body: &[u8]) -> Vec<u8> {
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in &entry.record.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "content-length" | "transfer-encoding" | "content-encoding"
        ) {
            head.push_str("X-Archive-Orig-");
        }
        head.push_str(&one_line(name));
        head.push_str(": ");
        head.push_str(&one_line(value));
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut block = head.into_bytes();
    block.extend_from_slice(body);
    block
}

/// Where records go: plain, or each as its own gzip member. One deflate compressor (and
/// its buffers) serves every record of a file: a fresh one per record cost as much zeroing
/// of its tables as compressing (the report writes every watch's WARC at once).
struct Records<'a> {
    out: &'a mut dyn Write,
    gzip: Option<Gzip>,
}

struct Gzip {
    enc: DeflateEncoder<Vec<u8>>,
    spare: Vec<u8>,
    /// The header of every member: no name, no time, extra flags from the level, OS unknown.
    header: [u8; 10],
}

impl<'a> Records<'a> {
    fn new(out: &'a mut dyn Write, gzip: bool, level: Compression) -> Records<'a> {
        let xfl = match level.level() {
            l if l >= Compression::best().level() => 2,
            l if l <= Compression::fast().level() => 4,
            _ => 0,
        };
        Records {
            out,
            gzip: gzip.then(|| Gzip {
                enc: DeflateEncoder::new(Vec::new(), level),
                spare: Vec::new(),
                header: [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 0xff],
            }),
        }
    }
}

fn write_record(out: &mut Records, headers: &[(&str, String)], block: &[u8]) -> io::Result<()> {
    let mut head = String::from("WARC/1.1\r\n");
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(&one_line(value));
        head.push_str("\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", block.len()));
    let parts: [&[u8]; 3] = [head.as_bytes(), block, b"\r\n\r\n"];
    match &mut out.gzip {
        Some(gz) => {
            // One gzip member (RFC 1952): header, deflate stream, CRC-32 and length.
            let mut crc = Crc::new();
            for part in parts {
                crc.update(part);
                gz.enc.write_all(part)?;
            }
            // `reset` finishes this member's stream and hands back its bytes.
            let mut data = gz.enc.reset(std::mem::take(&mut gz.spare))?;
            out.out.write_all(&gz.header)?;
            out.out.write_all(&data)?;
            out.out.write_all(&crc.sum().to_le_bytes())?;
            out.out.write_all(&crc.amount().to_le_bytes())?;
            data.clear();
            gz.spare = data;
        }
        None => {
            for part in parts {
                out.out.write_all(part)?;
            }
        }
    }
    Ok(())
}

/// A header value can never break the record's framing.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

fn warc_date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `<urn:uuid:…>`, a version-8 (RFC 9562 custom, here name-based) UUID from the first 128
/// bits of the sha256 of `seed`: the same record always has the same id (the ids written
/// before the `uuid` crate built them are the same bits).
fn record_id(seed: &str) -> String {
    format!("<{}>", canaryd_core::digest::name_uuid(seed).urn())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_stable_uuids() {
        let a = record_id("x");
        assert_eq!(a, record_id("x"));
        assert_ne!(a, record_id("y"));
        assert!(a.starts_with("<urn:uuid:") && a.ends_with('>'), "{a}");
        let uuid = &a[10..a.len() - 1];
        let parsed = uuid::Uuid::parse_str(uuid).expect("an RFC 9562 UUID");
        assert_eq!(parsed.get_version_num(), 8, "version 8: {uuid}");
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122, "{uuid}");
        // The id versions before the `uuid` crate gave this seed: records keep their ids.
        assert_eq!(a, "<urn:uuid:2d711642-b726-8044-8162-7ca9fbac32f5>");
    }

    #[test]
    fn header_values_cannot_inject_lines() {
        assert_eq!(one_line("a\r\nWARC-Type: x"), "a  WARC-Type: x");
    }
}
