//! When a canary's good signatures say they were made, against the check's clock and the
//! date the signed text gives itself: a signature from the future, or one made long before
//! the canary's own date (signed in advance?), is said in `preview` and in the evidence. Not
//! an alert: clocks drift and publishers sign ahead for good reasons; a person judges. Pure.

use chrono::{DateTime, Duration, Utc};

use crate::observe::signed::SignatureReading;
use crate::observe::statement::Statement;

/// A signature dated later than this past the check is "in the future" (clock skew below it
/// is ordinary).
const FUTURE_TOLERANCE: Duration = Duration::hours(1);
/// A signature made more than this long before the canary's own date is said.
const EARLY_TOLERANCE: Duration = Duration::days(14);

/// One sentence per good signature whose time is out of place; empty when all is ordinary.
pub fn notes(
    reading: &SignatureReading,
    statements: &[Statement],
    at: DateTime<Utc>,
) -> Vec<String> {
    let canary_date = super::dating(statements).map(|d| d.chosen.date);
    let mut out = Vec::new();
    for v in reading.verdicts.iter().filter(|v| v.verdict.is_good()) {
        let Some(created) = v.verdict.created else {
            continue;
        };
        let who = v
            .verdict
            .signer
            .as_ref()
            .map_or("a pinned key".to_string(), |s| {
                s.user_id.clone().unwrap_or_else(|| s.label.clone())
            });
        if created > at + FUTURE_TOLERANCE {
            out.push(format!(
                "the signature by {who} in {} is dated {}, {} after this check ({}): the signer's clock is wrong, or the date was set ahead",
                v.source,
                created.to_rfc3339(),
                crate::words::describe_duration((created - at).to_std().unwrap_or_default()),
                at.to_rfc3339()
            ));
        }
        if let Some(date) = canary_date
            && let Some(midnight) = date.and_hms_opt(0, 0, 0)
            && created + EARLY_TOLERANCE < midnight.and_utc()
        {
            out.push(format!(
                "the signature by {who} in {} was made on {}, {} days before the date the canary gives itself ({date}): it may have been signed in advance",
                v.source,
                created.date_naive(),
                (midnight.and_utc() - created).num_days()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::observe::normalise::statement;
    use crate::observe::signature::{SignatureStatus, SignatureSummary, SignatureVerdict, Signer};
    use crate::observe::signed::SourcedVerdict;

    fn signed_at(created: &str) -> SignatureReading {
        SignatureReading {
            verdicts: vec![SourcedVerdict {
                source: "clearsigned".into(),
                verdict: SignatureVerdict {
                    status: SignatureStatus::Good,
                    issuer: Some("AAAA".into()),
                    signer: Some(Signer {
                        label: "alice.asc".into(),
                        fingerprint: "AAAA".into(),
                        user_id: Some("Alice <alice@example.org>".into()),
                        subkey: None,
                    }),
                    created: Some(created.parse().expect("time")),
                    hash: Some("SHA256".into()),
                    detail: None,
                },
            }],
            summary: SignatureSummary {
                required: 1,
                good_signers: BTreeSet::from(["AAAA".to_string()]),
                bad: 0,
                other: 0,
                newest_good: None,
            },
            missing: Vec::new(),
            pinned: Vec::new(),
            document: None,
            accepts_sha1: false,
            scope: Default::default(),
        }
    }

    #[test]
    fn a_signature_from_the_future_or_long_before_the_canarys_date_is_said() {
        let at: DateTime<Utc> = "2026-06-03T12:00:00Z".parse().expect("time");
        let text = [statement("This canary was issued on June 3, 2026.", false)];
        assert!(notes(&signed_at("2026-06-03T09:00:00Z"), &text, at).is_empty());
        // Minutes of clock skew are ordinary.
        assert!(notes(&signed_at("2026-06-03T12:30:00Z"), &text, at).is_empty());

        let future = notes(&signed_at("2026-06-10T12:00:00Z"), &text, at);
        assert_eq!(future.len(), 1, "{future:?}");
        assert!(future[0].contains("after this check"), "{}", future[0]);
        assert!(future[0].contains("Alice"), "{}", future[0]);

        let early = notes(&signed_at("2026-01-02T12:00:00Z"), &text, at);
        assert_eq!(early.len(), 1, "{early:?}");
        assert!(early[0].contains("signed in advance"), "{}", early[0]);
        assert!(early[0].contains("2026-06-03"), "{}", early[0]);
    }
}
