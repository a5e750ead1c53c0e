//! The console examples of README.md and docs/*.md, run against the real binary. Every
//! ```console block carries a marker, an HTML comment on the line before it (invisible on the
//! forge and in the book):
//!
//!   <!-- example: in=NAME -->             run in a fresh copy of tests/fixtures/examples/NAME/;
//!                                          NAME `repo` is watchlist.toml, keys/ and tests/fixtures/
//!   <!-- example: in=NAME exit=N -->      …and every command of the block exits N (default 0)
//!   <!-- example: untested: WHY -->       shown, not run, and why (e.g. it needs the internet)
//!
//! A block without a marker fails the test, so a new example is either tested or says why not.
//! In a block, `$ ` starts a command (a line ending in `\` continues it) and the lines up to the
//! next command are what it prints, standard error included. In those lines a line `…` stands
//! for any number of lines and `…` within a line for any text, so an example may leave out what
//! changes from run to run (times, hashes); everything it does show must be what the binary
//! prints. Commands run through `sh` with the binary first on PATH, no colour, no proxy, no
//! network needed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug)]
enum Marker {
    Run { setup: String, exit: i32 },
    Untested(String),
}

#[derive(Debug)]
struct Example {
    at: String, // file:line, for messages
    marker: Option<Marker>,
    commands: Vec<(String, Vec<String>)>,
}

fn parse_marker(line: &str) -> Option<Marker> {
    let inner = line
        .trim()
        .strip_prefix("<!-- example:")?
        .strip_suffix("-->")?
        .trim();
    if let Some(why) = inner.strip_prefix("untested:") {
        return Some(Marker::Untested(why.trim().to_owned()));
    }
    let (mut setup, mut exit) = (None, 0);
    for word in inner.split_whitespace() {
        if let Some(name) = word.strip_prefix("in=") {
            setup = Some(name.to_owned());
        } else if let Some(n) = word.strip_prefix("exit=") {
            exit = n
                .parse()
                .unwrap_or_else(|_| panic!("marker `{line}`: exit=N takes a number"));
        } else {
            panic!("marker `{line}`: unknown word `{word}`");
        }
    }
    Some(Marker::Run {
        setup: setup.unwrap_or_else(|| panic!("marker `{line}`: in=NAME missing")),
        exit,
    })
}

fn examples_in(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rel = path
        .strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut examples = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "```console" {
            i += 1;
            continue;
        }
        let marker = i.checked_sub(1).and_then(|p| parse_marker(lines[p]));
        let at = format!("{rel}:{}", i + 1);
        let mut commands: Vec<(String, Vec<String>)> = Vec::new();
        i += 1;
        while i < lines.len() && lines[i].trim_end() != "```" {
            let line = lines[i];
            if let Some(cmd) = line.strip_prefix("$ ") {
                let mut cmd = cmd.to_owned();
                while cmd.ends_with('\\') && i + 1 < lines.len() {
                    cmd.pop();
                    i += 1;
                    cmd.push_str(lines[i]);
                }
                commands.push((cmd, Vec::new()));
            } else if let Some((_, out)) = commands.last_mut() {
                out.push(line.trim_end().to_owned());
            } else {
                panic!("{at}: a console block starts with `$ COMMAND`");
            }
            i += 1;
        }
        examples.push(Example {
            at,
            marker,
            commands,
        });
        i += 1;
    }
    examples
}

fn all_examples() -> Vec<Example> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files.iter().flat_map(|f| examples_in(f)).collect()
}

/// Does one line of output match one line of an example (`…` is any text)?
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first)
        || actual.len() < first.len() + last.len()
        || !actual.ends_with(last)
    {
        return false;
    }
    let mut rest = &actual[first.len()..actual.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Does the output match the example's lines (a line `…` is any number of lines)?
fn lines_match(pattern: &[String], actual: &[String]) -> bool {
    match pattern.split_first() {
        None => actual.is_empty(),
        Some((p, rest)) if p == "…" => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((p, rest)) => actual
            .split_first()
            .is_some_and(|(a, actual_rest)| line_matches(p, a) && lines_match(rest, actual_rest)),
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn set_up(name: &str, dir: &Path) {
    if name == "repo" {
        std::fs::copy(repo().join("watchlist.toml"), dir.join("watchlist.toml"))
            .expect("watchlist");
        copy_tree(&repo().join("keys"), &dir.join("keys"));
        copy_tree(&repo().join("tests/fixtures"), &dir.join("tests/fixtures"));
    } else {
        copy_tree(&repo().join("tests/fixtures/examples").join(name), dir);
    }
}

/// Runs one command line as a reader would type it; standard error merged into the output.
fn run(cmd: &str, dir: &Path) -> (Option<i32>, Vec<String>) {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_canaryd"))
        .parent()
        .expect("the binary's folder");
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{cmd}"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", dir)
        .env("LANG", "C.UTF-8")
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut out).map(|_| out)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`{cmd}` still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = reader.join().expect("reader").expect("output is UTF-8");
    let mut lines: Vec<String> = out.lines().map(|l| l.trim_end().to_owned()).collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    (status.code(), lines)
}

#[test]
fn every_console_example_in_the_docs_prints_what_it_shows() {
    let examples = all_examples();
    assert!(
        examples.len() >= 10,
        "found only {} console examples",
        examples.len()
    );
    let mut failures = Vec::new();
    let (mut ran, mut untested) = (0, Vec::new());
    for example in &examples {
        match &example.marker {
            None => failures.push(format!(
                "{}: a console example without a marker: add `<!-- example: in=NAME -->` (tested) or \
                 `<!-- example: untested: WHY -->` on the line before it",
                example.at
            )),
            Some(Marker::Untested(why)) => untested.push(format!("{} ({why})", example.at)),
            Some(Marker::Run { setup, exit }) => {
                let dir = tempfile::tempdir().expect("tempdir");
                set_up(setup, dir.path());
                for (cmd, want) in &example.commands {
                    ran += 1;
                    let (code, got) = run(cmd, dir.path());
                    let mut want: Vec<String> = want.clone();
                    while want.last().is_some_and(String::is_empty) {
                        want.pop();
                    }
                    if code != Some(*exit) || !lines_match(&want, &got) {
                        failures.push(format!(
                            "{}: `{cmd}` exited {code:?} (the example says {exit}) and printed:\n{}\n-- the example shows:\n{}",
                            example.at,
                            got.join("\n"),
                            want.join("\n")
                        ));
                    }
                }
            }
        }
    }
    println!("{ran} example commands run; not run: {}", untested.len());
    for u in &untested {
        println!("  untested: {u}");
    }
    assert!(
        failures.is_empty(),
        "{} of the docs' examples are wrong:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran >= 5, "only {ran} example commands ran");
}

#[test]
fn the_matcher_takes_ellipses_and_nothing_else() {
    let v = |s: &[&str]| s.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    assert!(lines_match(&v(&["a", "…", "d"]), &v(&["a", "b", "c", "d"])));
    assert!(lines_match(&v(&["a", "…"]), &v(&["a"])));
    assert!(!lines_match(&v(&["a", "…", "d"]), &v(&["a", "b", "c"])));
    assert!(!lines_match(&v(&["a"]), &v(&["a", "b"])));
    assert!(line_matches("set … body 1 KiB", "set 2dd6192a body 1 KiB"));
    assert!(!line_matches("set … body 1 KiB", "set 2dd6192a body 2 KiB"));
    assert!(!line_matches("exactly", "exactly not"));
    assert!(line_matches("…", ""));
}
