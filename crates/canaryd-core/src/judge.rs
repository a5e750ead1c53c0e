//! Judgement: turns one observation of a watch into events, with confirmation, failure
//! states, flapping and staleness. Pure: the caller supplies the observation and the time.

mod confirm;
mod dating;
pub mod diff;
pub mod event;
mod flap;
pub mod follow;
pub mod freshness;
mod signature;
pub mod signature_time;
mod stale;
mod state;
pub mod tail;
#[cfg(test)]
mod tests;
mod verdict;
pub mod word_diff;

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::judge::event::{Event, EventKind, Evidence, NotifySet, Severity};
use crate::observe::statement::Statement;
use crate::words::{describe_elapsed, describe_time, plural};

pub use dating::{
    CanaryDating, DateCandidate, DateSource, candidates as date_candidates, dating, stated_deadline,
};
pub use signature::{SignatureProblem, SignatureState};
pub use stale::{DATE_WENT_BACKWARDS, DATED_IN_THE_FUTURE, stale_due};
pub use state::{Baseline, Condition, Failing, Flap, Pending, ShortPage, Stale, WatchState};
pub use verdict::{Context, Prior, Seen, Verdict, judge};

/// A page under a quarter of its usual size with none of its statements is an error page.
const ERROR_PAGE_FRACTION: u64 = 4;

/// What happens to a low-severity `changed` event (a claim reworded without saying less).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangedLow {
    /// Recorded with its word diff, not emailed (the default).
    #[default]
    Record,
    /// Emailed like any other `changed`.
    Notify,
}

/// How long the same short page must keep being served before it is content, not a
/// transient error page (with `confirm` consecutive checks).
pub const DEFAULT_CONFIRM_AFTER: Duration = Duration::from_secs(10 * 60);

/// The per-watch rules the judge applies (resolved from the watchlist by `config`).
#[derive(Debug, Clone)]
pub struct Policy {
    /// Consecutive observations before a removal or change is alerted.
    pub confirm: u32,
    /// How soon a difference awaiting confirmation is looked at again; also, the same short
    /// page without statements, served on `confirm` consecutive checks spanning at least this
    /// long, replaced the canary: `missing`, not a failed fetch.
    pub confirm_after: Duration,
    pub notify: NotifySet,
    pub unreachable_after: Duration,
    pub max_age: Option<Duration>,
    pub stale_grace: Duration,
    /// Whether low-severity `changed` events (rewording that says no less) are emailed.
    pub changed_low: ChangedLow,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            confirm: 2,
            notify: NotifySet::default(),
            unreachable_after: Duration::from_secs(2 * 86400),
            max_age: None,
            stale_grace: Duration::from_secs(7 * 86400),
            changed_low: ChangedLow::default(),
            confirm_after: DEFAULT_CONFIRM_AFTER,
        }
    }
}

/// What one check saw.
#[derive(Debug, Clone)]
pub enum Observation {
    /// The page was fetched and these statements extracted.
    Content {
        statements: Vec<Statement>,
        body_len: u64,
        /// Hash of the page as read (any stable digest), to recognise the same short page
        /// served again; `None` when the caller does not know it.
        page_hash: Option<String>,
        /// The start of the page's visible text, quoted when a short page replaced the canary.
        excerpt: Option<String>,
    },
    /// The server said the page is unchanged since the last fetch (304).
    Unchanged,
    /// The fetch failed; `gone` when the server answered 404 or 410.
    Failed { gone: bool, error: String },
    /// Where the canary is published loaded, but the canary is not there: a followed index
    /// that links no document of the series. `why` says so, naming the index and pattern.
    Absent { why: String },
    /// A signed watch's page was fetched, but nothing on it is signed by a pinned key: its
    /// text is not judged (the baseline stands) and its signatures are.
    Unsigned,
}

/// The judge's verdict on one observation.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub state: WatchState,
    pub events: Vec<Event>,
    /// Set when the judge read a fetched page as a failed fetch (an error page served with
    /// 200), saying why.
    pub fetch_error: Option<String>,
}

/// The rule canary dates are read with. State saved under an older rule (which took the
/// latest date of any statement, headlines included) has its dates read again, so a
/// headline's date remembered as "newest" does not make the real date look like it went
/// backwards.
pub const DATING_RULE: u32 = 1;

fn migrate(state: &mut WatchState) {
    if state.dating_rule >= DATING_RULE {
        return;
    }
    state.dating_rule = DATING_RULE;
    if let Some(b) = state.baseline.as_mut() {
        b.canary_date = canary_date(&b.statements);
        state.newest_date = b.canary_date;
    } else {
        state.newest_date = None;
    }
}

/// Judges one observation made at `at`.
pub fn observe(
    prev: &WatchState,
    obs: Observation,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Judgement {
    observe_signed(prev, obs, None, at, policy)
}

/// Judges one observation made at `at`, with the page's signatures when the watch pins keys.
pub fn observe_signed(
    prev: &WatchState,
    obs: Observation,
    signed: Option<&crate::observe::signed::SignatureReading>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Judgement {
    // Signatures are judged only for a page accepted as content (see below).
    let seen_hash = match (&obs, signed) {
        (Observation::Content { statements, .. }, Some(_)) => Some(diff::set_hash(statements)),
        // No text was read: no statements for a signature's time to date.
        (Observation::Unsigned, Some(_)) => Some(String::new()),
        _ => None,
    };
    let mut state = prev.clone();
    migrate(&mut state);
    let mut events = Vec::new();
    let mut fetch_error = None;
    match obs {
        Observation::Failed { gone, error } => {
            failed(&mut state, gone, error, at, policy, &mut events)
        }
        Observation::Unchanged | Observation::Unsigned => {
            recovered_fetch(&mut state, at, policy, &mut events);
        }
        Observation::Absent { why } => {
            recovered_fetch(&mut state, at, policy, &mut events);
            if state
                .baseline
                .as_ref()
                .is_some_and(|b| b.claims().next().is_some())
            {
                count_missing(&mut state, &why, "", at, policy, &mut events);
            }
        }
        Observation::Content {
            statements,
            body_len,
            page_hash,
            excerpt,
        } => {
            let has_claims = statements.iter().any(|s| s.claim);
            let had_claims = state
                .baseline
                .as_ref()
                .is_some_and(|b| b.claims().next().is_some());
            let small = state
                .usual_size
                .is_some_and(|usual| body_len.saturating_mul(ERROR_PAGE_FRACTION) < usual);
            let short = had_claims && !has_claims && small;
            let replaced = short
                && persistent_short_page(
                    &mut state,
                    page_hash.as_deref(),
                    excerpt.as_deref(),
                    at,
                    policy,
                );
            if !short {
                state.short_page = None;
            }
            if replaced {
                // The same short page for long enough: it is what the site now serves.
                recovered_fetch(&mut state, at, policy, &mut events);
                replaced_by_short_page(&mut state, excerpt.as_deref(), at, policy, &mut events);
            } else if short {
                // An error or placeholder page served with 200: a failed fetch, not content.
                let error = format!(
                    "the page ({body_len} bytes) is a fraction of its usual size and holds none of its statements; treated as an error page"
                );
                fetch_error = Some(error.clone());
                failed(&mut state, false, error, at, policy, &mut events);
            } else {
                recovered_fetch(&mut state, at, policy, &mut events);
                content(
                    &mut state,
                    statements,
                    body_len,
                    had_claims,
                    at,
                    policy,
                    &mut events,
                );
            }
        }
    }
    if let (Some(reading), Some(hash), None) = (signed, &seen_hash, &fetch_error) {
        signature::judge(&mut state, reading, hash, at, policy, &mut events);
    }
    stale::check(&mut state, at, policy, &mut events);
    Judgement {
        state,
        events,
        fetch_error,
    }
}

/// Tracks a short page without statements; true once the same page (same hash) has been
/// served on `confirm` consecutive checks spanning at least `confirm_after`, and it is not a
/// known error or challenge template (those stay failed fetches however long they last).
fn persistent_short_page(
    state: &mut WatchState,
    hash: Option<&str>,
    excerpt: Option<&str>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> bool {
    let (Some(hash), Some(excerpt)) = (hash, excerpt) else {
        state.short_page = None;
        return false;
    };
    if crate::observe::challenge::is_error_template(excerpt) {
        state.short_page = None;
        return false;
    }
    match &mut state.short_page {
        Some(p) if p.hash == hash => p.count += 1,
        _ => {
            state.short_page = Some(ShortPage {
                hash: hash.to_string(),
                first_seen: at,
                count: 1,
            })
        }
    }
    state.short_page.as_ref().is_some_and(|p| {
        p.count >= policy.confirm
            && (at - p.first_seen).to_std().unwrap_or_default() >= policy.confirm_after
    })
}

/// The canary was replaced by a short page: `missing` (once), quoting the claims that were
/// there and the page's text. The baseline stays, so the canary's return is `recovered`.
fn replaced_by_short_page(
    state: &mut WatchState,
    excerpt: Option<&str>,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let Some(page) = state.short_page.clone() else {
        return;
    };
    let c = &mut state.missing;
    c.count = c.count.max(page.count);
    c.since.get_or_insert(page.first_seen);
    if c.alerted {
        return;
    }
    c.alerted = true;
    let since = c.since.unwrap_or(page.first_seen);
    let detail = format!(
        "the canary was replaced by a short page without any of its statements, served unchanged on {} since {}; the page now says: \"{}\"",
        plural(page.count, "consecutive check"),
        describe_time(since),
        excerpt.unwrap_or_default()
    );
    let claims = baseline_claims(state);
    events.push(event(policy, Notice::missing(at, since, detail, claims)));
}

/// Lets time pass without a check: raises `stale` if a deadline has passed by `at`.
pub fn tick(prev: &WatchState, at: DateTime<Utc>, policy: &Policy) -> Judgement {
    let mut state = prev.clone();
    migrate(&mut state);
    let mut events = Vec::new();
    stale::check(&mut state, at, policy, &mut events);
    Judgement {
        state,
        events,
        fetch_error: None,
    }
}

fn failed(
    state: &mut WatchState,
    gone: bool,
    error: String,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    if gone && state.baseline.is_some() {
        let c = &mut state.gone;
        c.count += 1;
        c.since.get_or_insert(at);
        if c.count >= policy.confirm && !c.alerted {
            c.alerted = true;
            let since = c.since.unwrap_or(at);
            let claims = baseline_claims(state);
            events.push(event(
                policy,
                Notice {
                    kind: EventKind::Gone,
                    at,
                    first_seen: since,
                    severity: Severity::High,
                    detail: format!(
                        "{error} on {} since {}: the canary page was taken down",
                        plural(state.gone.count, "consecutive check"),
                        describe_time(since)
                    ),
                    statements: claims,
                },
            ));
        }
        return;
    }
    let f = state.failing.get_or_insert_with(|| Failing {
        since: at,
        count: 0,
        last_error: String::new(),
        alerted: false,
    });
    f.count += 1;
    f.last_error = error;
    let down_for = (at - f.since).to_std().unwrap_or_default();
    if !f.alerted && down_for >= policy.unreachable_after {
        f.alerted = true;
        let detail = format!(
            "every fetch has failed for {} ({} since {}); last error: {}",
            describe_elapsed(down_for),
            plural(f.count, "attempt"),
            describe_time(f.since),
            f.last_error
        );
        let since = f.since;
        events.push(event(
            policy,
            Notice {
                kind: EventKind::Unreachable,
                at,
                first_seen: since,
                severity: Severity::Low,
                detail,
                statements: Vec::new(),
            },
        ));
    }
}

/// A fetch worked: ends `unreachable` and `gone`.
fn recovered_fetch(
    state: &mut WatchState,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    if let Some(f) = state.failing.take()
        && f.alerted
    {
        let detail = format!(
            "the page answers again after {} since {}",
            plural(f.count, "failed fetch"),
            describe_time(f.since)
        );
        events.push(event(policy, Notice::recovered(at, f.since, detail)));
    }
    let gone = std::mem::take(&mut state.gone);
    recover(&gone, at, policy, events, |since| {
        format!("the page is back after answering 404/410 since {since}")
    });
}

/// Raises `recovered` for a condition that had been alerted and has now ended.
fn recover(
    ended: &Condition,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
    detail: impl FnOnce(String) -> String,
) {
    if ended.alerted {
        let since = ended.since.unwrap_or(at);
        let detail = detail(describe_time(since));
        events.push(event(policy, Notice::recovered(at, since, detail)));
    }
}

fn content(
    state: &mut WatchState,
    statements: Vec<Statement>,
    body_len: u64,
    had_claims: bool,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let has_claims = statements.iter().any(|s| s.claim);
    // Nothing at all where claims used to be: the canary block (or selector) is gone. Context
    // left without its claims is a withdrawal, reported as `removed` below.
    if had_claims && statements.is_empty() {
        count_missing(
            state,
            "the page loads but none of its canary statements were found",
            " (the selector matches nothing, or the canary block is gone)",
            at,
            policy,
            events,
        );
        return;
    }
    let missing = std::mem::take(&mut state.missing);
    recover(&missing, at, policy, events, |since| {
        format!("canary statements are on the page again (missing since {since})")
    });
    if has_claims || state.usual_size.is_none() {
        state.usual_size = Some(match state.usual_size {
            // A slow moving average, so one odd page does not redefine "usual".
            // In u128: a huge (or hostile) body length must not overflow the average.
            Some(usual) => {
                let avg = (u128::from(usual) * 3 + u128::from(body_len)) / 4;
                u64::try_from(avg).unwrap_or(u64::MAX)
            }
            None => body_len,
        });
    }

    let Some(baseline) = state.baseline.clone() else {
        state.baseline = Some(new_baseline(statements, at));
        state.last_change = Some(at);
        return;
    };

    let flapping = flap::track(state, &baseline, &statements, at, policy, events);
    let d = diff::diff(&baseline.statements, &statements);
    confirm::update_pending(state, &d, at);

    let confirmed: Vec<Pending> = state
        .pending
        .iter()
        .filter(|p| p.count >= policy.confirm)
        .cloned()
        .collect();
    state.pending.retain(|p| p.count < policy.confirm);

    if confirmed.is_empty() {
        if d.is_empty() {
            // Same statements; refresh the wording, order and dates (all cosmetic).
            refresh(state, statements, &baseline, at);
        }
        return;
    }

    let evidence = Evidence {
        unified_diff: diff::unified(&baseline.statements, &statements),
        old_set_hash: baseline.set_hash.clone(),
        new_set_hash: diff::set_hash(&statements),
    };
    for claim in [true, false] {
        for kind in [EventKind::Removed, EventKind::Changed, EventKind::Added] {
            // Weakened and merely reworded claims are told apart: one is high severity.
            for weakened in [true, false] {
                let group: Vec<&Pending> = confirmed
                    .iter()
                    .filter(|p| p.kind == kind && confirm::pending_is_claim(p) == claim)
                    .filter(|p| {
                        kind != EventKind::Changed || confirm::pending_weakens(p) == weakened
                    })
                    .collect();
                if kind != EventKind::Changed && !weakened {
                    continue;
                }
                if let Some(e) =
                    confirm::confirmed_event(kind, claim, &group, &flapping, &evidence, at, policy)
                {
                    events.push(e);
                }
            }
        }
    }

    let applied = confirm::apply(&baseline.statements, &confirmed);
    let rest = diff::diff(&applied, &statements);
    let new_statements = if rest.is_empty() { statements } else { applied };
    state.baseline = Some(new_baseline(new_statements, at));
    state.last_change = Some(at);
}

/// One more check without the canary where it is published (`what` says how it is
/// absent, `cause` what may explain it); `missing` once `confirm` checks in a row saw it.
fn count_missing(
    state: &mut WatchState,
    what: &str,
    cause: &str,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    let c = &mut state.missing;
    c.count += 1;
    c.since.get_or_insert(at);
    if c.count < policy.confirm || c.alerted {
        return;
    }
    c.alerted = true;
    let since = c.since.unwrap_or(at);
    let detail = format!(
        "{what} on {} since {}{cause}",
        plural(c.count, "consecutive check"),
        describe_time(since)
    );
    let claims = baseline_claims(state);
    events.push(event(policy, Notice::missing(at, since, detail, claims)));
}

fn refresh(state: &mut WatchState, statements: Vec<Statement>, old: &Baseline, at: DateTime<Utc>) {
    if statements != old.statements {
        let mut fresh = new_baseline(statements, at);
        fresh.since = old.since;
        state.baseline = Some(fresh);
    }
}

/// A state whose confirmed statements are `statements`, confirmed at `at`: how a watch whose
/// saved state was lost resumes from its evidence.
pub fn state_from_baseline(statements: Vec<Statement>, at: DateTime<Utc>) -> WatchState {
    WatchState {
        baseline: Some(new_baseline(statements, at)),
        last_change: Some(at),
        ..WatchState::default()
    }
}

fn new_baseline(statements: Vec<Statement>, at: DateTime<Utc>) -> Baseline {
    Baseline {
        set_hash: diff::set_hash(&statements),
        canary_date: canary_date(&statements),
        statements,
        since: at,
    }
}

/// The canary's own date: from its issue-date statement, else the date line of its proof of
/// freshness (see [`dating`], which also says where it came from and what disagrees).
pub fn canary_date(statements: &[Statement]) -> Option<NaiveDate> {
    dating(statements).map(|d| d.chosen.date)
}

fn baseline_claims(state: &WatchState) -> Vec<String> {
    state
        .baseline
        .as_ref()
        .map(|b| b.claims().map(|s| s.text.clone()).collect())
        .unwrap_or_default()
}

/// What a non-statement event says, by name: [`event`] adds what the policy decides.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    /// When what it reports was first seen (`at` for something seen now).
    pub first_seen: DateTime<Utc>,
    pub severity: Severity,
    pub detail: String,
    /// The statements it names.
    pub statements: Vec<String>,
}

impl Notice {
    /// An info-level `recovered`: what was wrong since `since` is over.
    pub fn recovered(at: DateTime<Utc>, since: DateTime<Utc>, detail: String) -> Notice {
        Notice {
            kind: EventKind::Recovered,
            at,
            first_seen: since,
            severity: Severity::Info,
            detail,
            statements: Vec::new(),
        }
    }

    /// A high-severity `missing`, naming the baseline's claims that can no longer be seen.
    pub fn missing(
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        detail: String,
        claims: Vec<String>,
    ) -> Notice {
        Notice {
            kind: EventKind::Missing,
            at,
            first_seen: since,
            severity: Severity::High,
            detail,
            statements: claims,
        }
    }
}

/// Builds a non-statement event; whether it is notified is the policy's.
pub fn event(policy: &Policy, n: Notice) -> Event {
    Event {
        notify: policy.notify.contains(n.kind),
        kind: n.kind,
        at: n.at,
        severity: n.severity,
        detail: n.detail,
        statements: n.statements,
        changes: Vec::new(),
        claim: true,
        first_seen: n.first_seen,
        evidence: None,
    }
}
