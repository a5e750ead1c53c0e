//! The checks a CanaryTail canary gets beyond its codes: signatures that do not verify, the
//! signing keys pinned on first sight, the panic key and the duress code (alerted at once,
//! without waiting for confirmation), and a release dated in the future. Each condition is
//! alerted once while it holds; the judge sees the codes as statements like any canary's.

use chrono::{DateTime, TimeDelta, Utc};

use crate::judge::event::{Event, EventKind, Severity};
use crate::judge::{self, Policy};
use crate::observe::TailFacts;
use crate::observe::canarytail::{self, Verdict};
use crate::store::TailRecord;

/// Judges this check's CanaryTail facts against the record of the last; returns the record
/// to keep and the events to raise. A check without facts (failed, or not CanaryTail) keeps
/// the record as it was.
pub(crate) fn judge_tail(
    facts: Option<&TailFacts>,
    previous: Option<&TailRecord>,
    at: DateTime<Utc>,
    policy: &Policy,
) -> (Option<TailRecord>, Vec<Event>) {
    let Some(facts) = facts else {
        return (previous.cloned(), Vec::new());
    };
    let mut events = Vec::new();
    let mut record = previous.cloned().unwrap_or_default();
    let mut holding: Vec<(String, EventKind, String, Vec<String>)> = Vec::new();
    if facts.verdict == Verdict::Invalid {
        holding.push((
            "signature".into(),
            EventKind::Signature,
            format!(
                "the CanaryTail canary's signatures do not verify ({}): it cannot be trusted to be the operator's",
                facts.signature_reason
            ),
            Vec::new(),
        ));
    }
    if facts.panic_signed {
        holding.push((
            "panic".into(),
            EventKind::Removed,
            "the CanaryTail canary is signed with its panic key: it has been failed on purpose"
                .into(),
            Vec::new(),
        ));
    }
    if facts.duress {
        holding.push((
            "duress".into(),
            EventKind::Removed,
            "the CanaryTail canary no longer claims DURESS: its operators say they act under coercion"
                .into(),
            vec![format!("DURESS: {}", canarytail::meaning("DURESS"))],
        ));
    }
    let grace = TimeDelta::from_std(policy.stale_grace).unwrap_or(TimeDelta::MAX);
    if facts.release > at.checked_add_signed(grace).unwrap_or(at) {
        holding.push((
            "future".into(),
            EventKind::Stale,
            format!(
                "the CanaryTail canary is dated in the future: released {}, more than the {} grace period ahead",
                crate::words::describe_time(facts.release),
                crate::words::describe_duration(policy.stale_grace)
            ),
            Vec::new(),
        ));
    }
    // Keys are pinned only from a canary whose signatures verify, so a forgery cannot pin its
    // own key; a later change is alerted once and the new keys pinned.
    if facts.verdict == Verdict::Valid && facts.keys != record.keys {
        if !record.keys.is_empty() {
            events.push(judge::event(
                policy,
                EventKind::Signature,
                at,
                at,
                Severity::High,
                format!(
                    "the CanaryTail canary's signing keys changed from {} to {} (now pinned)",
                    record.keys.join(", "),
                    facts.keys.join(", ")
                ),
                Vec::new(),
            ));
        }
        record.keys = facts.keys.clone();
    }
    let mut alerted = Vec::new();
    for (id, kind, detail, statements) in holding {
        if !record.alerted.contains(&id) {
            events.push(judge::event(
                policy,
                kind,
                at,
                at,
                Severity::High,
                detail,
                statements,
            ));
        }
        alerted.push(id);
    }
    record.alerted = alerted;
    (Some(record), events)
}

/// The duress code's disappearance was alerted at once (see [`judge_tail`]); when the judge
/// confirms the same statement's removal later, that is not news: it is dropped from the
/// judge's events, and an event left with no statement goes with it.
pub(crate) fn drop_duress_repeat(events: &mut Vec<Event>, record: Option<&TailRecord>) {
    if !record.is_some_and(|r| r.alerted.iter().any(|a| a == "duress")) {
        return;
    }
    let duress = format!("DURESS: {}", canarytail::meaning("DURESS"));
    events.retain_mut(|e| {
        if e.kind != EventKind::Removed || e.statements.is_empty() {
            return true;
        }
        let before = e.statements.len();
        e.statements.retain(|s| *s != duress);
        e.statements.len() == before || !e.statements.is_empty()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(release: DateTime<Utc>) -> TailFacts {
        TailFacts {
            verdict: Verdict::Valid,
            signature_reason: String::new(),
            keys: vec!["k1".into()],
            panic_signed: false,
            duress: false,
            release,
            expiry: release + TimeDelta::days(30),
        }
    }

    fn at() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn a_release_beyond_the_grace_in_the_future_is_stale_once() {
        let policy = Policy::default();
        let near = facts(at() + TimeDelta::days(3));
        let (_, events) = judge_tail(Some(&near), None, at(), &policy);
        assert!(events.is_empty(), "within the 7-day grace: {events:?}");
        let far = facts(at() + TimeDelta::days(30));
        let (record, events) = judge_tail(Some(&far), None, at(), &policy);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, EventKind::Stale);
        assert!(events[0].detail.contains("in the future"));
        let (_, again) = judge_tail(Some(&far), record.as_ref(), at(), &policy);
        assert!(again.is_empty(), "alerted once: {again:?}");
    }

    #[test]
    fn the_panic_key_is_alerted_at_once_and_keys_pin_on_first_valid_sight() {
        let policy = Policy::default();
        let mut f = facts(at());
        f.panic_signed = true;
        f.verdict = Verdict::Panic;
        let (record, events) = judge_tail(Some(&f), None, at(), &policy);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, EventKind::Removed);
        assert!(events[0].detail.contains("panic key"));
        assert!(
            record.expect("record").keys.is_empty(),
            "a panic document pins nothing"
        );
        let (record, events) = judge_tail(Some(&facts(at())), None, at(), &policy);
        assert!(events.is_empty());
        assert_eq!(record.expect("record").keys, vec!["k1".to_string()]);
    }

    #[test]
    fn a_check_without_facts_keeps_the_record() {
        let kept = TailRecord {
            keys: vec!["k1".into()],
            alerted: vec!["duress".into()],
        };
        let (record, events) = judge_tail(None, Some(&kept), at(), &Policy::default());
        assert_eq!(record, Some(kept));
        assert!(events.is_empty());
    }
}
