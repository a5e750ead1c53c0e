//! The words of an alert: its subject line and its plain-text body, one message for every
//! event of a check, the statement list's diff shown once. Pure.

use std::fmt::Write as _;

use crate::judge::event::{Event, EventKind};
use crate::words::{describe_time, plural, plural_noun};

use super::severity_name;

/// The headline of an event: its kind's, except that a `stale` event for a canary dated in
/// the future (or going backwards) says so rather than "overdue".
pub fn headline(event: &Event) -> &'static str {
    if event.kind == EventKind::Stale {
        if event.detail.starts_with(crate::judge::DATED_IN_THE_FUTURE) {
            return "canary is dated in the future";
        }
        if event.detail.starts_with(crate::judge::DATE_WENT_BACKWARDS) {
            return "canary's date went backwards";
        }
    }
    event.kind.headline()
}

/// `[canaryd] NAME: HEADLINE`, naming the most severe event (`events[0]`), then the kinds of
/// the others: `[canaryd] acme: canary statement removed; also changed`.
pub(super) fn subject(name: &str, events: &[&Event]) -> String {
    let Some(top) = events.first() else {
        return format!("[canaryd] {name}");
    };
    let mut s = format!("[canaryd] {name}: {}", headline(top));
    let n = top.statements.len().max(top.changes.len());
    if matches!(top.kind, EventKind::Removed | EventKind::Changed) && n > 1 {
        let _ = write!(s, " ({})", plural(n, "statement"));
    }
    let mut others: Vec<&str> = Vec::new();
    for e in &events[1..] {
        if e.kind != top.kind && !others.contains(&e.kind.as_str()) {
            others.push(e.kind.as_str());
        }
    }
    if !others.is_empty() {
        let _ = write!(s, "; also {}", others.join(", "));
    }
    s
}

/// The headline with the event's kind in brackets, the name `events` filters use, unless
/// the headline already says it ("canary statement removed", not "… removed (removed)").
fn headline_with_kind(event: &Event) -> String {
    let headline = headline(event);
    let kind = event.kind.as_str();
    if headline.split(' ').any(|word| word == kind) {
        headline.to_string()
    } else {
        format!("{headline} ({kind})")
    }
}

fn quote(out: &mut String, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "    > {line}");
    }
}

/// The body: the watch, then each event (most severe first) with its times, severity, reason
/// and statements, then the statement list before and after, once.
pub(super) fn body(name: &str, url: &str, events: &[&Event]) -> String {
    let mut out = String::new();
    let Some(top) = events.first() else {
        return out;
    };
    let _ = write!(out, "canaryd: {}", headline_with_kind(top));
    if events.len() > 1 {
        let more = events.len() - 1;
        let _ = write!(
            out,
            ", and {more} more {} on the same check",
            plural_noun(more, "event")
        );
    }
    let _ = writeln!(out, "\n");
    let _ = writeln!(out, "Watch:       {name}");
    let _ = writeln!(out, "URL:         {url}");
    if let [only] = events {
        fields(&mut out, only);
        statements(&mut out, only);
    } else {
        for (n, e) in events.iter().enumerate() {
            let _ = writeln!(
                out,
                "\nEvent {} of {}: {}\n",
                n + 1,
                events.len(),
                headline_with_kind(e)
            );
            fields(&mut out, e);
            statements(&mut out, e);
        }
    }
    // Every statement event of a check carries the same whole-list evidence: shown once.
    if let Some(ev) = events.iter().find_map(|e| e.evidence.as_ref()) {
        if !ev.unified_diff.is_empty() {
            let _ = writeln!(out, "\nStatement list, before and after:\n");
            out.push_str(&ev.unified_diff);
            if !ev.unified_diff.ends_with('\n') {
                out.push('\n');
            }
        }
        let _ = writeln!(out, "\n{EVIDENCE_HEADING}{}", ev.old_set_hash);
        let _ = writeln!(out, "Statement set sha256 after:  {}", ev.new_set_hash);
    }
    out.push_str(SIGNATURE_SEPARATOR);
    out.push_str(&footer(url));
    out
}

/// Opens the lines of an alert's body that quote the statement set's hashes, shown when
/// any event carried the evidence.
pub(super) const EVIDENCE_HEADING: &str = "Statement set sha256 before: ";

/// What separates an alert's body from its footer: the mail signature separator.
pub(super) const SIGNATURE_SEPARATOR: &str = "\n-- \n";

/// The footer of an alert about the page at `url`: what to run next.
pub(super) fn footer(url: &str) -> String {
    format!(
        "canaryd {}: `canaryd list` shows every watch; `canaryd preview {url}` shows what the page says now.\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn fields(out: &mut String, e: &Event) {
    let _ = writeln!(out, "First seen:  {}", describe_time(e.first_seen));
    let _ = writeln!(out, "Confirmed:   {}", describe_time(e.at));
    let _ = writeln!(out, "Severity:    {}", severity_name(e.severity));
    let _ = writeln!(out, "Why:         {}", e.detail);
}

fn statements(out: &mut String, e: &Event) {
    if !e.statements.is_empty() {
        let n = e.statements.len();
        let heading = match e.kind {
            EventKind::Removed => format!(
                "Removed {}, verbatim as last published:",
                plural_noun(n, "statement")
            ),
            EventKind::Added => format!("New {}:", plural_noun(n, "statement")),
            EventKind::Missing | EventKind::Gone => {
                format!("The {} the canary made until now:", plural_noun(n, "claim"))
            }
            EventKind::Flapping => "The statement that keeps coming and going:".into(),
            _ => format!("{} concerned:", capitalised(&plural_noun(n, "statement"))),
        };
        let _ = writeln!(out, "\n{heading}\n");
        for s in &e.statements {
            quote(out, s);
            out.push('\n');
        }
    }
    if !e.changes.is_empty() {
        let _ = writeln!(
            out,
            "\nChanged {}:\n",
            plural_noun(e.changes.len(), "statement")
        );
        for c in &e.changes {
            let how = if c.weakened {
                "weakened: the claim now says less"
            } else if c.broadened {
                "broadened: words only added"
            } else {
                "reworded: says no less"
            };
            let _ = writeln!(out, "  before:");
            quote(out, &c.old);
            let _ = writeln!(out, "  after:");
            quote(out, &c.new);
            let _ = writeln!(out, "  word diff ({how}; [-removed-] {{+added+}}):");
            quote(out, &c.word_diff.to_string());
            out.push('\n');
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|first| first.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
