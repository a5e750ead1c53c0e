//! `<state>/feed.atom`: an Atom feed of the alerts canaryd queued (one entry per alert, that
//! is per check that alerted, with the statements concerned and a category per event),
//! newest first, bounded to the last [`FEED_ENTRIES`]. Written with quick-xml.
//!
//! The entries live in `<state>/feed.json` so each new alert rewrites the feed without
//! parsing XML back; both files are replaced atomically. The feed is a convenience beside
//! the outbox, never instead of it: the outbox is what guarantees delivery.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::{Deserialize, Serialize};

use crate::judge::event::EventKind;
use crate::notify::alert::Alert;
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
    /// The most severe event's kind.
    pub kind: EventKind,
    /// Every event's kind, most severe first (empty in entries from before alerts held
    /// several events: `kind` is then the only one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<EventKind>,
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
            kinds: alert.kinds(),
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
        let path = self.atom_path();
        let atom = render(&all, &feed_id(&self.state_dir), &self_url(&path));
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
    urn_uuid(&format!("canaryd feed\n{}", dir.display()))
}

/// `urn:uuid:` of a version-8 (RFC 9562 custom, here name-based) UUID: the first 128 bits of
/// the sha256 of `seed`, with the version and variant bits set. The same seed always gives
/// the same id, which is what Atom asks of an entry's id.
pub fn urn_uuid(seed: &str) -> String {
    canaryd_core::digest::name_uuid(seed).urn().to_string()
}

/// The feed's own address, for `<link rel="self">`: its file's `file://` URL (a feed served
/// over HTTP is at whatever URL the web server gives it; readers mostly want *an* address).
fn self_url(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    url::Url::from_file_path(&path)
        .map(String::from)
        .unwrap_or_else(|()| format!("file://{}", path.display()))
}

/// The Atom document (RFC 4287) of `entries`, with feed id `id` and `<link rel="self">` at
/// `self_href`. XML escaping is quick-xml's; characters XML cannot carry at all are dropped
/// first (see [`clean`]).
pub fn render(entries: &[FeedEntry], id: &str, self_href: &str) -> String {
    // Writing into a Vec cannot fail: an error here would be quick-xml's own bug.
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    let _ = write_feed(&mut w, entries, id, self_href);
    String::from_utf8_lossy(&w.into_inner()).into_owned() + "\n"
}

fn write_feed(
    w: &mut Writer<Vec<u8>>,
    entries: &[FeedEntry],
    id: &str,
    self_href: &str,
) -> std::io::Result<()> {
    let updated = entries
        .iter()
        .map(|e| e.at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", "http://www.w3.org/2005/Atom"))
        .write_inner_content(|w| {
            text(w, "id", id)?;
            text(w, "title", "canaryd alerts")?;
            text(
                w,
                "subtitle",
                "Warrant canary statements removed, weakened or gone",
            )?;
            text(w, "updated", &time(updated))?;
            w.create_element("link")
                .with_attribute(("rel", "self"))
                .with_attribute(("type", "application/atom+xml"))
                .with_attribute(("href", clean(self_href).as_str()))
                .write_empty()?;
            w.create_element("author")
                .write_inner_content(|w| text(w, "name", "canaryd"))?;
            w.create_element("generator")
                .with_attribute(("uri", env!("CARGO_PKG_REPOSITORY")))
                .with_attribute(("version", env!("CARGO_PKG_VERSION")))
                .write_text_content(BytesText::new("canaryd"))?;
            for e in entries {
                entry(w, e)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn entry(w: &mut Writer<Vec<u8>>, e: &FeedEntry) -> std::io::Result<()> {
    w.create_element("entry").write_inner_content(|w| {
        text(w, "id", &urn_uuid(&format!("canaryd alert\n{}", e.id)))?;
        text(w, "title", &e.title)?;
        text(w, "updated", &time(e.at))?;
        w.create_element("link")
            .with_attribute(("rel", "related"))
            .with_attribute(("href", clean(&e.url).as_str()))
            .write_empty()?;
        // One category per event the alert holds (entries from before: their one kind).
        let kinds = if e.kinds.is_empty() {
            std::slice::from_ref(&e.kind)
        } else {
            e.kinds.as_slice()
        };
        for k in kinds {
            w.create_element("category")
                .with_attribute(("term", k.as_str()))
                .write_empty()?;
        }
        if !e.statements.is_empty() {
            let quoted: Vec<String> = e.statements.iter().map(|s| format!("“{s}”")).collect();
            w.create_element("summary")
                .with_attribute(("type", "text"))
                .write_text_content(BytesText::new(&clean(&format!(
                    "{}: {}",
                    e.watch,
                    quoted.join(" ")
                ))))?;
        }
        w.create_element("content")
            .with_attribute(("type", "text"))
            .write_text_content(BytesText::new(&clean(&e.body)))?;
        Ok(())
    })?;
    Ok(())
}

/// `<name>text</name>`, escaped.
fn text(w: &mut Writer<Vec<u8>>, name: &str, value: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&clean(value)))?;
    Ok(())
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Drops the characters XML 1.0 cannot carry at all, escaped or not (most C0 controls,
/// U+FFFE, U+FFFF), which a hostile page could otherwise use to break every feed reader.
/// Hand-written: quick-xml escapes markup but, rightly, does not decide what to drop.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r')
                || !((c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}')
        })
        .collect()
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
            kinds: Vec::new(),
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

    /// An element read back: its name, its attributes, its text.
    type Element = (String, Vec<(String, String)>, String);

    /// Every element's text and attributes, read back by a real XML parser.
    fn parse(xml: &str) -> Vec<Element> {
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut out: Vec<Element> = Vec::new();
        // Indexes into `out` of the elements open here: text belongs to the innermost.
        let mut open: Vec<usize> = Vec::new();
        loop {
            let event = reader.read_event().expect("well-formed XML");
            if let Event::Start(_) = &event {
                open.push(out.len());
            }
            match event {
                Event::End(_) => {
                    open.pop();
                }
                Event::Start(e) | Event::Empty(e) => {
                    let attrs = e
                        .attributes()
                        .map(|a| {
                            let a = a.expect("attribute");
                            let value = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .expect("value")
                                .into_owned();
                            (a.key.as_ref().to_string(), value)
                        })
                        .collect();
                    let name = e.name().as_ref().to_string();
                    out.push((name, attrs, String::new()));
                }
                Event::Text(t) => {
                    if let Some(last) = open.last().map(|&i| &mut out[i]) {
                        last.2
                            .push_str(&t.xml_content(quick_xml::XmlVersion::Implicit1_0));
                    }
                }
                Event::GeneralRef(r) => {
                    let name: &str = &r;
                    let c = quick_xml::escape::resolve_predefined_entity(name).expect("entity");
                    if let Some(last) = open.last().map(|&i| &mut out[i]) {
                        last.2.push_str(c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    #[test]
    fn escaping_keeps_the_document_well_formed() {
        assert_eq!(clean("a<b>&\"'\u{1}\u{FFFF}\n"), "a<b>&\"'\n");
        let xml = render(&[entry("ab", 1)], "urn:uuid:x", "file:///s/feed.atom");
        assert!(xml.contains("https://example.org/?a=1&amp;b=2"), "{xml}");
        assert!(!xml.contains('\u{0}'));
        let elements = parse(&xml);
        let content = elements.iter().find(|e| e.0 == "content").expect("content");
        assert_eq!(content.2, "We <never> received one & more");
    }

    #[test]
    fn the_feed_links_itself_and_its_ids_are_rfc_9562_uuids() {
        let dir = tempfile::tempdir().expect("tempdir");
        let feed = Feed::new(dir.path());
        let mut two = entry("cd", 2);
        two.kinds = vec![EventKind::Removed, EventKind::Changed];
        feed.add(vec![entry("ab", 1), two]).expect("add");
        let xml = std::fs::read_to_string(feed.atom_path()).expect("feed.atom");
        let elements = parse(&xml);
        let link = elements
            .iter()
            .find(|e| e.0 == "link" && e.1.iter().any(|a| a == &("rel".into(), "self".into())))
            .expect("rel=self link");
        let href = &link.1.iter().find(|a| a.0 == "href").expect("href").1;
        let want =
            url::Url::from_file_path(std::fs::canonicalize(feed.atom_path()).expect("canonical"))
                .expect("file URL");
        assert_eq!(href, want.as_str());
        let ids: Vec<&String> = elements
            .iter()
            .filter(|e| e.0 == "id")
            .map(|e| &e.2)
            .collect();
        assert_eq!(ids.len(), 3, "the feed's and two entries'");
        for id in &ids {
            let u = uuid::Uuid::parse_str(id.strip_prefix("urn:uuid:").expect("urn")).expect(id);
            assert_eq!(u.get_version_num(), 8, "{id}");
            assert_eq!(u.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
        assert_ne!(ids[1], ids[2]);
        // Stable: the same alert is the same entry next time.
        feed.add(vec![entry("ab", 1)]).expect("again");
        let again = std::fs::read_to_string(feed.atom_path()).expect("feed.atom");
        assert!(again.contains(ids[1].as_str()) && again.contains(ids[2].as_str()));
        let terms: Vec<&String> = elements
            .iter()
            .filter(|e| e.0 == "category")
            .flat_map(|e| e.1.iter().map(|a| &a.1))
            .collect();
        assert_eq!(terms, ["removed", "changed", "removed"], "one per event");
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
