//! Renders the events of one check of one watch as one alert: subject, plain-text body,
//! the events' structured data, and stable identifiers. Pure.

mod text;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::{Change, Event, EventKind, Evidence, Severity};
use crate::observe::normalise::sha256_hex;

/// An alert ready to deliver, identical however often it is rendered: one message holding
/// every notified event of one check of one watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: the same events always give the same id (and Message-ID).
    pub id: String,
    pub watch: String,
    pub url: String,
    /// The most severe event's kind: the one the subject names.
    pub kind: EventKind,
    pub subject: String,
    pub body: String,
    /// `<…@canaryd>` Message-ID.
    pub message_id: String,
    /// Per-watch id every alert about the watch references, so mail clients thread them.
    pub thread_id: String,
    /// When the events were confirmed (the check's time).
    pub created: DateTime<Utc>,
    // The most severe event's data (statements and changes: every event's), for channels
    // that send fields rather than text (webhook, command) and for the feed. `default`:
    // alerts queued by versions before these fields existed still load, with these empty.
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub detail: String,
    /// The statements concerned, verbatim, of every event.
    #[serde(default)]
    pub statements: Vec<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default)]
    pub first_seen: Option<DateTime<Utc>>,
    /// Every event of the check, most severe first. Empty in alerts queued by versions that
    /// sent one alert per event: the top-level fields are then that one event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<AlertEvent>,
    /// The statement list before and after, which the body quotes once: kept so the body
    /// can be rendered again from the data (a renamed watch). `None` in alerts queued
    /// before it was kept, and when no event carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// One event inside an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub kind: EventKind,
    /// `None` only for an event read back from an alert queued before severities existed.
    pub severity: Option<Severity>,
    pub detail: String,
    #[serde(default)]
    pub statements: Vec<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
    pub first_seen: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

impl AlertEvent {
    fn of(e: &Event) -> AlertEvent {
        AlertEvent {
            kind: e.kind,
            severity: Some(e.severity),
            detail: e.detail.clone(),
            statements: e.statements.clone(),
            changes: e.changes.clone(),
            first_seen: Some(e.first_seen),
            at: e.at,
        }
    }
}

impl Alert {
    /// Every event this alert is about, most severe first: its `events`, or, for an alert
    /// queued by a version that sent one alert per event, the event its top-level fields
    /// describe.
    pub fn events(&self) -> Vec<AlertEvent> {
        if !self.events.is_empty() {
            return self.events.clone();
        }
        vec![AlertEvent {
            kind: self.kind,
            severity: self.severity,
            detail: self.detail.clone(),
            statements: self.statements.clone(),
            changes: self.changes.clone(),
            first_seen: self.first_seen,
            at: self.created,
        }]
    }

    /// Replaces the footer (the lines after the body's signature separator, which point at
    /// `list` and `preview`) with `footer`: for alerts shown where those hints do not fit,
    /// such as the demo's, whose page and state are gone when it ends.
    pub fn set_footer(&mut self, footer: &str) {
        if let Some(at) = self.body.rfind(text::SIGNATURE_SEPARATOR) {
            self.body.truncate(at + text::SIGNATURE_SEPARATOR.len());
        } else {
            self.body.push_str(text::SIGNATURE_SEPARATOR);
        }
        self.body.push_str(footer);
        if !footer.ends_with('\n') {
            self.body.push('\n');
        }
    }

    /// The same alert about watch `name` (a renamed watch): its watch and thread changed and
    /// its subject and body rendered again from its events, its id and Message-ID kept.
    /// An alert queued by a version that did not keep everything its text was rendered
    /// from cannot be rendered again without losing some of it: its text is kept as it was
    /// (`false`).
    pub fn readdress(&mut self, name: &str) -> bool {
        self.watch = name.to_string();
        self.thread_id = thread_id(name);
        let Some(events) = self.renderable_events() else {
            return false;
        };
        let events: Vec<&Event> = events.iter().collect();
        self.subject = text::subject(name, &events);
        self.body = text::body(name, &self.url, &events);
        true
    }

    /// Its events as the renderer takes them, when the alert holds all the text was made of.
    fn renderable_events(&self) -> Option<Vec<Event>> {
        if self.events.is_empty()
            || (self.evidence.is_none() && self.body.contains(text::EVIDENCE_HEADING))
        {
            return None;
        }
        let mut events = self
            .events
            .iter()
            .map(|e| {
                Some(Event {
                    kind: e.kind,
                    at: e.at,
                    severity: e.severity?,
                    detail: e.detail.clone(),
                    statements: e.statements.clone(),
                    changes: e.changes.clone(),
                    // Only notified claims are ever queued.
                    claim: true,
                    first_seen: e.first_seen?,
                    notify: true,
                    evidence: None,
                })
            })
            .collect::<Option<Vec<Event>>>()?;
        if let Some(first) = events.first_mut() {
            first.evidence = self.evidence.clone();
        }
        Some(events)
    }

    /// The kinds of its events, most severe first.
    pub fn kinds(&self) -> Vec<EventKind> {
        if self.events.is_empty() {
            return vec![self.kind];
        }
        self.events.iter().map(|e| e.kind).collect()
    }
}

/// The per-watch thread id.
pub fn thread_id(watch: &str) -> String {
    format!(
        "<watch.{}@canaryd>",
        sha256_hex(watch).get(..24).unwrap_or_default()
    )
}

/// How much an event matters, for ordering: high before low before info.
fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::High => 0,
        Severity::Low => 1,
        Severity::Info => 2,
    }
}

/// Renders the notified events of one check about watch `name` at `url`, each with its
/// place among that check's events (`index`), as one alert; `None` when there are none.
///
/// The alert's id (and Message-ID) is derived from what the events are, never from when they
/// were seen: the watch, the judgement state they depart from (`generation`, which the check
/// that raised them advances), each event's place among the check's events, its kind and the
/// statements concerned. A check killed after queueing its alert but before saving its state
/// is judged again from the same state, and finds the alert it already queued. An alert of
/// one event has the id that event's alert had when each event was its own alert.
pub fn render(name: &str, url: &str, generation: u64, events: &[(usize, &Event)]) -> Option<Alert> {
    let id = identity(name, generation, events)?;
    // Most severe first; among equals, in the order the judge raised them.
    let mut ordered: Vec<&Event> = events.iter().map(|(_, e)| *e).collect();
    ordered.sort_by_key(|e| rank(e.severity));
    let top = *ordered.first()?;
    Some(Alert {
        message_id: format!("<{id}@canaryd>"),
        thread_id: thread_id(name),
        id,
        watch: name.to_string(),
        url: url.to_string(),
        kind: top.kind,
        subject: text::subject(name, &ordered),
        body: text::body(name, url, &ordered),
        created: top.at,
        severity: Some(top.severity),
        detail: top.detail.clone(),
        statements: ordered.iter().flat_map(|e| e.statements.clone()).collect(),
        changes: ordered.iter().flat_map(|e| e.changes.clone()).collect(),
        first_seen: Some(top.first_seen),
        events: ordered.iter().map(|e| AlertEvent::of(e)).collect(),
        evidence: ordered.iter().find_map(|e| e.evidence.clone()),
    })
}

/// The stable id of the alert for `events`, 32 hex digits.
fn identity(name: &str, generation: u64, events: &[(usize, &Event)]) -> Option<String> {
    let one = |index: usize, event: &Event| {
        let mut s = format!("{generation}\n{index}\n{}", event.kind);
        for st in &event.statements {
            s.push('\n');
            s.push_str(st);
        }
        for c in &event.changes {
            s.push('\n');
            s.push_str(&c.new);
        }
        s
    };
    let text = match events {
        [] => return None,
        // Exactly the identity of the one-event alerts of earlier versions.
        [(index, event)] => format!("{name}\n{}", one(*index, event)),
        many => {
            let parts: Vec<String> = many.iter().map(|(i, e)| one(*i, e)).collect();
            format!("{name}\ncheck\n{}", parts.join("\n\n"))
        }
    };
    Some(sha256_hex(&text).get(..32).unwrap_or_default().to_string())
}

/// A severity's name as the alert text, the JSON payload and `CANARYD_SEVERITY` spell it.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "high",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests;
