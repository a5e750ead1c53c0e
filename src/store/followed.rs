//! What a check record remembers about the document read, beyond its statements: for a
//! `follow` watch which document of the series was followed (and why), for a CanaryTail
//! canary the pinned signing keys and the document alerts already raised. Old records
//! without these load as `None`.

use serde::{Deserialize, Serialize};

use crate::observe::follow::FollowKey;

/// The document a `follow` watch read on this check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedDoc {
    /// The document's URL as linked from the index (before redirects).
    pub url: String,
    /// Why it was picked: "newest of 12 matching links by number (47)".
    pub reason: String,
    /// Its ordering key; the next pick is compared with it.
    pub(crate) key: FollowKey,
}

/// A CanaryTail canary's pinned keys and open alerts: the judge's type, kept in the record.
pub use crate::judge::tail::TailRecord;
