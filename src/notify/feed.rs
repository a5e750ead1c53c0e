//! `<state>/feed.atom`: an Atom feed of the alerts canaryd queued (one entry per alert, with
//! the statements concerned), newest first, bounded to the last [`FEED_ENTRIES`].
//!
//! The entries live in `<state>/feed.json` so each new alert rewrites the feed without
//! parsing XML back; both files are replaced atomically. The feed is a convenience beside
//! the outbox, never instead of it: the outbox is what guarantees delivery.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::EventKind;
use crate::notify::alert::Alert;
use crate::observe::normalise::sha256_hex;
use crate::store::atomic::{self, Sync};
use crate::store::{StoreError, io_err};

/// How many alerts the feed keeps.
pub const FEED_ENTRIES: usize = 100;

/// One alert in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The alert's stable id (so a re-queued alert is one entry).
    pub id: String,
    pub watch: String,
    pub url: String,
    pub kind: EventKind,
    pub title: String,
    /// The alert's text, as emailed.
    pub body: String,
    pub at: DateTime<Utc>,
    /// The statements concerned, verbatim; a changed one as "old → new".
    pub statements: Vec<String>,
}

impl FeedEntry {
    /// The entry for a queued alert, from the structured data it carries.
    pub fn new(alert: &Alert) -> FeedEntry {
        let mut statements = alert.statements.clone();
        statements.extend(
            alert
                .changes
                .iter()
                .map(|c| format!("{} → {}", c.old, c.new)),
        );
        FeedEntry {
            id: alert.id.clone(),
            watch: alert.watch.clone(),
            url: alert.url.clone(),
            kind: alert.kind,
            title: alert.subject.clone(),
            body: alert.body.clone(),
            at: alert.created,
            statements,
        }
    }
}

/// The feed of one state directory. Clones share one lock, so concurrent checks in one
/// process never lose each other's entries.
#[derive(Debug, Clone)]
pub struct Feed {
    state_dir: PathBuf,
    /// Entries added but not yet written (deferred feeds only).
    unwritten: Arc<Mutex<Vec<FeedEntry>>>,
    deferred: bool,
}

impl Feed {
    /// A feed rewritten on every `add`: what the daemon wants, its alerts being spread out.
    pub fn new(state_dir: &Path) -> Feed {
        Feed {
            state_dir: state_dir.to_path_buf(),
            unwritten: Arc::default(),
            deferred: false,
        }
    }

    /// The same feed, but `add` only collects entries until `flush`: a pass that queues a
    /// thousand alerts rewrites the feed once, not a thousand times.
    pub fn deferred(mut self) -> Feed {
        self.deferred = true;
        self
    }

    pub fn atom_path(&self) -> PathBuf {
        self.state_dir.join("feed.atom")
    }

    fn entries_path(&self) -> PathBuf {
        self.state_dir.join("feed.json")
    }

    /// The entries, newest first. A damaged `feed.json` only costs the feed its past.
    pub fn entries(&self) -> Vec<FeedEntry> {
        let path = self.entries_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "feed entries unreadable; starting the feed afresh");
                Vec::new()
            }),
            Err(_) => Vec::new(),
        }
    }

    /// Adds entries and rewrites `feed.json` and `feed.atom` (deferred feeds: at `flush`).
    pub fn add(&self, new: Vec<FeedEntry>) -> Result<(), StoreError> {
        if new.is_empty() {
            return Ok(());
        }
        // Poisoning only means another check panicked mid-write; the files are atomic.
        let mut unwritten = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
        unwritten.extend(new);
        if self.deferred {
            // Only the newest FEED_ENTRIES can reach the feed: keep no more than that (with
            // slack, so trimming runs once per FEED_ENTRIES alerts, not per alert).
            if unwritten.len() >= 2 * FEED_ENTRIES {
                keep_newest(&mut unwritten);
            }
            return Ok(());
        }
        self.write(&mut unwritten)
    }

    /// Writes the entries a deferred feed has collected.
    pub fn flush(&self) -> Result<(), StoreError> {
        let mut unwritten = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
        if unwritten.is_empty() {
            return Ok(());
        }
        self.write(&mut unwritten)
    }

    /// Merges `new` into the stored entries and rewrites both files. Atomic but not fsynced:
    /// the feed is a view of alerts whose durable copy is the outbox and `events.jsonl`.
    fn write(&self, new: &mut Vec<FeedEntry>) -> Result<(), StoreError> {
        let mut entries = self.entries();
        entries.retain(|e| !new.iter().any(|n| n.id == e.id));
        let mut all = std::mem::take(new);
        keep_newest(&mut all);
        all.extend(entries);
        all.truncate(FEED_ENTRIES);
        let path = self.entries_path();
        let json = serde_json::to_vec_pretty(&all).map_err(|source| StoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        atomic::write(&path, &json, Sync::Lazy).map_err(io_err("write", &path))?;
        let atom = render(&all, &feed_id(&self.state_dir));
        let path = self.atom_path();
        atomic::write(&path, atom.as_bytes(), Sync::Lazy).map_err(io_err("write", &path))
    }
}

/// Sorts newest first and keeps the [`FEED_ENTRIES`] newest.
fn keep_newest(entries: &mut Vec<FeedEntry>) {
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    entries.truncate(FEED_ENTRIES);
}

/// A stable id for the feed of this state directory.
fn feed_id(state_dir: &Path) -> String {
    let dir = std::fs::canonicalize(state_dir).unwrap_or_else(|_| state_dir.to_path_buf());
    let hash = sha256_hex(&format!("canaryd feed\n{}", dir.display()));
    urn_uuid(&hash)
}

/// `urn:uuid:` from the first 32 hex digits of an id or hash.
fn urn_uuid(hex: &str) -> String {
    let h: String = hex.chars().chain(std::iter::repeat('0')).take(32).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The Atom document (RFC 4287).
pub fn render(entries: &[FeedEntry], id: &str) -> String {
    let updated = entries
        .iter()
        .map(|e| e.at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(x, "  <id>{}</id>", esc(id));
    x.push_str("  <title>canaryd alerts</title>\n");
    x.push_str("  <subtitle>Warrant canary statements removed, weakened or gone</subtitle>\n");
    let _ = writeln!(x, "  <updated>{}</updated>", time(updated));
    x.push_str("  <author><name>canaryd</name></author>\n");
    let _ = writeln!(
        x,
        "  <generator uri=\"{}\" version=\"{}\">canaryd</generator>",
        esc(env!("CARGO_PKG_REPOSITORY")),
        env!("CARGO_PKG_VERSION")
    );
    for e in entries {
        x.push_str("  <entry>\n");
        let _ = writeln!(x, "    <id>{}</id>", urn_uuid(&e.id));
        let _ = writeln!(x, "    <title>{}</title>", esc(&e.title));
        let _ = writeln!(x, "    <updated>{}</updated>", time(e.at));
        let _ = writeln!(x, "    <link rel=\"related\" href=\"{}\"/>", esc(&e.url));
        let _ = writeln!(x, "    <category term=\"{}\"/>", e.kind);
        if !e.statements.is_empty() {
            let quoted: Vec<String> = e.statements.iter().map(|s| format!("“{s}”")).collect();
            let _ = writeln!(
                x,
                "    <summary type=\"text\">{}: {}</summary>",
                esc(&e.watch),
                esc(&quoted.join(" "))
            );
        }
        let _ = writeln!(x, "    <content type=\"text\">{}</content>", esc(&e.body));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    x
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Escapes text for XML, dropping characters XML 1.0 cannot carry at all (most C0 controls,
/// U+FFFE, U+FFFF), which a hostile page could otherwise use to break every feed reader.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, minute: u32) -> FeedEntry {
        FeedEntry {
            id: id.into(),
            watch: "w".into(),
            url: "https://example.org/?a=1&b=2".into(),
            kind: EventKind::Removed,
            title: "[canaryd] w: canary statement removed".into(),
            body: "We <never> received \u{0}one & more".into(),
            at: format!("2026-03-01T06:{minute:02}:00Z")
                .parse()
                .expect("time"),
            statements: vec!["We have never received a National Security Letter.".into()],
        }
    }

    fn entry_at(i: u32) -> FeedEntry {
        let mut e = entry(&format!("id{i}"), 0);
        e.at += chrono::TimeDelta::seconds(i64::from(i));
        e
    }

    #[test]
    fn deferred_feed_writes_once_at_flush_and_keeps_the_newest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let feed = Feed::new(dir.path()).deferred();
        // Out of order, and more than the deferred buffer holds before trimming.
        for i in (0..250).rev().chain(250..450) {
            feed.add(vec![entry_at(i)]).expect("add");
        }
        assert!(
            !feed.atom_path().exists(),
            "nothing is written before flush"
        );
        feed.flush().expect("flush");
        let ids: Vec<String> = feed.entries().into_iter().map(|e| e.id).collect();
        let newest: Vec<String> = (350..450).rev().map(|i| format!("id{i}")).collect();
        assert_eq!(ids, newest);
        assert!(feed.unwritten.lock().expect("lock").is_empty());
    }

    #[test]
    fn escaping_keeps_the_document_well_formed() {
        assert_eq!(
            esc("a<b>&\"'\u{1}\u{FFFF}\n"),
            "a&lt;b&gt;&amp;&quot;&apos;\n"
        );
        let xml = render(&[entry("ab", 1)], "urn:uuid:x");
        assert!(xml.contains("https://example.org/?a=1&amp;b=2"));
        assert!(!xml.contains('\u{0}'));
    }

    #[test]
    fn newest_first_deduplicated_and_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let feed = Feed::new(dir.path());
        for i in 0..(FEED_ENTRIES + 5) {
            feed.add(vec![entry(&format!("{i:032}"), (i % 60) as u32)])
                .expect("add");
        }
        feed.add(vec![entry(&format!("{:032}", FEED_ENTRIES + 4), 59)])
            .expect("again");
        let entries = feed.entries();
        assert_eq!(entries.len(), FEED_ENTRIES);
        assert_eq!(
            entries[0].id,
            format!("{:032}", FEED_ENTRIES + 4),
            "newest first, once"
        );
        assert!(feed.atom_path().exists());
    }
}
