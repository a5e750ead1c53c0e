//! `follow`: a watch reads the newest document its index page links, served by a loopback
//! site whose index and documents the test changes between checks; and `format`: PDF and
//! CanaryTail bodies read through the same check.

mod common;

use std::path::Path;

use canaryd::config::Watchlist;
use canaryd::judge::event::EventKind;
use canaryd::pipeline::{CheckReport, Checker};
use common::canary::we::{GAG, NSL};
use common::parsed;
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist as Toml, strings};

const WARRANT: &str = "We have never received a secret warrant for user data.";

fn canary(claims: &[&str]) -> String {
    claims.join("\n\n")
}

/// An index with noise links that must not match: a different series, a signature, a page.
fn index(docs: &[&str]) -> String {
    let links: String = docs
        .iter()
        .map(|d| format!("<li><a href=\"{d}\">{d}</a></li>"))
        .collect();
    format!(
        "<html><body><h1>Canaries</h1><ul>{links}\
         <li><a href=\"qsb-099-2026.txt\">bulletin</a></li>\
         <li><a href=\"canary-999-2026.txt.sig\">a signature</a></li>\
         <li><a href=\"/about/\">about</a></li></ul></body></html>"
    )
}

fn watchlist(site: &Site) -> Watchlist {
    parsed(
        &Toml::new().watch(
            Watch::follow("series", &site.url("/canaries/"), r"canary-(\d+)-\d+\.txt$")
                .set("confirm", 1)
                .set("allow_internal", strings(&["127.0.0.1"])),
        ),
    )
}

/// A list of the one watch `name` of `url`.
fn one(name: &str, url: &str) -> Toml {
    Toml::new().watch(Watch::url(name, url))
}

/// Every readable text file under `dir`, concatenated.
fn read_tree(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&read_tree(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push_str(&text);
        }
    }
    out
}

fn kinds(r: &CheckReport) -> Vec<EventKind> {
    r.events
        .iter()
        .filter(|e| e.notify)
        .map(|e| e.kind)
        .collect()
}

#[tokio::test]
async fn a_followed_series_advances_drops_a_claim_goes_back_and_loses_every_link() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = watchlist(&site);
    let w = &wl.watches[0];

    for n in 1..=12 {
        site.set(
            &format!("/canaries/canary-{n}-2026.txt"),
            Reply::text(&canary(&[NSL, GAG, WARRANT])),
        );
    }
    // Relative links, numbers not zero-padded: 9 then 10 (10 is newer).
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-8-2026.txt", "canary-9-2026.txt"])),
    );
    let r = checker.check(w).await.expect("check");
    assert!(kinds(&r).is_empty(), "{:?}", r.events);
    let followed = r.record.followed.as_ref().expect("followed");
    assert!(
        followed.url.ends_with("/canaries/canary-9-2026.txt"),
        "{followed:?}"
    );
    assert!(followed.reason.contains("by number (9)"), "{followed:?}");
    assert_eq!(r.record.url.as_deref(), Some(followed.url.as_str()));

    // A re-issue keeping the statements, linked absolutely: silent.
    let abs = site.url("/canaries/canary-10-2026.txt");
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-8-2026.txt", "canary-9-2026.txt", &abs])),
    );
    let r = checker.check(w).await.expect("check");
    assert!(kinds(&r).is_empty(), "{:?}", r.events);
    assert!(
        r.record
            .followed
            .as_ref()
            .expect("followed")
            .url
            .ends_with("canary-10-2026.txt")
    );

    // The next drops a claim: removed.
    site.set(
        "/canaries/canary-11-2026.txt",
        Reply::text(&canary(&[NSL, WARRANT])),
    );
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-9-2026.txt", &abs, "canary-11-2026.txt"])),
    );
    let r = checker.check(w).await.expect("check");
    assert_eq!(kinds(&r), vec![EventKind::Removed], "{:?}", r.events);
    assert!(
        r.events[0].statements.iter().any(|s| s == GAG),
        "{:?}",
        r.events
    );

    // The newest link vanishes: the series went back to 10, alerted naming both documents.
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-9-2026.txt", &abs])),
    );
    let r = checker.check(w).await.expect("check");
    let back: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Changed && e.detail.contains("went backwards"))
        .collect();
    assert_eq!(back.len(), 1, "{:?}", r.events);
    assert!(
        back[0].detail.contains("canary-10-2026.txt")
            && back[0].detail.contains("canary-11-2026.txt")
    );

    // The index loses every match: missing (confirm = 1), the last document still recorded.
    site.set("/canaries/", Reply::html(&index(&[])));
    let r = checker.check(w).await.expect("check");
    assert_eq!(kinds(&r), vec![EventKind::Missing], "{:?}", r.events);
    // The alert says what is missing and where: the index, not a selector.
    let missing = &r
        .events
        .iter()
        .find(|e| e.kind == EventKind::Missing)
        .expect("a missing event")
        .detail;
    assert!(
        missing.contains(&format!(
            "the index {} no longer links any canary matching the pattern",
            site.url("/canaries/")
        )),
        "{missing}"
    );
    assert!(!missing.contains("selector"), "{missing}");
    assert!(r.record.followed.is_some());
    assert_eq!(r.record.result, canaryd::store::CheckResult::Ok);
    // The evidence names the document followed and why.
    let evidence = read_tree(&dir.path().join("series"));
    assert!(
        evidence.contains("by number (11)"),
        "no reason in the evidence"
    );
    assert!(
        r.record
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("links no document")
    );

    // A failed index fetch is a failed fetch, not a missing canary.
    site.set("/canaries/", Reply::status(503));
    let r = checker.check(w).await.expect("check");
    assert_eq!(r.record.result, canaryd::store::CheckResult::Failed);
}

#[test]
fn a_watch_has_url_or_follow_never_both_nor_neither() {
    let both = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nfollow = { index = \"https://a.example/\", pattern = \"x\" }\n";
    let e = Watchlist::parse(both, Path::new("w.toml")).expect_err("both");
    assert!(e.to_string().contains("both `url` and `follow`"), "{e}");
    assert!(e.to_string().starts_with("w.toml:4:"), "{e}");
    let neither = "[[watch]]\nname = \"a\"\n";
    let e = Watchlist::parse(neither, Path::new("w.toml")).expect_err("neither");
    assert!(e.to_string().contains("neither `url` nor `follow`"), "{e}");
    let bad =
        "[[watch]]\nname = \"a\"\nfollow = { index = \"https://a.example/\", pattern = \"(\" }\n";
    let e = Watchlist::parse(bad, Path::new("w.toml")).expect_err("bad regex");
    assert!(e.to_string().contains("regex"), "{e}");
    let fmt = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nformat = \"docx\"\n";
    let e = Watchlist::parse(fmt, Path::new("w.toml")).expect_err("format");
    assert!(e.to_string().contains("`format`"), "{e}");
}

#[tokio::test]
async fn an_unreadable_pdf_is_a_failed_fetch() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    site.set(
        "/report.pdf",
        Reply {
            status: 200,
            content_type: "application/pdf".into(),
            body: b"%PDF-1.4\nnot really a pdf".to_vec(),
            headers: Vec::new(),
        },
    );
    let wl = parsed(&one("pdf", &site.url("/report.pdf")));
    let r = checker.check(&wl.watches[0]).await.expect("check");
    assert_eq!(r.record.result, canaryd::store::CheckResult::Failed);
    assert!(
        r.record
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("PDF"),
        "{:?}",
        r.record
    );
}

fn pdf_reply(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/pdf".into(),
        body,
        headers: Vec::new(),
    }
}

#[tokio::test]
async fn a_followed_series_of_pdf_reports_whose_newest_drops_a_claim() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = parsed(
        &Toml::new().watch(
            Watch::follow("reports", &site.url("/reports/"), r"report-(\d+)\.pdf$")
                .set("confirm", 1)
                .set("allow_internal", strings(&["127.0.0.1"])),
        ),
    );
    let w = &wl.watches[0];
    let links = |n: &[u32]| {
        let l: String = n
            .iter()
            .map(|i| format!("<a href=\"report-{i}.pdf\">report {i}</a> "))
            .collect();
        format!("<html><body>{l}<a href=\"report-summary.pdf\">summary</a></body></html>")
    };
    site.set(
        "/reports/report-1.pdf",
        pdf_reply(common::pdf::report(&[NSL, GAG])),
    );
    site.set(
        "/reports/report-2.pdf",
        pdf_reply(common::pdf::report(&[NSL, GAG])),
    );
    site.set(
        "/reports/report-3.pdf",
        pdf_reply(common::pdf::report(&[NSL])),
    );
    site.set("/reports/", Reply::html(&links(&[1])));
    let r = checker.check(w).await.expect("check");
    assert_eq!(r.record.claims, 2, "{:?}", r.record);
    site.set("/reports/", Reply::html(&links(&[1, 2])));
    let r = checker.check(w).await.expect("check");
    assert!(kinds(&r).is_empty(), "{:?}", r.events);
    site.set("/reports/", Reply::html(&links(&[1, 2, 3])));
    let r = checker.check(w).await.expect("check");
    assert_eq!(kinds(&r), vec![EventKind::Removed], "{:?}", r.events);
    assert!(
        r.events[0].statements.iter().any(|s| s == GAG),
        "{:?}",
        r.events
    );
}

#[tokio::test]
async fn image_only_and_encrypted_pdfs_are_failed_fetches() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    site.set("/scan.pdf", pdf_reply(common::pdf::image_only()));
    site.set("/locked.pdf", pdf_reply(common::pdf::encrypted(&[NSL])));
    let wl = parsed(
        &one("scan", &site.url("/scan.pdf"))
            .watch(Watch::url("locked", &site.url("/locked.pdf")).set("format", "pdf")),
    );
    for (w, why) in wl.watches.iter().zip(["no extractable text", "encrypted"]) {
        let r = checker.check(w).await.expect("check");
        assert_eq!(
            r.record.result,
            canaryd::store::CheckResult::Failed,
            "{:?}",
            r.record
        );
        let error = r.record.error.clone().unwrap_or_default();
        assert!(error.contains(why), "{}: {error}", w.name);
    }
}

mod tail {
    pub use canaryd_testkit::canarytail::{CODES as ALL, key, public};
    use canaryd_testkit::canarytail::{claim_by, signed, to_bytes};
    use chrono::{DateTime, TimeDelta, Utc};
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    /// A client-shape canary listing `signer`, every field signed by it as the Go client does;
    /// with `tamper`, its domain changed after signing.
    pub fn document(
        signer: &SigningKey,
        codes: &[&str],
        release: DateTime<Utc>,
        expiry: DateTime<Utc>,
        tamper: bool,
    ) -> Vec<u8> {
        let claim = claim_by(signer, &release.to_rfc3339(), &expiry.to_rfc3339(), codes);
        let mut doc = signed(&claim, &[signer]);
        if tamper {
            doc["canary"]["domain"] = json!("evil.example");
        }
        to_bytes(&doc)
    }

    pub fn days(n: i64) -> DateTime<Utc> {
        Utc::now() + TimeDelta::days(n)
    }
}

#[tokio::test]
async fn canarytail_codes_signatures_keys_duress_and_expiry() {
    use tail::{ALL, days, document, key, public};
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl =
        parsed(&Toml::new().watch(Watch::url("tail", &site.url("/canary.json")).set("confirm", 2)));
    let w = &wl.watches[0];
    let json = |b: Vec<u8>| Reply {
        status: 200,
        content_type: "application/json".into(),
        body: b,
        headers: Vec::new(),
    };
    let (a, b) = (key(1), key(2));
    let (release, expiry) = (days(-1), days(30));

    site.set(
        "/canary.json",
        json(document(&a, &ALL, release, expiry, false)),
    );
    let r = checker.check(w).await.expect("check");
    assert!(kinds(&r).is_empty(), "{:?}", r.events);
    assert_eq!(r.record.claims, ALL.len());
    let pinned = r.record.canarytail.clone().expect("pinned").keys;
    assert_eq!(pinned, vec![public(&a)]);

    // A code disappears: removed (after confirmation) naming the code.
    let no_gag: Vec<&str> = ALL.iter().copied().filter(|c| *c != "gag").collect();
    site.set(
        "/canary.json",
        json(document(&a, &no_gag, release, expiry, false)),
    );
    let r = checker.check(w).await.expect("check");
    assert!(kinds(&r).is_empty(), "{:?}", r.events);
    let r = checker.check(w).await.expect("check");
    assert_eq!(kinds(&r), vec![EventKind::Removed], "{:?}", r.events);
    assert!(
        r.events[0]
            .statements
            .iter()
            .any(|s| s.starts_with("GAG: ")),
        "{:?}",
        r.events
    );

    // The duress code goes: alerted on the first check, without waiting for confirmation.
    let duress: Vec<&str> = no_gag.iter().copied().filter(|c| *c != "duress").collect();
    site.set(
        "/canary.json",
        json(document(&a, &duress, release, expiry, false)),
    );
    let r = checker.check(w).await.expect("check");
    assert_eq!(kinds(&r), vec![EventKind::Removed], "{:?}", r.events);
    assert!(r.events[0].detail.contains("DURESS"), "{:?}", r.events);
    let r = checker.check(w).await.expect("check");
    assert!(
        !r.events.iter().any(|e| e.detail.contains("coercion")),
        "the duress alert is raised once: {:?}",
        r.events
    );
    assert!(
        !r.events
            .iter()
            .any(|e| e.statements.iter().any(|s| s.starts_with("DURESS"))),
        "nor reported again when its removal is confirmed: {:?}",
        r.events
    );

    // A tampered field: the signatures do not verify; a failed read, alerted.
    site.set(
        "/canary.json",
        json(document(&a, &duress, release, expiry, true)),
    );
    let r = checker.check(w).await.expect("check");
    assert_eq!(r.record.result, canaryd::store::CheckResult::Failed);
    assert!(
        r.events
            .iter()
            .any(|e| e.kind == EventKind::Signature && e.detail.contains("do not verify")),
        "{:?}",
        r.events
    );

    // Validly signed by another key: the pinned key changed, alerted once.
    site.set(
        "/canary.json",
        json(document(&b, &duress, release, expiry, false)),
    );
    let r = checker.check(w).await.expect("check");
    assert!(
        r.events
            .iter()
            .any(|e| e.kind == EventKind::Signature && e.detail.contains("signing keys changed")),
        "{:?}",
        r.events
    );
    assert_eq!(
        r.record.canarytail.clone().expect("record").keys,
        vec![public(&b)]
    );

    // Expired ten days ago (beyond the default 7-day grace): stale.
    site.set(
        "/canary.json",
        json(document(&b, &duress, days(-40), days(-10), false)),
    );
    let r = checker.check(w).await.expect("check");
    assert!(
        r.events.iter().any(|e| e.kind == EventKind::Stale),
        "{:?}",
        r.events
    );
}

#[tokio::test]
async fn preview_add_and_list_know_the_followed_document() {
    use common::run::{Env, stderr, stdout};
    let site = Site::start().await;
    site.set(
        "/canaries/canary-9-2026.txt",
        Reply::text(&canary(&[NSL, GAG])),
    );
    site.set(
        "/canaries/canary-10-2026.txt",
        Reply::text(&canary(&[NSL, GAG])),
    );
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-9-2026.txt", "canary-10-2026.txt"])),
    );
    let env = Env::new("");
    let index_url = site.url("/canaries/");
    let pattern = r"canary-(\d+)-\d+\.txt$";
    let out = env
        .canaryd(&[
            "preview",
            "--follow-index",
            &index_url,
            "--follow-pattern",
            pattern,
            "--allow-internal",
            "127.0.0.1",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("following ") && text.contains("canary-10-2026.txt"),
        "{text}"
    );
    assert!(text.contains("by number (10)"), "{text}");

    let out = env
        .canaryd(&[
            "add",
            "--name",
            "series",
            "--follow-index",
            &index_url,
            "--follow-pattern",
            pattern,
            "--follow-order",
            "number",
            "--allow-internal",
            "127.0.0.1",
        ])
        .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(env.watchlist()).expect("watchlist");
    assert!(written.contains("follow = { index = "), "{written}");
    assert!(!written.contains("\nurl ="), "{written}");
    assert!(
        written.contains("allow_internal = [\"127.0.0.1\"]"),
        "{written}"
    );

    env.check().await;
    let out = env.canaryd(&["list", "--format", "json"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let followed = rows[0]["followed"].as_str().unwrap_or_default().to_string();
    assert!(followed.ends_with("/canaries/canary-10-2026.txt"), "{rows}");
    let out = env.canaryd(&["list"]).await;
    assert!(
        stdout(&out).contains("canary-10-2026.txt"),
        "{}",
        stdout(&out)
    );
}

/// The PDF versions of a report, replayed from files, raise what live checks of the same
/// PDFs raise.
#[tokio::test]
async fn replay_of_pdf_versions_equals_live_checks() {
    use common::run::{Env, stderr, stdout};
    let versions = [
        (
            "report-2026-01-01.pdf",
            common::pdf::report(&[NSL, GAG, WARRANT]),
        ),
        (
            "report-2026-02-01.pdf",
            common::pdf::report(&[NSL, GAG, WARRANT]),
        ),
        (
            "report-2026-03-01.pdf",
            common::pdf::report(&[NSL, WARRANT]),
        ),
    ];
    // Live: each version served in turn, checked `confirm` (2) times as replay observes it.
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = parsed(&one("r", &site.url("/report")));
    let mut live = Vec::new();
    for (_, pdf) in &versions {
        site.set("/report", pdf_reply(pdf.clone()));
        for _ in 0..2 {
            let r = checker.check(&wl.watches[0]).await.expect("check");
            for e in r.events.iter().filter(|e| e.notify) {
                for s in &e.statements {
                    live.push((e.kind.to_string(), s.clone()));
                }
            }
        }
    }
    // Replay: the same bytes as .pdf files.
    let env = Env::new("");
    let files: Vec<String> = versions
        .iter()
        .map(|(name, pdf)| {
            let path = env.state().with_file_name(name);
            std::fs::write(&path, pdf).expect("write version");
            path.display().to_string()
        })
        .collect();
    let mut args = vec!["replay", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let mut replayed = Vec::new();
    for line in stdout(&out).lines().filter(|l| !l.trim().is_empty()) {
        let l: serde_json::Value = serde_json::from_str(line).expect("json line");
        if l["notify"].as_bool() == Some(true)
            && let Some(s) = l["statement"].as_str()
        {
            let kind = l["kind"].as_str().unwrap_or_default().to_string();
            replayed.push((kind, s.to_string()));
        }
    }
    assert_eq!(live, vec![("removed".to_string(), GAG.to_string())]);
    assert_eq!(replayed, live);
}

#[tokio::test(flavor = "multi_thread")]
async fn replaying_canarytail_versions_runs_its_codes_keys_and_duress_checks() {
    use tail::{ALL, days, document, key};
    let env = common::run::Env::new("");
    let dir = env.dir.path().join("versions");
    std::fs::create_dir_all(&dir).expect("dir");
    let (a, b) = (key(1), key(2));
    let (release, expiry) = (days(-1), days(30));
    let no_gag: Vec<&str> = ALL.iter().copied().filter(|c| *c != "gag").collect();
    let duress: Vec<&str> = no_gag.iter().copied().filter(|c| *c != "duress").collect();
    let versions = [
        ("1-canary.json", document(&a, &ALL, release, expiry, false)),
        (
            "2-canary.json",
            document(&a, &no_gag, release, expiry, false),
        ),
        (
            "3-canary.json",
            document(&a, &duress, release, expiry, false),
        ),
        (
            "4-canary.json",
            document(&b, &duress, release, expiry, false),
        ),
    ];
    let mut args = vec!["replay".to_string(), "--format".into(), "json".into()];
    for (name, bytes) in &versions {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("write version");
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::run::stderr(&out));
    let lines: Vec<serde_json::Value> = common::run::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let has = |kind: &str, needle: &str| {
        lines.iter().any(|l| {
            l["kind"] == kind
                && (l["statement"].as_str().is_some_and(|s| s.contains(needle))
                    || l["detail"].as_str().is_some_and(|d| d.contains(needle)))
        })
    };
    assert!(has("removed", "GAG: "), "{lines:#?}");
    assert!(has("removed", "DURESS"), "{lines:#?}");
    assert!(has("signature", "signing keys changed"), "{lines:#?}");
}

/// The CanaryTail standard's own example (its README, "Construction"), verbatim: armour,
/// typographic quotes around `EXPIRES` and all. Each later version is that text with one
/// code flipped, as its author would publish it.
#[tokio::test(flavor = "multi_thread")]
async fn the_standards_readme_example_is_read_and_a_flipped_code_is_removed() {
    let example = include_str!("fixtures/canarytail/standard-readme-example.txt");
    let env = common::run::Env::new("");
    let dir = env.dir.path().join("versions");
    std::fs::create_dir_all(&dir).expect("dir");
    let raid = example.replace("\"RAID\" : 0", "\"RAID\" : 1");
    let duress = raid.replace("\"DURESS\" : 0", "\"DURESS\" : 1");
    assert!(
        raid != example && duress != raid,
        "the fixture has both codes"
    );
    let mut args = vec!["replay".to_string(), "--format".into(), "json".into()];
    for (name, text) in [
        ("2019-03-06-canary.txt", example),
        ("2019-03-07-canary.txt", example),
        ("2019-03-20-canary.txt", raid.as_str()),
        ("2019-04-03-canary.txt", duress.as_str()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write version");
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", common::run::stderr(&out));
    let lines: Vec<serde_json::Value> = common::run::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let events: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            (
                l["version"].as_str().unwrap_or_default().to_string(),
                l["kind"].as_str().unwrap_or_default().to_string(),
                l["statement"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        events.len(),
        2,
        "a re-issue is silent; one event per flip: {lines:#?}"
    );
    assert!(events[0].0.ends_with("2019-03-20-canary.txt"), "{lines:#?}");
    assert_eq!(events[0].1, "removed");
    assert!(events[0].2.starts_with("RAID: "), "{lines:#?}");
    assert!(events[1].0.ends_with("2019-04-03-canary.txt"), "{lines:#?}");
    assert_eq!(events[1].1, "removed");
    assert!(events[1].2.starts_with("DURESS: "), "{lines:#?}");

    // Read as eleven claims, one per code of the standard.
    let path = dir.join("2019-03-06-canary.txt");
    let out = env.canaryd(&["preview", &path.display().to_string()]).await;
    let text = common::run::stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for code in [
        "WAR", "GAG", "SUBP", "TRAP", "CEASE", "DURESS", "RAID", "SEIZE", "XCRED", "XOPERS", "SEPU",
    ] {
        assert!(text.contains(&format!("{code}: ")), "{code} in {text}");
    }
}

/// The last page's validators go only to the document they came from: a check the index sends
/// to a new document asks for it unconditionally, even when both are served with one ETag (a
/// 304 there would stand for a document never read).
#[tokio::test]
async fn validators_go_only_to_the_document_they_came_from() {
    let site = Site::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (checker, wl) = (checker_in(dir.path()), watchlist(&site));
    let w = &wl.watches[0];
    let (first, second) = ("/canaries/canary-1-2026.txt", "/canaries/canary-2-2026.txt");
    for path in [first, second] {
        let reply = Reply {
            headers: vec![("ETag".into(), "\"one-tag\"".into())],
            ..Reply::text(&canary(&[NSL, GAG]))
        };
        site.set(path, reply);
    }
    site.set("/canaries/", Reply::html(&index(&["canary-1-2026.txt"])));
    // The baseline, then the same document again: asked for conditionally.
    checker.check(w).await.expect("check");
    checker.check(w).await.expect("check");
    site.set(
        "/canaries/",
        Reply::html(&index(&["canary-1-2026.txt", "canary-2-2026.txt"])),
    );
    let r = checker.check(w).await.expect("check");
    let followed = r.record.followed.as_ref().expect("followed");
    assert!(followed.url.ends_with(second), "{followed:?}");
    let conditional = |path: &str| -> Vec<bool> {
        site.request_headers(path)
            .iter()
            .map(|h| {
                h.iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("if-none-match"))
            })
            .collect()
    };
    assert_eq!(conditional(first), [false, true]);
    assert_eq!(conditional(second), [false]);
}

fn checker_in(state: &Path) -> Checker {
    Checker::new(state, canaryd::clock::system(), "test").expect("checker")
}
