//! Fuzz target: the judge. Builds a `Policy` with arbitrary durations (any u64 seconds, or
//! none), then drives `observe`, `tick` and `stale_due` through a sequence of observations
//! (pages built from a small vocabulary of claims and context sentences with dates and
//! cadences, 304s, failed fetches, 404s, short pages) at arbitrary, possibly backwards,
//! times down to the ends of what chrono can represent. Checks, beyond "no panic": an event
//! is emailed only if its kind is in the policy's notify set; every event is dated at the
//! check that raised it; pending differences never outnumber the statements they compare;
//! a state left alone is not changed by observing nothing new.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use canaryd_core::judge::event::{EventKind, NotifySet};
use canaryd_core::judge::{ChangedLow, Observation, Policy, WatchState, observe, stale_due, tick};
use canaryd_core::observe::normalise::statement;
use canaryd_core::observe::statement::Statement;
use chrono::{DateTime, TimeDelta, Utc};
use libfuzzer_sys::fuzz_target;

/// Claims, with rewordings that weaken or merely restate them.
const CLAIMS: &[&str] = &[
    "We have never received a National Security Letter.",
    "We have not received any National Security Letters.",
    "We have received a National Security Letter.",
    "We have never been subject to a gag order.",
    "We have never been subject to a gag order from any court.",
    "We have never placed a backdoor in our software.",
    "As of March 3, 2021, Example has never received a National Security Letter.",
    "As of April 21, 2014, Riseup has not received any National Security Letters.",
    "No warrants have ever been served on us.",
];

/// Context: issue dates, freshness lines, cadences and deadlines, English and French.
const CONTEXT: &[&str] = &[
    "The date of issue of this canary is January 20, 2020.",
    "Thu, 01 Aug 2024 12:00:00 +0000",
    "Last updated: December 31, 2999",
    "Last updated: January 1, 1800",
    "Warrant canary — 1 March 2025",
    "We update this canary quarterly.",
    "We update this canary once per quarter.",
    "Riseup intends to update this report approximately once per quarter.",
    "The next update will be published by March 31, 2025.",
    "The next statement will be published on or before 1 March.",
    "Next update by December 2999.",
    "The next canary will be published by the end of May 2999.",
    "We plan to publish the next of these canary statements in the first fourteen days of September 2026.",
    "This canary will be re-signed on the following dates:",
    "February 1",
    "May 1, August 1, November 1.",
    "A new canary is signed within 999 weeks of the last.",
    "This canary is renewed every 999 years.",
    "This statement is updated daily.",
    "Ce canari est renouvelé tous les deux mois.",
    "La prochaine mise à jour sera publiée avant le 1er juin 2025.",
    "Note: in the previous canary, 'March 2020' has been corrected to 'March 2021'.",
    "\"5G network will be fully deployed by April 2020\", The Daily Example",
    "Fingerprint: 0123 4567 89AB CDEF",
];

/// What a short page in place of the canary says (one is a known error template).
const EXCERPTS: &[&str] = &["Coming soon", "404 Not Found", "Under maintenance", ""];

const UNITS: &[&str] = &["days", "weeks", "months", "years", "quarters"];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Debug, Arbitrary)]
enum Line {
    Claim(u8),
    Context(u8),
    /// An issue date; the date regex only reads years 1800–2999.
    Issued {
        year: u16,
        month: u8,
        day: u8,
    },
    /// A stated deadline.
    Deadline {
        year: u16,
        month: u8,
        day: u8,
    },
    /// "every N units".
    Every {
        n: u16,
        unit: u8,
    },
}

impl Line {
    fn statement(&self) -> Statement {
        let month = |m: u8| MONTHS[usize::from(m) % MONTHS.len()];
        let year = |y: u16| 1790 + u32::from(y) % 1220; // a few outside the regex's range
        match *self {
            Line::Claim(i) => statement(CLAIMS[usize::from(i) % CLAIMS.len()], true),
            Line::Context(i) => statement(CONTEXT[usize::from(i) % CONTEXT.len()], false),
            Line::Issued {
                year: y,
                month: m,
                day,
            } => statement(
                &format!(
                    "The date of issue of this canary is {} {}, {}.",
                    month(m),
                    day % 32,
                    year(y)
                ),
                false,
            ),
            Line::Deadline {
                year: y,
                month: m,
                day,
            } => statement(
                &format!(
                    "The next canary will be published before {} {} {}.",
                    day % 32,
                    month(m),
                    year(y)
                ),
                false,
            ),
            Line::Every { n, unit } => statement(
                &format!(
                    "This canary is updated every {} {}.",
                    n % 1000,
                    UNITS[usize::from(unit) % UNITS.len()]
                ),
                false,
            ),
        }
    }
}

/// When a step happens: relative to the previous step (forwards or back), or at an
/// absolute instant (the ends of time included).
#[derive(Debug, Arbitrary)]
enum When {
    /// Seconds after the previous step (negative: before it).
    After(i32),
    /// Days after the previous step (negative: before it).
    Days(i16),
    /// Seconds since the epoch, clamped to the representable range.
    At(i64),
    Min,
    Max,
}

#[derive(Debug, Arbitrary)]
enum What {
    Page {
        lines: Vec<Line>,
        body_len: u64,
        /// A page hash and excerpt, as a fetched page without claims has.
        short: Option<(u8, u8)>,
    },
    Unchanged,
    Failed {
        gone: bool,
    },
    Tick,
}

#[derive(Debug, Arbitrary)]
struct Step {
    when: When,
    what: What,
}

#[derive(Debug, Arbitrary)]
struct Input {
    confirm: u8,
    confirm_after: u64,
    unreachable_after: u64,
    max_age: Option<u64>,
    stale_grace: u64,
    notify: u16,
    changed_low: bool,
    start: i64,
    steps: Vec<Step>,
}

fn clamp(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

fn shift(t: DateTime<Utc>, d: TimeDelta) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(if d < TimeDelta::zero() {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// Pending differences allowed beyond the statements compared. Each one names a statement
/// of the baseline or of the page, so none is expected; the margin keeps the check about
/// runaway growth, not exact bookkeeping.
const PENDING_SLACK: usize = 2;

fuzz_target!(|input: Input| {
    let mut notify = NotifySet::empty();
    for (i, kind) in EventKind::ALL.into_iter().enumerate() {
        if input.notify & (1 << i) != 0 {
            notify.insert(kind);
        }
    }
    let policy = Policy {
        confirm: u32::from(input.confirm % 8),
        confirm_after: Duration::from_secs(input.confirm_after),
        notify,
        unreachable_after: Duration::from_secs(input.unreachable_after),
        max_age: input.max_age.map(Duration::from_secs),
        stale_grace: Duration::from_secs(input.stale_grace),
        changed_low: if input.changed_low {
            ChangedLow::Notify
        } else {
            ChangedLow::Record
        },
    };
    let mut state = WatchState::default();
    let mut at = clamp(input.start);
    // A short run keeps each input fast; the fuzzer explores length through many inputs.
    for step in input.steps.iter().take(64) {
        at = match step.when {
            When::After(s) => shift(at, TimeDelta::seconds(i64::from(s))),
            When::Days(d) => shift(at, TimeDelta::days(i64::from(d))),
            When::At(s) => clamp(s),
            When::Min => DateTime::<Utc>::MIN_UTC,
            When::Max => DateTime::<Utc>::MAX_UTC,
        };
        let before = state.clone();
        let baseline_len = before.baseline.as_ref().map_or(0, |b| b.statements.len());
        let (judgement, compared) = match &step.what {
            What::Page {
                lines,
                body_len,
                short,
            } => {
                let statements: Vec<Statement> =
                    lines.iter().take(40).map(Line::statement).collect();
                let n = statements.len();
                let (page_hash, excerpt) = match short {
                    Some((h, e)) => (
                        Some(format!("page-{}", h % 4)),
                        Some(EXCERPTS[usize::from(*e) % EXCERPTS.len()].to_string()),
                    ),
                    None => (None, None),
                };
                let obs = Observation::Content {
                    statements,
                    body_len: *body_len,
                    page_hash,
                    excerpt,
                };
                (observe(&state, obs, at, &policy), Some(n))
            }
            What::Unchanged => (observe(&state, Observation::Unchanged, at, &policy), None),
            What::Failed { gone } => {
                let obs = Observation::Failed {
                    gone: *gone,
                    error: if *gone { "HTTP 404" } else { "timed out" }.to_string(),
                };
                (observe(&state, obs, at, &policy), None)
            }
            What::Tick => (tick(&state, at, &policy), None),
        };
        for e in &judgement.events {
            assert!(
                !e.notify || policy.notify.contains(e.kind),
                "{} emailed though not in the notify set",
                e.kind
            );
            assert_eq!(e.at, at, "{} dated {} at a check at {at}", e.kind, e.at);
        }
        state = judgement.state;
        // Pending differences are recomputed only when a page is compared with the baseline
        // (not for an error page, a 304, a failed fetch or a tick).
        if state.pending != before.pending {
            let n = compared.expect("pending changed without a page");
            assert!(
                state.pending.len() <= baseline_len + n + PENDING_SLACK,
                "{} pending after comparing {baseline_len} baseline statements with {n}",
                state.pending.len()
            );
        }
        let _ = stale_due(&state, &policy);
    }
});
