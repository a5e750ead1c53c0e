//! The unit canaryd tracks: one statement of a canary, as worded and as compared.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One unit of meaning taken from a canary page: a list item, or one sentence of a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The wording as published (entities decoded, whitespace collapsed), quoted in alerts.
    pub text: String,
    /// The comparison form: normalised, with dates masked. Two statements with the same key
    /// say the same thing, whatever their markup, spacing, quote style or date.
    pub key: String,
    /// Lower-case hex sha256 of `key`.
    pub hash: String,
    /// True when the statement asserts an absence (the canary proper); false for context
    /// (issue dates, counts, fingerprints, update plans, footnotes, proofs of freshness).
    pub claim: bool,
    /// Dates found in the wording (masked out of `key`), in order of appearance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<NaiveDate>,
}
