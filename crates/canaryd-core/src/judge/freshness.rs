//! Judges proofs of freshness offline: a re-issued canary (a newer canary date, seen at least
//! a day after the version it follows) must not quote the block hash or height of an earlier
//! version, nor keep every proof unchanged; block heights must move forward at about the
//! rate Bitcoin makes blocks, and lie near the height the canary's date implies. Pure; the
//! history of proofs lives in the watch's state.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::{Event, EventKind, Severity};
use crate::judge::{Notice, Policy, event};
use crate::observe::freshness::Freshness;

/// Versions remembered: enough to catch a proof reused across a year of quarterly canaries.
const KEPT: usize = 16;

/// A newer version seen less than this after the one it follows is a correction of it, not
/// a re-issue: a canary corrected minutes after publication keeps its proof.
const CORRECTION_WINDOW: TimeDelta = TimeDelta::days(1);

/// Bitcoin makes a block every ten minutes on average.
const BLOCKS_PER_DAY: f64 = 144.0;

/// Known heights and the day they were mined (UTC): the halvings and round heights.
/// Between them the height is interpolated; after the last it grows at 144 a day.
const ANCHORS: &[(u64, (i32, u32, u32))] = &[
    (0, (2009, 1, 3)),
    (100_000, (2010, 12, 29)),
    (200_000, (2012, 9, 22)),
    (210_000, (2012, 11, 28)),
    (300_000, (2014, 5, 10)),
    (400_000, (2016, 2, 25)),
    (420_000, (2016, 7, 9)),
    (481_824, (2017, 8, 24)),
    (500_000, (2017, 12, 18)),
    (600_000, (2019, 10, 19)),
    (630_000, (2020, 5, 11)),
    (700_000, (2021, 9, 11)),
    (709_632, (2021, 11, 14)),
    (800_000, (2023, 7, 24)),
    (840_000, (2024, 4, 20)),
];

/// The proofs of one version of the canary, as remembered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProofVersion {
    /// The canary's own date.
    pub canary_date: NaiveDate,
    /// When this version (date and proofs) was first seen.
    pub first_seen: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_hashes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub block_heights: Vec<u64>,
    /// Every source of proof, comparable (see `Freshness::sources`).
    #[serde(default)]
    pub sources: Vec<String>,
}

/// What the freshness judgement remembers between checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FreshnessState {
    /// The versions seen, oldest first, at most [`KEPT`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<ProofVersion>,
    /// The problems alerted for the version now published: not alerted again while it
    /// stays up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerted: Vec<String>,
    /// `freshness_api`'s final answers (found, or no such block), newest last, at most
    /// [`online::CACHED`]: blocks are immutable, so each hash is asked once, and a check of
    /// the same version is judged again from these without the network.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<crate::observe::freshness::api::BlockLookup>,
    /// The online problems alerted for the version now published (kept apart from
    /// `alerted`, which the offline judgement rewrites on every check).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online_alerted: Vec<String>,
    /// The quoted blocks of the version now published that `freshness_api` could not answer
    /// for yet: asked again on the next check, even of an unchanged page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed: Option<online::Unconfirmed>,
}

impl FreshnessState {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
            && self.alerted.is_empty()
            && self.blocks.is_empty()
            && self.online_alerted.is_empty()
            && self.unconfirmed.is_none()
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("the anchor dates are valid")
}

/// The height the chain had about `date`.
pub fn expected_height(date: NaiveDate) -> u64 {
    let anchors: Vec<(f64, NaiveDate)> = ANCHORS
        .iter()
        .map(|&(h, (y, m, d))| (h as f64, day(y, m, d)))
        .collect();
    let (first, last) = (anchors[0], anchors[anchors.len() - 1]);
    if date <= first.1 {
        return 0;
    }
    if date >= last.1 {
        return (last.0 + (date - last.1).num_days() as f64 * BLOCKS_PER_DAY) as u64;
    }
    for w in anchors.windows(2) {
        let ((h0, d0), (h1, d1)) = (w[0], w[1]);
        if date <= d1 {
            let span = (d1 - d0).num_days() as f64;
            let into = (date - d0).num_days() as f64;
            return (h0 + (h1 - h0) * into / span) as u64;
        }
    }
    last.0 as u64
}

/// The day the chain reached `height`, about (the inverse of [`expected_height`]).
pub fn expected_date(height: u64) -> NaiveDate {
    let h = height as f64;
    let mut prev: Option<(f64, NaiveDate)> = None;
    for &(ah, (y, m, d)) in ANCHORS {
        let (ah, ad) = (ah as f64, day(y, m, d));
        if h <= ah {
            return match prev {
                None => ad,
                Some((ph, pd)) => {
                    let span = (ad - pd).num_days() as f64;
                    pd + TimeDelta::days(((h - ph) / (ah - ph) * span) as i64)
                }
            };
        }
        prev = Some((ah, ad));
    }
    let (lh, ld) = prev.expect("there are anchors");
    ld.checked_add_signed(TimeDelta::days(((h - lh) / BLOCKS_PER_DAY) as i64))
        .unwrap_or(NaiveDate::MAX)
}

/// How far (in days) a height's date may be from the canary's before it is alerted: a month,
/// plus a tenth of the time since the nearest anchor (the rate drifts with the hash rate).
fn anchor_tolerance(date: NaiveDate) -> i64 {
    let nearest = ANCHORS
        .iter()
        .map(|&(_, (y, m, d))| (date - day(y, m, d)).num_days().abs())
        .min()
        .unwrap_or(0);
    30 + nearest / 10
}

/// The advance of the block height plausible for `days` between two canary dates: blocks
/// come 40% slower to 60% faster than 144 a day over weeks, and a proof may be taken up to
/// three days before or after its canary's date.
fn plausible_advance(days: i64) -> (u64, u64) {
    let lo = (days - 3).max(0) as f64 * BLOCKS_PER_DAY * 0.6;
    let hi = (days + 3) as f64 * BLOCKS_PER_DAY * 1.6 + 50.0;
    (lo as u64, hi as u64)
}

/// One problem found, with the key it is alerted under.
struct Problem {
    id: String,
    detail: String,
}

/// Judges the proofs `now` of a canary dated `date`, seen at `at`, against the versions
/// seen before; returns the state to keep and the `freshness` events to raise.
pub fn judge(
    prev: &FreshnessState,
    now: &Freshness,
    date: Option<NaiveDate>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> (FreshnessState, Vec<Event>) {
    let Some(date) = date else {
        return (prev.clone(), Vec::new());
    };
    let mut state = prev.clone();
    let current = ProofVersion {
        canary_date: date,
        first_seen: at,
        block_hashes: now.block_hashes.clone(),
        block_heights: now.block_heights.clone(),
        sources: now.sources(),
    };
    let known = state
        .versions
        .iter()
        .find(|v| v.canary_date == current.canary_date && v.sources == current.sources)
        .cloned();
    let seen = known.as_ref().map_or(at, |v| v.first_seen);
    let mut problems = Vec::new();
    if !now.is_empty() {
        // Earlier versions this one re-issues: an older canary date, seen a day or more
        // before this version was first seen.
        let earlier: Vec<&ProofVersion> = state
            .versions
            .iter()
            .filter(|v| v.canary_date < date && seen - v.first_seen >= CORRECTION_WINDOW)
            .collect();
        reused(&current, &earlier, &mut problems);
        if let Some(last) = earlier
            .iter()
            .filter(|v| !v.block_heights.is_empty())
            .max_by_key(|v| (v.canary_date, v.first_seen))
        {
            height_advance(&current, last, &mut problems);
        }
        for &h in &current.block_heights {
            far_from_date(h, date, &mut problems);
        }
    }
    let mut events = Vec::new();
    let mut alerted = Vec::new();
    for p in problems {
        if !prev.alerted.contains(&p.id) && !alerted.contains(&p.id) {
            events.push(event(
                policy,
                Notice {
                    kind: EventKind::Freshness,
                    at,
                    first_seen: seen,
                    severity: Severity::High,
                    detail: p.detail,
                    statements: Vec::new(),
                },
            ));
        }
        if !alerted.contains(&p.id) {
            alerted.push(p.id);
        }
    }
    state.alerted = alerted;
    if known.is_none() && !now.is_empty() {
        state.versions.push(current);
        if state.versions.len() > KEPT {
            let drop = state.versions.len() - KEPT;
            state.versions.drain(..drop);
        }
    }
    (state, events)
}

/// The freshness judgement of a check that read the canary: its proofs, and its date as
/// the judge reads it from `statements` (the issue-date statement, else the `date -R`
/// line). Updates `state.freshness`; returns the `freshness` events. Live checks and
/// `replay` both call this.
pub fn check(
    state: &mut crate::judge::WatchState,
    proofs: &Freshness,
    date: Option<NaiveDate>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Vec<Event> {
    let (next, events) = judge(&state.freshness, proofs, date, at, policy);
    state.freshness = next;
    events
}

/// The same block hash or height as an earlier version, or every proof unchanged.
fn reused(current: &ProofVersion, earlier: &[&ProofVersion], problems: &mut Vec<Problem>) {
    let dated = |v: &ProofVersion| {
        format!(
            "the version dated {} (first seen {})",
            v.canary_date,
            crate::words::describe_time(v.first_seen)
        )
    };
    for v in earlier {
        for h in &current.block_hashes {
            if v.block_hashes.contains(h) {
                problems.push(Problem {
                    id: format!("hash {h} {}", current.canary_date),
                    detail: format!(
                        "the canary dated {} quotes the same Bitcoin block hash as {}: {h}; a proof of freshness cannot be older than the canary it is in, so this canary may have been written ahead",
                        current.canary_date,
                        dated(v)
                    ),
                });
            }
        }
        for h in &current.block_heights {
            if v.block_heights.contains(h) {
                problems.push(Problem {
                    id: format!("height {h} {}", current.canary_date),
                    detail: format!(
                        "the canary dated {} quotes the same Bitcoin block height as {}: {h}; the chain grows by about 144 blocks a day, so this canary may have been written ahead",
                        current.canary_date,
                        dated(v)
                    ),
                });
            }
        }
        if !current.sources.is_empty() && current.sources == v.sources {
            problems.push(Problem {
                id: format!("unchanged {}", current.canary_date),
                detail: format!(
                    "the canary dated {} quotes exactly the proofs of freshness of {} ({}): nothing in it shows it was written after that version, so it may have been written ahead",
                    current.canary_date,
                    dated(v),
                    crate::words::plural(current.sources.len() as u32, "source")
                ),
            });
        }
    }
}

/// A height lower than the earlier version's, or moved implausibly far for the time
/// between the two canaries.
fn height_advance(current: &ProofVersion, last: &ProofVersion, problems: &mut Vec<Problem>) {
    let (Some(&now), Some(&before)) = (
        current.block_heights.iter().max(),
        last.block_heights.iter().max(),
    ) else {
        return;
    };
    let days = (current.canary_date - last.canary_date).num_days();
    let (lo, hi) = plausible_advance(days);
    let about = (days as f64 * BLOCKS_PER_DAY) as u64;
    let detail = if now < before {
        format!(
            "the Bitcoin block height went backwards: the canary dated {} quotes block {now}, the one dated {} quoted block {before}; a later canary cannot quote an older block unless it was written ahead",
            current.canary_date, last.canary_date
        )
    } else if now == before {
        // Reported as the same height by `reused`.
        return;
    } else if now - before < lo {
        format!(
            "the Bitcoin block height advanced only {} blocks between the canary dated {} (block {before}) and the one dated {} (block {now}), where about {about} blocks were mined in those {days} days: the proof is older than its canary, which may have been written ahead",
            now - before,
            last.canary_date,
            current.canary_date
        )
    } else if now - before > hi {
        format!(
            "the Bitcoin block height advanced {} blocks between the canary dated {} (block {before}) and the one dated {} (block {now}), where about {about} blocks were mined in those {days} days: one of the two proofs is not what its canary's date says",
            now - before,
            last.canary_date,
            current.canary_date
        )
    } else {
        return;
    };
    problems.push(Problem {
        id: format!("advance {before} {now}"),
        detail,
    });
}

/// A height that the chain reached far from the canary's date.
fn far_from_date(height: u64, date: NaiveDate, problems: &mut Vec<Problem>) {
    let mined = expected_date(height);
    let off = (mined - date).num_days();
    let tolerance = anchor_tolerance(date);
    if off.abs() <= tolerance {
        return;
    }
    let when = if off < 0 { "before" } else { "after" };
    problems.push(Problem {
        id: format!("anchor {height} {date}"),
        detail: format!(
            "the canary dated {date} quotes Bitcoin block height {height}, which the chain reached about {mined}, {} days {when} the canary's date (at that date it was about {}): the proof does not belong to this canary",
            off.abs(),
            expected_height(date)
        ),
    });
}

pub mod online;

#[cfg(test)]
#[path = "freshness/tests.rs"]
mod tests;
