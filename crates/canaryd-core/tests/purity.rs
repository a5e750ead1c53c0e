//! The core crate stays pure: no async runtime, network, mail, browser or filesystem crate
//! among its dependencies (directly or through Cargo.lock), and no filesystem, network,
//! process or clock call in its sources. Reads files only; runs no cargo.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Crates that mean I/O: none may be reachable from canaryd-core.
const FORBIDDEN_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "reqwest",
    "hyper",
    "hyper-util",
    "lettre",
    "chromiumoxide",
    "tempfile",
    "socket2",
];

/// Calls that reach the world or the clock: the caller passes times in.
const FORBIDDEN_CALLS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env::var",
    "tokio::",
    "Utc::now",
    "Local::now",
    "SystemTime::now",
    "Instant::now",
];

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every package name reachable from `root` in the workspace's Cargo.lock (a superset of
/// what `cargo tree -p canaryd-core` shows: dev, build and every platform's dependencies).
fn locked_closure(lock: &str, root: &str) -> BTreeSet<String> {
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut name = String::new();
    let mut in_deps = false;
    for line in lock.lines() {
        let line = line.trim();
        if line == "[[package]]" {
            in_deps = false;
        } else if let Some(n) = line.strip_prefix("name = ") {
            name = n.trim_matches('"').to_owned();
            graph.entry(name.clone()).or_default();
        } else if line.starts_with("dependencies = [") {
            in_deps = true;
        } else if in_deps && line == "]" {
            in_deps = false;
        } else if in_deps {
            // ` "name",` or ` "name 1.2.3",` or ` "name 1.2.3 (registry+…)",`
            let dep = line.trim_matches(|c| c == '"' || c == ',');
            let dep = dep.split(' ').next().unwrap_or_default().to_owned();
            graph.entry(name.clone()).or_default().push(dep);
        }
    }
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_owned()];
    while let Some(n) = todo.pop() {
        if seen.insert(n.clone()) {
            todo.extend(graph.get(&n).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn no_io_crate_is_reachable_from_the_core_crate() {
    let lock = std::fs::read_to_string(crate_dir().join("../../Cargo.lock")).expect("Cargo.lock");
    let reachable = locked_closure(&lock, "canaryd-core");
    assert!(reachable.contains("pgp"), "the lock parser lost the graph");
    let bad: Vec<_> = FORBIDDEN_CRATES
        .iter()
        .filter(|c| reachable.contains(**c))
        .collect();
    assert!(bad.is_empty(), "canaryd-core reaches {bad:?}");
    assert!(
        !reachable.contains("canaryd"),
        "core must not depend on the binary crate"
    );
}

#[test]
fn the_manifest_names_no_io_crate_and_no_clock() {
    let manifest = std::fs::read_to_string(crate_dir().join("Cargo.toml")).expect("Cargo.toml");
    for line in manifest
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
    {
        let key = line.split('=').next().unwrap_or_default().trim();
        assert!(!FORBIDDEN_CRATES.contains(&key), "Cargo.toml: {line}");
        if key == "chrono" {
            assert!(!line.contains("\"clock\""), "chrono's clock: {line}");
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_sources_call_no_filesystem_network_process_or_clock() {
    let mut files = Vec::new();
    rust_files(&crate_dir().join("src"), &mut files);
    assert!(files.len() > 20, "found only {} sources", files.len());
    let mut bad = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source");
        for (n, line) in text.lines().enumerate() {
            // Code only: a doc or comment may say what the crate does not do.
            let code = line.split("//").next().unwrap_or_default();
            for call in FORBIDDEN_CALLS {
                if code.contains(call) {
                    bad.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "I/O or clock in canaryd-core:\n{}",
        bad.join("\n")
    );
}
