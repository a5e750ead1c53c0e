//! Which fields of `check.json` a check carries over from the last one and which it sets,
//! for each thing a check can see.

use chrono::{DateTime, Utc};
use url::Url;

use super::*;
use crate::observe::freshness::api::BlockAnswer;

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("a valid time")
}

fn url() -> Url {
    Url::parse("https://user:secret@example.org/canary").expect("a valid URL")
}

/// A last check that read a page: validators, content key, format and answers kept.
fn last() -> CheckRecord {
    CheckRecord {
        at: Some(at() - chrono::Duration::hours(1)),
        result: CheckResult::Ok,
        status: Some(200),
        etag: Some("\"v1\"".into()),
        last_modified: Some("Thu, 01 Jan 2026 00:00:00 GMT".into()),
        content: Some(ContentKey {
            extractor: "x".into(),
            page: "p".into(),
        }),
        format: Some(fetch::Format::Html),
        read_as: Some("html".into()),
        statements: 3,
        claims: 2,
        freshness_api: vec![BlockLookup {
            hash: "00ab".into(),
            url: "https://api.example/block/00ab".into(),
            at: at(),
            answer: BlockAnswer::NotFound,
            asked: true,
        }],
        ..CheckRecord::default()
    }
}

fn verdict() -> Verdict {
    Verdict {
        state: judge::WatchState::default(),
        events: Vec::new(),
        fetch_error: None,
        tail: None,
        online: None,
        read: None,
    }
}

fn made<'a>(last: &'a CheckRecord, url: &'a Url) -> Made<'a> {
    Made {
        last,
        baseline: None,
        url,
        step: &Step::Direct,
        at: at(),
        duration_ms: 7,
        key_refreshes: Vec::new(),
    }
}

#[test]
fn a_304_carries_the_last_validators_and_content() {
    let (last, url) = (last(), url());
    let sighted = Sighted::NotModified {
        status: 304,
        final_url: url.clone(),
    };
    let r = CheckRecord::from_check(made(&last, &url), &sighted, &verdict());
    assert_eq!(r.result, CheckResult::Unchanged);
    assert_eq!(r.status, Some(304));
    assert_eq!(
        (&r.etag, &r.last_modified),
        (&last.etag, &last.last_modified)
    );
    assert_eq!(r.content, last.content);
    assert_eq!(r.format, last.format);
    assert_eq!(r.at, Some(at()));
    assert_eq!(r.duration_ms, 7);
    // Never a password: check.json and `list` show it.
    assert_eq!(r.url.as_deref(), Some(fetch::redact(&url).as_str()));
    assert!(!r.url.as_deref().unwrap_or_default().contains("secret"));
    // The answers are the watch's cache now, not asked by this check.
    assert_eq!(r.freshness_api.len(), 1);
    assert!(!r.freshness_api[0].asked);
}

#[test]
fn a_failed_fetch_keeps_no_validators_but_how_the_canary_was_read() {
    let (last, url) = (last(), url());
    let sighted = Sighted::Failed {
        status: Some(503),
        error: "the server answered 503".into(),
    };
    let r = CheckRecord::from_check(made(&last, &url), &sighted, &verdict());
    assert_eq!(r.result, CheckResult::Failed);
    assert_eq!(r.error.as_deref(), Some("the server answered 503"));
    assert_eq!(r.status, Some(503));
    assert_eq!((r.etag, r.last_modified, r.content), (None, None, None));
    assert_eq!((r.statements, r.claims), (0, 0));
    assert_eq!(r.format, last.format);
    assert_eq!(r.read_as, last.read_as);
}

#[test]
fn the_judge_reading_a_page_as_a_failed_fetch_fails_the_check() {
    let (last, url) = (last(), url());
    let sighted = Sighted::SamePage {
        page: fetch::local_page(&url, b"<p>x</p>".to_vec(), None, at()),
        key: ContentKey::default(),
        statements: Vec::new(),
    };
    let ok = CheckRecord::from_check(made(&last, &url), &sighted, &verdict());
    assert_eq!(ok.result, CheckResult::Ok);
    let v = Verdict {
        fetch_error: Some("an error page, not the canary".into()),
        ..verdict()
    };
    let r = CheckRecord::from_check(made(&last, &url), &sighted, &v);
    assert_eq!(r.result, CheckResult::Failed);
    assert_eq!(r.error.as_deref(), Some("an error page, not the canary"));
    // What was fetched is still recorded.
    assert_eq!(r.status, Some(200));
    assert_eq!(r.content, Some(ContentKey::default()));
}

#[test]
fn a_record_that_differs_only_in_its_times_is_unchanged() {
    let last = last();
    let mut r = last.clone();
    r.at = Some(at());
    r.duration_ms = 99;
    assert!(r.only_times_differ(&last));
    r.status = Some(203);
    assert!(!r.only_times_differ(&last));
    // Before any check there is nothing to leave as it was.
    let never = CheckRecord::default();
    assert!(!never.clone().only_times_differ(&never));
}
