use super::*;

fn read_text(text: &str) -> Freshness {
    let lines = crate::observe::extract::text_lines(text, crate::observe::extract::Format::Text);
    read(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn the_real_qubes_canary_047_proof_is_read_whole() {
    let text = include_str!("../../../../../tests/fixtures/signed/canary-047-2026.txt");
    let f = read_text(text);
    assert_eq!(
        f.dates,
        vec![
            "2026-06-03T02:51:46Z"
                .parse::<DateTime<Utc>>()
                .expect("time")
        ]
    );
    assert_eq!(
        f.block_hashes,
        vec!["00000000000000000001c7c4fb4f5b739e74f18ca4b3b6add30011982c0735d7".to_string()]
    );
    assert!(f.block_heights.is_empty(), "{:?}", f.block_heights);
    let sources: Vec<&str> = f.headlines.iter().map(|h| h.source.as_str()).collect();
    assert_eq!(
        sources,
        vec![
            "DER SPIEGEL - International (https://www.spiegel.de/international/index.rss)",
            "NYT > World News (https://rss.nytimes.com/services/xml/rss/nyt/World.xml)",
            "BBC News (https://feeds.bbci.co.uk/news/world/rss.xml)",
        ]
    );
    assert!(f.headlines.iter().all(|h| h.items.len() == 5), "{f:?}");
    assert_eq!(
        f.headlines[2].items[0],
        "Israel strikes southern Lebanon but partial truce with Hezbollah appears to hold"
    );
    // The footnotes' links are references, not proofs.
    assert!(f.news_links.is_empty(), "{:?}", f.news_links);
}

#[test]
fn a_cited_news_link_is_a_proof_and_a_reference_is_not() {
    // Riseup's shape: the sentence citing [1] says why the link is there.
    let text = "Riseup positively confirms that the integrity of our system is sound.\n\nWe will include a link to a recent news article[1] in each update to establish that the signature was not pre-generated.\n\nA: see the gag order[0].\n\n0. https://riseup.net/about-us/press/canary-statement\n1. https://www.motherjones.com/politics/2024/07/some-article/\n";
    let f = read_text(text);
    assert_eq!(
        f.news_links,
        vec!["https://www.motherjones.com/politics/2024/07/some-article/".to_string()]
    );
    // Or the footnote itself says it.
    let text = "As of January 13, 2015 [1], riseup has not received any National Security Letters.\n\n[1] https://firstlook.org/theintercept/2015/01/12/the-paris-mystery/ (this link is included to demonstrate that this canary was not prepared in advance of the present)\n[2] https://www.eff.org/deeplinks/2012/04/may-firstriseup-server-seizure\n";
    let f = read_text(text);
    assert_eq!(
        f.news_links,
        vec!["https://firstlook.org/theintercept/2015/01/12/the-paris-mystery/".to_string()]
    );
    assert!(f.headlines.is_empty());
}

#[test]
fn block_heights_in_their_usual_forms() {
    let text = "Proof of freshness\n------------------\n\nBitcoin block height: 845,123\n\n$ bitcoin-cli getblockcount\n845124\n\nBlock #845125 hash 0000000000000000000234abcdef0123456789abcdef0123456789abcdef0123\n";
    let f = read_text(text);
    assert_eq!(f.block_heights, vec![845_123, 845_124, 845_125]);
    assert_eq!(f.block_hashes.len(), 1);
    assert!(f.headlines.is_empty(), "{:?}", f.headlines);
}

#[test]
fn date_lines_of_date_and_date_r() {
    let want: DateTime<Utc> = "2026-06-03T02:51:46Z".parse().expect("time");
    assert_eq!(date_line("Wed, 03 Jun 2026 02:51:46 +0000"), Some(want));
    assert_eq!(date_line("Wed Jun  3 02:51:46 UTC 2026"), Some(want));
    assert_eq!(
        date_line("The date of issue of this canary is June 03, 2026."),
        None
    );
    assert_eq!(date_line("June 3, 2026"), None);
}

#[test]
fn a_french_proof_section_is_read() {
    let text = "Preuve de fraîcheur\n-------------------\n\nWed, 03 Jun 2026 02:51:46 +0000\n\nSource : Le Monde (https://www.lemonde.fr/rss/une.xml)\nLe gouvernement présente son budget\nGrève dans les transports\n\nHauteur du bloc Bitcoin : 951 234\n";
    let f = read_text(text);
    assert_eq!(f.headlines.len(), 1);
    assert_eq!(f.headlines[0].items.len(), 2);
    assert_eq!(f.block_heights, vec![951_234]);
}

#[test]
fn hostile_sizes_are_bounded() {
    let many: String = (0..10_000).map(|i| format!("headline {i}\n")).collect();
    let text = format!("Proof of freshness\n------------------\n\n{many}");
    let f = read_text(&text);
    assert!(f.headlines.iter().map(|h| h.items.len()).sum::<usize>() <= MAX_ITEMS * MAX_ITEMS);
    assert!(f.headlines.iter().all(|h| h.items.len() <= MAX_ITEMS));
    let long = format!(
        "Proof of freshness\n------------------\n\n{}\n",
        "x".repeat(100_000)
    );
    let f = read_text(&long);
    assert!(f.headlines[0].items[0].chars().count() <= MAX_CHARS);
}
