//! What a check sees of a gathered page: failures decided before reading, the baseline's
//! page not read again, a page read afresh.

use chrono::{DateTime, Utc};
use url::Url;

use super::*;

const NSL: &str = "Example Co has never received a National Security Letter.";

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("a valid time")
}

/// A page as a `file://` watch fetches it (`.txt` is text, anything else HTML).
fn page(name: &str, body: &str) -> Page {
    let url = Url::parse(&format!("file:///canaries/{name}")).expect("a valid URL");
    fetch::local_page(&url, body.as_bytes().to_vec(), None, at())
}

fn html() -> String {
    format!("<html><body><ul><li>{NSL}</li></ul></body></html>")
}

fn how(extractor: &str) -> How<'_> {
    How {
        name: "example",
        spec: ReadSpec {
            format: observe::DocumentFormat::Auto,
            selector: None,
            signing: None,
        },
        follow: None,
        extractor,
    }
}

/// What a check sees of the canary page served as `name`.
fn sight_page(name: &str, extractor: &str, last: &Last<'_>) -> Sighting {
    let gathered = Gathered::stored(page(name, &html()), Vec::new());
    sight(gathered, &how(extractor), last, at())
}

#[test]
fn a_page_is_read_afresh_into_statements() {
    let s = sight_page("c.html", "x", &Last::default());
    let judge::Seen::Read(read) = &s.seen else {
        panic!("read afresh: {:?}", s.seen)
    };
    let statements = read
        .document
        .as_ref()
        .and_then(|d| d.reading.statements())
        .expect("statements");
    assert!(
        statements.iter().any(|st| st.text == NSL && st.claim),
        "{statements:?}"
    );
    let Sighted::Fresh { key, signed, .. } = &s.sighted else {
        panic!("fresh: {:?}", s.sighted)
    };
    assert_eq!(key.extractor, "x");
    assert!(signed.is_none(), "an unsigned watch has no signatures");
    assert_eq!(s.url.as_str(), "file:///canaries/c.html");
}

#[test]
fn the_baseline_page_again_is_not_read_but_another_extraction_reads_it() {
    let first = sight_page("c.html", "x", &Last::default());
    let judge::Seen::Read(read) = first.seen else {
        panic!("read afresh")
    };
    let Sighted::Fresh { key, .. } = first.sighted else {
        panic!("fresh")
    };
    // Told apart from what the page reads into: the statements handed back are the
    // baseline's, not the page's read again.
    let mut baseline = read
        .document
        .and_then(|d| d.reading.statements().map(<[Statement]>::to_vec))
        .expect("statements");
    baseline[0].text = "the baseline's wording".into();
    let last = Last {
        format: Some(fetch::Format::Html),
        baseline_page: Some((&key, &baseline)),
    };
    let again = sight_page("c.html", "x", &last);
    assert!(
        matches!(again.seen, judge::Seen::Unchanged),
        "{:?}",
        again.seen
    );
    match again.sighted {
        Sighted::SamePage { statements, .. } => assert_eq!(statements, baseline),
        other => panic!("the same page: {other:?}"),
    }
    // Other extraction settings (a new selector, a new version): the page is read again.
    let other = sight_page("c.html", "y", &last);
    assert!(
        matches!(other.seen, judge::Seen::Read(_)),
        "{:?}",
        other.seen
    );
}

#[test]
fn the_key_made_ahead_is_the_key_sight_makes_and_tells_the_baseline_page() {
    let first = sight_page("c.html", "x", &Last::default());
    let Sighted::Fresh { key, .. } = first.sighted else {
        panic!("fresh")
    };
    let gathered = || Gathered::stored(page("c.html", &html()), Vec::new());
    let ahead = page_key(&gathered(), &how("x")).expect("a page has a key");
    assert_eq!(ahead, key, "made ahead as sight makes it");
    let baseline = vec![observe::normalise::statement(NSL, true)];
    let last = Last {
        format: Some(fetch::Format::Html),
        baseline_page: Some((&key, &baseline)),
    };
    assert!(last.is_baseline_page(&ahead));
    let changed = Gathered::stored(page("c.html", &html().replace("never", "not")), Vec::new());
    let other = page_key(&changed, &how("x")).expect("a page has a key");
    assert!(
        !last.is_baseline_page(&other),
        "another page is not the baseline's"
    );
    assert!(
        !Last::default().is_baseline_page(&ahead),
        "no baseline page, none is it"
    );
    // Handed to sight, the key made ahead is used as it is.
    let again = sight_keyed(gathered(), &how("x"), &last, at(), Some(ahead));
    match again.sighted {
        Sighted::SamePage { statements, .. } => assert_eq!(statements, baseline),
        other => panic!("the same page: {other:?}"),
    }
    let read = sight_keyed(changed, &how("x"), &last, at(), Some(other.clone()));
    match read.sighted {
        Sighted::Fresh { key, .. } => assert_eq!(key, other),
        other => panic!("read afresh: {other:?}"),
    }
}

#[test]
fn a_relabelled_page_is_a_failed_fetch_before_any_reading() {
    // HTML bytes now served as text (`.txt`), where the last page was declared HTML.
    let last = Last {
        format: Some(fetch::Format::Html),
        baseline_page: None,
    };
    let s = sight_page("c.txt", "x", &last);
    match (&s.seen, &s.sighted) {
        (
            judge::Seen::Failed { gone: false, error },
            Sighted::Relabelled {
                status: 200,
                error: kept,
            },
        ) => assert_eq!(error, kept),
        other => panic!("a relabelled page: {other:?}"),
    }
}

#[test]
fn signature_files_that_could_not_be_fetched_fail_the_check() {
    let mut gathered = Gathered::stored(page("c.html", &html()), Vec::new());
    gathered.detached = Err("fetching the signature: timed out".into());
    let s = sight(gathered, &how("x"), &Last::default(), at());
    match (&s.seen, &s.sighted) {
        (judge::Seen::Failed { gone: false, error }, Sighted::NoSignatures { .. }) => {
            assert_eq!(error, "fetching the signature: timed out")
        }
        other => panic!("failed signatures: {other:?}"),
    }
}

#[test]
fn a_failed_fetch_says_whether_the_page_is_gone() {
    let gathered = Gathered {
        fetched: Err(fetch::FetchError::Status {
            code: 404,
            retry_after: None,
        }),
        ..Gathered::stored(page("c.html", &html()), Vec::new())
    };
    let s = sight(gathered, &how("x"), &Last::default(), at());
    assert!(
        matches!(s.seen, judge::Seen::Failed { gone: true, .. }),
        "{:?}",
        s.seen
    );
    assert!(
        matches!(
            s.sighted,
            Sighted::Failed {
                status: Some(404),
                ..
            }
        ),
        "{:?}",
        s.sighted
    );
}

#[test]
fn the_key_is_made_from_the_bytes_and_the_charset_they_are_decoded_with() {
    let url = Url::parse("file:///canaries/c.html").expect("a valid URL");
    // "é" in Latin-1: the same bytes read as UTF-8 are another text.
    let bytes = b"<ul><li>Example Co n'a jamais re\xe7u de lettre.</li></ul>".to_vec();
    let declared = |charset: &str| {
        let mut p = fetch::local_page(&url, bytes.clone(), None, at());
        (p.text, p.charset) = fetch::decode_page(
            &p.body,
            Some(&format!("text/html; charset={charset}")),
            fetch::Format::Html,
        );
        p
    };
    let (as_latin1, as_utf8) = (declared("iso-8859-1"), declared("utf-8"));
    assert_ne!(
        as_latin1.charset, as_utf8.charset,
        "the test needs two charsets"
    );
    let key = |p: Page| match sight(
        Gathered::stored(p, Vec::new()),
        &how("x"),
        &Last::default(),
        at(),
    )
    .sighted
    {
        Sighted::Fresh { key, .. } => key,
        other => panic!("fresh: {other:?}"),
    };
    let (a, b) = (key(as_latin1.clone()), key(as_utf8));
    assert_ne!(a, b, "the same bytes decoded differently are another page");
    assert_eq!(
        key(as_latin1.clone()),
        a,
        "and the same page is the same key"
    );
    let mut one_byte = as_latin1;
    let mut body = one_byte.body.to_vec();
    body[1] = b'U';
    one_byte.body = body.into();
    assert_ne!(key(one_byte), a, "one byte more or less is another page");
}
