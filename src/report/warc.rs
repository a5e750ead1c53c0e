//! A watch's evidence as a WARC file, made when someone asks for it: `run`'s server answers
//! `watch/NAME.warc.gz` with the same records `canaryd export NAME` writes (one gzip member
//! per record, gzip's default level), read from the state directory at that moment. The
//! static report writes it only with `--warc` (compressing every watch's history at once
//! was most of a report's time); without it, its pages name the `canaryd export` command.

use std::path::Path;

use chrono::DateTime;

use crate::store::archive::{Archive, History, Verification, WarcOptions, write_warc};

/// The file name a watch's WARC is offered under, beside its page.
pub fn file_name(watch: &str) -> String {
    format!("{watch}.warc.gz")
}

/// The command that writes the same evidence where the report is read without `run`.
pub fn command(watch: &str) -> String {
    format!("canaryd export {watch}")
}

/// `watch`'s history as a gzipped WARC, with `verify`'s verdict in its `warcinfo`; `None`
/// when it has no history (or it cannot be read: the page says why).
pub fn export(state_dir: &Path, watch: &str) -> Option<Vec<u8>> {
    let archive = Archive::new(state_dir);
    let (history, v) = archive.load_verified(watch);
    of(&history.ok()?, &v, watch)
}

/// The WARC of `history`, already loaded and verified (`v`), as [`export`] makes it.
pub fn of(history: &History, v: &Verification, watch: &str) -> Option<Vec<u8>> {
    let chain = if v.holds() {
        format!("verified by canaryd when downloaded: {} records", v.records)
    } else {
        let problems: Vec<String> = v.problems.iter().map(|p| p.to_string()).collect();
        format!("BROKEN when downloaded: {}", problems.join("; "))
    };
    let opts = WarcOptions {
        gzip: true,
        filename: file_name(watch),
        // The newest record's date: the same history gives the same bytes.
        now: history
            .entries
            .last()
            .map_or(DateTime::UNIX_EPOCH, |e| e.record.at),
        chain,
        compression: flate2::Compression::default(),
    };
    let mut bytes = Vec::new();
    write_warc(&mut bytes, history, &opts).ok()?;
    Some(bytes)
}
