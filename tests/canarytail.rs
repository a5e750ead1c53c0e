//! CanaryTail documents as live checks and `replay` judge them: each CanaryTail case of
//! `tests/fixtures/judgement/` (documents made by the real client, a case-shadowed field, a
//! downgrade to an unsigned shape, a release from the future) served by a loopback server to
//! checks whose clock stands at each version's date, then replayed from the same files
//! through the binary: the same events, and the ones `expected.json` names.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use canaryd::clock::Clock;
use canaryd::pipeline::Checker;
use chrono::{DateTime, NaiveDate, Utc};
use common::parsed;
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist as Toml};
use serde_json::Value;

/// A clock the test sets: each version is checked at its own date.
#[derive(Debug)]
struct SetClock(Mutex<DateTime<Utc>>);

impl Clock for SetClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

/// One event: kind, statement, alerted.
type Line = (String, Option<String>, bool);

fn versions(case: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/judgement")
        .join(case);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("case dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "expected.json"))
        .collect();
    files.sort();
    files
}

/// The date in a version's name (`02-2026-12-01.json`), as replay reads it.
fn date_of(path: &Path) -> DateTime<Utc> {
    let name = path.file_name().expect("name").to_string_lossy();
    let date = &name[3..13];
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .expect("a date in the name")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

async fn live(case: &str) -> Vec<Line> {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let files = versions(case);
    let clock = Arc::new(SetClock(Mutex::new(date_of(&files[0]))));
    let checker = Checker::new(dir.path(), clock.clone(), "test").expect("checker");
    let wl =
        parsed(&Toml::new().watch(Watch::url("tail", &site.url("/canary.json")).set("confirm", 2)));
    let mut out = Vec::new();
    for file in &files {
        *clock.0.lock().expect("clock") = date_of(file);
        site.set(
            "/canary.json",
            Reply {
                status: 200,
                content_type: "application/json".into(),
                body: std::fs::read(file).expect("version"),
                headers: Vec::new(),
            },
        );
        // Each version stays up for two checks (confirm = 2), as replay assumes.
        for _ in 0..2 {
            let r = checker.check(&wl.watches[0]).await.expect("check");
            for e in &r.events {
                if e.statements.is_empty() {
                    out.push((e.kind.to_string(), None, e.notify));
                }
                for s in &e.statements {
                    out.push((e.kind.to_string(), Some(s.clone()), e.notify));
                }
            }
        }
    }
    out
}

async fn replayed(case: &str) -> (Vec<Line>, Vec<Value>) {
    let env = Env::new("");
    let files: Vec<String> = versions(case)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let mut args = vec!["replay", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("replay JSON"))
        .collect();
    let events = lines
        .iter()
        .map(|v| {
            (
                v["kind"].as_str().expect("kind").to_string(),
                v["statement"].as_str().map(String::from),
                v["notify"].as_bool().expect("notify"),
            )
        })
        .collect();
    (events, lines)
}

async fn same_live_and_replayed(case: &str) -> Vec<Value> {
    let live = live(case).await;
    let (replay, lines) = replayed(case).await;
    assert_eq!(replay, live, "{case}: replay and live checks disagree");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/judgement")
                .join(case)
                .join("expected.json"),
        )
        .expect("expected.json"),
    )
    .expect("expected JSON");
    let kinds: Vec<&str> = expected["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    let got: Vec<&str> = live.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(got, kinds, "{case}: {lines:#?}");
    lines
}

#[tokio::test(flavor = "multi_thread")]
async fn a_code_withdrawn_in_a_client_made_reissue_is_removed_live_as_in_replay() {
    let lines = same_live_and_replayed("canarytail-client-withdrawn-code").await;
    assert_eq!(
        lines[0]["statement"], "GAG: gag orders have not been received",
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsigned_case_variant_of_codes_is_a_signature_problem_live_as_in_replay() {
    let lines = same_live_and_replayed("canarytail-case-shadow").await;
    assert!(
        lines[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("CODES"),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsigned_document_after_signed_ones_is_a_signature_alert_live_as_in_replay() {
    let lines = same_live_and_replayed("canarytail-downgrade-unsigned").await;
    assert!(
        lines[0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no longer signed"),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_from_the_future_is_one_stale_alert_live_as_in_replay() {
    same_live_and_replayed("canarytail-future-release").await;
}

/// `preview` of a CanaryTail document says which listed keys signed it and whether they
/// verify, as it does for OpenPGP: the real client's document verifies, signer by signer; the
/// same document with one code dropped does not, and says whose signature broke.
#[tokio::test(flavor = "multi_thread")]
async fn preview_of_a_canarytail_document_names_its_signers_and_whether_they_verify() {
    let env = Env::new("");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/canarytail/client/01-2026-11-01.json");
    let out = env
        .canaryd(&["preview", fixture.to_str().expect("utf-8 path")])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("Signatures (CanaryTail, Ed25519): they verify: 2 of 2 listed keys"),
        "{text}"
    );
    assert!(
        text.contains(
            "[good] alice (author, required), key iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=: every signed field verifies"
        ),
        "{text}"
    );
    assert!(
        text.contains("[good] bob (cosigner), key gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q="),
        "{text}"
    );

    // One code dropped after signing: the signatures over `codes` no longer verify.
    let tampered = env.dir.path().join("tampered.json");
    let original = std::fs::read_to_string(&fixture).expect("fixture");
    let dropped = original.replacen("\"war\",", "", 1);
    assert_ne!(dropped, original, "the fixture lists war first");
    std::fs::write(&tampered, dropped).expect("write");
    let out = env
        .canaryd(&["preview", tampered.to_str().expect("utf-8 path")])
        .await;
    let said = format!("{}{}", stdout(&out), stderr(&out));
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("they do NOT verify"), "{said}");
    assert!(
        said.contains("[bad] alice (author, required), key iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=: bad signature on codes"),
        "{said}"
    );
}
