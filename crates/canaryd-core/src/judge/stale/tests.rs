//! Extreme settings and times: date arithmetic saturates, so absurd durations mean "never"
//! and the ends of representable time raise what they should, without a panic.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

use crate::judge::event::EventKind::{self, *};
use crate::judge::{Observation, Policy, WatchState, observe, stale_due, tick};
use crate::observe::normalise::statement;

const CLAIM: &str = "We have never received a National Security Letter.";
const OTHER: &str = "We have never been subject to a gag order.";
const DATED: &str = "The date of issue of this canary is January 20, 2026.";
const QUARTERLY: &str = "We update this canary quarterly.";

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("a valid time")
}

fn page(texts: &[(&str, bool)]) -> Observation {
    Observation::Content {
        statements: texts.iter().map(|(s, c)| statement(s, *c)).collect(),
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    }
}

fn absurd() -> Policy {
    Policy {
        confirm_after: Duration::MAX,
        unreachable_after: Duration::MAX,
        max_age: Some(Duration::MAX),
        stale_grace: Duration::MAX,
        ..Policy::default()
    }
}

fn kinds(events: &[crate::judge::event::Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

/// A state whose baseline is dated `date` (as `state.json` could hold it).
fn dated(date: NaiveDate, at: DateTime<Utc>, p: &Policy) -> WatchState {
    let mut s = observe(
        &WatchState::default(),
        page(&[(CLAIM, true), (QUARTERLY, false)]),
        at,
        p,
    )
    .state;
    if let Some(b) = s.baseline.as_mut() {
        b.canary_date = Some(date);
    }
    s.newest_date = Some(date);
    s
}

#[test]
fn durations_beyond_any_date_never_make_a_canary_stale() {
    let p = absurd();
    let at = t("2026-02-01T00:00:00Z");
    let j = observe(
        &WatchState::default(),
        page(&[(CLAIM, true), (DATED, false), (QUARTERLY, false)]),
        at,
        &p,
    );
    assert!(j.events.is_empty());
    assert_eq!(
        stale_due(&j.state, &p),
        None,
        "no deadline is representable"
    );
    // A check at the last representable moment still finds nothing due.
    let j = tick(&j.state, DateTime::<Utc>::MAX_UTC, &p);
    assert!(j.events.is_empty(), "{:?}", kinds(&j.events));
    // Failing for as long as time allows is still short of an unlimited unreachable_after.
    let mut s = j.state;
    for at in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let j = observe(
            &s,
            Observation::Failed {
                gone: false,
                error: "timeout".into(),
            },
            at,
            &p,
        );
        assert!(!kinds(&j.events).contains(&Unreachable));
        s = j.state;
    }
}

#[test]
fn a_huge_but_representable_max_age_is_honoured() {
    let p = Policy {
        max_age: Some(Duration::from_secs(1_000_000_000_000)), // about 31,700 years
        stale_grace: Duration::from_secs(1_000_000_000_000),
        ..Policy::default()
    };
    let at = t("2026-02-01T00:00:00Z");
    let s = observe(
        &WatchState::default(),
        page(&[(CLAIM, true), (DATED, false)]),
        at,
        &p,
    )
    .state;
    let (due, why) = stale_due(&s, &p).expect("a deadline in year 33,714");
    assert_eq!(
        due,
        t("2026-01-20T00:00:00Z") + TimeDelta::seconds(1_000_000_000_000)
    );
    assert!(why.contains("max_age"), "{why}");
    assert!(tick(&s, due - TimeDelta::seconds(1), &p).events.is_empty());
    assert_eq!(kinds(&tick(&s, due, &p).events), vec![Stale]);
}

#[test]
fn canaries_dated_at_the_ends_of_the_calendar() {
    let at = t("2026-02-01T00:00:00Z");
    let p = Policy {
        max_age: Some(Duration::from_secs(30 * 86400)),
        ..Policy::default()
    };
    // Year 9999: far in the future, whatever the grace, unless the grace is unbounded.
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a valid date");
    let j = tick(&dated(far, at, &p), at, &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    assert!(
        j.events[0].detail.contains("in the future"),
        "{}",
        j.events[0].detail
    );
    let unbounded = Policy {
        stale_grace: Duration::MAX,
        ..p.clone()
    };
    let s = dated(far, at, &unbounded);
    assert!(tick(&s, at, &unbounded).events.is_empty());
    assert!(stale_due(&s, &unbounded).is_some_and(|(d, _)| d > at));
    // The last day chrono can represent: its deadlines lie beyond it, so none applies.
    let s = dated(NaiveDate::MAX, at, &unbounded);
    assert_eq!(stale_due(&s, &unbounded), None);
    assert!(
        tick(&s, DateTime::<Utc>::MAX_UTC, &unbounded)
            .events
            .is_empty()
    );
    // Year 1: long overdue.
    let first = NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date");
    let j = tick(&dated(first, at, &p), at, &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    let s = dated(NaiveDate::MIN, at, &p);
    assert!(stale_due(&s, &p).is_some_and(|(d, _)| d < at));
    assert_eq!(kinds(&tick(&s, at, &p).events), vec![Stale]);
}

#[test]
fn observations_at_the_ends_of_time() {
    let p = Policy {
        max_age: Some(Duration::from_secs(86400)),
        confirm: 1,
        ..Policy::default()
    };
    for at in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        // Undated: staleness runs from the last change, here the end of time itself.
        let mut s = WatchState::default();
        let mut all = Vec::new();
        for texts in [
            &[(CLAIM, true), (OTHER, true), (QUARTERLY, false)][..],
            &[(CLAIM, true), (QUARTERLY, false)][..],
            &[(CLAIM, true), (OTHER, true), (QUARTERLY, false)][..],
        ] {
            let j = observe(&s, page(texts), at, &p);
            all.extend(kinds(&j.events));
            s = j.state;
        }
        assert!(
            all.contains(&Removed) && all.contains(&Added),
            "{at}: {all:?}"
        );
        let due = stale_due(&s, &p);
        if at == DateTime::<Utc>::MAX_UTC {
            assert_eq!(due, None, "a deadline after the end of time is none");
        } else {
            assert!(due.is_some_and(|(d, _)| d > at));
            let later = at + TimeDelta::days(200);
            assert_eq!(kinds(&tick(&s, later, &p).events), vec![Stale]);
        }
    }
}

#[test]
fn time_running_backwards_from_the_end_of_time() {
    let p = Policy {
        confirm: 1,
        ..Policy::default()
    };
    let mut s = WatchState::default();
    for at in [
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::MIN_UTC,
        DateTime::<Utc>::MAX_UTC,
        DateTime::<Utc>::MIN_UTC,
    ] {
        s = observe(&s, page(&[(CLAIM, true), (DATED, false)]), at, &p).state;
        s = observe(
            &s,
            Observation::Failed {
                gone: true,
                error: "404".into(),
            },
            at,
            &p,
        )
        .state;
        s = tick(&s, at, &p).state;
    }
    assert!(s.baseline.is_some());
}

#[test]
fn deadlines_say_durations_as_written_not_in_mixed_units() {
    let at = t("2026-02-01T00:00:00Z");
    let date = NaiveDate::from_ymd_opt(2026, 1, 20).expect("date");
    let aged = Policy {
        max_age: Some(Duration::from_secs(60 * 86_400)),
        ..Policy::default()
    };
    let (_, why) = stale_due(&dated(date, at, &aged), &aged).expect("due");
    assert!(why.ends_with("is older than max_age 60 days"), "{why}");
    let plain = Policy::default();
    let (_, why) = stale_due(&dated(date, at, &plain), &plain).expect("due");
    assert!(why.contains("within the 7 days grace period"), "{why}");
}
