use super::*;
use crate::judge::event::Evidence;

fn removal() -> Event {
    let at: DateTime<Utc> = "2026-01-02T03:04:05.830635442Z".parse().expect("time");
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
            unified_diff:
                "--- before\n+++ after\n-reddit has never received a National Security Letter.\n"
                    .into(),
            old_set_hash: "aa".into(),
            new_set_hash: "bb".into(),
        }),
    }
}

fn change(severity: Severity) -> Event {
    let mut e = removal();
    e.kind = EventKind::Changed;
    e.severity = severity;
    e.detail = "1 claim reworded".into();
    e.statements.clear();
    e.changes = vec![Change {
        old: "We have never received an NSL.".into(),
        new: "We have rarely received an NSL.".into(),
        word_diff: "We have [-never-]{+rarely+} received an NSL.".into(),
        broadened: false,
        weakened: true,
    }];
    e
}

fn one(name: &str, url: &str, e: &Event, generation: u64, index: usize) -> Alert {
    render(name, url, generation, &[(index, e)]).expect("one event, one alert")
}

#[test]
fn removal_alert_names_watch_event_and_quotes_statement() {
    let a = one("reddit", "https://example.org/t", &removal(), 1, 0);
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
fn times_are_to_the_second_and_nouns_agree_with_their_number() {
    let a = one("reddit", "u", &removal(), 1, 0);
    assert!(
        a.body.contains("First seen:  2026-01-02 03:04:05 UTC\n"),
        "{}",
        a.body
    );
    assert!(!a.body.contains("830635442"), "{}", a.body);
    assert!(a.body.contains("Removed statement, verbatim"), "{}", a.body);
    assert!(!a.body.contains("(s)"), "{}", a.body);
    let mut two = removal();
    two.statements.push("reddit has never been gagged.".into());
    let a = one("reddit", "u", &two, 1, 0);
    assert!(
        a.body.contains("Removed statements, verbatim"),
        "{}",
        a.body
    );
    assert_eq!(
        a.subject,
        "[canaryd] reddit: canary statement removed (2 statements)"
    );
}

#[test]
fn same_event_renders_same_id_and_thread_is_per_watch() {
    let a = one("reddit", "u", &removal(), 7, 0);
    let b = one("reddit", "u", &removal(), 7, 0);
    assert_eq!(a.id, b.id);
    // Re-derived later (a check redone after a crash): same event, same id.
    let mut later = removal();
    later.at += chrono::TimeDelta::minutes(10);
    assert_eq!(one("reddit", "u", &later, 7, 0).id, a.id);
    // Another generation (the claim came back and went again) is another alert.
    assert_ne!(one("reddit", "u", &removal(), 8, 0).id, a.id);
    assert_ne!(one("reddit", "u", &removal(), 7, 1).id, a.id);
    let mut other = removal();
    other.statements[0].push('!');
    assert_ne!(one("reddit", "u", &other, 7, 0).id, a.id);
    assert_eq!(a.thread_id, one("reddit", "v", &other, 7, 0).thread_id);
    assert_ne!(a.thread_id, thread_id("cloudflare"));
}

#[test]
fn a_one_event_alert_keeps_the_id_of_earlier_versions() {
    // sha256("reddit\n7\n0\nremoved\n<statement>")[..32], as versions that sent one alert
    // per event derived it: an alert queued (or marked sent) by them is found again.
    let e = removal();
    let old = format!("reddit\n7\n0\nremoved\n{}", e.statements[0]);
    let want = crate::observe::normalise::sha256_hex(&old)[..32].to_string();
    assert_eq!(one("reddit", "u", &e, 7, 0).id, want);
}

#[test]
fn changed_alert_shows_word_diff() {
    let a = one("x", "u", &change(Severity::High), 1, 0);
    assert_eq!(a.subject, "[canaryd] x: canary statement changed");
    assert!(a.body.contains("[-never-]{+rarely+}"));
    assert!(a.body.contains("weakened"));
    assert!(a.body.contains("Changed statement:"), "{}", a.body);
}

#[test]
fn one_check_is_one_alert_with_every_event_and_the_diff_once() {
    let (removed, changed) = (removal(), change(Severity::Low));
    // The judge raised `changed` first; the subject still names the removal, the more severe.
    let a = render("reddit", "u", 3, &[(0, &changed), (1, &removed)]).expect("alert");
    assert_eq!(
        a.subject,
        "[canaryd] reddit: canary statement removed; also changed"
    );
    assert_eq!(a.kind, EventKind::Removed);
    assert_eq!(a.severity, Some(Severity::High));
    assert_eq!(a.kinds(), [EventKind::Removed, EventKind::Changed]);
    assert_eq!(a.events.len(), 2);
    assert_eq!(a.events[1].changes, changed.changes);
    assert_eq!(a.statements, removed.statements, "the union of the events'");
    assert_eq!(a.changes, changed.changes);
    assert!(
        a.body
            .starts_with("canaryd: canary statement removed, and 1 more event on the same check"),
        "{}",
        a.body
    );
    let removed_at = a
        .body
        .find("Event 1 of 2: canary statement removed")
        .expect("1");
    let changed_at = a
        .body
        .find("Event 2 of 2: canary statement changed")
        .expect("2");
    assert!(removed_at < changed_at, "{}", a.body);
    assert!(a.body.contains("[-never-]{+rarely+}"));
    assert_eq!(
        a.body.matches("Statement list, before and after:").count(),
        1,
        "{}",
        a.body
    );
    // Stable, and not the id of either event alone.
    let again = render("reddit", "u", 3, &[(0, &changed), (1, &removed)]).expect("alert");
    assert_eq!(again.id, a.id);
    assert_ne!(a.id, one("reddit", "u", &removed, 3, 1).id);
    assert_ne!(a.id, one("reddit", "u", &changed, 3, 0).id);
    assert!(render("reddit", "u", 3, &[]).is_none());
}

#[test]
fn an_alert_from_before_grouping_is_its_one_event() {
    let mut a = one("x", "u", &removal(), 1, 0);
    a.events.clear();
    let json = serde_json::to_string(&a).expect("json");
    assert!(!json.contains("\"events\""));
    let back: Alert = serde_json::from_str(&json).expect("loads");
    let events = back.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::Removed);
    assert_eq!(events[0].statements, a.statements);
    assert_eq!(back.kinds(), [EventKind::Removed]);
}

#[test]
fn a_canary_dated_in_the_future_is_not_called_overdue() {
    let mut e = removal();
    e.kind = EventKind::Stale;
    e.statements.clear();
    e.detail = format!(
        "{}: 2026-03-01, more than the 7 days stale_grace after this check (2026-01-01)",
        crate::judge::DATED_IN_THE_FUTURE
    );
    let a = one("x", "u", &e, 1, 0);
    assert_eq!(a.subject, "[canaryd] x: canary is dated in the future");
    assert!(!a.body.contains("overdue"), "{}", a.body);
    e.detail = "the canary (dated 2025-01-01) says the next one is due by 2025-04-01".into();
    assert_eq!(
        one("x", "u", &e, 1, 0).subject,
        "[canaryd] x: canary is overdue"
    );
}

#[test]
fn a_readdressed_alert_is_rendered_again_for_its_new_name_and_keeps_its_id() {
    let (r, c) = (removal(), change(Severity::Low));
    let events = [(0, &r), (1, &c)];
    let url = "https://example.org/t";
    let mut a = render("old", url, 3, &events).expect("alert");
    // Through the outbox's JSON, as a queued alert is read back.
    let json = serde_json::to_string(&a).expect("json");
    let mut queued: Alert = serde_json::from_str(&json).expect("read back");
    assert!(queued.readdress("new"));
    let fresh = render("new", url, 3, &events).expect("alert");
    assert_eq!(queued.subject, fresh.subject);
    assert_eq!(queued.body, fresh.body);
    assert_eq!(
        (queued.watch.as_str(), &queued.thread_id),
        ("new", &fresh.thread_id)
    );
    assert!(
        queued.body.contains("Statement set sha256 before: aa"),
        "{}",
        queued.body
    );
    assert_eq!(queued.id, a.id, "the id (and file, and Message-ID) stay");
    assert_eq!(queued.message_id, a.message_id);

    // Queued by a version that kept no evidence: its text stays as it was.
    a.evidence = None;
    let body = a.body.clone();
    assert!(!a.readdress("new"));
    assert_eq!((a.watch.as_str(), a.body), ("new", body));
}
