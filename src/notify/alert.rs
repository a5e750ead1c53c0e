//! Renders an event as an alert: subject, plain-text body and stable identifiers. Pure.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::{Change, Event, EventKind, Severity};
use crate::observe::normalise::sha256_hex;

/// An alert ready to deliver, identical however often it is rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: the same event always gives the same id (and Message-ID).
    pub id: String,
    pub watch: String,
    pub url: String,
    pub kind: EventKind,
    pub subject: String,
    pub body: String,
    /// `<…@canaryd>` Message-ID.
    pub message_id: String,
    /// Per-watch id every alert about the watch references, so mail clients thread them.
    pub thread_id: String,
    /// When the event was confirmed (the event's `at`).
    pub created: DateTime<Utc>,
    // The event's structured data, for channels that send fields rather than text (webhook,
    // command) and for the feed. `default`: alerts queued by versions before these fields
    // existed still load, with these empty.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub detail: String,
    /// The statements concerned, verbatim.
    #[serde(default)]
    pub statements: Vec<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
}

/// The per-watch thread id.
pub fn thread_id(watch: &str) -> String {
    format!(
        "<watch.{}@canaryd>",
        sha256_hex(watch).get(..24).unwrap_or_default()
    )
}

/// Renders `event` about watch `name` at `url`.
pub fn render(name: &str, url: &str, event: &Event) -> Alert {
    let mut identity = format!(
        "{name}\n{}\n{}\n{}",
        event.kind,
        event.first_seen.to_rfc3339(),
        event.at.to_rfc3339()
    );
    for s in &event.statements {
        identity.push('\n');
        identity.push_str(s);
    }
    for c in &event.changes {
        identity.push('\n');
        identity.push_str(&c.new);
    }
    let id = sha256_hex(&identity)
        .get(..32)
        .unwrap_or_default()
        .to_string();
    let subject = subject(name, event);
    Alert {
        message_id: format!("<{id}@canaryd>"),
        thread_id: thread_id(name),
        id,
        watch: name.to_string(),
        url: url.to_string(),
        kind: event.kind,
        body: body(name, url, event),
        subject,
        created: event.at,
        severity: Some(event.severity),
        detail: event.detail.clone(),
        statements: event.statements.clone(),
        changes: event.changes.clone(),
        first_seen: Some(event.first_seen),
    }
}

/// A severity's name as the alert text, the JSON payload and `CANARYD_SEVERITY` spell it.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "high",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

fn subject(name: &str, event: &Event) -> String {
    let mut s = format!("[canaryd] {name}: {}", event.kind.headline());
    let n = event.statements.len().max(event.changes.len());
    if matches!(event.kind, EventKind::Removed | EventKind::Changed) && n > 1 {
        let _ = write!(s, " ({n} statements)");
    }
    s
}

fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "    > {line}");
    }
}

fn body(name: &str, url: &str, event: &Event) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "canaryd: {} ({})", event.kind.headline(), event.kind);
    let _ = writeln!(out);
    let _ = writeln!(out, "Watch:       {name}");
    let _ = writeln!(out, "URL:         {url}");
    let _ = writeln!(out, "First seen:  {}", event.first_seen.to_rfc3339());
    let _ = writeln!(out, "Confirmed:   {}", event.at.to_rfc3339());
    let _ = writeln!(out, "Severity:    {}", severity_name(event.severity));
    let _ = writeln!(out, "Why:         {}", event.detail);

    if !event.statements.is_empty() {
        let heading = match event.kind {
            EventKind::Removed => "Removed statement(s), verbatim as last published:",
            EventKind::Added => "New statement(s):",
            EventKind::Missing | EventKind::Gone => "The claims the canary made until now:",
            EventKind::Flapping => "The statement that keeps coming and going:",
            _ => "Statements concerned:",
        };
        let _ = writeln!(out, "\n{heading}\n");
        for s in &event.statements {
            quote(&mut out, s);
            out.push('\n');
        }
    }
    if !event.changes.is_empty() {
        let _ = writeln!(out, "\nChanged statement(s):\n");
        for c in &event.changes {
            let how = if c.broadened {
                "broadened: words only added"
            } else {
                "weakened: words lost or replaced"
            };
            let _ = writeln!(out, "  before:");
            quote(&mut out, &c.old);
            let _ = writeln!(out, "  after:");
            quote(&mut out, &c.new);
            let _ = writeln!(out, "  word diff ({how}; [-removed-] {{+added+}}):");
            quote(&mut out, &c.word_diff);
            out.push('\n');
        }
    }
    if let Some(ev) = &event.evidence {
        if !ev.unified_diff.is_empty() {
            let _ = writeln!(out, "\nStatement list, before and after:\n");
            out.push_str(&ev.unified_diff);
            if !ev.unified_diff.ends_with('\n') {
                out.push('\n');
            }
        }
        let _ = writeln!(out, "\nStatement set sha256 before: {}", ev.old_set_hash);
        let _ = writeln!(out, "Statement set sha256 after:  {}", ev.new_set_hash);
    }
    let _ = writeln!(
        out,
        "\n-- \ncanaryd {}: `canaryd list` shows every watch; `canaryd preview {url}` shows what the page says now.",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::Evidence;

    fn removal() -> Event {
        let at: DateTime<Utc> = "2026-01-02T03:04:05Z".parse().expect("time");
        Event {
            kind: EventKind::Removed,
            at,
            severity: Severity::High,
            detail: "1 claim no longer on the page".into(),
            statements: vec!["reddit has never received a National Security Letter.".into()],
            changes: vec![],
            claim: true,
            first_seen: at,
            notify: true,
            evidence: Some(Evidence {
                unified_diff: "--- before\n+++ after\n-reddit has never received a National Security Letter.\n".into(),
                old_set_hash: "aa".into(),
                new_set_hash: "bb".into(),
            }),
        }
    }

    #[test]
    fn removal_alert_names_watch_event_and_quotes_statement() {
        let a = render("reddit", "https://example.org/t", &removal());
        assert_eq!(a.subject, "[canaryd] reddit: canary statement removed");
        assert!(
            a.body
                .contains("    > reddit has never received a National Security Letter.")
        );
        assert!(a.body.contains("https://example.org/t"));
        assert!(a.body.contains("Statement set sha256 before: aa"));
        assert!(a.message_id.starts_with('<') && a.message_id.ends_with("@canaryd>"));
    }

    #[test]
    fn same_event_renders_same_id_and_thread_is_per_watch() {
        let a = render("reddit", "u", &removal());
        let b = render("reddit", "u", &removal());
        assert_eq!(a.id, b.id);
        let mut other = removal();
        other.statements[0].push('!');
        assert_ne!(render("reddit", "u", &other).id, a.id);
        assert_eq!(a.thread_id, render("reddit", "v", &other).thread_id);
        assert_ne!(a.thread_id, thread_id("cloudflare"));
    }

    #[test]
    fn changed_alert_shows_word_diff() {
        let mut e = removal();
        e.kind = EventKind::Changed;
        e.statements.clear();
        e.changes = vec![Change {
            old: "We have never received an NSL.".into(),
            new: "We have rarely received an NSL.".into(),
            word_diff: "We have [-never-]{+rarely+} received an NSL.".into(),
            broadened: false,
        }];
        let a = render("x", "u", &e);
        assert_eq!(a.subject, "[canaryd] x: canary statement changed");
        assert!(a.body.contains("[-never-]{+rarely+}"));
        assert!(a.body.contains("weakened"));
    }
}
