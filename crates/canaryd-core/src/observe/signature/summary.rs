//! Folding verdicts into what a watch shows: distinct good pinned signers against the number
//! required ("2/2 ok", "1/2", "BAD", "unsigned"), and the newest good signature time.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{SignatureStatus, SignatureTally, SignatureVerdict};

/// Where a set of verdicts leaves a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SummaryState {
    /// No signature at all.
    Unsigned,
    /// Some signature by a pinned key does not verify: the text was altered.
    Bad,
    /// Fewer distinct good pinned signers than required.
    Insufficient,
    /// Enough distinct good pinned signers, and nothing bad.
    Satisfied,
}

/// The verdicts on one canary's signatures, counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SignatureSummary {
    /// Distinct pinned signers required; at least one good signature is always needed.
    pub required: usize,
    /// Primary fingerprints of pinned keys with at least one good signature.
    pub good_signers: BTreeSet<String>,
    /// How many verdicts were `Bad`.
    pub bad: usize,
    /// How many verdicts were neither good nor bad (unknown key, expired, weak hash, …).
    pub other: usize,
    /// Creation time of the newest good signature.
    pub newest_good: Option<DateTime<Utc>>,
}

impl SignatureSummary {
    pub(crate) fn new(verdicts: &[SignatureVerdict], required: usize) -> Self {
        let mut summary = SignatureSummary {
            required,
            good_signers: BTreeSet::new(),
            bad: 0,
            other: 0,
            newest_good: None,
        };
        for v in verdicts {
            match (v.status, &v.signer) {
                (_, Some(signer)) if v.is_good() => {
                    summary.good_signers.insert(signer.fingerprint.clone());
                    summary.newest_good = summary.newest_good.max(v.created);
                }
                (SignatureStatus::Bad, _) => summary.bad += 1,
                _ => summary.other += 1,
            }
        }
        summary
    }

    pub(crate) fn state(&self) -> SummaryState {
        if self.bad > 0 {
            SummaryState::Bad
        } else if self.good_signers.is_empty() && self.other == 0 {
            SummaryState::Unsigned
        } else if self.good_signers.len() >= self.required.max(1) {
            SummaryState::Satisfied
        } else {
            SummaryState::Insufficient
        }
    }

    // Part of the module's API, exercised by its tests; no caller needs it yet.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_satisfied(&self) -> bool {
        self.state() == SummaryState::Satisfied
    }

    /// The canary's date when its text defers to "the signature time".
    pub(crate) fn newest_good_signature_time(&self) -> Option<DateTime<Utc>> {
        self.newest_good
    }
}

impl SignatureSummary {
    /// The counts as a watch shows them.
    pub(crate) fn tally(&self) -> SignatureTally {
        let (good, required) = (self.good_signers.len(), self.required);
        match self.state() {
            SummaryState::Unsigned => SignatureTally::Unsigned,
            SummaryState::Bad => SignatureTally::Bad,
            SummaryState::Insufficient => SignatureTally::Short { good, required },
            SummaryState::Satisfied => SignatureTally::Satisfied { good, required },
        }
    }
}

/// "2/2 ok", "1/2", "BAD" or "unsigned".
impl fmt::Display for SignatureSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tally().fmt(f)
    }
}
