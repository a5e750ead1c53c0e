//! The checks a CanaryTail canary gets beyond its codes: signatures that do not verify, an
//! unsigned document where signed ones were seen (a downgrade), the signing keys pinned on
//! first sight, the panic key and the duress code (alerted at once, without waiting for
//! confirmation). Each condition is alerted once while it holds, and a signature condition
//! that ends is `recovered`. The judge sees the codes as statements like any canary's, and
//! its dates: a release dated in the future is its `stale`, raised once, there.

use chrono::{DateTime, Utc};

use serde::{Deserialize, Serialize};

use crate::judge::event::{Event, EventKind, Severity};
use crate::judge::{self, Policy};
use crate::observe::canarytail::{self, Verdict};
use crate::observe::{Reading, TailFacts};

/// A CanaryTail canary's pinned keys and its open document alerts, carried from check to
/// check (a live watch keeps it in its check record, `replay` from version to version).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailRecord {
    /// The signing keys pinned on first sight (canonical base64, sorted).
    #[serde(default)]
    pub keys: Vec<String>,
    /// The conditions already alerted and still holding, so each is alerted once.
    #[serde(default)]
    pub alerted: Vec<String>,
}

/// Conditions about the signatures: while one holds, the document's codes are not judged.
const SIGNATURE_CONDITIONS: &[&str] = &["signature", "unsigned"];

/// Why a document whose signatures verified on an earlier check cannot be read now: it
/// carries nothing that can be checked (the README shape, or JSON without signatures)
/// although the keys were pinned from a validly signed one. `None` when it can be read.
fn downgrade(facts: &TailFacts, previous: Option<&TailRecord>) -> Option<String> {
    let pinned = previous.map(|r| r.keys.as_slice()).unwrap_or_default();
    (facts.verdict == Verdict::NotVerifiable && !pinned.is_empty()).then(|| {
        format!(
            "the CanaryTail canary is no longer signed ({}), though earlier versions were signed by the pinned keys {}: an unsigned document cannot stand for them, so its codes are not judged",
            facts.signature_reason,
            pinned.join(", ")
        )
    })
}

/// The reading of a CanaryTail document as the judge may use it: on a watch that has seen
/// signed documents, an unverifiable one is a failed read with the reason (as a document
/// whose signatures do not verify already is), never judged. Live checks and replay both
/// pass every reading through here, with the record as it was before this check.
pub fn gate(reading: Reading, facts: Option<&TailFacts>, previous: Option<&TailRecord>) -> Reading {
    match facts.and_then(|f| downgrade(f, previous)) {
        Some(reason) => Reading::Unreadable(reason),
        None => reading,
    }
}

/// Judges this check's CanaryTail facts against the record of the last; returns the record
/// to keep and the events to raise. A check without facts (failed, or not CanaryTail) keeps
/// the record as it was.
pub fn judge_tail(
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
    let downgraded = downgrade(facts, previous);
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
    if let Some(reason) = &downgraded {
        holding.push((
            "unsigned".into(),
            EventKind::Signature,
            reason.clone(),
            Vec::new(),
        ));
    }
    // Only a document that is read says anything about duress: a forged or unsigned one
    // cannot raise (or end) it.
    let read = facts.verdict != Verdict::Invalid && downgraded.is_none();
    if facts.panic_signed {
        holding.push((
            "panic".into(),
            EventKind::Removed,
            "the CanaryTail canary is signed with its panic key: it has been failed on purpose"
                .into(),
            Vec::new(),
        ));
    }
    if read && facts.duress {
        holding.push((
            "duress".into(),
            EventKind::Removed,
            "the CanaryTail canary no longer claims DURESS: its operators say they act under coercion"
                .into(),
            vec![format!("DURESS: {}", canarytail::meaning("DURESS"))],
        ));
    }
    // Keys are pinned only from a canary whose signatures verify, so a forgery cannot pin its
    // own key; a later change is alerted once and the new keys pinned.
    if facts.verdict == Verdict::Valid && facts.keys != record.keys {
        if !record.keys.is_empty() {
            events.push(judge::event(
                policy,
                judge::Notice {
                    kind: EventKind::Signature,
                    at,
                    first_seen: at,
                    severity: Severity::High,
                    detail: format!(
                        "the CanaryTail canary's signing keys changed from {} to {} (now pinned)",
                        record.keys.join(", "),
                        facts.keys.join(", ")
                    ),
                    statements: Vec::new(),
                },
            ));
        }
        record.keys = facts.keys.clone();
    }
    let was_signature_problem = record
        .alerted
        .iter()
        .any(|a| SIGNATURE_CONDITIONS.contains(&a.as_str()));
    if !read && record.alerted.iter().any(|a| a == "duress") {
        // Nothing read this time: a duress alert still open stays open, not ended (and so
        // is not raised again when a readable document still lacks the code).
        holding.push((
            "duress".into(),
            EventKind::Removed,
            String::new(),
            Vec::new(),
        ));
    }
    let mut alerted = Vec::new();
    for (id, kind, detail, statements) in holding {
        if !record.alerted.contains(&id) {
            events.push(judge::event(
                policy,
                judge::Notice {
                    kind,
                    at,
                    first_seen: at,
                    severity: Severity::High,
                    detail,
                    statements,
                },
            ));
        }
        alerted.push(id);
    }
    if was_signature_problem && facts.verdict == Verdict::Valid {
        events.push(judge::event(
            policy,
            judge::Notice {
                kind: EventKind::Recovered,
                at,
                first_seen: at,
                severity: Severity::Info,
                detail: format!(
                    "the CanaryTail canary's signatures verify again: {}",
                    facts.signature_reason
                ),
                statements: Vec::new(),
            },
        ));
    }
    record.alerted = alerted;
    (Some(record), events)
}

/// The duress code's disappearance was alerted at once (see [`judge_tail`]); when the judge
/// confirms the same statement's removal later, that is not news: it is dropped from the
/// judge's events, and an event left with no statement goes with it.
pub fn drop_duress_repeat(events: &mut Vec<Event>, record: Option<&TailRecord>) {
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
    use chrono::TimeDelta;

    fn facts(release: DateTime<Utc>) -> TailFacts {
        TailFacts {
            verdict: Verdict::Valid,
            signature_reason: String::new(),
            keys: vec!["k1".into()],
            panic_signed: false,
            duress: false,
            release,
            expiry: release + TimeDelta::days(30),
            freshness: None,
        }
    }

    fn at() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().expect("time")
    }

    #[test]
    fn a_release_in_the_future_is_left_to_the_judges_stale() {
        // The judge reads the release as the canary's date and raises `stale` for a canary
        // dated ahead; raising it here too alerted it twice.
        let far = facts(at() + TimeDelta::days(30));
        let (_, events) = judge_tail(Some(&far), None, at(), &Policy::default());
        assert!(events.is_empty(), "{events:?}");
    }

    #[test]
    fn an_unsigned_document_after_signed_ones_is_a_signature_alert_once_then_recovered() {
        let policy = Policy::default();
        let (signed, _) = judge_tail(Some(&facts(at())), None, at(), &policy);
        let mut unsigned = facts(at());
        unsigned.verdict = Verdict::NotVerifiable;
        unsigned.signature_reason = "the README shape names no checkable signature scheme".into();
        unsigned.keys = Vec::new();
        unsigned.duress = true;
        let reading = Reading::Statements(Vec::new());
        assert!(matches!(
            gate(reading.clone(), Some(&unsigned), signed.as_ref()),
            Reading::Unreadable(r) if r.contains("no longer signed") && r.contains("k1")
        ));
        let (record, events) = judge_tail(Some(&unsigned), signed.as_ref(), at(), &policy);
        assert_eq!(
            events.len(),
            1,
            "the signature alert, not duress: {events:?}"
        );
        assert_eq!(events[0].kind, EventKind::Signature);
        assert!(events[0].detail.contains("no longer signed"), "{events:?}");
        assert_eq!(
            record.as_ref().expect("record").keys,
            ["k1"],
            "still pinned"
        );
        let (record, again) = judge_tail(Some(&unsigned), record.as_ref(), at(), &policy);
        assert!(again.is_empty(), "alerted once: {again:?}");
        let (_, back) = judge_tail(Some(&facts(at())), record.as_ref(), at(), &policy);
        assert_eq!(back.len(), 1, "{back:?}");
        assert_eq!(back[0].kind, EventKind::Recovered);

        // A watch that never saw a signed document reads an unsigned one as it is.
        assert_eq!(gate(reading.clone(), Some(&unsigned), None), reading);
        let (_, events) = judge_tail(Some(&unsigned), None, at(), &policy);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].kind, EventKind::Removed, "its duress is read");
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
