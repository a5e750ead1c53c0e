//! `canaryd replay`: judge a canary's archived versions in order, as if each had been
//! fetched when it was published, and report what would have fired. Writes nothing.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use regex::Regex;
use serde::Serialize;

use crate::config::{Signing, WatchSelector};
use crate::fetch;
use crate::judge::event::{Event, Severity};
use crate::judge::{self, Policy, WatchState};
use crate::observe;
use crate::observe::signed::DetachedFile;

use super::gather::Gathered;
use super::sighting::{self, How, Last};

/// One version of the canary.
#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    pub at: DateTime<Utc>,
    /// The file as a `file://` watch fetches it (its bytes, and its text decoded the same way).
    pub page: fetch::Page,
    /// Detached signatures found beside the file (see [`signature_files`]).
    pub(crate) signatures: Vec<DetachedFile>,
    /// `.pdf` files are read as PDF, everything else as `format = "auto"` reads it.
    pub document: observe::DocumentFormat,
}

impl Version {
    /// The version as a check gathers a page, for the same reading and judging.
    pub(crate) fn gathered(&self) -> Gathered {
        Gathered::stored(self.page.clone(), self.signatures.clone())
    }
}

/// One line of the replay's output (a contract for `--format json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayLine {
    pub version: String,
    pub at: String,
    pub kind: String,
    pub statement: Option<String>,
    pub detail: String,
    pub notify: bool,
    pub severity: Severity,
}

static DATE_IN_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d{4})-(\d{2})-(\d{2})").expect("the date pattern is valid"));

/// A version's time: the first valid YYYY-MM-DD in its file name, else its mtime.
pub fn version_time(path: &Path) -> anyhow::Result<DateTime<Utc>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for c in DATE_IN_NAME.captures_iter(&name) {
        let num = |i: usize| {
            c.get(i)
                .and_then(|m| m.as_str().parse::<u32>().ok())
                .unwrap_or(0)
        };
        if let Some(d) = NaiveDate::from_ymd_opt(num(1) as i32, num(2), num(3))
            && let Some(t) = d.and_hms_opt(0, 0, 0)
        {
            return Ok(t.and_utc());
        }
    }
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .with_context(|| format!("reading the modification time of {}", path.display()))?;
    Ok(DateTime::<Utc>::from(modified))
}

/// Reads the files as versions, exactly as a `file://` watch reads them: `.txt` as
/// text/plain, anything else as HTML, the charset found the same way.
pub fn read_versions(files: &[PathBuf]) -> anyhow::Result<Vec<Version>> {
    files
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let absolute = std::path::absolute(path)
                .with_context(|| format!("resolving {}", path.display()))?;
            let url = url::Url::from_file_path(&absolute).map_err(|()| {
                anyhow::anyhow!("cannot make a file:// URL of {}", absolute.display())
            })?;
            let is_pdf = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
            let document = if is_pdf {
                observe::DocumentFormat::Pdf
            } else {
                observe::DocumentFormat::Auto
            };
            let at = version_time(path)?;
            Ok(Version {
                name: path.display().to_string(),
                at,
                page: fetch::local_page(&url, bytes, None, at),
                signatures: signature_files(path)?,
                document,
            })
        })
        .collect()
}

/// Replays `versions` in order under `policy`. Each version is observed `confirm` times
/// (it stayed up until the next one), and staleness deadlines that fall between two
/// versions fire at the deadline.
///
/// With `signing` (the keys of `--keys`), each version's signatures are judged as a live check
/// of a signed watch judges them.
pub fn replay_signed(
    versions: &[Version],
    selector: Option<&WatchSelector>,
    signing: Option<&Signing>,
    policy: &Policy,
) -> Vec<(String, Event)> {
    let mut state = WatchState::default();
    // A CanaryTail canary's pinned keys and open alerts, carried from version to version as
    // a live watch carries them in its check record.
    let mut tail_record = None;
    let mut out = Vec::new();
    let mut previous: Option<&str> = None;
    // What the canary was last read as, as a live watch keeps it in its check record.
    let mut read_as: Option<&'static str> = None;
    let extractor = sighting::extractor_key(selector, false);
    for v in versions {
        if let Some(prev) = previous
            && state.stale.is_none()
            && let Some((due, _)) = judge::stale_due(&state, policy)
            && due <= v.at
        {
            let j = judge::tick(&state, due, policy);
            state = j.state;
            out.extend(j.events.into_iter().map(|e| (prev.to_string(), e)));
        }
        // Read and judged exactly as a live check reads and judges it: a version canaryd
        // refuses, or a challenge page, is a failed fetch here as it would be live.
        let how = How {
            name: &v.name,
            spec: observe::ReadSpec {
                format: observe::known_format(v.document, read_as),
                selector,
                signing: signing.map(|s| super::signatures::signing_spec(s, None)),
            },
            follow: None,
            extractor: &extractor,
        };
        // Every version is read afresh, whatever the last one was declared as.
        let seen = sighting::sight(v.gathered(), &how, &Last::default(), v.at).seen;
        let context = judge::Context {
            at: v.at,
            policy,
            followed: None,
            raised: &[],
        };
        for _ in 0..policy.confirm.max(1) {
            let prior = judge::Prior {
                state: &state,
                tail: tail_record.as_ref(),
                followed: None,
            };
            let verdict = judge::judge(&prior, seen.clone(), &context);
            if let Some(d) = verdict.read.as_ref().and_then(|r| r.document.as_ref())
                && d.reading.statements().is_some()
            {
                read_as = Some(d.kind.as_str());
            }
            out.extend(verdict.events.into_iter().map(|e| (v.name.clone(), e)));
            state = verdict.state;
            tail_record = verdict.tail;
        }
        previous = Some(&v.name);
    }
    out
}

/// The detached signatures of version `path`: the files beside it named `X.sig`, `X.sig.*`
/// or `X.asc`, in name order.
pub fn signature_files(path: &Path) -> anyhow::Result<Vec<DetachedFile>> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Ok(Vec::new());
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut found: Vec<PathBuf> = Vec::new();
    let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let other = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = other.strip_prefix(&name) else {
            continue;
        };
        if rest == ".sig" || rest == ".asc" || rest.starts_with(".sig.") {
            found.push(entry.path());
        }
    }
    found.sort();
    found
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).with_context(|| format!("reading {}", p.display()))?;
            Ok(DetachedFile {
                source: p.display().to_string(),
                bytes: Some(bytes),
            })
        })
        .collect()
}

/// Whether `path` is itself a signature file (so a glob of a folder can be replayed).
pub fn is_signature_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.ends_with(".sig") || name.ends_with(".asc") || name.contains(".sig.")
}

/// Flattens events to output lines: one per statement concerned, or one per event.
pub fn lines(events: &[(String, Event)]) -> Vec<ReplayLine> {
    let mut out = Vec::new();
    for (version, e) in events {
        let line = |statement: Option<String>, detail: String| ReplayLine {
            version: version.clone(),
            at: e.at.to_rfc3339(),
            kind: e.kind.to_string(),
            statement,
            detail,
            notify: e.notify,
            severity: e.severity,
        };
        if !e.changes.is_empty() {
            for c in &e.changes {
                out.push(line(
                    Some(c.old.clone()),
                    format!("{}; word diff: {}", e.detail, c.word_diff),
                ));
            }
        } else if !e.statements.is_empty() {
            for s in &e.statements {
                out.push(line(Some(s.clone()), e.detail.clone()));
            }
        } else {
            out.push(line(None, e.detail.clone()));
        }
    }
    out
}
