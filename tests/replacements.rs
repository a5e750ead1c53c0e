//! A changed check replaces its watch's state, statements, last check and evidence HEAD by
//! swapping each with its spare (`.spare-<name>`, the file's previous inode): from the second
//! change on, the same two inodes take turns, none freed and none allocated, and everything
//! that reads the watch (list, verify, the next check) sees only the files themselves.

mod common;

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use common::canary::{FISA, GAG, NSL};
use common::run::Env;
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

/// The files a changed check replaces, relative to the watch's folder.
const REPLACED: [&str; 4] = ["state.json", "statements.txt", "check.json", "history/HEAD"];

fn page(statements: &[&str]) -> Reply {
    let items: String = statements.iter().map(|s| format!("<li>{s}</li>")).collect();
    Reply::html(&format!(
        "<html><body><h1>Transparency</h1><ul id=\"canary\">{items}</ul></body></html>"
    ))
}

fn spare(file: &Path) -> std::path::PathBuf {
    let name = file.file_name().expect("a name").to_string_lossy();
    file.with_file_name(format!(".spare-{name}"))
}

fn inode(path: &Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ino()
}

/// Every name under `dir` that a killed or unfinished write would leave (`.tmp-*`).
fn temp_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("ls").flatten() {
            if e.file_type().expect("type").is_dir() {
                todo.push(e.path());
            } else if e.file_name().to_string_lossy().starts_with(".tmp-") {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_check_swaps_each_replaced_file_with_its_spare() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL, GAG, FISA]));
    let env = Env::new(
        Watchlist::new()
            .setting("confirm", 1)
            .setting("host_delay", "0s")
            .watch(Watch::url("w", &site.url("/canary")).set("selector", "#canary li")),
    );
    let dir = env.state().join("w");
    let first = env.check().await;
    assert!(first.contains("w: ok, 3 claims"), "{first}");

    // The first change: each file gets a spare holding its version before the change.
    site.set("/canary", page(&[NSL, GAG]));
    let out = env.check().await;
    assert!(out.contains("removed"), "{out}");
    let mut after_first = Vec::new();
    for f in REPLACED {
        let file = dir.join(f);
        let spare = spare(&file);
        assert!(
            spare.exists(),
            "{f}: no spare after a change ({})",
            spare.display()
        );
        after_first.push((inode(&file), inode(&spare)));
    }
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state.json")).expect("state"))
            .expect("json");
    assert_eq!(
        state["baseline"]["statements"].as_array().map(Vec::len),
        Some(2),
        "the state in place is the one after the change: {state}"
    );
    let spared = std::fs::read_to_string(spare(&dir.join("statements.txt"))).expect("spare");
    assert!(
        spared.contains("Foreign Intelligence"),
        "the spare is the version before the change: {spared}"
    );

    // The second change: the file and its spare swap names; no inode is new.
    site.set("/canary", page(&[NSL]));
    let out = env.check().await;
    assert!(out.contains("removed"), "{out}");
    for (f, (file_was, spare_was)) in REPLACED.iter().zip(&after_first) {
        let file = dir.join(f);
        assert_eq!(inode(&file), *spare_was, "{f}: not the spare's inode");
        assert_eq!(
            inode(&spare(&file)),
            *file_was,
            "{f}: the spare is not the old file"
        );
    }
    let text = std::fs::read_to_string(dir.join("statements.txt")).expect("statements");
    assert!(text.contains("National Security Letter"), "{text}");
    assert!(
        !text.contains("gag order"),
        "the newest version is in place: {text}"
    );
    assert_eq!(temp_files(env.state().as_path()), Vec::<String>::new());

    // Nothing that reads the watch trips over the spares.
    let verify = env.canaryd(&["verify"]).await;
    assert!(
        verify.status.success(),
        "{}{}",
        common::run::stdout(&verify),
        common::run::stderr(&verify)
    );
    let list = common::run::stdout(&env.canaryd(&["list", "--format", "json"]).await);
    let list: serde_json::Value = serde_json::from_str(&list).expect("list json");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let again = env.check().await;
    assert!(again.contains("w: ok, 1 claim"), "{again}");
    assert!(!again.contains("removed"), "{again}");
}
