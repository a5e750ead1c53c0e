//! A watch's own page: its timeline, then every version newest first with its statement
//! diff against the one before, its signers, proof of freshness and evidence. The same
//! template, with `only_changes`, is the "only the changes" page. Building the view is pure;
//! askama escapes every string when it is rendered.

use askama::Template;

use crate::judge::diff;
use crate::judge::event::Event;
use crate::observe::statement::Statement;
use crate::store::archive::{Entry, History, SignatureEvidence, Verification};

use super::model::{Evidence, Summary};
use super::timeline::{self, Point, Timeline};
use super::words_diff::{Piece, pieces};

/// One statement line of a version.
#[derive(Debug, Clone)]
pub struct Line {
    /// "same", "added", "removed" or "changed".
    pub kind: &'static str,
    pub claim: bool,
    pub text: String,
    /// For "changed": the wording's word diff.
    pub pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
pub struct Signer {
    pub who: String,
    pub status: String,
    pub good: bool,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct EventLine {
    pub kind: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub seq: u64,
    pub id: String,
    pub at: String,
    pub result: String,
    pub http: String,
    pub error: Option<String>,
    pub older: Option<String>,
    pub newer: Option<String>,
    pub lines: Vec<Line>,
    /// "1 removed, 1 changed"; "no change" for a version that kept the statements.
    pub changes: String,
    pub changed: bool,
    pub first: bool,
    pub events: Vec<EventLine>,
    pub signature: Option<String>,
    pub signers: Vec<Signer>,
    pub freshness: Option<String>,
    pub dated: Option<String>,
    pub due: Option<String>,
    pub record_file: String,
    pub record_sha: String,
    pub verdict: String,
    pub verdict_ok: bool,
    pub body: String,
}

#[derive(Template)]
#[template(path = "report/watch.html")]
pub struct WatchPage<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub status_word: &'a str,
    pub status_class: &'a str,
    pub reasons: String,
    pub death: Option<String>,
    pub timeline: Timeline,
    pub claims: usize,
    pub versions: Vec<Version>,
    pub only_changes: bool,
    pub chain: String,
    pub chain_ok: bool,
    /// The WARC download beside the page (served by `run`), or else the command that
    /// writes it (a static report).
    pub warc_link: Option<String>,
    /// When the linked WARC is made: "made when you ask" (served) or "as of this report".
    pub warc_made: &'static str,
    pub warc_command: Option<String>,
    pub problems: Vec<String>,
}

/// How a page offers the watch's evidence as a WARC.
#[derive(Debug, Clone)]
pub enum Warc {
    /// Served by `run`, made on request.
    Link(String),
    /// Written beside the page (`report --warc`).
    File(String),
    Command(String),
}

/// Who signed, as people know them.
pub fn signers(sigs: &SignatureEvidence) -> Vec<Signer> {
    sigs.verdicts
        .iter()
        .map(|v| Signer {
            who: match &v.verdict.signer {
                Some(s) => format!(
                    "{} ({})",
                    s.user_id.as_deref().unwrap_or(&s.label),
                    s.fingerprint
                ),
                None => format!(
                    "unpinned key {}",
                    v.verdict.issuer.as_deref().unwrap_or("(no issuer)")
                ),
            },
            status: v.verdict.status.to_string(),
            good: v.verdict.is_good(),
            source: v.source.clone(),
        })
        .collect()
}

/// The proof-of-freshness verdict a record carries, read from its JSON as stored, so a
/// record written with a `freshness` reading shows it whichever version wrote it.
fn freshness(entry: &Entry) -> Option<String> {
    // Most records carry none: not worth parsing the record a second time to find out.
    if !entry.bytes.windows(11).any(|w| w == b"\"freshness\"") {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&entry.bytes).ok()?;
    let f = value.get("freshness")?;
    let text = match f {
        serde_json::Value::Null => return None,
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => ["summary", "verdict", "status"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_else(|| f.to_string()),
        other => other.to_string(),
    };
    Some(text.chars().take(400).collect())
}

fn lines(old: Option<&[Statement]>, new: &[Statement]) -> (Vec<Line>, String, bool) {
    let Some(old) = old else {
        let lines = new
            .iter()
            .map(|s| Line {
                kind: "same",
                claim: s.claim,
                text: s.text.clone(),
                pieces: Vec::new(),
            })
            .collect();
        return (lines, "first version".into(), false);
    };
    let d = diff::diff(old, new);
    let mut out = Vec::with_capacity(new.len() + d.removed.len());
    for s in new {
        if let Some(c) = d.changed.iter().find(|c| c.new.hash == s.hash) {
            out.push(Line {
                kind: "changed",
                claim: s.claim || c.old.claim,
                text: s.text.clone(),
                pieces: pieces(&c.change.word_diff),
            });
        } else {
            let added = d.added.iter().any(|a| a.hash == s.hash);
            out.push(Line {
                kind: if added { "added" } else { "same" },
                claim: s.claim,
                text: s.text.clone(),
                pieces: Vec::new(),
            });
        }
    }
    for s in &d.removed {
        out.push(Line {
            kind: "removed",
            claim: s.claim,
            text: s.text.clone(),
            pieces: Vec::new(),
        });
    }
    let mut parts = Vec::new();
    for (n, word) in [
        (d.removed.len(), "removed"),
        (d.changed.len(), "changed"),
        (d.added.len(), "added"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    let changed = !parts.is_empty();
    let summary = if changed {
        parts.join(", ")
    } else {
        "no change to the statements".into()
    };
    (out, summary, changed)
}

fn verdict(v: Option<&Verification>, seq: u64) -> (String, bool) {
    let Some(v) = v else {
        return ("not verified".into(), false);
    };
    let mine: Vec<String> = v
        .problems
        .iter()
        .filter(|p| p.seq == Some(seq))
        .map(|p| p.what.clone())
        .collect();
    if !mine.is_empty() {
        (format!("does not verify: {}", mine.join("; ")), false)
    } else if v.holds() {
        ("verified: the hash chain holds".into(), true)
    } else {
        (
            "this record verifies; the chain has problems elsewhere (see above)".into(),
            false,
        )
    }
}

fn body(history: &History, e: &Entry, verification: Option<&Verification>) -> String {
    // Verification has just read every body: a missing one is among its problems, so the
    // file need not be looked up again (only without a verification).
    let present = |file: &str| match verification {
        Some(v) => !v
            .problems
            .iter()
            .any(|p| p.seq == Some(e.seq()) && p.file == file && p.what.starts_with("missing")),
        None => history.dir.join(file).exists(),
    };
    match &e.record.body {
        None => "no body (the check saw no page)".into(),
        Some(_) if e.body_pruned => "body deleted by retention (the record stays)".into(),
        Some(b) if present(&b.file) => {
            format!("body {} ({} bytes), sha256 {}", b.file, b.length, b.sha256)
        }
        Some(b) => format!("body {} is missing", b.file),
    }
}

fn event_line(e: &Event) -> EventLine {
    EventLine {
        kind: timeline::mark_kind(e).to_string(),
        detail: e.detail.clone(),
    }
}

fn versions(history: &History, verification: Option<&Verification>) -> Vec<Version> {
    let mut out = Vec::with_capacity(history.entries.len());
    let mut previous: Option<&[Statement]> = None;
    for e in &history.entries {
        let r = &e.record;
        let (lines, changes, changed) = match r.statements() {
            Some(s) => lines(previous, s),
            None => (Vec::new(), "no page: statements as before".into(), false),
        };
        let first = previous.is_none() && r.statements().is_some();
        let stated = r.statements().unwrap_or(&[]);
        let (verdict, verdict_ok) = verdict(verification, r.seq);
        out.push(Version {
            seq: r.seq,
            id: format!("v{}", r.seq),
            at: r.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            result: r.result.to_string(),
            http: r.status.map(|s| format!("HTTP {s}")).unwrap_or_default(),
            error: r.error.clone(),
            older: None,
            newer: None,
            lines,
            changes,
            changed: changed || !r.events.is_empty(),
            first,
            events: r.events.iter().map(event_line).collect(),
            signature: r.signatures.as_ref().map(|s| s.summary.to_string()),
            signers: r.signatures.as_ref().map(signers).unwrap_or_default(),
            freshness: freshness(e),
            dated: crate::judge::dating(stated).map(|d| d.chosen.date.to_string()),
            due: crate::judge::stated_deadline(stated).map(|d| d.to_string()),
            record_file: crate::store::archive::record_file(r.seq),
            record_sha: e.sha256.clone(),
            verdict,
            verdict_ok,
            body: body(history, e, verification),
        });
        if let Some(s) = r.statements() {
            previous = Some(s);
        }
    }
    out.reverse();
    out
}

/// Newest first: "older" is the next in the list, "newer" the one before.
fn link(versions: &mut [Version]) {
    let ids: Vec<String> = versions.iter().map(|v| v.id.clone()).collect();
    for (i, v) in versions.iter_mut().enumerate() {
        v.newer = i.checked_sub(1).map(|j| ids[j].clone());
        v.older = ids.get(i + 1).cloned();
    }
}

/// The timeline's points, oldest first.
fn points(history: &History) -> Vec<Point<'_>> {
    history
        .entries
        .iter()
        .map(|e| {
            let s = e.record.statements();
            Point {
                at: e.record.at,
                statements: s,
                events: &e.record.events,
                signature: e.record.signatures.as_ref().map(|s| s.summary),
                dated: s.and_then(crate::judge::dating).map(|d| d.chosen.date),
                due: s.and_then(crate::judge::stated_deadline),
            }
        })
        .collect()
}

/// The full page and the only-changes page of a watch.
pub fn pages<'a>(
    s: &'a Summary,
    ev: &Evidence,
    warc: Option<Warc>,
) -> (WatchPage<'a>, WatchPage<'a>) {
    let (warc_link, warc_made, warc_command) = match warc {
        Some(Warc::Link(l)) => (Some(l), "made when you ask", None),
        Some(Warc::File(f)) => (Some(f), "as of this report", None),
        Some(Warc::Command(c)) => (None, "", Some(c)),
        None => (None, "", None),
    };
    let (timeline, mut all) = match &ev.history {
        Some(h) => (
            timeline::layout(&points(h)),
            versions(h, ev.verification.as_ref()),
        ),
        None => (timeline::layout(&[]), Vec::new()),
    };
    let mut changes: Vec<Version> = all.iter().filter(|v| v.changed).cloned().collect();
    for v in &mut changes {
        v.lines.retain(|l| l.kind != "same");
    }
    link(&mut all);
    link(&mut changes);
    let (chain, chain_ok) = match (&ev.verification, &ev.missing) {
        (Some(v), _) if v.holds() => (
            format!(
                "the evidence chain verifies ({})",
                crate::words::plural(v.records, "record")
            ),
            true,
        ),
        (Some(v), _) => (
            format!(
                "the evidence chain does NOT verify: {}",
                v.problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            false,
        ),
        (None, Some(why)) => (why.clone(), false),
        (None, None) => ("no evidence yet".into(), false),
    };
    let death = super::status::death(&s.events).map(|e| {
        format!(
            "{} on {}: {}",
            timeline::mark_kind(e),
            e.at.format("%Y-%m-%d %H:%M UTC"),
            e.detail
        )
    });
    let claims = timeline.rows.len() + timeline.hidden_rows;
    let page = |versions: Vec<Version>, only_changes: bool| WatchPage {
        name: &s.name,
        url: &s.url,
        status_word: s.status.word(),
        status_class: s.status.class(),
        reasons: s.health.words().join(", "),
        death: death.clone(),
        timeline: timeline.clone(),
        claims,
        versions,
        only_changes,
        chain: chain.clone(),
        chain_ok,
        warc_link: warc_link.clone(),
        warc_made,
        warc_command: warc_command.clone(),
        problems: s.problems.clone(),
    };
    (page(all, false), page(changes, true))
}
