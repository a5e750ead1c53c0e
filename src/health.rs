//! Whether a watch can do its job, beyond its last result: it tracks at least one claim, its
//! last fetch worked, its signatures (where pinned) verify and it is not stale. Pure: `check`,
//! `list` and the daemon's log read the same verdict from the same saved state.
//!
//! A watch that tracks nothing is the quiet failure this exists for: its checks all succeed
//! and it can never alert. It is told apart from a canary that died (claims that were there
//! and went), which is not a setup mistake and must not read like one.

use crate::judge::WatchState;
use crate::store::alerts::AlertHistory;
use crate::store::{CheckRecord, CheckResult};
use crate::words::plural;

/// One thing keeping a watch from being healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Checked, and no claim has ever been found to track: it can never alert.
    TracksNothing,
    /// It tracks `claims` claims and the last page showed none of them.
    ClaimsMissing { claims: usize, alerted: bool },
    /// Its claims were confirmed removed or missing (alerted); none is left to track.
    ClaimsLost,
    /// The last fetch failed (unreachable, gone, an error page…).
    FetchFailed,
    /// Past the canary's own deadline or `max_age`, or wrongly dated.
    Stale,
    /// Pinned keys, and the last page's signatures did not satisfy them.
    Signature,
    /// The watch accepts SHA-1 signatures (`accept_sha1 = true`), which RFC 9580 refuses.
    AcceptsSha1,
}

impl Reason {
    /// A few words, as `list`'s HEALTH column and JSON `health_reasons` show it.
    pub fn words(&self) -> String {
        match self {
            Reason::TracksNothing => "tracks nothing".into(),
            Reason::ClaimsMissing { claims, .. } => format!("{} missing", plural(*claims, "claim")),
            Reason::ClaimsLost => "claims lost".into(),
            Reason::FetchFailed => "last fetch failed".into(),
            Reason::Stale => "stale".into(),
            Reason::Signature => "signatures do not verify".into(),
            Reason::AcceptsSha1 => "accepts SHA-1 (a weak hash)".into(),
        }
    }
}

/// The advice for a watch that tracks nothing, naming its URL.
pub fn tracks_nothing_fix(url: &str) -> String {
    format!("try `canaryd preview {url}` with a --selector")
}

/// How healthy a watch is, in a word: "ok", "warning", or "unknown" before its first check
/// (JSON `health`, the daemon's log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warning,
    Unknown,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The HEALTH cell of a watch at `level` for `reasons` (see [`Reason::words`]): "ok", "-"
/// before the first check, "warning: tracks nothing, stale".
pub fn cell(level: Level, reasons: &[String]) -> String {
    match level {
        Level::Unknown => "-".into(),
        Level::Ok => "ok".into(),
        Level::Warning => format!("warning: {}", reasons.join(", ")),
    }
}

/// A watch's health.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// False before its first check: nothing is known yet.
    pub checked: bool,
    pub reasons: Vec<Reason>,
}

impl Health {
    pub fn level(&self) -> Level {
        match (self.checked, self.reasons.is_empty()) {
            (false, _) => Level::Unknown,
            (true, true) => Level::Ok,
            (true, false) => Level::Warning,
        }
    }

    /// The HEALTH cell: "ok", "-" before the first check, "warning: tracks nothing".
    pub fn cell(&self) -> String {
        cell(self.level(), &self.words())
    }

    pub fn words(&self) -> Vec<String> {
        self.reasons.iter().map(Reason::words).collect()
    }

    pub fn has(&self, pred: impl Fn(&Reason) -> bool) -> bool {
        self.reasons.iter().any(pred)
    }
}

/// Judges a watch from its saved state, its last check, whether it has pinned keys, and its
/// alert history.
/// Whether [`assess`] needs the watch's alert history: only for a watch left without claims,
/// to tell a canary that died from one that never had any. Callers read the event log (which
/// grows with history) only then.
pub fn needs_history(state: &WatchState) -> bool {
    state
        .baseline
        .as_ref()
        .is_some_and(|b| b.claims().count() == 0)
}

pub fn assess(
    state: &WatchState,
    check: &CheckRecord,
    signed: bool,
    alerts: &AlertHistory,
) -> Health {
    let checked = check.result != CheckResult::None;
    let mut reasons = Vec::new();
    let failed = check.result == CheckResult::Failed;
    if failed {
        reasons.push(Reason::FetchFailed);
    }
    let tracked = state.baseline.as_ref().map_or(0, |b| b.claims().count());
    if tracked > 0 && !failed && checked && check.claims == 0 {
        // The baseline keeps its claims until a removal is confirmed (or while the page
        // shows no statements at all: `missing`), so they are the claims this page lacks.
        reasons.push(Reason::ClaimsMissing {
            claims: tracked,
            alerted: state.missing.alerted,
        });
    }
    if tracked == 0 && state.baseline.is_some() && state.missing.count == 0 {
        reasons.push(if alerts.claims_lost.is_some() {
            Reason::ClaimsLost
        } else {
            Reason::TracksNothing
        });
    }
    if state.stale.is_some() {
        reasons.push(Reason::Stale);
    }
    if signed && !failed && check.signature.is_some_and(|s| !s.is_satisfied()) {
        reasons.push(Reason::Signature);
    }
    if signed && check.accepts_sha1 {
        reasons.push(Reason::AcceptsSha1);
    }
    Health { checked, reasons }
}

#[cfg(test)]
mod tests {
    use canaryd_testkit::canary::we::NSL;
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::judge::{Baseline, Stale};
    use crate::observe::normalise::statement;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-31T06:00:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    fn state(claims: &[&str], context: &[&str]) -> WatchState {
        let mut statements: Vec<_> = claims.iter().map(|t| statement(t, true)).collect();
        statements.extend(context.iter().map(|t| statement(t, false)));
        WatchState {
            baseline: Some(Baseline {
                statements,
                set_hash: String::new(),
                since: at(),
                canary_date: None,
            }),
            ..WatchState::default()
        }
    }

    fn check(result: CheckResult, claims: usize) -> CheckRecord {
        CheckRecord {
            at: Some(at()),
            result,
            claims,
            statements: claims,
            ..CheckRecord::default()
        }
    }

    #[test]
    fn a_checked_watch_with_a_claim_is_healthy() {
        let h = assess(
            &state(&[NSL], &[]),
            &check(CheckResult::Ok, 1),
            false,
            &AlertHistory::default(),
        );
        assert_eq!((h.level(), h.cell()), (Level::Ok, "ok".to_string()));
    }

    #[test]
    fn never_checked_is_unknown() {
        let h = assess(
            &WatchState::default(),
            &CheckRecord::default(),
            false,
            &AlertHistory::default(),
        );
        assert_eq!((h.level(), h.cell()), (Level::Unknown, "-".to_string()));
    }

    #[test]
    fn no_claim_from_the_first_check_tracks_nothing() {
        for context in [&[][..], &["Opening hours are nine to five."][..]] {
            let h = assess(
                &state(&[], context),
                &check(CheckResult::Ok, 0),
                false,
                &AlertHistory::default(),
            );
            assert_eq!(h.reasons, vec![Reason::TracksNothing]);
            assert_eq!(h.cell(), "warning: tracks nothing");
        }
    }

    #[test]
    fn claims_that_went_are_missing_not_a_setup_problem() {
        let mut s = state(&[NSL, "We have never been gagged."], &[]);
        s.missing.count = 1;
        let h = assess(
            &s,
            &check(CheckResult::Ok, 0),
            false,
            &AlertHistory::default(),
        );
        assert_eq!(
            h.reasons,
            vec![Reason::ClaimsMissing {
                claims: 2,
                alerted: false
            }]
        );
        assert_eq!(h.cell(), "warning: 2 claims missing");

        // Confirmed removed: the baseline keeps only context, the log remembers the loss.
        let alerts = AlertHistory {
            claims_lost: Some(at()),
            ..AlertHistory::default()
        };
        let h = assess(
            &state(&[], &["Updated quarterly."]),
            &check(CheckResult::Ok, 0),
            false,
            &alerts,
        );
        assert_eq!(h.reasons, vec![Reason::ClaimsLost]);
    }

    #[test]
    fn failed_stale_and_unverified_are_each_unhealthy() {
        let h = assess(
            &state(&[NSL], &[]),
            &check(CheckResult::Failed, 0),
            false,
            &AlertHistory::default(),
        );
        assert_eq!(h.reasons, vec![Reason::FetchFailed], "not also missing");

        let mut s = state(&[NSL], &[]);
        s.stale = Some(Stale {
            reason: "overdue".into(),
            at: at(),
            reference: at().date_naive(),
        });
        let mut c = check(CheckResult::Ok, 1);
        c.signature = "1/2".parse().ok();
        let h = assess(&s, &c, true, &AlertHistory::default());
        assert_eq!(h.reasons, vec![Reason::Stale, Reason::Signature]);
        assert_eq!(h.cell(), "warning: stale, signatures do not verify");

        c.signature = "2/2 ok".parse().ok();
        let h = assess(&state(&[NSL], &[]), &c, true, &AlertHistory::default());
        assert_eq!(h.level(), Level::Ok);
    }
}
