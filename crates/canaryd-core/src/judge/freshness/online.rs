//! Judges what `freshness_api` said about the block hashes a canary quotes. Pure: the
//! lookups are made by the pipeline, and only final answers (a block found, a hash no block
//! has) are kept in the watch's state and judged; an API that could not answer is a note,
//! never an alert (neither a missed death nor a false alarm).
//!
//! - no block has the hash: `freshness`, high (the proof is made up);
//! - the block was mined more than a day after the canary's date (a canary dated in the
//!   earliest time zone, UTC-12, can quote a block of the next UTC day, not later): the
//!   canary's date is not when it was written;
//! - the block was mined more than [`MAX_BEFORE`] before the canary's date: the proof is
//!   older than the canary;
//! - a CanaryTail canary: its block more than an hour older than its `release`, as the
//!   CanaryTail client checks (in place of the 14-day bound).

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::FreshnessState;
use crate::judge::event::{Event, EventKind, Severity};
use crate::judge::{Notice, Policy, event};
use crate::observe::freshness::api::{BlockAnswer, BlockLookup};

/// Final answers kept per watch: a canary quotes one or two hashes a version.
pub const CACHED: usize = 64;

/// Hashes looked up in one check, at most: a proof quotes a handful.
pub const MAX_LOOKUPS: usize = 4;

/// How long before the canary's date its block may have been mined. An honest canary quotes
/// the latest block when it is signed, which is its date or a few days after it was drafted
/// (canaries signed by several people over days, dated when the text was settled); two weeks
/// covers that with room, while a proof reused from an earlier quarter, or written a month
/// ahead, is far outside it.
pub const MAX_BEFORE: TimeDelta = TimeDelta::days(14);

/// How much older than `release` a CanaryTail block may be (the client's rule).
pub const TAIL_MAX_BEFORE: TimeDelta = TimeDelta::hours(1);

/// The quoted blocks of a version and its dates: what is judged online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unconfirmed {
    pub hashes: Vec<String>,
    pub dates: Dates,
}

/// The canary's facts the online judgement compares the block with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dates {
    /// The canary's own date (`judge::canary_date`).
    pub canary: Option<NaiveDate>,
    /// A CanaryTail canary's `release`.
    pub release: Option<DateTime<Utc>>,
}

/// The hashes of `hashes` that have no final answer in `state`: the ones to ask.
pub fn to_ask(state: &FreshnessState, hashes: &[String]) -> Vec<String> {
    hashes
        .iter()
        .filter(|h| cached(state, h).is_none())
        .take(MAX_LOOKUPS)
        .cloned()
        .collect()
}

/// The final answer kept for `hash`.
pub fn cached<'a>(state: &'a FreshnessState, hash: &str) -> Option<&'a BlockLookup> {
    state.blocks.iter().find(|b| b.hash == hash)
}

/// What is known about each of `hashes`: this check's lookups (`asked`), else the cache.
pub fn known(state: &FreshnessState, hashes: &[String], asked: &[BlockLookup]) -> Vec<BlockLookup> {
    hashes
        .iter()
        .filter_map(|h| {
            asked.iter().find(|l| &l.hash == h).cloned().or_else(|| {
                cached(state, h).map(|c| BlockLookup {
                    asked: false,
                    ..c.clone()
                })
            })
        })
        .collect()
}

/// Judges `lookups` (see [`known`]) for a canary of `dates`, seen at `at`: keeps the final
/// answers in `state` and returns the `freshness` events of problems not already alerted
/// for the version now published.
pub fn judge(
    state: &mut FreshnessState,
    lookups: &[BlockLookup],
    dates: Dates,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Vec<Event> {
    let mut found: Vec<(String, String)> = Vec::new();
    for l in lookups {
        if l.asked && l.answer.is_final() && cached(state, &l.hash).is_none() {
            state.blocks.push(BlockLookup {
                asked: false,
                ..l.clone()
            });
        }
        found.extend(problems(l, dates));
    }
    if state.blocks.len() > CACHED {
        let drop = state.blocks.len() - CACHED;
        state.blocks.drain(..drop);
    }
    let mut events = Vec::new();
    let mut alerted = Vec::new();
    for (id, detail) in found {
        if alerted.contains(&id) {
            continue;
        }
        if !state.online_alerted.contains(&id) {
            events.push(event(
                policy,
                Notice {
                    kind: EventKind::Freshness,
                    at,
                    first_seen: at,
                    severity: Severity::High,
                    detail,
                    statements: Vec::new(),
                },
            ));
        }
        alerted.push(id);
    }
    state.online_alerted = alerted;
    events
}

/// Remembers `input` as not yet confirmed when some of its blocks has no final answer in
/// `lookups` (the API could not answer), so the next check asks again; forgets it otherwise.
pub fn keep_unconfirmed(state: &mut FreshnessState, input: Unconfirmed, lookups: &[BlockLookup]) {
    let open = input
        .hashes
        .iter()
        .take(MAX_LOOKUPS)
        .any(|h| !lookups.iter().any(|l| &l.hash == h && l.answer.is_final()));
    state.unconfirmed = open.then_some(input);
}

/// The problems one lookup shows: (identity, detail).
fn problems(l: &BlockLookup, dates: Dates) -> Vec<(String, String)> {
    let h = &l.hash;
    let time = match &l.answer {
        BlockAnswer::Unknown { .. } => return Vec::new(),
        BlockAnswer::NotFound => {
            return vec![(
                format!("no block {h}"),
                format!(
                    "no block has the hash the canary quotes as its proof of freshness: {} says it knows no block {h}; a made-up proof means the canary may have been written ahead or by someone else",
                    l.url
                ),
            )];
        }
        BlockAnswer::Found { time, .. } => *time,
    };
    let mined = time.format("%Y-%m-%d %H:%M UTC");
    let mut out = Vec::new();
    if let Some(date) = dates.canary {
        let day = time.date_naive();
        if day > date + TimeDelta::days(1) {
            out.push((
                format!("block after {h} {date}"),
                format!(
                    "the canary dated {date} quotes Bitcoin block {h}, mined {mined}, after the canary's date: the canary was written later than it says"
                ),
            ));
        }
        if dates.release.is_none() && day < date - MAX_BEFORE {
            out.push((
                format!("block before {h} {date}"),
                format!(
                    "the canary dated {date} quotes Bitcoin block {h}, mined {mined}, {} days before the canary's date: the proof is older than the canary, which may have been written ahead",
                    (date - day).num_days()
                ),
            ));
        }
    }
    if let Some(release) = dates.release
        && time < release - TAIL_MAX_BEFORE
    {
        out.push((
            format!("tail block old {h} {release}"),
            format!(
                "the CanaryTail canary released {} quotes Bitcoin block {h}, mined {mined}, more than an hour before its release (the CanaryTail client refuses such a canary): the proof is older than the canary",
                release.format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "00000000000000000001c7c4fb4f5b739e74f18ca4b3b6add30011982c0735d7";

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    fn lookup(answer: BlockAnswer) -> BlockLookup {
        BlockLookup {
            hash: H.into(),
            url: "http://api.test/block/x".into(),
            at: t("2026-06-03T03:00:00Z"),
            answer,
            asked: true,
        }
    }

    fn found(time: &str) -> BlockAnswer {
        BlockAnswer::Found {
            height: 951_234,
            time: t(time),
        }
    }

    fn dated(d: &str) -> Dates {
        Dates {
            canary: Some(d.parse().expect("date")),
            release: None,
        }
    }

    fn details(lookups: &[BlockLookup], dates: Dates) -> (FreshnessState, Vec<String>) {
        let mut state = FreshnessState::default();
        let mut out = Vec::new();
        // Judged twice, as repeated checks of the same version are: one alert.
        for _ in 0..2 {
            let asked: Vec<BlockLookup> = lookups
                .iter()
                .filter(|l| cached(&state, &l.hash).is_none())
                .cloned()
                .collect();
            let now = known(&state, &[H.to_string()], &asked);
            for e in judge(
                &mut state,
                &now,
                dates,
                t("2026-06-03T04:00:00Z"),
                &Policy::default(),
            ) {
                assert_eq!((e.kind, e.severity), (EventKind::Freshness, Severity::High));
                out.push(e.detail);
            }
        }
        (state, out)
    }

    #[test]
    fn a_real_block_a_day_before_is_silent_and_cached() {
        let (state, got) = details(
            &[lookup(found("2026-06-03T02:40:00Z"))],
            dated("2026-06-03"),
        );
        assert!(got.is_empty(), "{got:?}");
        assert_eq!(state.blocks.len(), 1);
        assert!(to_ask(&state, &[H.to_string()]).is_empty());
    }

    #[test]
    fn no_such_block_is_one_high_alert() {
        let (_, got) = details(&[lookup(BlockAnswer::NotFound)], dated("2026-06-03"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("no block has the hash"), "{got:?}");
    }

    #[test]
    fn blocks_after_the_date_or_long_before_it_are_alerted() {
        let (_, after) = details(
            &[lookup(found("2026-06-05T01:00:00Z"))],
            dated("2026-06-03"),
        );
        assert_eq!(after.len(), 1, "{after:?}");
        assert!(after[0].contains("after the canary's date"), "{after:?}");
        // The next UTC day is a canary dated in UTC-12: silent.
        let (_, next) = details(
            &[lookup(found("2026-06-04T10:00:00Z"))],
            dated("2026-06-03"),
        );
        assert!(next.is_empty(), "{next:?}");
        let (_, before) = details(
            &[lookup(found("2026-05-01T10:00:00Z"))],
            dated("2026-06-03"),
        );
        assert_eq!(before.len(), 1, "{before:?}");
        assert!(before[0].contains("33 days before"), "{before:?}");
        let (_, week) = details(
            &[lookup(found("2026-05-25T10:00:00Z"))],
            dated("2026-06-03"),
        );
        assert!(week.is_empty(), "{week:?}");
    }

    #[test]
    fn an_unknown_answer_is_neither_alerted_nor_cached() {
        let (state, got) = details(
            &[lookup(BlockAnswer::Unknown {
                why: "HTTP 503".into(),
            })],
            dated("2026-06-03"),
        );
        assert!(got.is_empty(), "{got:?}");
        assert!(state.blocks.is_empty());
        assert_eq!(to_ask(&state, &[H.to_string()]), vec![H.to_string()]);
    }

    #[test]
    fn a_canarytail_block_more_than_an_hour_before_release_is_alerted() {
        let dates = Dates {
            canary: Some("2026-06-03".parse().expect("date")),
            release: Some(t("2026-06-03T12:00:00Z")),
        };
        let (_, old) = details(&[lookup(found("2026-06-03T10:30:00Z"))], dates);
        assert_eq!(old.len(), 1, "{old:?}");
        assert!(
            old[0].contains("more than an hour before its release"),
            "{old:?}"
        );
        let (_, fine) = details(&[lookup(found("2026-06-03T11:20:00Z"))], dates);
        assert!(fine.is_empty(), "{fine:?}");
    }
}
