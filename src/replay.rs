//! `canaryd replay`: judge a canary's archived versions in order, as if each had been
//! fetched when it was published, and report what would have fired. Writes nothing.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use regex::Regex;
use serde::Serialize;

use crate::cli::ReplayFormat;
use crate::event::{Event, NotifySet};
use crate::extract::{self, Format};
use crate::judge::{self, Observation, Policy, WatchState};
use crate::watchlist::{Settings, WatchSelector, parse_duration};

/// One version of the canary.
#[derive(Debug, Clone)]
pub struct Version {
    pub name: String,
    pub at: DateTime<Utc>,
    pub format: Format,
    pub text: String,
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

/// Reads the files as versions: `.txt` as text/plain, anything else as HTML.
pub fn read_versions(files: &[PathBuf]) -> anyhow::Result<Vec<Version>> {
    files
        .iter()
        .map(|path| {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let format = if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
            {
                Format::Text
            } else {
                Format::Html
            };
            Ok(Version {
                name: path.display().to_string(),
                at: version_time(path)?,
                format,
                text,
            })
        })
        .collect()
}

/// Replays `versions` in order under `policy`. Each version is observed `confirm` times
/// (it stayed up until the next one), and staleness deadlines that fall between two
/// versions fire at the deadline.
pub fn replay(
    versions: &[Version],
    selector: Option<&WatchSelector>,
    policy: &Policy,
) -> Vec<(String, Event)> {
    let mut state = WatchState::default();
    let mut out = Vec::new();
    let mut previous: Option<&str> = None;
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
        let extracted = extract::extract(&v.text, v.format, selector.map(|s| &s.compiled));
        for _ in 0..policy.confirm.max(1) {
            // A version canaryd refuses to read is a failed fetch, as it would be live.
            let obs = match &extracted {
                Ok(statements) => Observation::Content {
                    statements: statements.clone(),
                    body_len: v.text.len() as u64,
                    page_hash: Some(crate::normalise::sha256_hex(&v.text)),
                    excerpt: Some(crate::challenge::excerpt(&v.text)),
                },
                Err(e) => Observation::Failed {
                    gone: false,
                    error: e.to_string(),
                },
            };
            let j = judge::observe(&state, obs, v.at, policy);
            state = j.state;
            out.extend(j.events.into_iter().map(|e| (v.name.clone(), e)));
        }
        previous = Some(&v.name);
    }
    out
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

pub async fn run_cli(
    files: &[PathBuf],
    selector: Option<&str>,
    max_age: Option<&str>,
    format: ReplayFormat,
) -> anyhow::Result<u8> {
    let selector = selector
        .map(|s| {
            WatchSelector::parse(s)
                .map_err(|e| anyhow::anyhow!("--selector \"{s}\" is not valid CSS: {e}"))
        })
        .transpose()?;
    let max_age = max_age
        .map(|d| parse_duration(d).map_err(|e| anyhow::anyhow!("--max-age: {e}")))
        .transpose()?;
    let versions = read_versions(files)?;
    let defaults = Settings::default();
    let policy = Policy {
        confirm: defaults.confirm,
        notify: NotifySet::default(),
        unreachable_after: defaults.unreachable_after,
        max_age,
        stale_grace: defaults.stale_grace,
        ..Policy::default()
    };
    let events = tokio::task::spawn_blocking(move || replay(&versions, selector.as_ref(), &policy))
        .await
        .context("the replay stopped unexpectedly")?;
    let lines = lines(&events);
    match format {
        ReplayFormat::Json => {
            for l in &lines {
                println!("{}", serde_json::to_string(l)?);
            }
        }
        ReplayFormat::Text => {
            for l in &lines {
                let mail = if l.notify { "alert" } else { "noted" };
                println!(
                    "{}  {}  {} ({mail})",
                    &l.at[..10.min(l.at.len())],
                    l.version,
                    l.kind
                );
                if let Some(s) = &l.statement {
                    println!("    > {s}");
                }
                println!("    {}", l.detail);
            }
            let alerts = lines.iter().filter(|l| l.notify).count();
            println!(
                "{} versions replayed: {} events, {alerts} would have been emailed",
                files.len(),
                lines.len()
            );
        }
    }
    Ok(0)
}
