//! The confirmed statements a watch is judged against: made, refreshed, re-dated under a
//! newer dating rule, and the claims they hold.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Baseline, WatchState, dating, diff};
use crate::observe::statement::Statement;

/// The rule canary dates are read with. State saved under an older rule (which took the
/// latest date of any statement, headlines included) has its dates read again, so a
/// headline's date remembered as "newest" does not make the real date look like it went
/// backwards.
pub const DATING_RULE: u32 = 1;

pub(super) fn migrate(state: &mut WatchState) {
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

pub(super) fn refresh(
    state: &mut WatchState,
    statements: Vec<Statement>,
    old: &Baseline,
    at: DateTime<Utc>,
) {
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

pub(super) fn new_baseline(statements: Vec<Statement>, at: DateTime<Utc>) -> Baseline {
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

pub(super) fn baseline_claims(state: &WatchState) -> Vec<String> {
    state
        .baseline
        .as_ref()
        .map(|b| b.claims().map(|s| s.text.clone()).collect())
        .unwrap_or_default()
}
