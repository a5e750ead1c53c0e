//! Judgement rules, each a small scenario over observations.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::judge::event::EventKind::*;
use crate::judge::event::{EventKind, Severity};
use crate::observe::normalise::statement;

fn t(day: i64) -> DateTime<Utc> {
    "2026-01-01T00:00:00Z"
        .parse::<DateTime<Utc>>()
        .expect("time")
        + TimeDelta::days(day)
}

fn policy(confirm: u32) -> Policy {
    Policy {
        confirm,
        ..Policy::default()
    }
}

const A: &str = "We have never received a National Security Letter.";
const B: &str = "We have never been subject to a gag order.";
const C: &str = "We have never placed a backdoor in our software.";

fn page(texts: &[&str]) -> Observation {
    Observation::Content {
        statements: texts.iter().map(|s| statement(s, true)).collect(),
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    }
}

/// Feeds observations in order (one a day); returns the state and the events per step.
fn run(p: &Policy, steps: Vec<Observation>) -> (WatchState, Vec<Vec<Event>>) {
    let mut state = WatchState::default();
    let mut all = Vec::new();
    for (i, obs) in steps.into_iter().enumerate() {
        let j = observe(&state, obs, t(i as i64), p);
        state = j.state;
        all.push(j.events);
    }
    (state, all)
}

fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

#[test]
fn first_observation_is_the_baseline_and_raises_nothing() {
    let (state, events) = run(&policy(2), vec![page(&[A, B])]);
    assert!(events[0].is_empty());
    assert_eq!(state.baseline.expect("baseline").statements.len(), 2);
}

#[test]
fn removal_is_alerted_after_confirm_observations() {
    let (state, events) = run(
        &policy(2),
        vec![
            page(&[A, B, C]),
            page(&[B, C]),
            page(&[B, C]),
            page(&[B, C]),
        ],
    );
    assert!(events[1].is_empty(), "one observation is not enough");
    assert_eq!(kinds(&events[2]), vec![Removed]);
    let e = &events[2][0];
    assert_eq!(e.statements, vec![A.to_string()]);
    assert!(e.notify && e.claim && e.severity == Severity::High);
    assert_eq!(e.first_seen, t(1));
    assert!(events[3].is_empty(), "confirmed removals are not repeated");
    assert!(state.pending.is_empty());
    assert_eq!(state.baseline.expect("baseline").statements.len(), 2);
}

#[test]
fn statement_back_before_confirmation_raises_nothing() {
    let (state, events) = run(
        &policy(3),
        vec![
            page(&[A, B]),
            page(&[B]),
            page(&[B]),
            page(&[A, B]),
            page(&[A, B]),
        ],
    );
    assert!(events.iter().all(|e| e.is_empty()), "{events:?}");
    assert!(state.pending.is_empty());
}

#[test]
fn weakened_claim_is_high_severity_changed() {
    let weaker = "We have rarely received a National Security Letter.";
    let (_, events) = run(&policy(1), vec![page(&[A, B]), page(&[weaker, B])]);
    assert_eq!(kinds(&events[1]), vec![Changed]);
    let e = &events[1][0];
    assert_eq!(e.severity, Severity::High);
    assert!(!e.changes[0].broadened);
    assert!(e.notify);
}

#[test]
fn broadened_claim_is_low_severity_changed() {
    let broader = "We have never received a National Security Letter or any similar order.";
    let (_, events) = run(&policy(1), vec![page(&[A, B]), page(&[broader, B])]);
    assert_eq!(kinds(&events[1]), vec![Changed]);
    assert_eq!(events[1][0].severity, Severity::Low);
    assert!(events[1][0].changes[0].broadened);
}

#[test]
fn added_statement_is_recorded_not_emailed() {
    let (_, events) = run(&policy(1), vec![page(&[A]), page(&[A, B])]);
    assert_eq!(kinds(&events[1]), vec![Added]);
    assert!(!events[1][0].notify);
}

#[test]
fn context_changes_are_recorded_never_emailed() {
    let ctx = |s: &str| statement(s, false);
    let obs = |n: &str| Observation::Content {
        statements: vec![statement(A, true), ctx(n)],
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    };
    let (_, events) = run(
        &policy(1),
        vec![
            obs("There have been 84 security bulletins published so far."),
            obs("Our office moved to Berlin."),
        ],
    );
    assert!(!events[1].is_empty());
    assert!(
        events[1].iter().all(|e| !e.notify && !e.claim),
        "{:?}",
        events[1]
    );
}

#[test]
fn failed_fetch_never_removes_and_unreachable_fires_once_after_threshold() {
    let fail = || Observation::Failed {
        gone: false,
        error: "connection refused".into(),
    };
    let (state, events) = run(
        &policy(2),
        vec![page(&[A, B]), fail(), fail(), fail(), fail(), page(&[A, B])],
    );
    // Failures start at day 1; day 3 is two days later.
    assert!(events[1].is_empty() && events[2].is_empty());
    assert_eq!(kinds(&events[3]), vec![Unreachable]);
    assert!(events[4].is_empty(), "unreachable is raised once");
    assert_eq!(kinds(&events[5]), vec![Recovered]);
    // Said for people: one unit, times to the second with their zone, nouns that agree.
    let why = &events[3][0].detail;
    assert!(
        why.contains("every fetch has failed for 2 days (3 attempts since "),
        "{why}"
    );
    assert!(why.contains(":00 UTC)") && !why.contains("+00:00"), "{why}");
    let back = &events[5][0].detail;
    assert!(back.contains("after 4 failed fetches since "), "{back}");
    assert!(state.failing.is_none());
    assert_eq!(
        state.baseline.expect("baseline").statements.len(),
        2,
        "failures never touch the baseline"
    );
}

#[test]
fn not_found_after_working_is_gone_after_confirm() {
    let gone = || Observation::Failed {
        gone: true,
        error: "HTTP 404 Not Found".into(),
    };
    let (_, events) = run(
        &policy(2),
        vec![page(&[A]), gone(), gone(), gone(), page(&[A])],
    );
    assert!(events[1].is_empty());
    assert_eq!(kinds(&events[2]), vec![Gone]);
    assert!(events[3].is_empty());
    assert_eq!(kinds(&events[4]), vec![Recovered]);
}

#[test]
fn page_without_statements_is_missing_not_removed() {
    let (_, events) = run(
        &policy(2),
        vec![
            page(&[A, B]),
            page(&[]),
            page(&[]),
            page(&[]),
            page(&[A, B]),
        ],
    );
    assert!(events[1].is_empty());
    assert_eq!(kinds(&events[2]), vec![Missing]);
    assert_eq!(
        events[2][0].statements.len(),
        2,
        "missing names the claims that were there"
    );
    assert!(events[3].is_empty());
    assert_eq!(kinds(&events[4]), vec![Recovered]);
}

#[test]
fn tiny_page_without_statements_is_an_error_page_not_content() {
    let tiny = Observation::Content {
        statements: vec![],
        body_len: 300,
        page_hash: None,
        excerpt: None,
    };
    let (state, events) = run(&policy(1), vec![page(&[A, B]), tiny]);
    assert!(events[1].is_empty());
    assert!(state.failing.is_some(), "recorded as a failed fetch");
    assert_eq!(state.missing.count, 0);
}

#[test]
fn flapping_statement_gives_one_notice_not_an_alert_per_flip() {
    let mut steps = vec![page(&[A, B])];
    for i in 0..8 {
        steps.push(if i % 2 == 0 {
            page(&[B])
        } else {
            page(&[A, B])
        });
    }
    let (_, events) = run(&policy(1), steps);
    let all: Vec<&Event> = events.iter().flatten().collect();
    let flapping = all.iter().filter(|e| e.kind == Flapping).count();
    assert_eq!(flapping, 1, "{all:?}");
    let emailed_removals = all.iter().filter(|e| e.kind == Removed && e.notify).count();
    assert!(
        emailed_removals <= 1,
        "at most the first flip alerts: {emailed_removals}"
    );
}

#[test]
fn overdue_canary_is_stale_once_then_recovers() {
    let mut p = policy(1);
    p.max_age = Some(Duration::from_secs(30 * 86400));
    let dated = |d: &str| Observation::Content {
        statements: vec![statement(
            &format!("As of {d}, we have never received a National Security Letter."),
            true,
        )],
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    };
    let mut state = WatchState::default();
    let j = observe(&state, dated("January 1, 2026"), t(0), &p);
    state = j.state;
    assert!(j.events.is_empty());
    let j = tick(&state, t(20), &p);
    assert!(j.events.is_empty());
    let j = tick(&j.state, t(31), &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    state = j.state;
    let j = tick(&state, t(40), &p);
    assert!(j.events.is_empty(), "stale is raised once");
    let j = observe(&j.state, dated("February 15, 2026"), t(45), &p);
    assert_eq!(kinds(&j.events), vec![Recovered]);
}

#[test]
fn canary_dated_in_the_future_or_going_backwards_is_stale() {
    let p = policy(1);
    let dated = |d: &str| Observation::Content {
        statements: vec![
            statement(
                &format!("As of {d}, we have never received a National Security Letter."),
                true,
            ),
            statement(
                "We plan to publish the next canary in the first fourteen days of April 2026.",
                false,
            ),
        ],
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    };
    // t(0) is 2026-01-01: a canary dated in March 2026 is from the future.
    let j = observe(&WatchState::default(), dated("March 1, 2026"), t(0), &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    assert!(
        j.events[0].detail.contains("future"),
        "{}",
        j.events[0].detail
    );

    let j = observe(&WatchState::default(), dated("December 1, 2025"), t(0), &p);
    assert!(
        j.events.is_empty(),
        "the plan's April date is a deadline, not the canary's date"
    );
    let j = observe(&j.state, dated("November 1, 2025"), t(1), &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    assert!(
        j.events[0].detail.contains("backwards"),
        "{}",
        j.events[0].detail
    );
}

fn short_page(hash: &str, text: &str) -> Observation {
    Observation::Content {
        statements: vec![],
        body_len: 300,
        page_hash: Some(hash.into()),
        excerpt: Some(text.into()),
    }
}

#[test]
fn the_same_short_page_served_long_enough_is_missing_not_a_failed_fetch() {
    let p = policy(2);
    let moved = "This page has moved. See our annual report.";
    // One a day: day 1 and day 2 span a day, more than confirm_after (10 minutes).
    let (state, events) = run(
        &p,
        vec![
            page(&[A, B]),
            short_page("h1", moved),
            short_page("h1", moved),
            short_page("h1", moved),
            page(&[A, B]),
        ],
    );
    assert!(events[1].is_empty(), "{:?}", events[1]);
    assert_eq!(kinds(&events[2]), vec![Missing]);
    let e = &events[2][0];
    assert_eq!(e.statements, vec![A.to_string(), B.to_string()]);
    assert!(e.detail.contains(moved), "{}", e.detail);
    assert!(e.notify && e.severity == Severity::High);
    assert_eq!(e.first_seen, t(1));
    assert!(events[3].is_empty(), "missing is raised once");
    assert_eq!(kinds(&events[4]), vec![Recovered]);
    assert!(state.failing.is_none() && state.short_page.is_none());
}

#[test]
fn a_short_page_must_persist_for_confirm_after_and_stay_the_same() {
    let mut p = policy(2);
    p.confirm_after = Duration::from_secs(36 * 3600);
    let moved = "This page has moved.";
    let (_, events) = run(
        &p,
        vec![
            page(&[A]),
            short_page("h1", moved),
            short_page("h1", moved),
            short_page("h1", moved),
        ],
    );
    // Days 1 and 2 span one day: not yet; day 3 spans two.
    assert!(events[2].is_empty(), "{events:?}");
    assert_eq!(kinds(&events[3]), vec![Missing]);
    // A page that keeps changing is not one persistent replacement.
    let (state, events) = run(
        &policy(2),
        vec![
            page(&[A]),
            short_page("h1", moved),
            short_page("h2", moved),
            short_page("h3", moved),
        ],
    );
    assert!(
        events.iter().flatten().all(|e| e.kind != Missing),
        "{events:?}"
    );
    assert!(state.failing.is_some());
}

#[test]
fn a_known_error_template_stays_a_failed_fetch_however_long() {
    let bad = "502 Bad Gateway nginx";
    let mut steps = vec![page(&[A])];
    steps.extend((0..5).map(|_| short_page("h", bad)));
    let (state, events) = run(&policy(2), steps);
    let all: Vec<EventKind> = events.iter().flatten().map(|e| e.kind).collect();
    assert_eq!(
        all,
        vec![Unreachable],
        "a failed fetch for 2 days, never missing"
    );
    assert!(state.failing.is_some() && !state.missing.alerted);
}

#[test]
fn low_severity_rewording_is_recorded_unless_changed_low_is_notify() {
    let reworded = "We have never received a National Security Letter, to our knowledge today.";
    let (_, events) = run(&policy(1), vec![page(&[A, B]), page(&[reworded, B])]);
    assert_eq!(kinds(&events[1]), vec![Changed]);
    let e = &events[1][0];
    assert_eq!(e.severity, Severity::Low);
    assert!(!e.notify, "recorded, not emailed: {}", e.detail);
    assert!(
        e.changes[0].word_diff.to_string().contains("{+"),
        "the word diff stays"
    );
    let mut p = policy(1);
    p.changed_low = ChangedLow::Notify;
    let (_, events) = run(&p, vec![page(&[A, B]), page(&[reworded, B])]);
    assert!(events[1][0].notify);
    // A weakening is always emailed, and kept apart from a low rewording in the same check.
    let weaker = "We have rarely been subject to a gag order.";
    let (_, events) = run(&policy(1), vec![page(&[A, B]), page(&[reworded, weaker])]);
    let got: Vec<(Severity, bool)> = events[1].iter().map(|e| (e.severity, e.notify)).collect();
    assert_eq!(got, vec![(Severity::High, true), (Severity::Low, false)]);
}

#[test]
fn a_canary_dated_ahead_by_no_more_than_stale_grace_is_normal() {
    let p = policy(1);
    let dated = |d: &str| Observation::Content {
        statements: vec![statement(
            &format!("As of {d}, we have never received a National Security Letter."),
            true,
        )],
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    };
    // t(0) is 2026-01-01; stale_grace is 7 days.
    for d in ["January 2, 2026", "January 5, 2026", "January 8, 2026"] {
        let j = observe(&WatchState::default(), dated(d), t(0), &p);
        assert!(j.events.is_empty(), "{d}: {:?}", j.events);
    }
    let j = observe(&WatchState::default(), dated("January 9, 2026"), t(0), &p);
    assert_eq!(kinds(&j.events), vec![Stale]);
    // The headline this detail gets ("canary is dated in the future") is the binary's
    // notify::alert test `a_canary_dated_in_the_future_is_not_called_overdue`.
    assert!(j.events[0].detail.starts_with(DATED_IN_THE_FUTURE));
}

#[test]
fn state_dated_by_the_old_rule_is_read_again_not_taken_as_going_backwards() {
    let p = policy(1);
    let obs = || Observation::Content {
        statements: vec![
            statement(
                "As of December 20, 2025, we have never received a National Security Letter.",
                true,
            ),
            statement("\"Network to be fully deployed by April 2026\"", false),
        ],
        body_len: 10_000,
        page_hash: None,
        excerpt: None,
    };
    let j = observe(&WatchState::default(), obs(), t(0), &p);
    // As saved by the old rule: the headline's April 2026 taken as the canary's date.
    let mut old = j.state;
    old.dating_rule = 0;
    old.newest_date = "2026-04-01".parse().ok();
    if let Some(b) = old.baseline.as_mut() {
        b.canary_date = old.newest_date;
    }
    let j = observe(&old, obs(), t(1), &p);
    assert!(j.events.is_empty(), "{:?}", j.events);
    assert_eq!(j.state.newest_date, "2025-12-20".parse().ok());
}

#[test]
fn a_huge_body_length_does_not_overflow_the_usual_size() {
    let big = |len: u64| Observation::Content {
        statements: vec![statement(A, true)],
        body_len: len,
        page_hash: None,
        excerpt: None,
    };
    let p = policy(2);
    let mut state = WatchState::default();
    for (i, len) in [u64::MAX, u64::MAX, 10_000].into_iter().enumerate() {
        state = observe(&state, big(len), t(i as i64), &p).state;
    }
    // (3 × u64::MAX + 10,000) / 4, computed without overflowing.
    assert_eq!(state.usual_size, Some(13_835_058_055_282_166_211));
}
