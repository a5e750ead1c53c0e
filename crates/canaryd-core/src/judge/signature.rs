//! Signature judgement: a signed watch's verdicts become `signature` events (missing, bad,
//! unpinned, too few or dropped signers, a weak or downgraded digest; a joining signer noted;
//! `recovered` when whole again), confirmed like other changes. Pure.
//!
//! A condition is known by what stays the same from version to version (the kind of failure
//! and who failed, never the signature file's URL or path, which move with a followed
//! series): entering it is one alert, a new version under it is recorded, not alerted, and a
//! problem it did not include (another signer, another kind of failure, fewer good signers)
//! is a new alert.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Notice, Policy, WatchState, event};
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
    /// Per signer (primary fingerprint), the digest of its good signature on the last
    /// version whose signatures were whole ("SHA256"): a later weaker one is a downgrade.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hashes: BTreeMap<String, String>,
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
    /// The document (sha256) last recorded under the alerted problem: each new version is
    /// recorded once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One thing wrong with the signatures: an identity (for confirmation) and a sentence.
struct Problem {
    key: String,
    text: String,
}

fn who(name: &str, fingerprint: &str) -> String {
    format!("{name} ({fingerprint})")
}

/// How to refresh the pinned copy of the key `fingerprint` (pinned from `file`).
fn refresh_hint(reading: &SignatureReading, fingerprint: &str, file: &str) -> String {
    match reading
        .pinned
        .iter()
        .find(|k| k.fingerprint == fingerprint)
        .and_then(|k| k.refresh.clone())
    {
        Some(command) => format!("refresh it with `{command}`"),
        None => format!(
            "refresh it with `gpg --refresh-keys {fingerprint}` and `gpg --armor --export {fingerprint} > {file}`, or give the key a `key_url` and run `canaryd keys refresh`"
        ),
    }
}

/// The problems of `reading` against what was accepted before (`hashes`: each signer's
/// digest then).
fn problems(
    reading: &SignatureReading,
    accepted: &[KeyName],
    hashes: &BTreeMap<String, String>,
) -> Vec<Problem> {
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
        // The signer's identity where known (a subkey's signature is its primary's).
        let id = sig
            .signer
            .as_ref()
            .map_or(issuer.clone(), |s| s.fingerprint.clone());
        let hash = sig.hash.clone().unwrap_or_else(|| "unknown".into());
        if let Some(s) = &sig.signer
            && matches!(
                sig.status,
                SignatureStatus::Good | SignatureStatus::WeakHash
            )
            && !crate::observe::signature::hash_name_strong(&hash)
            && let Some(before) = hashes.get(&s.fingerprint)
            && crate::observe::signature::hash_name_strong(before)
        {
            out.push(Problem {
                key: format!("downgrade:{}", s.fingerprint),
                text: format!(
                    "downgrade: {} signed the previous accepted version with {before} and this one with {hash}, a collision-prone digest (high severity whatever `accept_sha1` says)",
                    signer.clone().unwrap_or_else(|| issuer.clone())
                ),
            });
        }
        let detail = sig.detail.clone().unwrap_or_default();
        let (key, text) = match sig.status {
            SignatureStatus::Good => continue,
            SignatureStatus::Bad => (
                format!("bad:{id}"),
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
            SignatureStatus::KeyExpired => {
                let hint = sig.signer.as_ref().map_or(String::new(), |s| {
                    format!("; {}", refresh_hint(reading, &s.fingerprint, &s.label))
                });
                (
                    format!("key-expired:{issuer}"),
                    format!(
                        "signature in {} by {}: {detail}{hint}",
                        v.source,
                        signer.unwrap_or_else(|| issuer.clone())
                    ),
                )
            }
            SignatureStatus::KeyRevoked => (
                format!("key-revoked:{issuer}"),
                format!(
                    "signature in {} by {}: {detail}",
                    v.source,
                    signer.unwrap_or_else(|| issuer.clone())
                ),
            ),
            SignatureStatus::WeakHash => (
                format!("weak-hash:{hash}:{id}"),
                format!(
                    "signature in {} by {} is refused: {detail}",
                    v.source,
                    signer.unwrap_or_else(|| issuer.clone())
                ),
            ),
            SignatureStatus::Unparseable => (
                format!("unparseable:{id}"),
                format!(
                    "signature in {} is refused (unparseable): {detail}",
                    v.source
                ),
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

/// Whether problem `key` is part of the condition already alerted (`alerted`, its keys):
/// the same key, or as few good signers as then or more.
fn covered(key: &str, alerted: &BTreeSet<&str>) -> bool {
    if alerted.contains(key) {
        return true;
    }
    let few = |k: &str| -> Option<(usize, String)> {
        let (good, required) = k.strip_prefix("few:")?.split_once('/')?;
        Some((good.parse().ok()?, required.to_string()))
    };
    let Some((good, required)) = few(key) else {
        return false;
    };
    alerted
        .iter()
        .filter_map(|a| few(a))
        .any(|(then, r)| r == required && then <= good)
}

/// Each good signer's digest on a version accepted whole (the strong one when a signer
/// signed twice).
fn good_hashes(reading: &SignatureReading) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for v in reading.verdicts.iter().filter(|v| v.verdict.is_good()) {
        let (Some(s), Some(h)) = (&v.verdict.signer, &v.verdict.hash) else {
            continue;
        };
        let strong = crate::observe::signature::hash_name_strong(h);
        match out.get(&s.fingerprint) {
            Some(prev) if crate::observe::signature::hash_name_strong(prev) || !strong => {}
            _ => {
                out.insert(s.fingerprint.clone(), h.clone());
            }
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
    let found = problems(reading, &sig.accepted, &sig.hashes);
    if found.is_empty() {
        if let Some(p) = sig.problem.take()
            && p.alerted.is_some()
        {
            let since = p.alerted_since.unwrap_or(p.since);
            events.push(event(
                policy,
                Notice {
                    kind: EventKind::Recovered,
                    at,
                    first_seen: since,
                    severity: Severity::Info,
                    detail: format!(
                        "the canary's signatures are whole again: {} by {} (problems since {})",
                        reading.display(),
                        named(reading, &reading.summary.good_signers),
                        crate::words::describe_time(since)
                    ),
                    statements: Vec::new(),
                },
            ));
        }
        accept_whole(sig, reading, at, policy, events);
        return;
    }

    // Keys hold no spaces: the alerted set is stored space-separated.
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
        version: None,
    });
    if p.key != key {
        p.key = key.clone();
        p.count = 0;
        p.since = at;
    }
    p.count += 1;
    let alerted: BTreeSet<&str> = p
        .alerted
        .as_deref()
        .map(|a| a.split(' ').collect())
        .unwrap_or_default();
    let fresh = keys.iter().any(|k| !covered(k, &alerted));
    if !fresh {
        // The condition already alerted (or part of it): a new version under it is recorded
        // once, not alerted again.
        if p.alerted.is_some() && reading.document.is_some() && p.version != reading.document {
            p.version = reading.document.clone();
            let texts: Vec<&str> = found.iter().map(|p| p.text.as_str()).collect();
            let mut e = event(
                policy,
                Notice {
                    kind: EventKind::Signature,
                    at,
                    first_seen: at,
                    severity: Severity::Info,
                    detail: format!(
                        "a new version, its signatures failing as already alerted (since {}): signatures {}: {}; recorded, not alerted",
                        crate::words::describe_time(p.alerted_since.unwrap_or(p.since)),
                        reading.display(),
                        texts.join("; ")
                    ),
                    statements: Vec::new(),
                },
            );
            e.notify = false;
            events.push(e);
        }
        return;
    }
    if p.count < policy.confirm {
        return;
    }
    // What was alerted stays alerted until the signatures are whole: the new set joins it.
    let mut all: BTreeSet<&str> = alerted;
    all.extend(keys.iter().copied());
    p.alerted = Some(all.into_iter().collect::<Vec<_>>().join(" "));
    p.alerted_since.get_or_insert(p.since);
    p.version = reading.document.clone();
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
    let since = p.since;
    events.push(event(
        policy,
        Notice {
            kind: EventKind::Signature,
            at,
            first_seen: since,
            severity: Severity::High,
            detail,
            statements: Vec::new(),
        },
    ));
    // A downgrade the watch's `accept_sha1` accepts is alerted once; the version is then
    // accepted, so the signer's next SHA-1 version is not a downgrade again.
    if keys.iter().all(|k| k.starts_with("downgrade:")) {
        sig.problem = None;
        accept_whole(sig, reading, at, policy, &mut Vec::new());
    }
}

/// A version whose signatures are whole: its signers (and their digests) are what the next
/// version is compared with; a signer who joined is noted.
fn accept_whole(
    sig: &mut SignatureState,
    reading: &SignatureReading,
    at: DateTime<Utc>,
    policy: &Policy,
    events: &mut Vec<Event>,
) {
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
            Notice {
                kind: EventKind::Signature,
                at,
                first_seen: at,
                severity: Severity::Info,
                detail: format!(
                    "a new signer joined: {} also signed this version ({}); recorded, not alerted",
                    names.join(", "),
                    reading.display()
                ),
                statements: Vec::new(),
            },
        );
        e.notify = false;
        events.push(e);
    }
    sig.accepted = now;
    sig.hashes = good_hashes(reading);
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
            document: None,
            accepts_sha1: false,
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
    fn the_alerted_condition_covers_the_same_problems_and_no_fewer_good_signers() {
        let alerted: BTreeSet<&str> = ["weak-hash:SHA1:AAAA", "few:1/2"].into();
        assert!(covered("weak-hash:SHA1:AAAA", &alerted));
        assert!(covered("few:1/2", &alerted));
        // Fewer good signers than when alerted is a new problem; more is not.
        assert!(!covered("few:0/2", &alerted));
        assert!(!covered("few:1/3", &alerted));
        assert!(!covered("weak-hash:SHA1:BBBB", &alerted));
        assert!(!covered("bad:AAAA", &alerted));
        let two: BTreeSet<&str> = ["few:0/2"].into();
        assert!(covered("few:1/2", &two));
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
