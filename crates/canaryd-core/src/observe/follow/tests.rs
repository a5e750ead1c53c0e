//! Tests of picking the newest document of a followed series.

use super::*;

/// [`super::pick`] on a page within the link limit.
fn pick(body: &str, is_html: bool, index: &Url, rule: &FollowRule) -> Option<Followed> {
    super::pick(body, is_html, index, rule).expect("within the link limit")
}

#[test]
fn a_github_viewer_link_is_followed_as_the_raw_file() {
    let index = Url::parse("https://www.qubes-os.org/security/canary/").expect("url");
    let body = r#"<ul>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-046-2026.txt">046</a></li>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-047-2026.txt">047</a></li>
            <li><a href="https://github.com/QubesOS/qubes-secpack/blob/main/canaries/canary-047-2026.txt.sig.simon">sig</a></li>
        </ul>"#;
    let rule = FollowRule {
        pattern: regex::Regex::new(r"canary-(\d+)-\d+\.txt$").expect("regex"),
        order: None,
    };
    let f = pick(body, true, &index, &rule).expect("followed");
    assert_eq!(
        f.url.as_str(),
        "https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-047-2026.txt"
    );
    assert!(f.reason.contains("raw file"), "{}", f.reason);
    // Other links are followed as they are.
    let plain = Url::parse("https://example.org/blob/x/canary-1-2026.txt").expect("url");
    assert_eq!(raw_file(&plain), None);
}

/// The list as qubes-os.org renders it (its documentation's template: a table, newest row
/// first, an anchor link per row, a link to the file viewer under `blob/master`, the
/// number zero-padded and the year changing along the list).
#[test]
fn the_published_qubes_table_gives_the_newest_canary_as_its_raw_file() {
    let index = Url::parse("https://www.qubes-os.org/security/canary/").expect("url");
    let mut body = String::from(
        "<h2>Full list</h2><table><tr><th title=\"Anchor Link\"><span class=\"fa fa-link\"></span></th><th>Date</th><th>Canary</th></tr>",
    );
    for (n, date) in [
        ("047", "2026-03-05"),
        ("046", "2025-12-02"),
        ("045", "2025-09-04"),
        ("009", "2016-08-25"),
    ] {
        body.push_str(&format!(
                "<tr id=\"{n}\"><td><a href=\"#{n}\" class=\"fa fa-link black-icon\" title=\"Anchor link to Qubes Canary row: Qubes Canary #{n}\"></a></td>\
                 <td>{date}</td><td><a href=\"https://github.com/QubesOS/qubes-secpack/blob/master/canaries/canary-{n}-{}.txt\">Qubes Canary #{n}</a></td></tr>",
                &date[..4]
            ));
    }
    body.push_str("</table><a href=\"/security/pack/\">Qubes security pack</a>");
    // The shipped watchlist's rule, verbatim.
    let rule = FollowRule {
        pattern: regex::Regex::new(r"canary-(\d+)-\d+\.txt$").expect("regex"),
        order: None,
    };
    let f = pick(&body, true, &index, &rule).expect("followed");
    assert_eq!(
        f.url.as_str(),
        "https://raw.githubusercontent.com/QubesOS/qubes-secpack/master/canaries/canary-047-2026.txt"
    );
    // The evidence record says why this one: its number.
    assert!(f.reason.contains("47"), "{}", f.reason);
}

fn rule(pattern: &str, order: Option<Order>) -> FollowRule {
    FollowRule {
        pattern: Regex::new(pattern).unwrap(),
        order,
    }
}

fn qubes_index() -> Url {
    Url::parse("https://www.qubes-os.org/security/canary/").unwrap()
}

fn qubes_page(numbers: &[u32]) -> String {
    let mut html = String::from(
        "<html><body><a href=\"#top\">top</a><a href=\"/security/canary/\">index</a>\
             <a href=\"https://www.qubes-os.org/\">home</a><ul>",
    );
    for n in numbers {
        // Unpadded numbers, alternately relative and absolute, each with its signatures.
        if n % 2 == 0 {
            html.push_str(&format!(
                    "<li><a href=\"https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-{n}-2026.txt\">Canary {n}</a> \
                     <a href=\"https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-{n}-2026.txt.sig.marmarek\">sig</a></li>"
                ));
        } else {
            html.push_str(&format!(
                "<li><a href=\"canary-{n}-2026.txt\">Canary {n}</a> \
                     <a href=\"canary-{n}-2026.txt.sig.marmarek\">sig</a> \
                     <a href=\"canary-{n}-2026.txt#top\">again</a></li>"
            ));
        }
    }
    html.push_str("</ul></body></html>");
    html
}

#[test]
fn numbered_links_unpadded_pick_numerically() {
    // Shuffled so that neither page order nor string order would give 12.
    let page = qubes_page(&[3, 9, 12, 1, 10, 2, 11, 4, 5, 6, 7, 8]);
    let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
    let f = pick(&page, true, &qubes_index(), &rule).unwrap();
    assert_eq!(
        f.url.as_str(),
        "https://raw.githubusercontent.com/QubesOS/qubes-secpack/main/canaries/canary-12-2026.txt"
    );
    assert_eq!(f.order_used, Order::Number);
    assert_eq!(f.key, FollowKey::Number(12));
    assert_eq!(f.key.order(), f.order_used);
    assert_eq!(f.candidates, 12);
    assert_eq!(f.reason, "newest of 12 matching links by number (12)");
}

#[test]
fn relative_links_resolve_against_the_index() {
    let page = qubes_page(&[45, 47, 46]);
    let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
    let f = pick(&page, true, &qubes_index(), &rule).unwrap();
    assert_eq!(
        f.url.as_str(),
        "https://www.qubes-os.org/security/canary/canary-47-2026.txt"
    );
    // The `#top` duplicate of 47 and 45 is not counted twice; signatures do not match.
    assert_eq!(f.candidates, 3);
}

#[test]
fn zero_padded_numbers_read_as_numbers() {
    let page = r#"<a href="canary-047-2026.txt">47</a><a href="canary-047-2026.txt.sig.marmarek">s</a>
            <a href="canary-046-2026.txt">46</a><a href="canary-100-2027.txt">100</a>"#;
    let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
    let f = pick(page, true, &qubes_index(), &rule).unwrap();
    assert_eq!(f.key, FollowKey::Number(100));
    assert_eq!(f.key.to_string(), "100");
}

#[test]
fn base_href_is_honoured() {
    let page =
        r#"<head><base href="https://mirror.example/c/"></head><a href="canary-3-2026.txt">x</a>"#;
    let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
    let f = pick(page, true, &qubes_index(), &rule).unwrap();
    assert_eq!(f.url.as_str(), "https://mirror.example/c/canary-3-2026.txt");
}

#[test]
fn date_ordering() {
    let page = r#"
            <a href="/canary/2025-12-01.txt">Dec</a>
            <a href="/canary/2026-03-01.txt">Mar</a>
            <a href="/canary/2026-01-15.txt">Jan</a>
            <a href="/canary/latest.html">latest</a>"#;
    let index = Url::parse("https://example.org/canary/").unwrap();
    let rule = rule(r"/canary/.*\.txt$", None);
    let f = pick(page, true, &index, &rule).unwrap();
    assert_eq!(f.url.as_str(), "https://example.org/canary/2026-03-01.txt");
    assert_eq!(f.order_used, Order::Date);
    assert_eq!(f.key.to_string(), "2026-03-01");
    assert_eq!(f.reason, "newest of 3 matching links by date (2026-03-01)");
}

#[test]
fn year_only_dates_order_by_year() {
    let page = "<a href='canary-2024.asc'>a</a><a href='canary-2026.asc'>b</a><a href='canary-2025.asc'>c</a>";
    let index = Url::parse("https://example.org/").unwrap();
    let f = pick(page, true, &index, &rule(r"canary-\d+\.asc$", None)).unwrap();
    assert_eq!(f.url.as_str(), "https://example.org/canary-2026.asc");
    assert_eq!(f.key.to_string(), "2026");
    assert_eq!(f.reason, "newest of 3 matching links by date (2026)");
}

#[test]
fn tied_keys_go_to_the_later_link_and_say_so() {
    let page = "<a href='c-2026-a.txt'>a</a><a href='c-2026-b.txt'>b</a><a href='c-2025.txt'>c</a>";
    let index = Url::parse("https://example.org/").unwrap();
    let f = pick(page, true, &index, &rule(r"c-.*\.txt$", None)).unwrap();
    assert_eq!(f.url.as_str(), "https://example.org/c-2026-b.txt");
    assert_eq!(
        f.reason,
        "newest of 3 matching links by date (2026; 2 tied, the last on the page wins)"
    );
}

#[test]
fn position_ordering_last_wins() {
    let page = r#"<a href="canary-b.txt">b</a><a href="canary-a.txt">a</a><a href="canary-c.txt">c</a><a href="canary-a.txt">a again</a>"#;
    let index = Url::parse("https://example.org/").unwrap();
    let f = pick(page, true, &index, &rule(r"canary-[a-z]\.txt$", None)).unwrap();
    assert_eq!(f.order_used, Order::Position);
    assert_eq!(f.url.as_str(), "https://example.org/canary-c.txt");
    assert_eq!(f.key, FollowKey::Position(2));
    assert_eq!(f.reason, "last of 3 matching links on the page");
}

#[test]
fn explicit_order_overrides_automatic_choice() {
    let page = qubes_page(&[9, 10, 2]);
    let rule = rule(r"canary-(\d+)-\d+\.txt$", Some(Order::Position));
    let f = pick(&page, true, &qubes_index(), &rule).unwrap();
    assert!(f.url.as_str().ends_with("canary-2-2026.txt"));
}

#[test]
fn explicit_number_without_group_uses_first_digits_of_match() {
    let page = "<a href='r9.txt'>a</a><a href='r10.txt'>b</a><a href='rx.txt'>c</a>";
    let index = Url::parse("https://example.org/").unwrap();
    let f = pick(
        page,
        true,
        &index,
        &rule(r"r\w+\.txt$", Some(Order::Number)),
    )
    .unwrap();
    assert_eq!(f.url.as_str(), "https://example.org/r10.txt");
    // The link without a number has no key and is not a candidate.
    assert_eq!(f.candidates, 2);
}

#[test]
fn unparsable_group_falls_back_to_date_then_position() {
    let page = "<a href='c-x-2025-01-01.txt'>a</a><a href='c-1-2024-01-01.txt'>b</a>";
    let index = Url::parse("https://example.org/").unwrap();
    let f = pick(page, true, &index, &rule(r"c-(\w+)-.*\.txt$", None)).unwrap();
    assert_eq!(f.order_used, Order::Date);
    assert!(f.url.as_str().ends_with("c-x-2025-01-01.txt"));
}

#[test]
fn no_match_is_none() {
    let page = qubes_page(&[1, 2]);
    let rule = rule(r"warrant-(\d+)\.txt$", None);
    assert_eq!(pick(&page, true, &qubes_index(), &rule), None);
    assert_eq!(pick("", true, &qubes_index(), &rule), None);
    assert_eq!(pick("", false, &qubes_index(), &rule), None);
}

#[test]
fn the_index_itself_and_fragments_never_match() {
    let page = "<a href='#canary'>x</a><a href='./'>y</a>";
    let rule = rule(r"canary", None);
    assert_eq!(pick(page, true, &qubes_index(), &rule), None);
}

#[test]
fn text_index_finds_absolute_urls_only() {
    let body = "Canaries:\n\
            https://example.org/c/canary-9.txt (September)\n\
            see <https://example.org/c/canary-10.txt>.\n\
            canary-11.txt is relative and ignored\n\
            \"https://example.org/c/canary-8.txt\", and https://example.org/c/canary-10.txt.sig\n";
    let index = Url::parse("https://example.org/c/index.txt").unwrap();
    let f = pick(body, false, &index, &rule(r"canary-(\d+)\.txt$", None)).unwrap();
    assert_eq!(f.url.as_str(), "https://example.org/c/canary-10.txt");
    assert_eq!(f.candidates, 3);
}

#[test]
fn text_links_trim_punctuation() {
    let links = text_links("(see https://a.example/x.txt), HTTPS://B.example/y.txt; done");
    let got: Vec<&str> = links.iter().map(Url::as_str).collect();
    assert_eq!(got, ["https://a.example/x.txt", "https://b.example/y.txt"]);
}

#[test]
fn older_newer_and_incomparable() {
    let page = qubes_page(&[46]);
    let rule = rule(r"canary-(\d+)-\d+\.txt$", None);
    let f = pick(&page, true, &qubes_index(), &rule).unwrap();
    assert!(is_older(&f, &FollowKey::Number(47)));
    assert!(!is_older(&f, &FollowKey::Number(46)));
    assert!(!is_older(&f, &FollowKey::Number(10)));
    assert!(!is_older(&f, &FollowKey::Position(100)));
    let old = FollowKey::Date(parse_link_date("2026-01-01").unwrap());
    let new = FollowKey::Date(parse_link_date("2026").unwrap());
    assert_eq!(compare(&new, &old), Some(Ordering::Less));
    assert_eq!(
        compare(&FollowKey::Position(1), &FollowKey::Position(0)),
        None
    );
}

#[test]
fn follow_key_round_trips_through_json() {
    for key in [
        FollowKey::Number(47),
        FollowKey::Date(parse_link_date("x-2026-03-01").unwrap()),
        FollowKey::Date(parse_link_date("x-2026.txt").unwrap()),
        FollowKey::Position(3),
    ] {
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<FollowKey>(&json).unwrap(), key);
    }
    assert_eq!(
        serde_json::to_string(&FollowKey::Number(47)).unwrap(),
        r#"{"order":"number","value":47}"#
    );
    assert_eq!(
        serde_json::to_string(&FollowKey::Date(parse_link_date("2026-03-01").unwrap())).unwrap(),
        r#"{"order":"date","value":"2026-03-01"}"#
    );
    assert!(serde_json::from_str::<FollowKey>(r#"{"order":"date","value":"soon"}"#).is_err());
}

#[test]
fn link_dates() {
    assert_eq!(
        parse_link_date("a/2026-13-01/b-2025-02-03.txt").map(|d| d.to_string()),
        Some("2025-02-03".into())
    );
    assert_eq!(parse_link_date("12026-01-01"), None);
    assert_eq!(parse_link_date("v1.2.3"), None);
    assert_eq!(
        parse_link_date("canary-047-2026.txt").map(|d| d.to_string()),
        Some("2026".into())
    );
}
