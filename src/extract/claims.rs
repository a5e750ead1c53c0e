//! Which sentences are canary claims (assertions of an absence) and which blocks read like a
//! canary at all. English and French vocabulary.

use std::sync::LazyLock;

use regex::Regex;

/// Negation or absence: the grammar of a canary.
static ABSENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \b(?:never|not|no|none|nor|zero|nothing|nobody|neither|without)\b
        | n't\b | n’t\b
        | \b(?:ne|n')\s*\S+\s+(?:jamais|pas|aucun|aucune|rien|ni)\b
        | \b(?:jamais|aucun|aucune|aucunement|nul|nulle)\b
        | :\s*0\b | \b0\s+(?:requests|orders|letters|warrants|subpoenas|demandes)",
    )
    .expect("the absence pattern is valid")
});

/// What canaries are about: legal process, surveillance, compromise.
static SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        national\ security\ letter | \bnsls?\b | \bfisa\b | gag\ order | \bgag\b | warrant | subpoena
        | court\ order | \bcourt | secret\ order | classified | \borders?\b | search(?:ed|es)?\b | seiz | seized
        | backdoor | back\ door | law\ enforcement | government | intelligence | surveillance | wiretap
        | monitor | intercept | compromis | disclos | user\ data | user\ communications | communications
        | encryption | signing\ keys | private\ keys | \bkeys?\b | data\ breach | third\ part | request
        | served | police | fbi | \bnsa\b | authorit | legal\ process
        | mandat | réquisition | requisition | ordonnance | perquisition | saisi | porte\ dérobée
        | écoute | renseignement | tribunal | \bjuge | autorités | demande\ d.information | données",
    )
    .expect("the subject pattern is valid")
});

/// Phrases that only canaries use.
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)national security letter|\bfisa\b|gag order|warrant canary|canary statement|no warrants have")
        .expect("the strong pattern is valid")
});

/// Sentences about the future (the next update) or questions: context, never claims.
static NOT_A_CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        ^\s*(?:\[\d+\]|\d+\.\s*https?://|https?://)
        | \b(?:we\ plan|plan\ to\ publish|next\ (?:canary|update|report|statement)|intends?\ to\ update|will\ be\ (?:re-?signed|updated|published))
        | \bnous\ prévoyons | prochain",
    )
    .expect("the not-a-claim pattern is valid")
});

/// Statements about the next issue ("We plan to publish the next … in March 2025"): their
/// dates are deadlines, not the canary's date.
pub fn is_plan(sentence: &str) -> bool {
    static PLAN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:we plan|plan to|next (?:canary|update|report|statement|issue)|will be (?:re-?signed|updated|published|renewed)|intends? to update|no later than|prochain|nous prévoyons)")
            .expect("the plan pattern is valid")
    });
    PLAN.is_match(sentence)
}

/// A claim asserts an absence about legal process, surveillance or compromise.
pub fn is_claim(sentence: &str) -> bool {
    let s = sentence.trim();
    if s.ends_with('?') || NOT_A_CLAIM.is_match(s) {
        return false;
    }
    ABSENCE.is_match(s) && SUBJECT.is_match(s)
}

/// Whether a block of page text reads like a canary statement (for auto-detection).
pub fn looks_like_canary(block_text: &str) -> bool {
    let s = block_text.trim();
    if s.len() < 12 {
        return false;
    }
    STRONG.is_match(s) || (ABSENCE.is_match(s) && SUBJECT.is_match(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_and_context() {
        let claims = [
            "As of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders.",
            "Riseup has never disclosed any user communications to any third party.",
            "No warrants have ever been served to us with regard to the Qubes OS Project.",
            "Cloudflare has never turned over our encryption or authentication keys to anyone.",
            "Cloudflare has never installed any law enforcement software or equipment anywhere on our network.",
            "We have never permitted installation of any hardware or software monitoring on any system that we control.",
            "Example SA n'a jamais reçu de réquisition judiciaire secrète.",
            "Nous n'avons reçu aucun mandat de perquisition.",
            "National security letters: 0",
            "We haven't been subject to a gag order.",
        ];
        for c in claims {
            assert!(is_claim(c), "should be a claim: {c}");
        }
        let context = [
            "The date of issue of this canary is September 13, 2022.",
            "There have been 84 Qubes security bulletins published so far.",
            "The Qubes Master Signing Key fingerprint is: 427F 11FD 0FAA 4B08 0123 F01C DDFA 1A3E 3687 9494",
            "We plan to publish the next of these canary statements in the first fourteen days of December 2022.",
            "Riseup intends to update this report approximately once per quarter.",
            "Regarding server seizures, in a widely-reported incident [1], the FBI seized one of riseup's servers in April 2012.",
            "[1] https://www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure-fbi-overreaches-yet-again",
            "[4] This report was delayed this quarter not for any legal reason, but simply because the bird responsible for updating it was on vacation.",
            "Couldn't the government just make you say that?",
            "Dear Qubes Community,",
            "Thu, 01 Aug 2024 12:00:00 +0000",
            "There is no footnote three, but since you looked, you should read this too.",
        ];
        for c in context {
            assert!(!is_claim(c), "should be context: {c}");
        }
    }

    #[test]
    fn canary_blocks_are_recognised_and_marketing_is_not() {
        assert!(looks_like_canary(
            "Example Co has never received a National Security Letter."
        ));
        assert!(looks_like_canary("Nous n'avons jamais reçu de mandat."));
        assert!(!looks_like_canary(
            "We never sell your data to advertisers, ever. Fast and friendly."
        ));
        assert!(!looks_like_canary(
            "Never miss an update: subscribe to our newsletter."
        ));
        assert!(!looks_like_canary("Home"));
    }
}
