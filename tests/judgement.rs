//! Judgement that holds on canaries it has never seen: each case under
//! `tests/fixtures/judgement/<case>/` is a sequence of versions (written for these tests,
//! English and French) replayed through the real `canaryd replay --format json`, with the
//! exact events expected in `expected.json`.
//!
//! `expected.json`: `{"about": "...", "selector": "css" (optional), "events": [{"version":
//! file name, "kind", "notify", "statement" (optional, exact), "detail" (optional,
//! substring)}]}`. Every event is compared in order except changes to context statements,
//! which must never be emailed.

mod common;

use std::path::{Path, PathBuf};

use common::run::{Env, stderr, stdout};
use serde_json::Value;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/judgement")
}

fn versions(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read case dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n != "expected.json"))
        .collect();
    files.sort();
    files
}

fn name(v: &Value) -> String {
    Path::new(v["version"].as_str().unwrap_or_default())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Replays one case; returns what went wrong, if anything.
async fn check_case(env: &Env, dir: &Path) -> Result<(), String> {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("expected.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("expected.json: {e}"))?;
    let files = versions(dir);
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut args = vec!["replay", "--format", "json"];
    if let Some(sel) = expected["selector"].as_str() {
        args.extend(["--selector", sel]);
    }
    args.extend(names.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    if out.status.code() != Some(0) {
        return Err(format!("replay failed: {}", stderr(&out)));
    }
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let mut got = Vec::new();
    for l in &lines {
        let detail = l["detail"].as_str().unwrap_or_default();
        if detail.contains("context only") {
            if l["notify"] == Value::Bool(true) {
                return Err(format!("a context change was emailed: {l}"));
            }
            continue;
        }
        got.push(l);
    }
    let want = expected["events"].as_array().cloned().unwrap_or_default();
    let show = |ls: &[&Value]| {
        ls.iter()
            .map(|l| {
                format!(
                    "  {} {} notify={} {:?} | {}",
                    name(l),
                    l["kind"],
                    l["notify"],
                    l["statement"].as_str().unwrap_or("-"),
                    l["detail"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mismatch = |why: String| Err(format!("{why}\ngot:\n{}", show(&got)));
    if got.len() != want.len() {
        return mismatch(format!("{} events, {} expected", got.len(), want.len()));
    }
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if name(g) != w["version"].as_str().unwrap_or_default() {
            return mismatch(format!("event {i}: version {} expected", w["version"]));
        }
        for key in ["kind", "notify"] {
            if g[key] != w[key] {
                return mismatch(format!("event {i}: {key} {} expected", w[key]));
            }
        }
        if let Some(s) = w.get("statement")
            && g["statement"] != *s
        {
            return mismatch(format!("event {i}: statement {s} expected"));
        }
        if let Some(d) = w["detail"].as_str()
            && !g["detail"].as_str().unwrap_or_default().contains(d)
        {
            return mismatch(format!("event {i}: detail containing {d:?} expected"));
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_case_gives_exactly_the_expected_events() {
    let env = Env::new("");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("the judgement corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "the corpus has a case per class");
    let only = std::env::var("JUDGEMENT_CASE").ok();
    let mut failures = Vec::new();
    let mut judged = 0;
    for dir in &dirs {
        let case = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if only.as_ref().is_some_and(|o| !case.contains(o.as_str())) {
            continue;
        }
        judged += 1;
        if let Err(e) = check_case(&env, dir).await {
            failures.push(format!("{case}: {e}"));
        }
    }
    // A filter that matches no case must not pass as if every case had.
    assert!(
        judged > 0,
        "JUDGEMENT_CASE={:?} matches none of the {} cases",
        only.unwrap_or_default(),
        dirs.len()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
