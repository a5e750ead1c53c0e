//! Signature judgement: a signed watch's verdicts become `signature` events (missing, bad,
//! unpinned, too few or dropped signers; a joining signer noted; `recovered` when whole
//! again), confirmed like other changes. Pure.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Policy, WatchState, event};
use crate::judge::event::{Event, EventKind, Severity};
use crate::observe::signature::SignatureStatus;
use crate::observe::signed::{Covers, KeyName, SignatureReading};

/// What the judge remembers about a watch's signatures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureState {
    /// The pinned signers of the last version whose signatures were whole.
    #[serde(default)]
    pub accepted: Vec<KeyName>,
    /// The problem being confirmed, or alerted.
    #[serde(default)]
    pub problem: Option<SignatureProblem>,
}

/// A run of checks whose signatures were not whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignatureProblem {
    /// Identity of the current set of problems: a changed set is confirmed afresh.
    pub key: String,
    pub count: u32,
    pub since: DateTime<Utc>,
    /// The problem set last alerted, if any: what `recovered` ends.
    pub alerted: Option<String>,
    pub alerted_since: Option<DateTime<Utc>>,
}

/// One thing wrong with the signatures: an identity (for confirmation) and a sentence.
struct Problem {
    key: String,
    text: String,
}

fn who(name: &str, fingerprint: &str) -> String {
    format!("{name} ({fingerprint})")
}

/// The problems of `reading` against what was accepted before.
fn problems(reading: &SignatureReading, accepted: &[KeyName]) -> Vec<Problem> {
    let mut out = Vec::new();
    if reading.verdicts.is_empty() {
        let mut text = "no signature, where the pinned keys require one".to_string();
        if !reading.missing.is_empty() {
            text.push_str(&format!(
                " ({} answered 404/410)",
                reading.missing.join(", ")
            ));
        }
        out.push(Problem {
            key: "unsigned".into(),
            text,
        });
    }
    for v in &reading.verdicts {
        let sig = &v.verdict;
        let signer = sig.signer.as_ref().map(|s| {
            who(
                s.user_id.as_deref().unwrap_or(&s.label),
                s.fingerprint.as_str(),
            )
        });
        let issuer = sig.issuer.clone().unwrap_or_else(|| "unnamed".into());
        let detail = sig.detail.clone().unwrap_or_default();
        let (key, text) = match sig.status {
            SignatureStatus::Good => continue,
            SignatureStatus::Bad => (
                format!("bad:{issuer}"),
                format!(
                    "BAD signature by {} in {}: {detail} (the text was altered after signing)",
                    signer.unwrap_or_else(|| issuer.clone()),
                    v.source
                ),
            ),
            SignatureStatus::UnknownKey => (
                format!("unknown:{issuer}"),
                format!(
                    "signature in {} by key {issuer}, which is not pinned: {detail}",
                    v.source
                ),
            ),
            status @ (SignatureStatus::KeyExpired | SignatureStatus::KeyRevoked) => (
                format!("{status}:{issuer}"),
                format!(
                    "signature in {} by {}: {detail}",
                    v.source,
                    signer.unwrap_or_else(|| issuer.clone())
                ),
            ),
            status @ (SignatureStatus::WeakHash | SignatureStatus::Unparseable) => (
                format!("{status}:{issuer}:{}", v.source),
                format!("signature in {} is refused ({status}): {detail}", v.source),
            ),
        };
        out.push(Problem { key, text });
    }
    let good = &reading.summary.good_signers;
    let required = reading.summary.required.max(1);
    if !reading.verdicts.is_empty() && good.len() < required {
        let names = named(reading, good);
        out.push(Problem {
            key: format!("few:{}/{required}", good.len()),
            text: format!(
                "only {} of the {required} required pinned signers signed{}",
                good.len(),
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({names})")
                }
            ),
        });
    }
    let pinned: BTreeSet<&str> = reading
        .pinned
        .iter()
        .map(|k| k.fingerprint.as_str())
        .collect();
    for a in accepted {
        if pinned.contains(a.fingerprint.as_str()) && !good.contains(&a.fingerprint) {
            out.push(Problem {
                key: format!("dropped:{}", a.fingerprint),
                text: format!(
                    "{} signed the previous version and has not signed this one",
                    who(&a.name, &a.fingerprint)
                ),
            });
        }
    }
    out
}

/// "Name (FP), Name (FP)" for the given fingerprints.
fn named(reading: &SignatureReading, fingerprints: &BTreeSet<String>) -> String {
    fingerprints
        .iter()
        .map(|fp| {
            let name = reading
                .pinned
                .iter()
                .find(|k| &k.fingerprint == fp)
                .map_or(fp.as_str(), |k| k.name.as_str());
            who(name, fp)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Judges the signatures of a page the judge accepted as content. `seen_hash` is the set hash
/// of the statements read from it: the signature time stands in for the canary's date only
/// when the baseline is the text that was signed.
pub(super) fn judge(
    state: &mut WatchState,
    reading: &SignatureReading,
    seen_hash: &str,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
    date_fallback(state, reading, seen_hash);
    let sig = &mut state.signature;
    let found = problems(reading, &sig.accepted);
    if found.is_empty() {
        if let Some(p) = sig.problem.take()
            && p.alerted.is_some()
        {
            let since = p.alerted_since.unwrap_or(p.since);
            events.push(event(
                policy,
                EventKind::Recovered,
                at,
                since,
                Severity::Info,
                format!(
                    "the canary's signatures are whole again: {} by {} (problems since {})",
                    reading.display(),
                    named(reading, &reading.summary.good_signers),
                    crate::words::describe_time(since)
                ),
                Vec::new(),
            ));
        }
        let now: Vec<KeyName> = reading
            .pinned
            .iter()
            .filter(|k| reading.summary.good_signers.contains(&k.fingerprint))
            .cloned()
            .collect();
        let joined: Vec<&KeyName> = now
            .iter()
            .filter(|k| !sig.accepted.iter().any(|a| a.fingerprint == k.fingerprint))
            .collect();
        if !sig.accepted.is_empty() && !joined.is_empty() {
            let names: Vec<String> = joined
                .iter()
                .map(|k| who(&k.name, &k.fingerprint))
                .collect();
            let mut e = event(
                policy,
                EventKind::Signature,
                at,
                at,
                Severity::Info,
                format!(
                    "a new signer joined: {} also signed this version ({}); recorded, not alerted",
                    names.join(", "),
                    reading.display()
                ),
                Vec::new(),
            );
            e.notify = false;
            events.push(e);
        }
        sig.accepted = now;
        return;
    }

    let mut keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    keys.sort_unstable();
    keys.dedup();
    let key = keys.join(" ");
    let p = sig.problem.get_or_insert_with(|| SignatureProblem {
        key: key.clone(),
        count: 0,
        since: at,
        alerted: None,
        alerted_since: None,
    });
    if p.key != key {
        p.key = key.clone();
        p.count = 0;
        p.since = at;
    }
    p.count += 1;
    if p.count >= policy.confirm && p.alerted.as_deref() != Some(key.as_str()) {
        p.alerted = Some(key);
        p.alerted_since.get_or_insert(p.since);
        let texts: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
        let mut detail = format!(
            "signatures {} on {} since {}: {}",
            reading.display(),
            crate::words::plural(p.count, "consecutive check"),
            crate::words::describe_time(p.since),
            texts.join("; ")
        );
        if reading.scope.covers == Covers::Nothing {
            detail.push_str(
                "; nothing on the page is signed by a pinned key, so its text is not judged until it is",
            );
        }
        events.push(event(
            policy,
            EventKind::Signature,
            at,
            p.since,
            Severity::High,
            detail,
            Vec::new(),
        ));
    }
}

/// When the text gives no date of its own, the newest good signature's creation time is the
/// canary's date (a signed canary is as fresh as its signature).
fn date_fallback(state: &mut WatchState, reading: &SignatureReading, seen_hash: &str) {
    let Some(signed) = reading.summary.newest_good_signature_time() else {
        return;
    };
    if let Some(b) = state.baseline.as_mut()
        && b.set_hash == seen_hash
        && super::canary_date(&b.statements).is_none()
    {
        b.canary_date = Some(signed.date_naive());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::observe::normalise::statement;
    use crate::observe::signature::SignatureSummary;
    use crate::observe::signed::SignatureReading;

    fn reading(newest_good: Option<DateTime<Utc>>) -> SignatureReading {
        SignatureReading {
            verdicts: Vec::new(),
            summary: SignatureSummary {
                required: 1,
                good_signers: BTreeSet::from(["AAAA".to_string()]),
                bad: 0,
                other: 0,
                newest_good,
            },
            missing: Vec::new(),
            pinned: Vec::new(),
            scope: Default::default(),
        }
    }

    #[test]
    fn an_undated_signed_canary_is_as_old_as_its_newest_good_signature() {
        let signed: DateTime<Utc> = "2026-06-03T09:00:00Z".parse().expect("time");
        let text = ["Example Co has never received a National Security Letter."];
        let statements = text.iter().map(|t| statement(t, true)).collect::<Vec<_>>();
        let mut state = crate::judge::state_from_baseline(statements.clone(), signed);
        let hash = state.baseline.as_ref().expect("baseline").set_hash.clone();
        date_fallback(&mut state, &reading(Some(signed)), &hash);
        assert_eq!(
            state.baseline.as_ref().and_then(|b| b.canary_date),
            Some(signed.date_naive())
        );
        // Not when the signed text is not the baseline, nor when there is no good signature.
        let mut other = crate::judge::state_from_baseline(statements.clone(), signed);
        date_fallback(&mut other, &reading(Some(signed)), "another set");
        assert_eq!(other.baseline.as_ref().and_then(|b| b.canary_date), None);
        let mut unsigned = crate::judge::state_from_baseline(statements, signed);
        date_fallback(&mut unsigned, &reading(None), &hash);
        assert_eq!(unsigned.baseline.as_ref().and_then(|b| b.canary_date), None);
    }

    #[test]
    fn a_canary_that_dates_itself_keeps_its_own_date() {
        let signed: DateTime<Utc> = "2026-06-03T09:00:00Z".parse().expect("time");
        let statements = vec![
            statement("The date of issue of this canary is March 3, 2026.", false),
            statement(
                "Example Co has never received a National Security Letter.",
                true,
            ),
        ];
        let mut state = crate::judge::state_from_baseline(statements, signed);
        let own = state.baseline.as_ref().and_then(|b| b.canary_date);
        assert!(own.is_some());
        let hash = state.baseline.as_ref().expect("baseline").set_hash.clone();
        date_fallback(&mut state, &reading(Some(signed)), &hash);
        assert_eq!(state.baseline.as_ref().and_then(|b| b.canary_date), own);
    }
}
