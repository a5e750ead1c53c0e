//! Extraction on realistic pages and canaries.

use super::*;

fn texts(statements: &[Statement]) -> Vec<(&str, bool)> {
    statements
        .iter()
        .map(|s| (s.text.as_str(), s.claim))
        .collect()
}

const CLOUDFLARE_LIKE: &str = r#"<!doctype html><html><head><title>Transparency Report</title>
<script>window.dataLayer = [{"never": "warrant"}];</script><style>.x{}</style></head>
<body><nav><ul><li><a href="/">Products</a></li><li><a href="/blog">Blog</a></li></ul></nav>
<main><h1>Transparency Report</h1>
<p>We received 12 subpoenas and 3 court orders in the first half of the year. Details follow.</p>
<h2>Some things we have never done</h2>
<ul class="canaries">
  <li>Cloudflare has never turned over our encryption or authentication keys or our customers' encryption or authentication keys to anyone.</li>
  <li>Cloudflare has never installed any law enforcement software or equipment anywhere on our network.</li>
  <li>Cloudflare has never provided any law enforcement organization a feed of our customers' content transiting our network.</li>
  <li>Cloudflare has never modified the intended destination of DNS responses at the request of law enforcement or another third party.</li>
</ul>
<p>Never miss an update: subscribe to our newsletter.</p></main>
<footer><p>We have never received a warrant (footer text, ignored).</p></footer></body></html>"#;

#[test]
fn auto_detect_finds_the_canary_list_and_nothing_else() {
    let got = extract(CLOUDFLARE_LIKE, Format::Html, None).expect("parsed");
    let t = texts(&got);
    assert_eq!(t.len(), 4, "{t:#?}");
    assert!(
        t.iter()
            .all(|(s, claim)| s.starts_with("Cloudflare has never") && *claim),
        "{t:#?}"
    );
}

#[test]
fn selector_list_yields_one_claim_per_item() {
    let sel = Selector::parse("ul.canaries").expect("selector");
    let got = extract(CLOUDFLARE_LIKE, Format::Html, Some(&sel)).expect("parsed");
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|s| s.claim));
    let sel = Selector::parse("ul.canaries li").expect("selector");
    assert_eq!(
        extract(CLOUDFLARE_LIKE, Format::Html, Some(&sel))
            .expect("parsed")
            .len(),
        4
    );
}

#[test]
fn selected_table_cell_is_a_claim_even_without_canary_words() {
    let page =
        "<table id=t><tr><td>National security: 0</td></tr><tr><td>Gag orders: 0</td></tr></table>";
    let sel = Selector::parse("#t td").expect("selector");
    let got = extract(page, Format::Html, Some(&sel)).expect("parsed");
    assert_eq!(
        texts(&got),
        vec![("National security: 0", true), ("Gag orders: 0", true)]
    );
}

#[test]
fn french_canary_is_detected() {
    let page = "<html><body><h1>Transparence</h1><p>Bienvenue sur notre site.</p>\
        <p>Au 1er mars 2024, Exemple SA n'a jamais reçu de mandat ou de réquisition judiciaire secrète. \
        Nous n'avons reçu aucune demande d'installer une porte dérobée.</p></body></html>";
    let got = extract(page, Format::Html, None).expect("parsed");
    let t = texts(&got);
    assert_eq!(t.len(), 2, "{t:#?}");
    assert!(t.iter().all(|(_, claim)| *claim));
    assert_eq!(
        got[0].dates,
        vec![chrono::NaiveDate::from_ymd_opt(2024, 3, 1).expect("date")]
    );
}

const RISEUP_2014: &str = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nAs of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court. Riseup has never placed any backdoors in our software and have not received any requests to do so. Riseup has never disclosed any user communications to any third party.\n\nRegarding server seizures, in a widely-reported incident [1], the FBI seized one of riseup's servers in April 2012. This incident happened in New York. The machine was encrypted and contained no user data. The server was returned, but it was not placed back in service. Other than this incident, as of April 21, 2014, riseup confirms that it has never had any hardware seized or taken by any third party.\n\nRiseup intends to update this report approximately once per quarter. \n\n[1] https://www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure-fbi-overreaches-yet-again\n-----BEGIN PGP SIGNATURE-----\nVersion: GnuPG v1.4.14 (GNU/Linux)\n\niQJ8BAEBCgBmBQJTVHqQ\n=h//E\n-----END PGP SIGNATURE-----\n";

#[test]
fn signed_text_canary_splits_into_claims_and_context() {
    let got = extract(RISEUP_2014, Format::Text, None).expect("parsed");
    let claims: Vec<&str> = got
        .iter()
        .filter(|s| s.claim)
        .map(|s| s.text.as_str())
        .collect();
    assert!(
        claims
            .iter()
            .any(|c| c.contains("National Security Letters"))
    );
    assert!(claims.iter().any(|c| c.contains("backdoors")));
    assert!(claims.iter().any(|c| c.contains("user communications")));
    assert!(claims.iter().any(|c| c.contains("hardware seized")));
    let context: Vec<&str> = got
        .iter()
        .filter(|s| !s.claim)
        .map(|s| s.text.as_str())
        .collect();
    assert!(context.iter().any(|c| c.starts_with("[1] https://")));
    assert!(
        context
            .iter()
            .any(|c| c.contains("approximately once per quarter"))
    );
    assert!(
        got.iter()
            .all(|s| !s.text.contains("PGP") && !s.text.contains("iQJ8"))
    );
}

#[test]
fn re_signed_canary_has_the_same_keys() {
    let later = RISEUP_2014.replace("April 21, 2014", "July 1, 2014");
    let a: Vec<String> = extract(RISEUP_2014, Format::Text, None)
        .expect("parsed")
        .into_iter()
        .map(|s| s.hash)
        .collect();
    let b: Vec<String> = extract(&later, Format::Text, None)
        .expect("parsed")
        .into_iter()
        .map(|s| s.hash)
        .collect();
    assert_eq!(a, b);
}

#[test]
fn pre_block_is_read_like_a_text_canary() {
    let page = format!(
        "<html><body><h1>Canary</h1><pre>{}</pre></body></html>",
        RISEUP_2014.replace('<', "&lt;")
    );
    let got = extract(&page, Format::Html, None).expect("parsed");
    assert!(
        got.iter().filter(|s| s.claim).count() >= 4,
        "{:#?}",
        texts(&got)
    );
}

#[test]
fn hundred_thousand_items_are_refused_not_tracked() {
    let items: String = (0..100_000)
        .map(|i| format!("<li>We have never received warrant number {i}.</li>"))
        .collect();
    let page = format!("<ul id=c>{items}</ul>");
    let sel = Selector::parse("#c li").expect("selector");
    assert_eq!(
        extract(&page, Format::Html, Some(&sel)),
        Err(ExtractError::TooMany(100_000))
    );
    let ok: String = (0..1_000)
        .map(|i| format!("<li>We have never received warrant number {i}.</li>"))
        .collect();
    assert_eq!(
        extract(&format!("<ul id=c>{ok}</ul>"), Format::Html, Some(&sel))
            .expect("parsed")
            .len(),
        1_000
    );
}

#[test]
fn hundred_thousand_deep_nesting_is_refused_quickly() {
    let deep = format!(
        "{}<p>We have never received a National Security Letter.</p>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    assert_eq!(
        extract(&deep, Format::Html, None),
        Err(ExtractError::TooDeep(100_000))
    );
    let fine = format!(
        "{}<p>We have never received a National Security Letter.</p>{}",
        "<div>".repeat(1_000),
        "</div>".repeat(1_000)
    );
    assert_eq!(extract(&fine, Format::Html, None).expect("parsed").len(), 1);
}

#[test]
fn unclosed_tags_and_garbage_do_not_panic() {
    for page in [
        "<ul><li>We have never received a gag order<li>Nor a warrant",
        "<<<>>>&&&;;",
        "",
        "<p>",
        "\u{0}\u{1}",
    ] {
        assert!(extract(page, Format::Html, None).is_ok());
        assert!(extract(page, Format::Text, None).is_ok());
    }
    let got = extract(
        "<ul><li>We have never received a gag order<li>Nor a warrant from any court",
        Format::Html,
        None,
    )
    .expect("parsed");
    assert_eq!(got.len(), 2);
}
