//! The judge stage end to end, from bodies read by `observe::read`: a small table of
//! realistic checks, each with the exact events it raises.

use canaryd_testkit::canary::we::{GAG, NSL};
use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::judge::event::EventKind::{self, *};
use crate::judge::event::Severity;
use crate::observe::extract::Format;
use crate::observe::follow::{FollowKey, Order};
use crate::observe::{Body, DocumentFormat, Input, ReadSpec};

fn t(day: i64) -> DateTime<Utc> {
    "2026-03-01T00:00:00Z"
        .parse::<DateTime<Utc>>()
        .expect("time")
        + TimeDelta::days(day)
}

fn html(claims: &[&str]) -> String {
    let items: String = claims.iter().map(|c| format!("<p>{c}</p>")).collect();
    format!("<html><body><h1>Warrant canary</h1>{items}<p>Signed 2026-03-01.</p></body></html>")
}

fn read_as(text: &str, fetched_as: Format) -> Seen {
    let input = Input {
        body: Body {
            bytes: text.as_bytes(),
            content_type: None,
            text,
            fetched_as,
        },
        detached: &[],
    };
    let spec = ReadSpec {
        format: DocumentFormat::Auto,
        selector: None,
        signing: None,
    };
    Seen::Read(Box::new(crate::observe::read(&input, &spec)))
}

fn page(claims: &[&str]) -> Seen {
    read_as(&html(claims), Format::Html)
}

/// A CanaryTail canary in the README's shape (unsigned: nothing to pin, codes read).
fn tail(codes: &[&str]) -> Seen {
    let codes: Vec<String> = codes.iter().map(|c| format!("{c:?}")).collect();
    let json = format!(
        r#"{{"VERSION": "0.1", "RELEASE": "2026-03-01T00:00:00Z", "EXPIRES": "2026-06-01T00:00:00Z", "CODES": [{}]}}"#,
        codes.join(", ")
    );
    read_as(&json, Format::Text)
}

/// A watch's state across checks, as a live watch carries it from record to record.
#[derive(Default)]
struct Watch {
    state: WatchState,
    tail: Option<TailRecord>,
}

impl Watch {
    fn check(&mut self, day: i64, seen: Seen, policy: &Policy, raised: &[Event]) -> Verdict {
        let prior = Prior {
            state: &self.state,
            tail: self.tail.as_ref(),
            followed: None,
        };
        let context = Context {
            at: t(day),
            policy,
            followed: None,
            raised,
        };
        let verdict = judge(&prior, seen, &context);
        self.state = verdict.state.clone();
        self.tail = verdict.tail.clone();
        verdict
    }
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn a_table_of_checks_raises_exactly_these_events() {
    let policy = Policy::default();
    let failed = || Seen::Failed {
        gone: false,
        error: "connection refused".into(),
    };
    // (what the case is, what each check saw, the events each check raises)
    type Case = (&'static str, Vec<Seen>, Vec<Vec<EventKind>>);
    let cases: Vec<Case> = vec![
        (
            "a claim removed, confirmed on the second sight",
            vec![page(&[NSL, GAG]), page(&[NSL]), page(&[NSL])],
            vec![vec![], vec![], vec![Removed]],
        ),
        (
            "a removal seen once, then back, is not news",
            vec![page(&[NSL, GAG]), page(&[NSL]), page(&[NSL, GAG])],
            vec![vec![], vec![], vec![]],
        ),
        (
            "a failed fetch and a 304 leave the baseline standing",
            vec![page(&[NSL, GAG]), failed(), Seen::Unchanged],
            vec![vec![], vec![], vec![]],
        ),
        (
            "the duress code's absence is alerted at once, and its confirmation not again",
            vec![
                tail(&["WAR", "GAG", "DURESS"]),
                tail(&["WAR", "GAG"]),
                tail(&["WAR", "GAG"]),
            ],
            vec![vec![], vec![Removed], vec![]],
        ),
    ];
    for (name, seen, expected) in cases {
        let mut watch = Watch::default();
        let mut generation = 0;
        for (day, (seen, want)) in seen.into_iter().zip(expected).enumerate() {
            let verdict = watch.check(day as i64, seen, &policy, &[]);
            assert_eq!(kinds(&verdict.events), want, "{name}, check {day}");
            // Every check that raised something opens the next generation, and only those.
            generation += u64::from(!want.is_empty());
            assert_eq!(verdict.state.generation, generation, "{name}, check {day}");
        }
    }
}

#[test]
fn the_duress_alert_names_the_code_once() {
    let policy = Policy::default();
    let mut watch = Watch::default();
    watch.check(0, tail(&["WAR", "DURESS"]), &policy, &[]);
    let alert = watch.check(1, tail(&["WAR"]), &policy, &[]);
    assert_eq!(alert.events.len(), 1, "{:?}", alert.events);
    assert!(
        alert.events[0].detail.contains("DURESS"),
        "{:?}",
        alert.events
    );
    assert_eq!(
        alert.tail.as_ref().map(|r| r.alerted.clone()),
        Some(vec!["duress".to_string()])
    );
    let statements = alert.statements().expect("the document was read");
    assert!(
        statements.iter().any(|s| s.text.starts_with("WAR")),
        "{statements:?}"
    );
}

#[test]
fn a_follow_series_going_backwards_is_changed_at_once_even_without_a_page() {
    let policy = Policy::default();
    let state = WatchState::default();
    let older = Followed {
        url: "https://example.org/canary-46.txt".parse().expect("url"),
        order_used: Order::Number,
        key: FollowKey::Number(46),
        reason: "newest of 2 matching links by number (46)".into(),
        candidates: 2,
    };
    let before = FollowKey::Number(47);
    let prior = Prior {
        state: &state,
        tail: None,
        followed: Some(Before {
            url: "https://example.org/canary-47.txt",
            key: &before,
        }),
    };
    let context = Context {
        at: t(0),
        policy: &policy,
        followed: Some(&older),
        raised: &[],
    };
    let verdict = judge(&prior, Seen::Unchanged, &context);
    assert_eq!(kinds(&verdict.events), [Changed]);
    assert_eq!(
        verdict.events[0].statements,
        [
            "https://example.org/canary-46.txt",
            "https://example.org/canary-47.txt"
        ]
    );
    let newer = Followed {
        key: FollowKey::Number(48),
        ..older.clone()
    };
    let context = Context {
        followed: Some(&newer),
        ..context
    };
    assert!(judge(&prior, Seen::Unchanged, &context).events.is_empty());
}

#[test]
fn events_raised_before_the_fetch_come_last_and_open_a_generation() {
    let policy = Policy::default();
    let mut watch = Watch::default();
    watch.check(0, page(&[NSL, GAG]), &policy, &[]);
    let key = crate::judge::event(
        &policy,
        crate::judge::Notice {
            kind: Signature,
            at: t(1),
            first_seen: t(1),
            severity: Severity::Info,
            detail: "the pinned key was refreshed".into(),
            statements: Vec::new(),
        },
    );
    let verdict = watch.check(1, Seen::Unchanged, &policy, std::slice::from_ref(&key));
    assert_eq!(verdict.events, [key]);
    assert_eq!(verdict.state.generation, 1);
}

#[test]
fn a_quoted_block_is_left_to_confirm_online_only_on_a_page_read_afresh() {
    let policy = Policy::default();
    let hash = "00000000000000000002a7c4c1e48d76c5a37902165a270156b7a8d72728a054";
    let mut watch = Watch::default();
    let text = format!("{NSL}\n{GAG}\nLatest block: {hash}\n");
    let verdict = watch.check(0, read_as(&text, Format::Text), &policy, &[]);
    let online = verdict.online.expect("the block is to be asked about");
    assert_eq!(online.hashes, [hash]);
    let verdict = watch.check(1, page(&[NSL, GAG]), &policy, &[]);
    assert!(verdict.online.is_none(), "{:?}", verdict.online);
    assert!(verdict.state.freshness.unconfirmed.is_none());
    let failed = Seen::Failed {
        gone: true,
        error: "404".into(),
    };
    assert!(watch.check(2, failed, &policy, &[]).online.is_none());
}
