//! Tests of what counts as the same meaning in the diff.

use super::*;
use crate::observe::normalise::statement;

fn key(t: &str) -> String {
    statement(t, true).key
}

#[test]
fn weakening_is_saying_less_and_rewording_is_not() {
    let cases: &[(&str, &str, bool)] = &[
        (
            "We have never received a National Security Letter.",
            "We have rarely received a National Security Letter.",
            true,
        ),
        (
            "We have not received any requests.",
            "We have not received some requests.",
            true,
        ),
        (
            "Example has not received any warrants.",
            "Example has received warrants.",
            true,
        ),
        (
            "No warrants have been served to us.",
            "Warrants have been served to us.",
            true,
        ),
        (
            "We have never received national security letters or gag orders.",
            "We have never received national security letters.",
            true,
        ),
        (
            "We have not ever received a warrant.",
            "We have not received a warrant in 2024.",
            true,
        ),
        (
            "All our servers are free of backdoors and none was seized.",
            "Most of our servers are free of backdoors and none was seized.",
            true,
        ),
        (
            "National Security Letters | 0",
            "National Security Letters | 0-249",
            true,
        ),
        (
            "Nous n'avons jamais reçu de mandat ni de réquisition.",
            "Nous n'avons reçu aucun mandat.",
            true,
        ),
        (
            "Aucune réquisition ni ordonnance n'a été reçue.",
            "Aucune réquisition n'a été reçue.",
            true,
        ),
        // Rewording that says no less.
        (
            "At the same time we would like to remind you that we have never received a gag order.",
            "We would like to remind you that we have never received a gag order.",
            false,
        ),
        (
            "No warrants have ever been served to them with regards to the project.",
            "No warrants have ever been served to us with regard to the project.",
            false,
        ),
        (
            "Our server(s) have never been searched by the police.",
            "Our servers have never been searched by the police.",
            false,
        ),
        (
            "We have never received a warrant",
            "We have never received a warrant.",
            false,
        ),
        (
            "We have never received a warrant.",
            "We have never, ever, received a warrant!",
            false,
        ),
        (
            "Riseup has never placed any backdoors in our software and have not received any requests to do so.",
            "Riseup has never placed any backdoors in our hardware or software and has not received any requests to do so.",
            false,
        ),
        (
            "Nous n'avons jamais reçu de mandat.",
            "Nous n'avons, à ce jour, jamais reçu de mandat.",
            false,
        ),
    ];
    for (old, new, want) in cases {
        assert_eq!(weakens(&key(old), &key(new)), *want, "{old} → {new}");
        let d = diff(&[statement(old, true)], &[statement(new, true)]);
        if key(old) == key(new) {
            assert!(d.is_empty(), "{old} → {new}: the same statement");
            continue;
        }
        assert_eq!(d.changed.len(), 1, "{old} → {new}: paired as one change");
        assert_eq!(d.changed[0].change.weakened, *want, "{old} → {new}");
    }
}

#[test]
fn a_claim_restated_in_new_words_is_one_change() {
    let pairs = [
        (
            "We did not receive any government requests to remove content in 2024.",
            "In 2024 and 2025, no content takedown requests from any government were received.",
        ),
        (
            "Example n'a reçu aucune demande gouvernementale de retrait de contenu en 2024.",
            "En 2024 et 2025, aucune demande de retrait de contenu émanant d'un gouvernement n'a été reçue par Example.",
        ),
    ];
    for (old, new) in pairs {
        let d = diff(&[statement(old, true)], &[statement(new, true)]);
        assert_eq!(d.changed.len(), 1, "{old} → {new}: {d:?}");
        assert!(!d.changed[0].change.weakened);
        assert!(d.removed.is_empty() && d.added.is_empty());
    }
}

#[test]
fn a_claim_replaced_by_a_narrower_or_other_one_is_removed() {
    let pairs = [
        // Narrower: the period shrinks from "ever" to one year.
        (
            "We have never received any government requests to remove content.",
            "In 2025, no content takedown requests from any government were received.",
        ),
        // Narrower: gag orders are no longer denied.
        (
            "We have not received any national security letters or gag orders in 2024.",
            "In 2024 and 2025, no national security letters were received by us.",
        ),
        // Another subject (Riseup, 2017).
        (
            "As of August 16, 2016, riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court.",
            "Riseup positively confirms that the integrity of our system is sound: all our infrastructure is in our control, we have not been compromised or suffered a data breach, we have not disclosed any private encryption keys.",
        ),
        (
            "Other than this incident, as of August 16, 2016 riseup confirms that it has never had any hardware seized or taken by any third party.",
            "A: No. We have never permitted installation of any hardware or software monitoring on any system that we control; law enforcement has not taken our servers; does not, and has never had access to them.",
        ),
    ];
    for (old, new) in pairs {
        let d = diff(&[statement(old, true)], &[statement(new, true)]);
        assert_eq!(
            (d.removed.len(), d.added.len()),
            (1, 1),
            "{old} → {new}: {d:?}"
        );
    }
}
