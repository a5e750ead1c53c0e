//! The report: a static site written from the state directory, read-only, for people who
//! look rather than read email — every canary's state at a glance (`index.html`), each
//! watch's history as a timeline with its versions, diffs and evidence
//! (`watch/NAME.html`, `watch/NAME.changes.html`), an Atom feed per watch beside the global
//! one, and each watch's evidence as a WARC file (`watch/NAME.warc.gz`), made on request
//! when `run` serves the report (`warc`).
//!
//! Submodules: `model` (what is read), `status` (the word for a watch), `timeline` and
//! `words_diff` (pure layout), `index_page` and `watch_page` (askama templates, escaped by
//! default), `serve` (the read-only HTTP server of `run`), `warc` (the evidence made on request) and `publish` (when `run` rewrites it). A watch whose inputs have not
//! changed since the last report into the same folder is not read again nor rewritten
//! (`.canaryd-report.json` holds each watch's fingerprint); any file is written only when
//! its bytes differ.

mod axis;
mod index_page;
mod model;
pub mod publish;
pub mod serve;
mod status;
mod timeline;
pub mod warc;
mod watch_page;
mod words_diff;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::Watchlist;
use crate::notify::feed::{self, Feed, FeedEntry};
use crate::store::Store;
use crate::store::archive::Archive;

/// Where the report is written beside the daemon's state (a watch name cannot start with a
/// dot, so no watch's folder can be it).
pub const SERVED_DIR: &str = ".report";
const MANIFEST: &str = ".canaryd-report.json";

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot {action} {}: {source}; check the folder exists and is writable, or pass -o DIR", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot render the {page} page of the report: {source}")]
    Render {
        page: String,
        #[source]
        source: askama::Error,
    },
    /// A bug: building one watch's pages panicked. The report is not written half-way as if
    /// complete (no fingerprint is recorded), so the next run builds them again.
    #[error(
        "building the pages of the report stopped on an internal error (a bug; please report it): {detail}"
    )]
    Panicked { detail: String },
}

/// What one generation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub watches: usize,
    /// Watches whose pages were rebuilt; the others were unchanged and left alone.
    pub rebuilt: usize,
    /// Files whose bytes changed (written).
    pub written: usize,
    /// Every file of the site, relative to its folder, `/`-separated: what `serve` serves.
    pub files: Vec<String>,
    /// The files of `files` made on request (a watch's WARC), and whose evidence each is.
    pub warcs: Vec<(String, String)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    watches: BTreeMap<String, String>,
}

/// Writes `bytes` to `path` unless it already holds exactly them; returns whether it wrote.
/// Atomic (a reader, or `serve`, never sees half a page).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, ReportError> {
    if std::fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(false);
    }
    let io = |source| ReportError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-report-")
        .tempfile_in(dir)
        .map_err(io)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io)?;
    // A site is for reading: world-readable like any web page (temp files start at 0600).
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(true)
}

fn render(t: &impl askama::Template, page: &str) -> Result<String, ReportError> {
    t.render().map_err(|source| ReportError::Render {
        page: page.to_string(),
        source,
    })
}

/// The per-watch feed: every event a channel was told of, newest first.
fn watch_feed(s: &model::Summary) -> String {
    let mut entries: Vec<FeedEntry> = s
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.notify)
        .map(|(i, e)| {
            let mut body = e.detail.clone();
            for st in &e.statements {
                body.push_str(&format!("\n“{st}”"));
            }
            for c in &e.changes {
                body.push_str(&format!("\n“{}” → “{}”", c.old, c.new));
            }
            FeedEntry {
                id: format!("{}\n{}\n{}\n{i}", s.name, e.at.to_rfc3339(), e.kind),
                watch: s.name.clone(),
                url: s.url.clone(),
                kind: e.kind,
                kinds: vec![e.kind],
                title: format!("{}: {}", s.name, e.kind.headline()),
                body,
                at: e.at,
                statements: e.statements.clone(),
            }
        })
        .collect();
    entries.reverse();
    entries.truncate(feed::FEED_ENTRIES);
    feed::render(
        &entries,
        &feed::urn_uuid(&format!("canaryd watch feed\n{}", s.name)),
        &format!("{}.atom", s.name),
    )
}

/// Builds and writes one watch's pages and feed (and its WARC, with [`Warcs::Written`]).
fn watch_files(
    archive: &Archive,
    out: &Path,
    s: &model::Summary,
    warcs: Warcs,
) -> Result<usize, ReportError> {
    let ev = model::evidence(archive, &s.name);
    let dir = out.join("watch");
    let mut written = 0;
    let warc_path = dir.join(warc::file_name(&s.name));
    // The evidence as a WARC: a file beside the page, a download from `run`'s server, or the
    // command that writes it.
    let warc = match (ev.history.as_ref(), warcs) {
        (None, _) => None,
        // From the history and verdict the page is made of: read once for both.
        (Some(h), Warcs::Written) => match ev
            .verification
            .as_ref()
            .and_then(|v| warc::of(h, v, &s.name))
        {
            Some(bytes) => {
                written += usize::from(write_if_changed(&warc_path, &bytes)?);
                Some(watch_page::Warc::File(warc::file_name(&s.name)))
            }
            None => Some(watch_page::Warc::Command(warc::command(&s.name))),
        },
        (Some(_), Warcs::Served) => Some(watch_page::Warc::Link(warc::file_name(&s.name))),
        (Some(_), Warcs::Command) => Some(watch_page::Warc::Command(warc::command(&s.name))),
    };
    // A WARC an earlier report wrote here is stale once the watch changed.
    let wrote_warc = matches!(warc, Some(watch_page::Warc::File(_)));
    if !wrote_warc {
        written += remove(&warc_path)?;
    }
    let (full, changes) = watch_page::pages(s, &ev, warc);
    let html = render(&full, &s.name)?;
    written += usize::from(write_if_changed(
        &dir.join(format!("{}.html", s.name)),
        html.as_bytes(),
    )?);
    let html = render(&changes, &s.name)?;
    written += usize::from(write_if_changed(
        &dir.join(format!("{}.changes.html", s.name)),
        html.as_bytes(),
    )?);
    written += usize::from(write_if_changed(
        &dir.join(format!("{}.atom", s.name)),
        watch_feed(s).as_bytes(),
    )?);
    Ok(written)
}

/// The files written for a watch.
fn files_of(s: &model::Summary) -> Vec<String> {
    vec![
        format!("watch/{}.html", s.name),
        format!("watch/{}.changes.html", s.name),
        format!("watch/{}.atom", s.name),
    ]
}

/// Removes `path` if it is there; returns whether it was.
fn remove(path: &Path) -> Result<usize, ReportError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(1),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(source) => Err(ReportError::Io {
            action: "remove",
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Removes the pages an earlier report wrote for `name`; returns how many it removed.
fn remove_pages(out: &Path, name: &str) -> Result<usize, ReportError> {
    let mut removed = 0;
    for ext in [".html", ".changes.html", ".atom", ".warc.gz"] {
        removed += remove(&out.join("watch").join(format!("{name}{ext}")))?;
    }
    Ok(removed)
}

/// How a watch's page offers its evidence as a WARC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warcs {
    /// A static report: the page names `canaryd export NAME`.
    Command,
    /// Served by `run`: a link, answered by making the WARC on request ([`warc::export`]).
    Served,
    /// `report --warc`: the WARC written beside the page ([`warc::of`]) and linked.
    Written,
}

impl Warcs {
    /// Part of each watch's fingerprint: a page made for one is rebuilt for the other.
    fn tag(self) -> &'static str {
        match self {
            Warcs::Command => "pages/2 command",
            Warcs::Served => "pages/2 served",
            Warcs::Written => "pages/2 written",
        }
    }
}

/// Writes the report of every watch in `wl` from `state_dir` into `out`.
pub fn generate(
    wl: &Watchlist,
    state_dir: &Path,
    out: &Path,
    now: DateTime<Utc>,
    warcs: Warcs,
) -> Result<Outcome, ReportError> {
    let dir = out.join("watch");
    crate::store::atomic::create_dir(&dir).map_err(|source| ReportError::Io {
        action: "create",
        path: dir.clone(),
        source,
    })?;
    let store = Store::at(state_dir);
    let archive = Archive::new(state_dir);
    let manifest_path = out.join(MANIFEST);
    let old: Manifest = std::fs::read(&manifest_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();

    let summaries: Vec<model::Summary> = wl
        .watches
        .iter()
        .map(|w| model::summary(&store, &archive, w))
        .collect();
    let mut outcome = Outcome {
        watches: summaries.len(),
        ..Outcome::default()
    };
    let mut todo = Vec::new();
    let fingerprint = |s: &model::Summary| format!("{} {}", warcs.tag(), s.fingerprint);
    for s in &summaries {
        let mut files = files_of(s);
        if warcs == Warcs::Written && archive.has_history(&s.name) {
            files.push(format!("watch/{}", warc::file_name(&s.name)));
        }
        let intact = files.iter().all(|f| out.join(f).exists());
        if !(intact && old.watches.get(&s.name) == Some(&fingerprint(s))) {
            todo.push(s);
        }
        outcome.files.extend(files);
        if warcs == Warcs::Served && archive.has_history(&s.name) {
            let file = format!("watch/{}", warc::file_name(&s.name));
            outcome.warcs.push((file.clone(), s.name.clone()));
            outcome.files.push(file);
        }
    }
    outcome.rebuilt = todo.len();
    // Each watch's pages are independent: spread them over the cores.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(todo.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<usize, ReportError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut written = Ok(0);
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(s) = todo.get(i) else { break };
                        match watch_files(&archive, out, s, warcs) {
                            Ok(n) => written = written.map(|w| w + n),
                            Err(e) => return Err(e),
                        }
                    }
                    written
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|panic| {
                    Err(ReportError::Panicked {
                        detail: canaryd_core::contained::message(panic.as_ref()),
                    })
                })
            })
            .collect()
    });
    for r in results {
        outcome.written += r?;
    }

    // Watches with evidence in the state directory but no longer in the watchlist: named on
    // the index (their evidence stays: `canaryd history`/`export` still read it), without
    // pages of their own; the pages an earlier report wrote for them are removed, so the
    // folder never shows a watch as watched that is not.
    let removed: Vec<String> = archive
        .watches()
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !wl.watches.iter().any(|w| w.name.as_str() == n))
        .collect();
    for name in old.watches.keys() {
        if !summaries.iter().any(|s| &s.name == name) {
            outcome.written += remove_pages(out, name)?;
        }
    }

    let rows = summaries.iter().map(index_page::row).collect();
    let index = render(&index_page::page(rows, removed, now), "index")?;
    outcome.written += usize::from(write_if_changed(&out.join("index.html"), index.as_bytes())?);
    let entries = Feed::new(state_dir).entries();
    let atom = feed::render(
        &entries,
        &feed::urn_uuid(&format!("canaryd report feed\n{}", out.display())),
        "feed.atom",
    );
    outcome.written += usize::from(write_if_changed(&out.join("feed.atom"), atom.as_bytes())?);
    outcome.files.push("index.html".into());
    outcome.files.push("feed.atom".into());

    let manifest = Manifest {
        watches: summaries
            .iter()
            .map(|s| (s.name.clone(), fingerprint(s)))
            .collect(),
    };
    let json = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    write_if_changed(&manifest_path, &json)?;
    Ok(outcome)
}
