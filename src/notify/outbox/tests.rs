//! Tests of the outbox: durable queueing, backoff, reopen.

use super::*;
use crate::judge::event::EventKind;

fn alert(id: &str) -> Alert {
    Alert {
        id: id.into(),
        watch: "w".into(),
        url: "u".into(),
        kind: EventKind::Removed,
        subject: "s".into(),
        body: "b".into(),
        message_id: format!("<{id}@canaryd>"),
        thread_id: "<t@canaryd>".into(),
        created: Utc::now(),
        severity: None,
        detail: String::new(),
        statements: Vec::new(),
        changes: Vec::new(),
        first_seen: None,
        events: Vec::new(),
        evidence: None,
    }
}

#[test]
fn queued_alert_survives_reopen_until_delivered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Utc::now();
    let ob = Outbox::open(dir.path()).expect("open");
    ob.enqueue(&alert("a1"), now).expect("enqueue");
    ob.enqueue(&alert("a1"), now).expect("idempotent");
    let again = Outbox::open(dir.path()).expect("reopen");
    let pending = again.pending().expect("pending");
    assert_eq!(pending.len(), 1);
    let failed = again
        .failed(&pending[0], "connection refused", now, DELIVERY_BACKOFF)
        .expect("failed");
    assert_eq!(failed.attempts, 1);
    assert!(failed.next_attempt > now);
    assert_eq!(
        again.pending().expect("pending")[0].last_error.as_deref(),
        Some("connection refused")
    );
    again.delivered("a1").expect("delivered");
    assert!(again.pending().expect("pending").is_empty());
}

#[test]
fn backoff_grows_and_is_capped_at_an_hour() {
    let b = DELIVERY_BACKOFF;
    assert!(b.delay(1) <= Duration::from_secs(60));
    assert!(b.delay(1) >= Duration::from_secs(48));
    assert!(b.delay(3) >= Duration::from_secs(192));
    for n in [10, 20, 1000] {
        assert!(b.delay(n) <= Duration::from_secs(3600));
        assert!(b.delay(n) >= Duration::from_secs(2880));
    }
}

#[test]
fn a_delivered_alert_moves_to_sent_and_is_never_queued_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let now = Utc::now();
    let ob = Outbox::open(dir.path()).expect("open");
    for id in ["now", "grouped"] {
        ob.enqueue(&alert(id), now).expect("enqueue");
    }
    ob.delivered("now").expect("delivered");
    ob.delivered_deferred("grouped")
        .expect("delivered, to settle");
    ob.settle(&["grouped".to_string()]).expect("settle");
    let outbox = dir.path().join("outbox");
    for id in ["now", "grouped"] {
        assert!(
            !outbox.join(format!("{id}.json")).exists(),
            "{id} left the queue"
        );
        assert!(
            outbox.join("sent").join(id).is_file(),
            "{id} is marked sent"
        );
    }
    let again = Outbox::open(dir.path()).expect("reopen");
    for id in ["now", "grouped"] {
        again.enqueue(&alert(id), now).expect("enqueue again");
        again
            .delivered_deferred(id)
            .expect("a second delivery is a no-op");
    }
    assert!(
        again.pending().expect("pending").is_empty(),
        "re-derived alerts are not queued"
    );
}
