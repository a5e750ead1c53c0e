//! The evidence archive through the CLI: what a check records, `verify` on intact and
//! tampered chains, `export` read by a real WARC reader, `history`, `diff`, `show`, retention.

use std::io::{Read as _, Write as _};

use crate::common::run::{Env, canaryd_in, stderr, stdout};
use crate::{FISA, GAG, NSL, SEIZE, copy_tree, expect, history_dir, history_of, ok, page};

const PAGES: [&[&str]; 3] = [&[NSL, FISA, GAG], &[NSL, GAG], &[NSL, GAG, SEIZE]];

fn records(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(history_dir(env, "example"))
        .expect("history")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_is_one_chained_record_with_its_body_and_an_unchanged_check_writes_none() {
    let (site, env) = history_of(&PAGES, "").await;
    let dir = history_dir(&env, "example");
    let names = records(&env);
    for seq in 1..=3 {
        assert!(names.contains(&format!("{seq:06}.json")), "{names:?}");
        assert!(names.contains(&format!("{seq:06}.body.gz")), "{names:?}");
    }
    let second: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("000002.json")).expect("read"))
            .expect("json");
    let first_bytes = std::fs::read(dir.join("000001.json")).expect("read");
    assert_eq!(
        second["prev_record_sha256"].as_str(),
        Some(sha256(&first_bytes).as_str()),
        "each record names the sha256 of the previous record file"
    );
    assert_eq!(second["status"], 200);
    assert_eq!(second["events"][0]["kind"], "removed");
    assert!(
        second["headers"]
            .to_string()
            .contains("content-type: text/plain")
    );
    let mut body = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(dir.join("000002.body.gz")).expect("open"))
        .read_to_end(&mut body)
        .expect("gunzip");
    assert_eq!(
        second["body"]["sha256"].as_str(),
        Some(sha256(&body).as_str())
    );
    assert_eq!(String::from_utf8_lossy(&body), format!("{NSL}\n\n{GAG}\n"));

    // The same page again: no record, no rewrite of anything in the history folder.
    let stamp = |name: &str| {
        std::fs::metadata(dir.join(name))
            .and_then(|m| m.modified())
            .ok()
    };
    let head_before = stamp("HEAD");
    site.set("/canary", page(PAGES[2]));
    ok(&env, &["check"]).await;
    ok(&env, &["check"]).await;
    assert_eq!(
        records(&env),
        names,
        "an unchanged check writes no evidence"
    );
    assert_eq!(stamp("HEAD"), head_before);
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_passes_an_intact_chain_and_fails_an_edited_record_body_or_a_deleted_record() {
    let (_site, env) = history_of(&PAGES, "").await;
    let out = ok(&env, &["verify"]).await;
    assert!(out.contains("example: OK"), "{out}");
    ok(&env, &["verify", "example"]).await;

    // Each tampering on a copy of the state directory.
    type Tamper = fn(&std::path::Path);
    let cases: [(&str, Tamper, &str); 5] = [
        (
            "edited record",
            |d| edit(&d.join("000002.json"), "never received", "rarely received"),
            "record #2",
        ),
        (
            "edited newest record",
            |d| edit(&d.join("000003.json"), "\"ok\"", "\"failed\""),
            "record #3",
        ),
        (
            "edited body",
            |d| {
                regzip(
                    &d.join("000001.body.gz"),
                    b"Example Co has rarely received anything.\n",
                )
            },
            "000001.body.gz",
        ),
        (
            "deleted record",
            |d| std::fs::remove_file(d.join("000002.json")).expect("rm"),
            "record #2",
        ),
        (
            "deleted newest record",
            |d| std::fs::remove_file(d.join("000003.json")).expect("rm"),
            "record #3",
        ),
    ];
    for (what, tamper, named) in cases {
        let copy = tempfile::tempdir().expect("tempdir");
        copy_tree(&env.state(), copy.path());
        tamper(&copy.path().join("example/history"));
        let out = canaryd_in(env.dir.path(), &env.watchlist(), copy.path(), &["verify"]).await;
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stdout(&out));
        let text = stdout(&out);
        assert!(
            text.contains("BROKEN") && text.contains(named),
            "{what} names {named}: {text}"
        );
    }
    // The original is untouched and still holds.
    ok(&env, &["verify", "example"]).await;
    expect(&env, &["verify", "nosuch"], 1).await;
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{from} in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn regzip(path: &std::path::Path, body: &[u8]) {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body).expect("gzip");
    std::fs::write(path, enc.finish().expect("gzip")).expect("write");
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test(flavor = "multi_thread")]
async fn history_diff_and_show_tell_the_story() {
    let (_site, env) = history_of(&PAGES, "").await;
    let history = ok(&env, &["history", "example"]).await;
    let (p3, p2, p1) = (
        history.find("#3 ").expect("#3"),
        history.find("#2 ").expect("#2"),
        history.find("#1 ").expect("#1"),
    );
    assert!(p3 < p2 && p2 < p1, "newest first: {history}");
    assert!(
        history.contains("removed (alerted)") && history.contains(FISA),
        "{history}"
    );
    assert!(
        history.contains("added (recorded)") && history.contains(SEIZE),
        "{history}"
    );

    let last_two = ok(&env, &["diff", "example"]).await;
    assert!(
        last_two.contains("#2") && last_two.contains("#3"),
        "{last_two}"
    );
    assert!(last_two.contains(&format!("+ {SEIZE}")), "{last_two}");
    assert!(!last_two.contains('\u{1b}'), "plain when not a terminal");
    let whole = ok(&env, &["diff", "example", "1", "3"]).await;
    assert!(
        whole.contains(&format!("- {FISA}")) && whole.contains(&format!("+ {SEIZE}")),
        "{whole}"
    );
    assert!(
        whole.contains("--- #1") && whole.contains("+++ #3"),
        "unified diff: {whole}"
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let by_date = ok(&env, &["diff", "example", "1", &today]).await;
    assert!(
        by_date.contains("→ #3"),
        "a date means the snapshot in force then: {by_date}"
    );
    expect(&env, &["diff", "example", "2000-01-01"], 1).await;
    expect(&env, &["diff", "example", "soon"], 2).await;

    let first = ok(&env, &["show", "example", "1"]).await;
    assert!(
        first.contains(NSL) && first.contains(FISA) && first.contains(GAG),
        "{first}"
    );
    assert!(!first.contains(SEIZE));
    let latest = ok(&env, &["show", "example"]).await;
    assert!(
        latest.contains("#3") && latest.contains(SEIZE) && !latest.contains(FISA),
        "{latest}"
    );
    expect(&env, &["show", "example", "9"], 1).await;
    expect(&env, &["history", "nosuch"], 1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_prunes_old_bodies_and_the_chain_still_verifies() {
    let pages: [&[&str]; 4] = [&[NSL], &[NSL, GAG], &[GAG], &[NSL, GAG]];
    let (_site, env) = history_of(&pages, "max_history = 2\n").await;
    let names = records(&env);
    for seq in 1..=4 {
        assert!(
            names.contains(&format!("{seq:06}.json")),
            "records are kept: {names:?}"
        );
    }
    assert!(
        !names.contains(&"000001.body.gz".to_string())
            && !names.contains(&"000002.body.gz".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"000003.body.gz".to_string())
            && names.contains(&"000004.body.gz".to_string())
    );
    let out = ok(&env, &["verify", "example"]).await;
    assert!(out.contains("2 pruned"), "{out}");
    assert!(
        ok(&env, &["history", "example"])
            .await
            .contains("body pruned")
    );
    ok(&env, &["show", "example", "1"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_a_warc_that_warcio_accepts() {
    let (site, env) = history_of(&PAGES, "").await;
    let out = ok(&env, &["export", "example"]).await;
    let warc = env.dir.path().join("example.warc.gz");
    assert!(warc.exists(), "default output NAME.warc.gz: {out}");
    let plain = env.dir.path().join("plain.warc");
    ok(
        &env,
        &["export", "example", "-o", plain.to_str().expect("utf-8")],
    )
    .await;
    let text = String::from_utf8_lossy(&std::fs::read(&plain).expect("read")).into_owned();
    assert!(
        text.starts_with("WARC/1.1\r\nWARC-Type: warcinfo\r\n"),
        "{}",
        &text[..200]
    );
    assert_eq!(text.matches("WARC-Type: response\r\n").count(), 3);
    assert_eq!(text.matches("WARC-Type: metadata\r\n").count(), 3);
    assert!(text.contains(&format!("WARC-Target-URI: {}\r\n", site.url("/canary"))));
    assert!(text.contains("HTTP/1.1 200 OK\r\n"));
    assert!(text.contains("WARC-Payload-Digest: sha256:"));
    assert!(
        text.contains(&format!("{NSL}\n\n{FISA}")),
        "the raw body is in the response"
    );
    // What the WARC says of the chain is about the records it holds: the head it names is
    // the sha256 of the last snapshot record in it (kept verbatim in its metadata record).
    let chain = text
        .lines()
        .find_map(|l| l.strip_prefix("canaryd-chain: "))
        .expect("the warcinfo states the chain");
    let head = chain
        .strip_prefix("verified by canaryd at export: 3 records, head sha256 ")
        .unwrap_or_else(|| panic!("a verified chain of the 3 records exported: {chain}"));
    let last = text
        .split("WARC/1.1\r\n")
        .filter(|r| r.starts_with("WARC-Type: metadata\r\n"))
        .last()
        .and_then(|r| {
            let (headers, rest) = r.split_once("\r\n\r\n")?;
            let length: usize = headers
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))?
                .trim()
                .parse()
                .ok()?;
            rest.get(..length)
        })
        .expect("a last metadata record with its payload");
    assert_eq!(canaryd_core::digest::sha256_hex(last.as_bytes()), head);

    let Some(python) = warcio_python() else {
        return;
    };
    for file in [&warc, &plain] {
        let check = std::process::Command::new(&python)
            .args(["-m", "warcio.cli", "check", "-v"])
            .arg(file)
            .output()
            .expect("run warcio check");
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success(),
            "warcio check {}: {report}{}",
            file.display(),
            String::from_utf8_lossy(&check.stderr)
        );
        assert_eq!(
            report.matches("digest pass").count(),
            7,
            "every record's digest checked: {report}"
        );
        let index = std::process::Command::new(&python)
            .args([
                "-m",
                "warcio.cli",
                "index",
                "-f",
                "warc-type,warc-target-uri,http:status",
            ])
            .arg(file)
            .output()
            .expect("run warcio index");
        let index = String::from_utf8_lossy(&index.stdout);
        assert_eq!(index.lines().count(), 7, "{index}");
        assert_eq!(
            index.matches("\"http:status\": \"200\"").count(),
            3,
            "{index}"
        );
    }
}

/// A Python with warcio: `$CANARYD_PYTHON`, else `python3`. Missing, the test is skipped,
/// except under CI (`CI` set), where it fails: CI installs warcio (see .ci/run).
fn warcio_python() -> Option<String> {
    let python = std::env::var("CANARYD_PYTHON").unwrap_or_else(|_| "python3".into());
    let has = std::process::Command::new(&python)
        .args(["-c", "import warcio.cli"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but `{python} -c 'import warcio.cli'` fails: .ci/run must install warcio and set CANARYD_PYTHON"
    );
    eprintln!(
        "skipping the warcio check: no warcio for {python} (pip install warcio; CANARYD_PYTHON=…)"
    );
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn export_of_a_broken_chain_warns_and_says_so_in_the_warc() {
    let (_site, env) = history_of(&PAGES, "").await;
    std::fs::remove_file(history_dir(&env, "example").join("000002.json")).expect("rm");
    let out = env.canaryd(&["export", "example", "-o", "-"]).await;
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("does not verify"), "{}", stderr(&out));
    assert!(stdout(&out).contains("canaryd-chain: BROKEN"));
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_deleted_under_a_raised_head_marker_fail_verify() {
    let pages: [&[&str]; 4] = [&[NSL], &[NSL, GAG], &[GAG], &[NSL, GAG]];
    let (_site, env) = history_of(&pages, "max_history = 2\n").await;
    let dir = history_dir(&env, "example");
    // Bodies 1-2 were pruned by retention; someone deletes #3 too and moves HEAD's marker.
    std::fs::remove_file(dir.join("000003.body.gz")).expect("rm");
    edit(
        &dir.join("HEAD"),
        "\"bodies_pruned_through\": 2",
        "\"bodies_pruned_through\": 3",
    );
    let out = expect(&env, &["verify", "example"], 1).await;
    assert!(
        out.contains("000003.body.gz") && out.contains("deleted"),
        "{out}"
    );
    assert!(
        !out.contains("000002.body.gz"),
        "#2 was pruned by a record: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_newest_records_and_head_is_reported_after_the_next_check() {
    let (site, env) = history_of(&PAGES, "").await;
    let dir = history_dir(&env, "example");
    for f in ["000003.json", "000003.body.gz", "HEAD"] {
        std::fs::remove_file(dir.join(f)).expect("rm");
    }
    site.set("/canary", page(&[NSL]));
    ok(&env, &["check"]).await;
    assert!(dir.join("HEAD").exists(), "HEAD rebuilt");
    let out = expect(&env, &["verify", "example"], 1).await;
    assert!(
        out.contains("HEAD was missing and rebuilt at")
            && out.contains("records after #2 may have been deleted"),
        "{out}"
    );
    // The export carries the record that says so.
    let warc = env.canaryd(&["export", "example", "-o", "-"]).await;
    assert!(
        stdout(&warc).contains("\"head_rebuilt\""),
        "{}",
        stdout(&warc)
    );
}
