//! Claims against context: which sentences assert an absence (the canary proper), and which
//! page blocks read like a canary at all. English and French vocabulary.

use std::sync::LazyLock;

use regex::Regex;

use crate::observe::normalise::{find, fold};

/// Compiles a vocabulary pattern (always case-folded input). Word boundaries are ASCII ones,
/// which keeps matching on the lazy DFA on French text (a Unicode `\b` makes a 10 MB line
/// take seconds); so no `\b` may touch an accented letter.
fn re(pattern: &str) -> Regex {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)"))
        .expect("the claim vocabulary patterns are valid regexes")
}

/// The grammar of an assertion of absence: "never", the perfect-tense negative ("has not
/// received", "have not been"), "zero", "none"; "jamais", "aucun", "n'avons pas". Plain "not"
/// or "does not" is no marker: news and disclaimers use them about the law ("police do not
/// need a warrant") without asserting anything about the organisation.
static ABSENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \bnever\b | \b(?:has|have|had)\s+(?:not|never)\b | \b(?:hasn't|haven't|hadn't)\b
      | \bnot\s+(?:yet\s+|ever\s+)?(?:been|received?|aware|served|subject(?:ed)?|asked|required|compelled|forced|approached|contacted|gagged)\b
      | \bdid(?:\s+not|n't)\s+receive\b | \breceived\s+no\b
      | \b(?:does|do|did)\s+not\s+(?:have|hold|possess|operate|maintain|keep|run|know)\b | \b(?:doesn't|don't|didn't)\s+(?:have|hold|possess|operate|maintain|keep|run|know)\b
      | \b(?:operates?|operated|deposited|escrowed|maintains?|maintained|runs|holds?|held|keeps?|kept|installed|placed|issued|has|have|had)\s+no\b
      | \bno\s+(?:[\w'-]+\s+){0,4}?(?:has|have)\s+(?:ever\s+)?been\b | \bzero\b | \bnone\b | \bno\s+(?:one|person|entity|agency)\b
      | \bjamais\b | \baucun(?:e|s|es)?\b | \bn'(?:a|ai|ont|avons|avez|avait|avions|est|sommes)\s+(?:pas|point)\b
      | \bpas\s+(?:été|reçu|eu\b|fait\s+l'objet) | \bni\b | \bnéant\b | \bzéro\b")
});

/// "no" is everywhere ("no hidden fees"); it marks an absence only right before a legal term
/// ("no warrants have ever been served", "no secret court orders").
static NO_BEFORE_TERM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)\bno\s+(?:[\w'-]+\s+){0,3}?(?:
        national\s+security|nsls?\b|fisa\b|gag\b|warrants?\b|subpoenas?\b|court\s+orders?\b|orders?\b
      | requests?\b|demands?\b|backdoors?\b|back\s+doors?\b|searche?s?\b|seizures?\b|wiretaps?\b|surveillance\b
      | law\s+enforcement|government)")
});

/// A figure 0 that is not the start of a range ("0-249") or a decimal ("0.5").
static ZERO: LazyLock<Regex> = LazyLock::new(|| re(r"(?:^|[\s:(|])0\b"));
static RANGE_TAIL: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:\s*[-–—]\s*\d|[.,]\d)"));

/// What canaries are about and marketing is not: legal process and surveillance.
static STRONG_TERM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        national\s+security\s+letters? | \bnsls?\b | \bfisa\b | \bgag\b | \bgagged\b | \bwarrants?\b | \bsubpoena
      | court\s+orders? | secret\s+(?:orders?|courts?|requests?|demands?) | classified\s+(?:requests?|orders?|demands?)
      | law\s+enforcement | \bbackdoor | \bback\s+doors? | wire\s?taps? | \bwiretapp | \bseiz(?:ed|ure|ures|e)\b
      | \bsearched\b | \bsurveillance\b | \bintercept(?:ed|ion|ions)?\b | \blegal\s+(?:process|requests?|demands?|orders?)
      | government(?:al)?\s+(?:requests?|agenc|orders?|demands?|access) | \bfbi\b | \bnsa\b | \bgchq\b | \bpolice\b
      | intelligence\s+(?:agenc|services?) | \bmandats?\b | réquisition | \bordonnances?\b | perquisition
      | portes?\s+dérobées? | \bsaisi(?:e|s|es)?\b | écoutes?\b | \bgendarmerie\b | \brenseignement | judiciaire
      | \btribunal | \bjuges?\b | autorités? | \bsécurité\s+nationale")
});

/// Subjects that make a negative sentence a claim (compromise, disclosure, coercion) but are
/// too common in marketing to make a page block canary-like on their own.
static WEAK_TERM: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        third[\s-]part | disclos | \bcommunications?\b | user\s+data | customer | (?:private|signing|authentication|encryption)\s+keys?
      | \bkeys?\b | encryption | compromis | breach | tamper | modif | subvert | weaken | install | monitor | \baccess\b
      | \bhardware\b | turned\s+over | hand(?:ed)?\s+over | taken\s+down | \btaken\b | censor | terminated | pressure
      | compel | coerc | \bforced?\b | \brequests?\b | \bdemands?\b | \borders?\b | government | authorit | agenc
      | investigat | données | chiffrement | \bclés? | divulgu | \bcommuniqu | \baccès\b | \btiers\b | gouvernement
      | \bdemandes?\b | contraint | forcé | modifi | installé | pression")
});

/// Phrases only canaries use; enough on their own to keep a page block.
static STRONG_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \bnot\s+been\s+(?:served|subject(?:ed)?\s+to|compelled|gagged|compromised|forced\s+to)
      | \bnever\s+been\s+(?:served|compelled|gagged|compromised|forced\s+to)
      | \bno\s+warrants?\s+(?:have|has)\b | \bnot\s+aware\s+of\s+any\s+(?:requests?|orders?|demands?|warrants?)
      | \bjamais\s+reçu\b | \breçu\s+aucune?\s+(?:demande|requête|mandat|réquisition|ordonnance)
      | \bdeposited\s+no\b | \bkey\s+escrow | \bd[ée]pos[ée]\s+aucune?\b | \baucune?\s+(?:demande|requête|mandat|réquisition|ordonnance)s?\b
      | \b(?:does|do|did)\s+not\s+have\s+any\s+knowledge\s+of\s+any\b")
});

/// Never claims, whatever their words: footnotes, bare links, questions, greetings and
/// sign-offs, long hex (key fingerprints, block hashes), proof-of-freshness sources.
static HARD_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        ^\[\d{1,3}\] | ^\(?\d{1,3}[.)]?\s*(?:https?://|www\.)\S*$ | ^(?:https?://|www\.)\S*$
      | ^q\s*[:.] | ^question\s*: | ^(?:dear|hello|hi|greetings|bonjour|cher|chère|chers|chères)\b[^.!]{0,80},$
      | ^(?:sincerely|regards|best\s+regards|thanks|cordialement|signed|signé)\b[^.]{0,60}$
      | \b[0-9a-f]{32,}\b | ^source\s*: | ^-----")
});

/// Context unless the sentence also asserts a legal absence outright: update plans, issue
/// dates, counts and fingerprints ("We plan to publish the next canary…", "This canary was
/// issued on…", "The Qubes Master Signing Key fingerprint is…").
static SOFT_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \b(?:next|upcoming|following)\s+(?:[\w-]+\s+){0,4}?(?:canar(?:y|ies)|updates?|statements?|reports?|versions?|signatures?)\b
      | \b(?:intends?|plans?|expects?|aims?|tries|try)\s+to\s+(?:update|publish|issue|release|renew|re-?sign|refresh)
      | \bwill\s+(?:be\s+)?(?:re-?signed|re-?issued|updated|renewed|published|refreshed|include)\b
      | \bscheduled\s+(?:for|on)\b | \bre-?signed\s+(?:on|every|each)\b
      | \b(?:this|the)\s+(?:canary|statement|report|declaration|document|page)\s+(?:was|is|has\s+been)\s+(?:last\s+)?(?:issued|published|signed|updated|posted|created|written|generated|delayed)\b
      | ^(?:date|dated|issued|published|signed|last\s+(?:updated|modified|reviewed))\s*: | \bdate\s+of\s+issue\b
      | \bfingerprint | \bblock\s*(?:hash|height|\#) | \bbitcoin\b | \bblockchain\b
      | \bprochaine?s?\s+(?:mise|canari|déclaration|version|publication) | \bsera\s+(?:mise?\s+à\s+jour|publiée?|renouvelée?|re-?signée?)
      | \b(?:émis|publié|signé|mis\s+à\s+jour)e?\s+le\b")
});

/// A note about a rotated, revoked or retired key ("The revoked key has never been trusted
/// for …", "the old keys are not and have never been at risk"): context, though it says
/// "never".
static KEY_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \b(?:revoked|rotated|retired|expired|superseded|replaced|old|older|previous|former|compromised)\s+(?:[\w-]+\s+){0,2}?(?:keys?|subkeys?|certificates?)\b
      | \b(?:keys?|subkeys?)\b.{0,80}?\b(?:revoked|rotated|retired|expired|superseded|at\s+risk|trusted\s+for|been\s+trusted)\b
      | \bclés?\s+(?:[\w'-]+\s+){0,2}?(?:révoquée|expirée|remplacée|retirée)s? | \b(?:ancienne|précédente|anciennes|précédentes)\s+clés?\b")
});

/// Headings of sections that hold one-off notes, not claims: "Special announcements",
/// "Disclaimers and notes", "Notes", "Errata", "Key rotation"; French "Remarques",
/// "Avertissements", "Annonces".
static NOTES_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)^(?:\d{1,2}[.)]?\s+)?(?:
        (?:special\s+)?announcements? | disclaimers? | (?:disclaimers?\s+(?:and|&)\s+)?notes? | notes?\s+(?:and|&)\s+disclaimers?
      | errat(?:a|um) | corrections? | key\s+(?:rotation|transition|change)s? | (?:important\s+)?notices?
      | remarques? | avertissements? | (?:annonces?|communications?)(?:\s+spéciales?)? | notes?\s+et\s+avertissements? | rectificatifs?
    )\s*:?$")
});

/// Whether a heading opens a section of one-off notes, whose sentences are context however
/// they are worded (a rotated key "has never been trusted", an errata note).
pub fn is_notes_heading(heading: &str) -> bool {
    let f = fold(heading);
    f.len() <= 60 && NOTES_HEADING.is_match(f.trim())
}

/// A sentence in a notes section is a claim only when it denies legal process outright ("no
/// warrants have been served", "has never received a National Security Letter") and is not
/// a correction or a key notice: a real claim that follows a notes heading still counts.
pub(crate) fn is_note_claim(sentence: &str) -> bool {
    static CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\bcorrect(?:ed|ion)\b|\berrat|\bshould\s+(?:have\s+)?read\b|\btypo\b|\bcorrig|\brectifi",
        )
    });
    let f = fold(sentence);
    is_claim_folded(&f) && strong_absence(&f) && !CORRECTION.is_match(&f)
}

/// Giving a key away is a claim even about an old key ("has never turned over its previous
/// signing keys").
static HANDED_OVER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bturned\s+over\b|\bhand(?:ed)?\s+(?:over|out)\b|\bdisclos|\bsurrender|\bprovided\b|\bgiven\b|\bshared\b|\bremis|\bdivulgu|\bcommuniqu|\btransmis",
    )
});

/// Secret process, the only subject of a table row that makes it a claim.
static SECRET_PROCESS: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        national\s+security\s+(?:letters?|requests?|orders?|demands?) | \bnsls?\b | \bfisa\b | \bgag\b
      | secret\s+(?:orders?|court|requests?|subpoenas?) | lettres?\s+de\s+sécurité\s+nationale
      | demandes?\s+de\s+sécurité\s+nationale | ordonnances?\s+secrètes? | \bbâillon\b")
});

/// A table cell that says none: "0", "none", "zero", "aucun", "néant", "n/a" is not none.
fn says_none(cell: &str) -> bool {
    matches!(
        cell.trim().trim_end_matches('.'),
        "0" | "none" | "zero" | "nil" | "no" | "aucun" | "aucune" | "néant" | "zéro" | "-0-"
    )
}

/// A table row ("Subpoenas (civil) | 4 | 1", "National Security Letters | 0"): a claim only
/// when its label is secret process and every value says none. Transparency figures are
/// context, zero or not.
fn row_is_claim(s: &str) -> bool {
    let mut cells = s.split('|').map(str::trim).filter(|c| !c.is_empty());
    let Some(label) = cells.next() else {
        return false;
    };
    let values: Vec<&str> = cells.collect();
    SECRET_PROCESS.is_match(label) && !values.is_empty() && values.iter().all(|v| says_none(v))
}

fn has_zero(s: &str) -> bool {
    ZERO.find_iter(s)
        .any(|m| !RANGE_TAIL.is_match(&s[m.end()..]))
}

fn asserts_absence(s: &str) -> bool {
    ABSENCE.is_match(s) || has_zero(s)
}

/// Whether `s` (folded) strongly reads as a canary statement: an absence of legal process.
fn strong_absence(s: &str) -> bool {
    STRONG_PHRASE.is_match(s)
        || NO_BEFORE_TERM.is_match(s)
        || (asserts_absence(s) && STRONG_TERM.is_match(s))
}

/// Sentences longer than this are not a bare date line; skipping the check keeps huge
/// hostile lines cheap.
const DATE_LINE_MAX: usize = 120;

/// A claim asserts an absence or a negative about legal process, surveillance or compromise
/// ("has not received any National Security Letters", "never disclosed any user
/// communications", "0 national security letters", "n'a jamais reçu de mandat"). Everything
/// else is context: dates, counts, fingerprints, update plans, footnotes, questions,
/// greetings, proofs of freshness.
pub fn is_claim(sentence: &str) -> bool {
    is_claim_folded(&fold(sentence))
}

/// [`is_claim`] of text already passed through [`fold`].
pub(crate) fn is_claim_folded(s: &str) -> bool {
    if s.ends_with('?') || s.ends_with("?)") || s.ends_with("?\"") || HARD_CONTEXT.is_match(s) {
        return false;
    }
    // A line that is only a date (a `date -R` proof of freshness) asserts nothing.
    if s.len() <= DATE_LINE_MAX && s.bytes().any(|b| b.is_ascii_digit()) {
        let mut letters = s.chars().filter(|c| c.is_alphabetic()).count();
        for f in find(s) {
            letters -= s[f.start..f.end]
                .chars()
                .filter(|c| c.is_alphabetic())
                .count();
        }
        if letters < 3 {
            return false;
        }
    }
    if s.contains(" | ") {
        return row_is_claim(s);
    }
    if KEY_NOTE.is_match(s) && !STRONG_TERM.is_match(s) && !HANDED_OVER.is_match(s) {
        return false;
    }
    let strong = strong_absence(s);
    if SOFT_CONTEXT.is_match(s) && !(strong && ABSENCE.is_match(s)) {
        return false;
    }
    strong || (asserts_absence(s) && WEAK_TERM.is_match(s))
}

/// Statements about the next issue ("We plan to publish the next … in the first fourteen
/// days of April 2024", "The next canary is due by …"): their dates are deadlines, not the
/// canary's own date.
pub fn is_plan(sentence: &str) -> bool {
    static PLAN: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?x)
            \b(?:next|upcoming)\s+(?:[\w-]+\s+){0,4}?(?:canar(?:y|ies)|updates?|statements?|reports?|versions?|issues?|signatures?)\b
          | \b(?:intends?|plans?|expects?|aims?)\s+to\s+(?:update|publish|issue|release|renew|re-?sign|refresh)
          | \bwill\s+be\s+(?:re-?signed|re-?issued|updated|renewed|published|refreshed)\b
          | \bscheduled\s+(?:for|on)\b | \bno\s+later\s+than\b | \bdue\s+(?:by|on|before)\b
          | \bprochaine?s?\b | \bnous\s+prévoyons | \bsera\s+(?:mise?\s+à\s+jour|publiée?|renouvelée?|re-?signée?)")
    });
    PLAN.is_match(&fold(sentence))
}

/// Whether a block of page text reads like a canary statement: an absence (or zero) together
/// with a legal or surveillance term, or a phrase only canaries use. Marketing negatives
/// ("we never sell your data") are not enough.
pub fn looks_like_canary(block_text: &str) -> bool {
    looks_like_canary_folded(&fold(block_text))
}

/// [`looks_like_canary`] of text already passed through [`fold`].
pub(crate) fn looks_like_canary_folded(s: &str) -> bool {
    strong_absence(s)
}

/// Whether folded block text talks about the canary itself ("This canary was issued on…"):
/// kept by auto-detection as context next to the claims.
pub(crate) fn mentions_canary_folded(s: &str) -> bool {
    static CANARY: LazyLock<Regex> = LazyLock::new(|| re(r"\bcanar(?:y|ies|i|is)\b"));
    CANARY.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims() {
        let claims = [
            "As of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court.",
            "Riseup has never placed any backdoors in our software and have not received any requests to do so.",
            "Riseup has never disclosed any user communications to any third party.",
            "Other than this incident, as of April 21, 2014, riseup confirms that it has never had any hardware seized or taken by any third party.",
            "Riseup positively confirms that the integrity of our system is sound: all our infrastructure is in our control, we have not been compromised or suffered a data breach.",
            "A: No. We have never permitted installation of any hardware or software monitoring on any system that we control; law enforcement has not taken our servers.",
            "No warrants have ever been served to us with regard to the Qubes OS Project (e.g. to hand out the private signing keys or to introduce backdoors).",
            "Cloudflare has never turned over our encryption or authentication keys or our customers' encryption or authentication keys to anyone.",
            "Cloudflare has never installed any law enforcement software or equipment anywhere on our network.",
            "Cloudflare has never terminated a customer or taken down content due to political pressure.",
            "We have zero national security letters to report.",
            "0 national security letters",
            "National security letters: 0",
            "National Security Letters | 0",
            "We haven\u{2019}t been subject to a gag order.",
            "We are not aware of any wiretap on our network.",
            "Exemple SA n\u{2019}a jamais reçu de réquisition judiciaire secrète.",
            "Nous n'avons reçu aucun mandat de perquisition.",
            "Aucune porte dérobée n'a été installée dans nos logiciels.",
        ];
        for c in claims {
            assert!(is_claim(c), "should be a claim: {c}");
        }
    }

    #[test]
    fn context() {
        let context = [
            "This canary was issued on April 21, 2014.",
            "The date of issue of this canary is September 13, 2022.",
            "We have published 109 security bulletins.",
            "There have been 84 Qubes security bulletins published so far.",
            "The Qubes Master Signing Key fingerprint is: 427F 11FD 0FAA 4B08 0123 F01C DDFA 1A3E 3687 9494",
            "We plan to publish the next of these canary statements in the first fourteen days of December 2022. Special note should be taken if no new canary is published by that time.",
            "Riseup intends to update this report approximately once per quarter.",
            "The next canary is scheduled for July 1, 2024.",
            "The FBI seized one of riseup's servers in April 2012.",
            "Regarding server seizures, in a widely-reported incident [1], the FBI seized one of riseup's servers in April 2012.",
            "The machine was encrypted and contained no user data.",
            "The server was returned, but it was not placed back in service.",
            "[1] https://www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure-fbi-overreaches-yet-again",
            "[4] This report was delayed this quarter not for any legal reason, but simply because the bird responsible for updating it was on vacation.",
            "0. https://riseup.net/about-us/press/canary-statement",
            "https://www.motherjones.com/environment/2024/07/bp-oil/",
            "Q: Are you compromised by law enforcement?",
            "Why does the new Canary not mention gag orders, FISA court orders, National Security Letters, etc?",
            "Dear Qubes Community,",
            "Thu, 01 Aug 2024 12:00:00 +0000",
            "00000000000000000001b6cdbfc5c3a5c9e0a2a6d24c41ec5e5ea8b00c47a0b5",
            "Source: NYT > World News (https://rss.nytimes.com/services/xml/rss/nyt/world.rss)",
            "We will include a link to a recent news article in each update to establish that the signature was not pre-generated.",
            "This canary scheme is not infallible.",
            "It is not legally binding in any way to anybody.",
            "Police do not need a warrant to read your postcards.",
            "We received 12 subpoenas and complied with 3.",
            "National Security Letters | 0-249",
            "None.",
            "La prochaine mise à jour de ce canari est prévue le 1er mars 2025.",
        ];
        for c in context {
            assert!(!is_claim(c), "should be context: {c}");
        }
    }

    #[test]
    fn negative_claims_without_never() {
        let claims = [
            "Example Inc. does not have any knowledge of any secret court orders that have been issued concerning its users.",
            "Example does not have any knowledge of any National Security Letters that have been issued to it.",
            "Example operates no backdoors or interception interfaces in its network.",
            "Example operates no servers on behalf of any government or law enforcement agency.",
            "Example has deposited no encryption keys with any government or third party.",
            "No national security request has been received by Example.",
            "No content takedown request from any government has been received.",
            "We are not aware of any wiretaps, searches or seizures concerning our infrastructure.",
            "We are not aware of any government access to user data.",
            "Exemple n'a connaissance d'aucune ordonnance secrète la concernant.",
            "Exemple n'a reçu aucune demande d'accès aux données de ses utilisateurs.",
            "Exemple n'exploite aucune porte dérobée dans ses logiciels.",
            "Exemple n'a déposé aucune clé de chiffrement auprès d'une autorité.",
            "Aucune demande de retrait de contenu émanant d'un gouvernement n'a été reçue.",
        ];
        for c in claims {
            assert!(is_claim(c), "should be a claim: {c}");
            assert!(looks_like_canary(c), "should read like a canary: {c}");
        }
    }

    #[test]
    fn notes_about_rotated_keys_are_context() {
        let context = [
            "The revoked key has never been trusted for signing releases.",
            "The old signing keys are not and have never been at risk.",
            "Our previous key expired on 1 March 2025 and has never been compromised; it was rotated as planned.",
            "La clé révoquée n'a jamais été utilisée pour signer nos publications.",
        ];
        for c in context {
            assert!(!is_claim(c), "should be context: {c}");
        }
        // A claim about keys stays one, old keys included.
        assert!(is_claim(
            "We have never disclosed our private signing keys to any third party."
        ));
        assert!(is_claim(
            "We have never turned over our old signing keys to anyone."
        ));
    }

    #[test]
    fn data_rows_are_context_unless_about_secret_process_and_none() {
        let cases: &[(&str, bool)] = &[
            ("Subpoenas (civil) | 4 | 1", false),
            ("Subpoenas (criminal) | 0 | 0", false),
            ("Requests for user data | 12 | 3 | 25%", false),
            ("Search warrants | 0 | 0", false),
            ("Government removal requests | 0", false),
            ("National Security Letters | 0", true),
            ("National security letters | none", true),
            ("FISA orders | 0 | 0", true),
            ("Gag orders | 0", true),
            ("National security requests | 0", true),
            ("National Security Letters | 0-249", false),
            ("National Security Letters | 3", false),
            ("Lettres de sécurité nationale | aucune", true),
            ("Réquisitions judiciaires | 14 | 2", false),
        ];
        for (row, want) in cases {
            assert_eq!(is_claim(row), *want, "{row}");
        }
    }

    #[test]
    fn plans_for_the_next_issue() {
        let cases: &[(&str, bool)] = &[
            (
                "We plan to publish the next of these canary statements in the first fourteen days of April 2024.",
                true,
            ),
            ("The next canary is due by March 1, 2025.", true),
            (
                "This canary will be re-signed on the following dates:",
                true,
            ),
            (
                "Riseup intends to update this report approximately once per quarter.",
                true,
            ),
            (
                "La prochaine mise à jour sera publiée avant le 1er juin 2025.",
                true,
            ),
            (
                "As of April 21, 2014, Riseup has not received any National Security Letters.",
                false,
            ),
            (
                "The date of issue of this canary is January 20, 2024.",
                false,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(is_plan(text), *want, "{text}");
        }
    }

    #[test]
    fn canary_blocks_are_recognised_and_marketing_is_not() {
        let cases: &[(&str, bool)] = &[
            (
                "Example Co has never received a National Security Letter.",
                true,
            ),
            ("No warrants have ever been served to us.", true),
            ("We have not been subject to any gag order.", true),
            ("NSLs received: 0", true),
            ("Nous n'avons jamais reçu de mandat.", true),
            ("Example n'a fait l'objet d'aucune perquisition.", true),
            (
                "We never sell your data to advertisers, ever. Fast and friendly.",
                false,
            ),
            ("Never miss an update: subscribe to our newsletter.", false),
            ("We have never been so excited to launch a product.", false),
            ("Police do not need a warrant to search your trash.", false),
            ("In 2023 we received 5 national security letters.", false),
            ("No hidden fees, no contracts.", false),
            ("Home", false),
        ];
        for (text, want) in cases {
            assert_eq!(looks_like_canary(text), *want, "{text}");
        }
    }
}
