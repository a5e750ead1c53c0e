//! Tests of the outbox per channel: routes, filters, old files.

use super::*;

/// An outbox file as versions before channels wrote it.
const OLD: &str = r#"{
  "alert": {
    "id": "old1", "watch": "w", "url": "u", "kind": "removed",
    "subject": "s", "body": "b", "message_id": "<old1@canaryd>",
    "thread_id": "<t@canaryd>", "created": "2026-01-02T03:04:05Z"
  },
  "queued_at": "2026-01-02T03:04:05Z",
  "attempts": 3,
  "last_error": "connection refused",
  "next_attempt": "2026-01-02T03:10:00Z"
}"#;

fn route(id: &str) -> Route {
    Route {
        channel: id.into(),
        events: None,
        watches: None,
    }
}

#[test]
fn old_files_load_and_are_for_every_current_channel_with_their_attempts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ob = Outbox::open(dir.path()).expect("open");
    std::fs::write(dir.path().join("outbox/old1.json"), OLD).expect("write");
    let mut q = ob.pending().expect("pending").remove(0);
    assert!(q.in_feed, "the old version fed it when it queued it");
    assert!(q.channels.is_none());
    assert!(q.assign(&[route("stdout"), route("webhook:https://h/")]));
    let states = q.channels.as_ref().expect("assigned");
    assert_eq!(states.len(), 2);
    assert!(states.iter().all(|s| s.attempts == 3 && !s.settled()));
    assert!(!q.assign(&[route("other")]), "assigned once");
}

#[test]
fn an_events_filter_takes_an_alert_holding_any_of_its_kinds() {
    use crate::judge::event::EventKind;
    let q: Queued = serde_json::from_str(OLD).expect("old");
    let mut alert = q.alert;
    let event = |kind| crate::notify::alert::AlertEvent {
        kind,
        severity: None,
        detail: String::new(),
        statements: Vec::new(),
        changes: Vec::new(),
        first_seen: None,
        at: alert.created,
    };
    alert.events = vec![event(EventKind::Removed), event(EventKind::Changed)];
    let only = |kind| {
        let mut set = NotifySet::empty();
        set.insert(kind);
        Route {
            events: Some(set),
            ..route("r")
        }
    };
    assert!(
        only(EventKind::Changed).accepts(&alert),
        "the second event counts"
    );
    assert!(only(EventKind::Removed).accepts(&alert));
    assert!(!only(EventKind::Gone).accepts(&alert));
    // An old one-event alert: its kind.
    alert.events.clear();
    assert!(only(EventKind::Removed).accepts(&alert));
    assert!(!only(EventKind::Changed).accepts(&alert));
}

#[test]
fn routes_decide_the_channels_at_enqueue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ob = Outbox::open(dir.path()).expect("open");
    let mut only_b = route("b");
    only_b.watches = Some(vec!["other".into()]);
    ob.set_routes(vec![route("a"), only_b]);
    let q: Queued = serde_json::from_str(OLD).expect("old");
    ob.enqueue(&q.alert, Utc::now()).expect("enqueue");
    let q = ob.pending().expect("pending").remove(0);
    let ids: Vec<&str> = q
        .channels
        .iter()
        .flatten()
        .map(|s| s.channel.as_str())
        .collect();
    assert_eq!(ids, ["a"]);
    assert!(!q.in_feed);
}
