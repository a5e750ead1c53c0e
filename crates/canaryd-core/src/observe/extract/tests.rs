//! Whole-document fixtures: real canary wording (Riseup, Qubes-style) and realistic pages.

use super::{ExtractError, Format, MAX_STATEMENTS, Parse, extract_as};
use crate::observe::selector::WatchSelector;
use crate::observe::statement::Statement;

/// Extraction of a page that must be read, checked to read as the whole page does.
fn extract(body: &str, format: Format, selector: Option<&WatchSelector>) -> Vec<Statement> {
    let got = super::extract(body, format, selector).expect("a canary-sized page is read");
    let whole = extract_as(body, format, selector, Parse::Whole).expect("read whole");
    assert_eq!(got, whole, "the cut reads otherwise than the whole page");
    got
}

/// Riseup's canary of 2014-07-01 (signature shortened).
const RISEUP_2014_07: &str = "-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

As of July 1, 2014, riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court, or any other similar court of any government. Riseup has never placed any backdoors in our hardware or software and has not received any requests to do so. Riseup has never disclosed any user communications to any third party.

Regarding server seizures, in a widely-reported incident [1], the FBI seized one of riseup's servers in April 2012. This incident happened in New York. The machine was encrypted and contained no user data. The server was returned, but it was not placed back in service. Other than this incident, as of July 1, 2014 riseup confirms that it has never had any hardware seized or taken by any third party.

Riseup intends to update this report approximately once per quarter.

[1] www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure-fbi-overreaches-yet-again
-----BEGIN PGP SIGNATURE-----
Version: GnuPG v1.4.14 (GNU/Linux)

iQJ8BAEBCgBmBQJTVHqQXxSAAAAAAC4AKGlzc3Vlci1mcHJAbm90YXRpb25zLm9w
=h//E
-----END PGP SIGNATURE-----
";

/// Riseup's canary of 2015-07-27: new date, footnote markers, renumbered footnotes.
const RISEUP_2015_07: &str = "-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

As of July 27, 2015 [1], riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court, or any other similar court of any government. Riseup has never placed any backdoors in our hardware or software and has not received any requests to do so. Riseup has never disclosed any user communications to any third party.

Regarding server seizures, in a widely-reported incident [2], the FBI seized one of riseup's servers in April 2012. This incident happened in New York. The machine was encrypted and contained no user data. The server was returned, but it was not placed back in service. Other than this incident, as of July 27, 2015 riseup confirms that it has never had any hardware seized or taken by any third party.

Riseup intends to update this report approximately once per quarter [4].

[1] https://firstlook.org/theintercept/2015/07/23/homeland-security-chief-goes-going-dark-script-says-can-see-plenty/
[2] https://www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure-fbi-overreaches-yet-again
[3] There is no footnote three, but since you looked, you should read this too: https://firstlook.org/theintercept/2015/03/26/passphrases-can-memorize-attackers-cant-guess/
[4] This report was delayed this quarter not for any legal reason, but simply because the bird responsible for updating it was on vacation.
-----BEGIN PGP SIGNATURE-----

iQIcBAEBCgAGBQJVtja7AAoJEDBD4rcTmnaOI7gP/jRGsXnoXIa176lRqxIRG6M5
=BREM
-----END PGP SIGNATURE-----
";

/// Riseup's canary of 2017-02-16 (FAQ shortened): the old claims are gone.
const RISEUP_2017_02: &str = "-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Riseup positively confirms that the integrity of our system is sound: all our infrastructure is in our control, we have not been compromised or suffered a data breach, we have not disclosed any private encryption keys, and we have not been forced to modify our system to allow access or information leakage to a third party.

This canary will be re-signed on the following dates:

* February 1
* May 1
* August 1
* November 1

h2. Frequently asked questions

Q: Are you compromised by law enforcement?

A: No. We have never permitted installation of any hardware or software monitoring on any system that we control; law enforcement has not taken our servers; does not, and has never had access to them. We would rather stop being Riseup before we did that.

Q: Why does the new Canary not mention gag orders, FISA court orders, National Security Letters, etc?

A: Our initial Canary strategy was only harming users by freaking them out unnecessarily when minor events happened.

0. https://riseup.net/about-us/press/canary-statement

-----BEGIN PGP SIGNATURE-----

iQKTBAEBCgB9FiEETgeRJo98Z+q+iPGwMEPitxOado4FAlimIRdfFIAAAAAALgAo
=fEbd
-----END PGP SIGNATURE-----
";

/// A Qubes-style canary: numbered statements, a fingerprint, a proof of freshness.
const QUBES_STYLE: &str = "-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Dear Qubes Community,

We have published Qubes Canary 038. The text of this canary is reproduced below.

Statements
-----------

The Qubes security team members who have digitally signed this file [1]
state the following:

1. The date of issue of this canary is January 20, 2024.

2. There have been 98 Qubes security bulletins published so far.

3. The Qubes Master Signing Key fingerprint is:

       427F 11FD 0FAA 4B08 0123  F01C DDFA 1A3E 3687 9494

4. No warrants have ever been served to us with regard to the Qubes OS
   Project (e.g. to hand out the private signing keys or to introduce
   backdoors).

5. We plan to publish the next of these canary statements in the first
   fourteen days of April 2024. Special note should be taken if no new
   canary is published by that time or if the list of statements changes
   without plausible explanation.

Special announcements
----------------------

None.

Proof of freshness
-------------------

Sat, 20 Jan 2024 06:58:24 +0000

Source: DER SPIEGEL - International (https://www.spiegel.de/international/index.rss)
Police Never Found the Warrant: A Mystery in Bavaria
Nothing Fits: The Bundeswehr's Procurement Problem

Source: Blockchain.info
00000000000000000001b6cdbfc5c3a5c9e0a2a6d24c41ec5e5ea8b00c47a0b5

Footnotes
----------

[1] This file should be signed in two ways: (1) via detached PGP signatures
by each of the signers.
-----BEGIN PGP SIGNATURE-----

iQIzBAEBCAAdFiEE
=abcd
-----END PGP SIGNATURE-----
";

fn claims(statements: &[Statement]) -> Vec<&str> {
    statements
        .iter()
        .filter(|s| s.claim)
        .map(|s| s.text.as_str())
        .collect()
}

fn find<'a>(statements: &'a [Statement], start: &str) -> &'a Statement {
    statements
        .iter()
        .find(|s| s.text.starts_with(start))
        .unwrap_or_else(|| panic!("no statement starts with {start:?} in {statements:#?}"))
}

#[test]
fn riseup_claims_are_separate_and_footnotes_are_context() {
    let got = extract(RISEUP_2014_07, Format::Text, None);
    let claims = claims(&got);
    assert_eq!(claims.len(), 4, "{claims:#?}");
    assert!(
        claims[0].starts_with(
            "As of July 1, 2014, riseup has not received any National Security Letters"
        )
    );
    assert!(claims[1].starts_with("Riseup has never placed any backdoors"));
    assert!(claims[2].starts_with("Riseup has never disclosed any user communications"));
    assert!(claims[3].contains("has never had any hardware seized"));
    assert!(!find(&got, "[1] www.eff.org").claim);
    assert!(!find(&got, "Riseup intends to update").claim);
    assert!(!find(&got, "Regarding server seizures").claim);
    assert!(
        got.iter()
            .all(|s| !s.text.contains("PGP") && !s.text.contains("iQJ8"))
    );
    assert!(got.iter().all(|s| !s.text.starts_with("Hash:")));
}

#[test]
fn riseup_re_signing_keeps_claim_keys() {
    let before = extract(RISEUP_2014_07, Format::Text, None);
    let after = extract(RISEUP_2015_07, Format::Text, None);
    let keys = |v: &[Statement]| -> Vec<String> {
        v.iter()
            .filter(|s| s.claim)
            .map(|s| s.key.clone())
            .collect()
    };
    assert_eq!(keys(&before), keys(&after));
    assert_eq!(keys(&before).len(), 4);
    // The dates were masked, and are still reported.
    let first = find(&after, "As of July 27, 2015 [1]");
    assert_eq!(
        first.dates,
        vec![chrono::NaiveDate::from_ymd_opt(2015, 7, 27).expect("valid")]
    );
    // The footnotes, including the one explaining the delay, are context.
    for note in ["[3] There is no footnote", "[4] This report was delayed"] {
        assert!(!find(&after, note).claim, "{note}");
    }
}

#[test]
fn riseup_2017_has_none_of_the_old_claims() {
    let old = extract(RISEUP_2014_07, Format::Text, None);
    let new = extract(RISEUP_2017_02, Format::Text, None);
    let new_keys: Vec<&str> = new.iter().map(|s| s.key.as_str()).collect();
    for claim in old.iter().filter(|s| s.claim) {
        assert!(!new_keys.contains(&claim.key.as_str()), "{}", claim.text);
    }
    for gone in [
        "national security letters",
        "gag order by",
        "backdoors",
        "user communications",
    ] {
        assert!(
            !new.iter().any(|s| s.claim && s.key.contains(gone)),
            "{gone}"
        );
    }
    let claims = claims(&new);
    assert_eq!(claims.len(), 2, "{claims:#?}");
    assert!(claims[0].starts_with("Riseup positively confirms"));
    assert!(claims[1].starts_with("A: No. We have never permitted installation"));
    assert!(!find(&new, "Q: Why does the new Canary not mention").claim);
    assert!(!find(&new, "This canary will be re-signed").claim);
    assert!(!find(&new, "0. https://riseup.net").claim);
    let heading = find(&new, "Frequently asked questions");
    assert!(!heading.claim);
    assert_eq!(heading.text, "Frequently asked questions");
    let schedule: Vec<&str> = new
        .iter()
        .filter(|s| s.text.ends_with(" 1"))
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        schedule,
        vec!["February 1", "May 1", "August 1", "November 1"]
    );
}

#[test]
fn qubes_style_canary() {
    let got = extract(QUBES_STYLE, Format::Text, None);
    let claims = claims(&got);
    assert_eq!(
        claims,
        vec![
            "No warrants have ever been served to us with regard to the Qubes OS Project (e.g. to hand out the private signing keys or to introduce backdoors)."
        ]
    );
    for context in [
        "Dear Qubes Community,",
        "The date of issue of this canary is January 20, 2024.",
        "There have been 98 Qubes security bulletins",
        "The Qubes Master Signing Key fingerprint is:",
        "427F 11FD 0FAA 4B08",
        "We plan to publish the next of these canary statements",
        "None.",
        "Sat, 20 Jan 2024 06:58:24 +0000",
        "Statements",
        "Proof of freshness",
    ] {
        assert!(!find(&got, context).claim, "{context}");
    }
    // A headline in the proof of freshness is never a claim, whatever it says.
    assert!(
        got.iter()
            .any(|s| s.text.contains("Police Never Found the Warrant") && !s.claim)
    );
    // Underlines are not statements.
    assert!(got.iter().all(|s| !s.text.starts_with("---")));
}

/// A Cloudflare-style transparency page: navigation, scripts, a long report with counts and
/// a table, the canary list, a footer.
const TRANSPARENCY_PAGE: &str = r#"<!doctype html>
<html><head><title>Transparency Report</title>
<script>window.dataLayer = []; // never send a warrant request here
var msg = "We have never received a National Security Letter";</script>
<style>.never { color: red }</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/warrant">Warrant canary</a></li>
<li>We have never received an NSL (nav copy)</li></ul></nav>
<main>
<h1>Transparency Report for the First Half of 2024</h1>
<p>Cloudflare is committed to transparency. This report covers requests received between
January 1, 2024 and June 30, 2024. In that period we received 12 subpoenas and
4 court orders; we provided customer information in response to 3 of them. Police do not
need a warrant to request basic subscriber information in some jurisdictions.</p>
<table>
<tr><th>Request type</th><th>Received</th><th>Answered</th></tr>
<tr><td>Subpoenas</td><td>12</td><td>3</td></tr>
<tr><td>Court orders</td><td>4</td><td>1</td></tr>
</table>
<h2>Some things we have never done</h2>
<p>Cloudflare has never sold your data. We never miss a deadline.</p>
<ul id="canary">
<li>Cloudflare has never turned over our encryption or authentication keys or our customers' encryption or authentication keys to anyone.</li>
<li>Cloudflare has never installed any law enforcement software or equipment anywhere on our network.</li>
<li>Cloudflare has never terminated a customer or taken down content due to political pressure.*</li>
<li>Cloudflare has never provided any law enforcement organization a feed of our customers' content transiting our network.</li>
<li>Cloudflare has never modified customer content at the request of law enforcement or another third party.</li>
<li>Cloudflare has never modified the intended destination of DNS responses at the request of law enforcement or another third party.</li>
</ul>
<p>If Cloudflare were asked to do any of the above, we would exhaust all legal remedies to protect our customers.</p>
</main>
<footer><p>We have never received a warrant (footer copy).</p><form><button>Subscribe</button></form></footer>
</body></html>"#;

#[test]
fn transparency_page_auto_detects_the_canary_list() {
    let got = extract(TRANSPARENCY_PAGE, Format::Html, None);
    let claims = claims(&got);
    assert_eq!(claims.len(), 6, "{got:#?}");
    assert!(claims.iter().all(|c| c.starts_with("Cloudflare has never")));
    assert!(claims[2].contains("political pressure"));
    // Nothing from scripts, navigation, footers, marketing or the report's counts.
    for absent in [
        "nav copy",
        "footer copy",
        "dataLayer",
        "sold your data",
        "12 subpoenas",
        "Subpoenas | 12",
        "Home",
    ] {
        assert!(
            !got.iter().any(|s| s.text.contains(absent)),
            "{absent}: {got:#?}"
        );
    }
}

#[test]
fn selected_list_items_are_whole_claims() {
    let sel = WatchSelector::parse("#canary").expect("test selector parses");
    let got = extract(TRANSPARENCY_PAGE, Format::Html, Some(&sel));
    assert_eq!(got.len(), 6);
    assert!(
        got.iter()
            .all(|s| s.claim && s.text.starts_with("Cloudflare has never"))
    );
}

#[test]
fn selection_rules() {
    let page = r#"<html><body>
<table id="t"><tr><th>National security:</th><td>0</td></tr><tr><td>Subpoenas: 12</td></tr></table>
<p class="c">We have never received an NSL. This canary was issued on 1 March 2024.</p>
<ul class="c"><li>One item. With two sentences.</li><li>Second <b>item</b><br>wrapped</li></ul>
<div class="c">Loose text. Split here.<p>Inner paragraph.</p></div>
<td class="c">National security: 0</td>
</body></html>"#;
    let texts = |sel: &str| -> Vec<(String, bool)> {
        let sel = WatchSelector::parse(sel).expect("test selector parses");
        extract(page, Format::Html, Some(&sel))
            .into_iter()
            .map(|s| (s.text, s.claim))
            .collect()
    };
    let owned =
        |v: &[&str]| -> Vec<(String, bool)> { v.iter().map(|t| (t.to_string(), true)).collect() };
    assert_eq!(
        texts("#t"),
        owned(&["National security: | 0", "Subpoenas: 12"])
    );
    assert_eq!(texts("#t td"), owned(&["0", "Subpoenas: 12"]));
    assert_eq!(
        texts("p.c"),
        owned(&[
            "We have never received an NSL.",
            "This canary was issued on 1 March 2024."
        ])
    );
    assert_eq!(
        texts("ul.c"),
        owned(&["One item. With two sentences.", "Second item wrapped"])
    );
    assert_eq!(
        texts("div.c"),
        owned(&["Loose text.", "Split here.", "Inner paragraph."])
    );
}

#[test]
fn french_page() {
    let page = r#"<html lang="fr"><body><header><h1>Exemple SAS</h1></header>
<section id="canari"><h2>Canari de mandat</h2>
<p>Au 1er mars 2024, Exemple SAS n&#8217;a jamais reçu de mandat, de réquisition judiciaire ou d'ordonnance secrète. Nous n'avons installé aucune porte dérobée dans nos logiciels. Ce canari est mis à jour chaque trimestre.</p>
<p>Nos offres commencent à 5 € par mois, sans engagement.</p></section>
</body></html>"#;
    let got = extract(page, Format::Html, None);
    let claims = claims(&got);
    assert_eq!(
        claims,
        vec![
            "Au 1er mars 2024, Exemple SAS n\u{2019}a jamais reçu de mandat, de réquisition judiciaire ou d'ordonnance secrète.",
            "Nous n'avons installé aucune porte dérobée dans nos logiciels."
        ]
    );
    assert!(!find(&got, "Ce canari est mis à jour chaque trimestre.").claim);
    assert!(!got.iter().any(|s| s.text.contains("5 €")));
    let first = find(&got, "Au 1er mars 2024");
    assert_eq!(
        first.dates,
        vec![chrono::NaiveDate::from_ymd_opt(2024, 3, 1).expect("valid")]
    );
    assert!(first.key.contains("<date>") && !first.key.contains("mars"));
}

#[test]
fn line_broken_lists_in_a_div() {
    let page = "<div class=canary>Warrant canary<br>As of 2024-01-02:<br>- No NSLs received<br>\
                2. No gag orders<br>&bull; We have never placed a backdoor</div>";
    let got = extract(page, Format::Html, None);
    let texts: Vec<(&str, bool)> = got.iter().map(|s| (s.text.as_str(), s.claim)).collect();
    assert_eq!(
        texts,
        vec![
            ("Warrant canary", false),
            ("As of 2024-01-02:", false),
            ("No NSLs received", true),
            ("No gag orders", true),
            ("We have never placed a backdoor", true),
        ]
    );
}

#[test]
fn pre_blocks_are_read_as_text_canaries() {
    let page = format!("<html><body><nav>Menu</nav><pre>{RISEUP_2014_07}</pre></body></html>");
    let from_html = extract(&page, Format::Html, None);
    let from_text = extract(RISEUP_2014_07, Format::Text, None);
    assert_eq!(from_html, from_text);
}

#[test]
fn duplicated_copies_yield_one_statement() {
    let page = "<div class=mobile><p>We have never received a warrant.</p></div>\
                <div class=desktop><p>We have never  received a warrant.</p></div>";
    let got = extract(page, Format::Html, None);
    assert_eq!(got.len(), 1);
}

#[test]
fn empty_and_punctuation_only_statements_are_dropped() {
    let got = extract(
        "* \n* ***\n\n.\n\n&nbsp;\n\nWe have never received a warrant.",
        Format::Text,
        None,
    );
    assert_eq!(claims(&got), vec!["We have never received a warrant."]);
    assert_eq!(got.len(), 1);
}

/// Eight times the nesting cap (`guard::MAX_DEPTH`): every element past the cap takes the
/// capped path, as with 100,000 (which only multiplied the same linear work, 15-26 s of a
/// debug test). That the cap holds at any depth is `guard`'s own tests.
const PAST_THE_CAP: usize = 8 * super::guard::MAX_DEPTH;

#[test]
fn deep_block_nesting_finishes() {
    let depth = PAST_THE_CAP;
    let html = format!(
        "{}<p>We have never received a warrant.</p>{}<p>We have never received an NSL.</p>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let got = extract(&html, Format::Html, None);
    assert_eq!(
        claims(&got),
        vec![
            "We have never received a warrant.",
            "We have never received an NSL."
        ]
    );
    let sel = WatchSelector::parse("div").expect("test selector parses");
    assert_eq!(extract(&html, Format::Html, Some(&sel)).len(), 1);
}

#[test]
fn deep_inline_nesting_finishes() {
    let depth = PAST_THE_CAP;
    let html = format!(
        "<ul id=c><li>{}We have never received a warrant.{}</li></ul>",
        "<span>".repeat(depth),
        "</span>".repeat(depth)
    );
    let sel = WatchSelector::parse("#c span").expect("test selector parses");
    let got = extract(&html, Format::Html, Some(&sel));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text, "We have never received a warrant.");
}

/// A distinct name per item, in letters: digits would make every item go through date
/// matching, which only slows the debug-mode test down.
fn tag(mut i: usize) -> String {
    let mut out = String::new();
    loop {
        out.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return out;
        }
    }
}

#[test]
fn many_items_finish_and_are_refused() {
    let n = 100_000;
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<li>Item {}: we have never received a warrant.</li>",
                tag(i)
            )
        })
        .collect();
    let page = format!("<ul id=c>{items}</ul>");
    let sel = WatchSelector::parse("#c li").expect("test selector parses");
    assert_eq!(
        super::extract(&page, Format::Html, Some(&sel)),
        Err(ExtractError::TooMany(n))
    );
    let text: String = (0..n)
        .map(|i| format!("* Item {}: we have never received a warrant.\n", tag(i)))
        .collect();
    assert_eq!(
        super::extract(&text, Format::Text, None),
        Err(ExtractError::TooMany(n))
    );
}

#[test]
fn many_items_auto_detected() {
    // Classification is the costly part in debug builds; the limit itself keeps it quick.
    let n = MAX_STATEMENTS;
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<li>Item {}: we have never received a warrant.</li>",
                tag(i)
            )
        })
        .collect();
    let got = extract(&format!("<ul>{items}</ul>"), Format::Html, None);
    assert_eq!(got.len(), n);
    assert!(got.iter().all(|s| s.claim));
}

#[test]
fn one_huge_line_finishes() {
    // 1 MB keeps the debug-mode test quick; the work is linear (10 MB measured in release).
    let line = "We have never received a warrant and ".repeat(30_000);
    let got = extract(&line, Format::Text, None);
    assert_eq!(got.len(), 1);
    assert!(got[0].claim);
    let html = format!("<p>{line}</p>");
    assert_eq!(extract(&html, Format::Html, None).len(), 1);
}

fn claim_flags(statements: &[Statement]) -> Vec<(String, bool)> {
    statements
        .iter()
        .map(|s| (s.text.clone(), s.claim))
        .collect()
}

#[test]
fn notes_sections_are_context_in_text_and_html() {
    let text = "Example Co has never received a National Security Letter.\n\nSpecial announcements\n---------------------\n\nWe rotated our signing key in March. The revoked key has never been trusted for signing releases. The keys of our users are not and have never been at risk.\n\nDisclaimers and notes\n\nThis canary has never been legally binding and we never promised otherwise.\n";
    let got = claim_flags(&extract(text, Format::Text, None));
    assert_eq!(
        got.iter()
            .filter(|(_, c)| *c)
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>(),
        vec!["Example Co has never received a National Security Letter."],
        "{got:?}"
    );
    let html = "<html><body><main><h2>Warrant canary</h2><ul><li>Example has never received a National Security Letter.</li><li>Example has never been subject to a gag order.</li></ul><h2>Errata</h2><p>The revoked key has never been trusted for signing. Our old keys have never been compromised.</p><h3>Remarques</h3><p>L'ancienne clé n'a jamais été compromise.</p></main></body></html>";
    let got = claim_flags(&extract(html, Format::Html, None));
    let claims: Vec<&str> = got
        .iter()
        .filter(|(_, c)| *c)
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        claims,
        vec![
            "Example has never received a National Security Letter.",
            "Example has never been subject to a gag order."
        ],
        "{got:?}"
    );
}

#[test]
fn a_real_claim_after_a_notes_heading_stays_a_claim() {
    let text = "Notes\n\nOur previous key expired and has never been compromised.\n\nExample Co has never received a National Security Letter and no warrants have ever been served to us.\n";
    let got = claim_flags(&extract(text, Format::Text, None));
    assert!(
        got.iter()
            .any(|(t, c)| *c && t.contains("National Security Letter")),
        "{got:?}"
    );
    assert!(
        got.iter().all(|(t, c)| !(*c && t.contains("previous key"))),
        "{got:?}"
    );
}

#[test]
fn transparency_table_rows_are_context_and_secret_process_rows_claims() {
    let html = "<html><body><h2>Transparency report</h2><table><tr><th>Request</th><th>Received</th><th>Complied</th></tr><tr><td>Subpoenas (civil)</td><td>4</td><td>1</td></tr><tr><td>Requests for user data</td><td>12</td><td>3</td><td>25%</td></tr><tr><td>Search warrants</td><td>0</td><td>0</td></tr><tr><td>National Security Letters</td><td>0</td><td>0</td></tr><tr><td>Gag orders</td><td>none</td><td>none</td></tr></table></body></html>";
    let got = claim_flags(&extract(html, Format::Html, None));
    let claims: Vec<&str> = got
        .iter()
        .filter(|(_, c)| *c)
        .map(|(t, _)| t.as_str())
        .collect();
    assert_eq!(
        claims,
        vec![
            "National Security Letters | 0 | 0",
            "Gag orders | none | none"
        ],
        "{got:?}"
    );
    // With a selector, everything selected is a claim.
    let sel = WatchSelector::parse("table tr").expect("selector");
    let got = extract(html, Format::Html, Some(&sel));
    assert!(got.iter().all(|s| s.claim), "{got:?}");
    assert!(got.iter().any(|s| s.text == "Subpoenas (civil) | 4 | 1"));
}

#[test]
fn a_dating_line_beside_the_canary_is_kept_as_context_in_english_and_french() {
    for (page, line) in [
        (
            "<h1>Warrant canary</h1><p>As of December 2026:</p><ul><li>We have never received a National Security Letter.</li><li>We have never received a FISA court order.</li></ul><footer><p>Last updated: 1 March 2020 by the web team</p></footer>",
            "As of December 2026:",
        ),
        (
            "<h1>Canari</h1><ul><li>Nous n'avons jamais reçu de lettre de sécurité nationale.</li><li>Nous n'avons jamais reçu de demande de porte dérobée.</li></ul><p>Mis à jour le 3 mars 2025</p>",
            "Mis à jour le 3 mars 2025",
        ),
    ] {
        let got = extract(page, Format::Html, None);
        let dating = find(&got, line);
        assert!(!dating.claim, "a date line claims nothing");
        assert_eq!(got.iter().filter(|s| s.claim).count(), 2, "{got:?}");
        // A dated line away from the canary is still not read.
        assert!(!got.iter().any(|s| s.text.contains("web team")), "{got:?}");
    }
}

#[test]
fn the_proof_scan_in_parts_agrees_with_the_one_alternation() {
    let one = regex::Regex::new(
        r"(?i)freshness|fraîcheur|bitcoin|blockchain|block\s*(?:height|hash|count)|getblockcount|headlines|news\s+article|in\s+advance|0{8}[0-9a-f]{56}",
    )
    .expect("regex");
    let hash = "00000000000000000001a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7";
    for text in [
        "Proof of Freshness follows",
        "Preuve de FRAÎCHEUR",
        "the latest Bitcoin block",
        "blockchain.info",
        "Block height: 901234",
        "blockhash",
        "bitcoin-cli getblockcount",
        "Headlines of the day",
        "a news   article from today",
        "not written in\n advance",
        hash,
        // Near misses: each part's neighbours, which none of them matches.
        "We received 3 requests in 2025, in total, in the EU.",
        "Advances in the law; paid in full in advanced currency",
        "a news site, a block of text, display: block",
        "0000000 is not a hash",
    ] {
        let page = format!("<html><body><p>{text}</p></body></html>");
        let expected = one.is_match(&page);
        assert_eq!(super::may_hold_proof(&page), expected, "{text:?}");
        assert_eq!(
            !super::text_lines(&page, Format::Html).is_empty(),
            expected,
            "lines of {text:?}"
        );
    }
}
