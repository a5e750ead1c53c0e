//! Unreadable is not removed: once a watch's canary has been read as CanaryTail or PDF, a body
//! that does not parse as one (a truncated document, a PDF page whose stream is damaged) is a
//! failed fetch with the reason, live and in `replay`, never a canary whose claims all went;
//! and a PDF that makes the PDF reader panic is said in words, without a backtrace.

mod common;

use std::path::Path;

use canaryd::judge::event::EventKind;
use canaryd::pipeline::Checker;
use canaryd::store::CheckResult;
use common::canary::we::{GAG, NSL};
use common::parsed;
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist as Toml};

/// A client-shape CanaryTail canary, every field signed as the Go client does.
fn canarytail(codes: &[&str]) -> Vec<u8> {
    use canaryd_testkit::canarytail::{claim_by, document, key};
    let now = chrono::Utc::now();
    let release = (now - chrono::TimeDelta::days(1)).to_rfc3339();
    let expiry = (now + chrono::TimeDelta::days(30)).to_rfc3339();
    let signer = key(1);
    document(&claim_by(&signer, &release, &expiry, codes), &[&signer])
}

fn reply(content_type: &str, body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: content_type.into(),
        body,
        headers: Vec::new(),
    }
}

/// Serves each version in turn to a `format = "auto"` watch, checked twice each (as replay
/// observes a version `confirm` times); returns the notified events' kinds and the last
/// check's record, and replays the same bytes as files named `names`.
async fn live_and_replayed(
    content_type: &str,
    versions: &[(&str, Vec<u8>)],
) -> (
    Vec<EventKind>,
    canaryd::store::CheckRecord,
    Vec<serde_json::Value>,
) {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = parsed(&Toml::new().watch(Watch::url("c", &site.url("/canary")).set("confirm", 2)));
    let mut live = Vec::new();
    let mut last = None;
    for (_, body) in versions {
        site.set("/canary", reply(content_type, body.clone()));
        for _ in 0..2 {
            let r = checker.check(&wl.watches[0]).await.expect("check");
            live.extend(r.events.iter().filter(|e| e.notify).map(|e| e.kind));
            last = Some(r.record);
        }
    }
    let env = Env::new("");
    let files: Vec<String> = versions
        .iter()
        .map(|(name, body)| {
            let path = env.dir.path().join(name);
            std::fs::write(&path, body).expect("write version");
            path.display().to_string()
        })
        .collect();
    let mut args = vec!["replay", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let replayed = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    (live, last.expect("checked"), replayed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_canarytail_document_is_a_failed_fetch_not_every_code_removed() {
    let codes = ["war", "gag", "subp", "trap", "cease", "duress"];
    let whole = canarytail(&codes);
    let truncated = whole[..whole.len() * 2 / 3].to_vec();
    let (live, record, replayed) = live_and_replayed(
        "application/json",
        &[
            ("canary-2026-01-01.json", whole.clone()),
            ("canary-2026-01-08.json", truncated),
        ],
    )
    .await;
    assert!(!live.contains(&EventKind::Removed), "{live:?}");
    assert_eq!(record.result, CheckResult::Failed, "{record:?}");
    let error = record.error.clone().unwrap_or_default();
    assert!(error.contains("CanaryTail"), "{error}");
    assert_eq!(record.read_as.as_deref(), Some("canarytail"), "{record:?}");
    assert!(
        !replayed.iter().any(|l| l["kind"] == "removed"),
        "{replayed:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_whose_second_page_is_damaged_is_a_failed_read_not_a_removal() {
    let whole = common::pdf::compressed(&[&[NSL], &[GAG]], false);
    let damaged = common::pdf::compressed(&[&[NSL], &[GAG]], true);
    let (live, record, replayed) = live_and_replayed(
        "application/pdf",
        &[
            ("report-2026-01-01.pdf", whole),
            ("report-2026-02-01.pdf", damaged),
        ],
    )
    .await;
    assert!(!live.contains(&EventKind::Removed), "{live:?}");
    assert_eq!(record.result, CheckResult::Failed, "{record:?}");
    let error = record.error.clone().unwrap_or_default();
    assert!(error.contains("page 2 cannot be read"), "{error}");
    assert!(
        !replayed.iter().any(|l| l["kind"] == "removed"),
        "{replayed:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_the_reader_panics_on_is_said_in_words_without_a_backtrace() {
    let pdf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pdf/type0-font-without-descendants.pdf");
    let env = Env::new("");
    let copy = env.dir.path().join("report-2026-01-01.pdf");
    std::fs::copy(&pdf, &copy).expect("copy fixture");
    let path = copy.display().to_string();
    for args in [
        vec!["preview", path.as_str()],
        vec!["replay", path.as_str()],
    ] {
        let out = env.canaryd_env(&args, &[("RUST_BACKTRACE", "1")]).await;
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.to_lowercase().contains("backtrace"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
    let out = env.canaryd(&["preview", &path]).await;
    let err = stderr(&out);
    assert!(err.contains("cannot read the PDF"), "{err}");
    assert!(err.contains("the PDF reader gave up"), "{err}");
}
