//! The command line as a mature tool's: `check NAME…`, did-you-mean for watch names, `-v`/`-q`,
//! `--format json`, `--color` and the colour environment, completions and the man page,
//! `remove --purge` confirmation, `export --force`, one error prefix. The real binary against
//! a real HTTP site on loopback.

mod common;

use std::process::Output;

use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};

const NSL: &str = "Acme has never received a National Security Letter.";
const GAG: &str = "Acme has never been subject to a gag order.";

/// A text canary: one paragraph per statement.
fn page(statements: &[&str]) -> Reply {
    Reply::text(&format!("{}\n", statements.join("\n\n")))
}

/// Two watches, "acme" on /a and "riseup-net" on /b, confirm = 1.
async fn two_watches() -> (Site, Env) {
    let site = Site::start().await;
    site.set("/a", page(&[NSL, GAG]));
    site.set("/b", page(&[NSL]));
    let env = Env::new(&format!(
        "[settings]\nconfirm = 1\nhost_delay = \"0s\"\ntimeout = \"5s\"\n\n\
         [[watch]]\nname = \"acme\"\nurl = \"{}\"\n\n[[watch]]\nname = \"riseup-net\"\nurl = \"{}\"\n",
        site.url("/a"),
        site.url("/b")
    ));
    (site, env)
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

async fn expect(env: &Env, args: &[&str], want: i32) -> Output {
    let out = env.canaryd(args).await;
    assert_eq!(
        code(&out),
        Some(want),
        "canaryd {args:?}\nstdout:\n{}\nstderr:\n{}",
        stdout(&out),
        stderr(&out)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[tokio::test(flavor = "multi_thread")]
async fn check_with_names_checks_only_those_watches() {
    let (site, env) = two_watches().await;
    let out = expect(&env, &["check", "acme"], 0).await;
    assert_eq!(site.hits("/a"), 1);
    assert_eq!(site.hits("/b"), 0, "riseup-net was not named");
    let text = stdout(&out);
    assert!(text.contains("acme: ok"), "{text}");
    assert!(!text.contains("riseup-net"), "{text}");
    assert!(text.contains("checked 1 watches"), "{text}");
    expect(&env, &["check", "riseup-net", "acme"], 0).await;
    assert_eq!((site.hits("/a"), site.hits("/b")), (2, 1));
    expect(&env, &["check"], 0).await;
    assert_eq!((site.hits("/a"), site.hits("/b")), (3, 2), "no names: all");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_name_checks_nothing_and_names_the_known_ones() {
    let (site, env) = two_watches().await;
    let out = expect(&env, &["check", "acme", "acne"], 1).await;
    assert_eq!(site.hits("/a") + site.hits("/b"), 0, "nothing checked");
    let err = stderr(&out);
    assert!(
        err.starts_with("canaryd: error: no watch is named \"acne\" in "),
        "{err}"
    );
    assert!(err.contains("did you mean \"acme\"?"), "{err}");
    assert!(err.contains("known: acme, riseup-net"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_taking_a_watch_name_suggests_the_closest() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    let commands: [&[&str]; 8] = [
        &["remove", "acne"],
        &["rename", "acne", "new"],
        &["history", "acne"],
        &["diff", "acne"],
        &["show", "acne"],
        &["verify", "acne"],
        &["export", "acne"],
        &["check", "acne"],
    ];
    for args in commands {
        let out = expect(&env, args, 1).await;
        let err = stderr(&out);
        assert!(err.starts_with("canaryd: error: "), "{args:?}: {err}");
        assert!(err.contains("did you mean \"acme\"?"), "{args:?}: {err}");
        assert!(
            err.contains("riseup-net"),
            "{args:?} lists the names: {err}"
        );
    }
    let wl = std::fs::read_to_string(env.watchlist()).expect("read");
    assert!(wl.contains("name = \"acme\""), "nothing was changed");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_the_summary_only_and_verbose_shows_debug_logs() {
    let (_site, env) = two_watches().await;
    let quiet = expect(&env, &["check", "-q"], 0).await;
    assert_eq!(
        stdout(&quiet),
        "checked 2 watches: 2 fetched, 0 failed\n",
        "no per-watch lines"
    );
    // The second check of an unchanged page logs at debug that it reused the baseline.
    let plain = expect(&env, &["check"], 0).await;
    assert!(
        !stderr(&plain).contains("same page as the last check"),
        "{}",
        stderr(&plain)
    );
    assert!(stdout(&plain).contains("acme: "), "{}", stdout(&plain));
    let verbose = expect(&env, &["-vv", "check"], 0).await;
    assert!(
        stderr(&verbose).contains("same page as the last check"),
        "-vv logs at debug: {}",
        stderr(&verbose)
    );
    let out = env.canaryd(&["-q", "-v", "check"]).await;
    assert_eq!(code(&out), Some(2), "-q and -v conflict");
}

#[tokio::test(flavor = "multi_thread")]
async fn check_json_is_one_document_with_the_documented_fields() {
    let (site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    site.set("/a", page(&[GAG]));
    let out = expect(&env, &["check", "--format", "json"], 0).await;
    // Without channels the alert goes to the stdout channel: on standard error here, so that
    // standard output is the JSON document alone.
    assert!(
        stderr(&out).contains("Subject: [canaryd] acme: canary statement removed"),
        "{}",
        stderr(&out)
    );
    let doc = json(&out);
    assert_eq!(doc["checked"], 2);
    assert_eq!(doc["fetched"], 2);
    assert_eq!(doc["failed"], 0);
    assert_eq!(doc["store_errors"], 0);
    assert_eq!(doc["exit"], 0);
    for key in ["delivered", "waiting", "refused", "last_error"] {
        assert!(doc["alerts"].get(key).is_some(), "alerts.{key}: {doc}");
    }
    let watches = doc["watches"].as_array().expect("watches");
    assert_eq!(watches.len(), 2);
    let acme = watches.iter().find(|w| w["name"] == "acme").expect("acme");
    for key in [
        "result",
        "error",
        "url",
        "final_url",
        "status",
        "statements",
        "claims",
        "pending",
        "queued",
        "duration_ms",
        "events",
    ] {
        assert!(acme.get(key).is_some(), "watches[].{key}: {acme}");
    }
    assert_eq!(acme["result"], "ok");
    assert_eq!(acme["status"], 200);
    assert_eq!(acme["statements"], 1);
    let event = &acme["events"][0];
    assert_eq!(event["kind"], "removed");
    assert_eq!(event["claim"], true);
    assert_eq!(event["notify"], true);
    assert_eq!(event["statements"][0], NSL);
    for key in ["at", "first_seen", "detail", "changes"] {
        assert!(event.get(key).is_some(), "events[].{key}: {event}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn evidence_commands_speak_json() {
    let (site, env) = two_watches().await;
    expect(&env, &["check", "acme"], 0).await;
    site.set(
        "/a",
        page(&[GAG, "Acme has never been served a FISA order."]),
    );
    expect(&env, &["check", "acme"], 0).await;

    let h = json(&expect(&env, &["history", "acme", "--format", "json"], 0).await);
    assert_eq!(h["watch"], "acme");
    assert_eq!(h["url"], site.url("/a"));
    let snaps = h["snapshots"].as_array().expect("snapshots");
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0]["seq"], 2, "newest first");
    for key in [
        "at",
        "result",
        "error",
        "status",
        "statements",
        "claims",
        "set_hash",
        "record_sha256",
        "body_sha256",
        "body_length",
        "body_pruned",
        "signatures",
        "head_rebuilt",
        "events",
    ] {
        assert!(
            snaps[0].get(key).is_some(),
            "snapshots[].{key}: {}",
            snaps[0]
        );
    }
    assert_eq!(snaps[0]["events"][0]["kind"], "removed");

    let d = json(&expect(&env, &["diff", "acme", "--format", "json"], 0).await);
    assert_eq!(d["from"]["seq"], 1);
    assert_eq!(d["to"]["seq"], 2);
    assert!(d["from"]["at"].is_string() && d["to"]["set_hash"].is_string());
    assert_eq!(d["removed"], serde_json::json!([NSL]));
    assert_eq!(
        d["added"],
        serde_json::json!(["Acme has never been served a FISA order."])
    );
    assert!(d["changed"].is_array() && d["reworded"].is_array(), "{d}");

    let s = json(&expect(&env, &["show", "acme", "1", "--format", "json"], 0).await);
    assert_eq!(s["seq"], 1);
    assert_eq!(s["status"], 200);
    let st = s["statements"].as_array().expect("statements");
    assert_eq!(st.len(), 2);
    assert_eq!(st[0]["text"], NSL);
    assert_eq!(st[0]["claim"], true);
    assert!(st[0]["hash"].as_str().is_some_and(|h| h.len() == 64), "{s}");
    for key in [
        "watch",
        "at",
        "url",
        "final_url",
        "asked_seq",
        "set_hash",
        "body_sha256",
        "body_pruned",
    ] {
        assert!(s.get(key).is_some(), "show.{key}: {s}");
    }

    let v = json(&expect(&env, &["verify", "--format", "json"], 0).await);
    let chains = v.as_array().expect("array");
    assert_eq!(chains.len(), 1, "only acme has evidence: {v}");
    let c = &chains[0];
    assert_eq!(c["watch"], "acme");
    assert_eq!(c["holds"], true);
    assert_eq!(c["records"], 2);
    assert_eq!(c["head_seq"], 2);
    assert!(c["head_sha256"].is_string() && c["dir"].is_string());
    assert_eq!(c["problems"], serde_json::json!([]));
    assert!(c["notes"].is_array() && c["bodies_checked"].is_number());
    assert!(c["bodies_pruned"].is_number());

    // A broken chain: JSON says so and the exit status is still 1.
    std::fs::remove_file(env.state().join("acme/history/000001.json")).expect("rm");
    let broken = expect(&env, &["verify", "acme", "--format", "json"], 1).await;
    let b = json(&broken);
    assert_eq!(b[0]["holds"], false);
    assert!(!b[0]["problems"].as_array().expect("problems").is_empty());
}

/// ESC, the start of every colour sequence.
const ESC: char = '\u{1b}';

#[tokio::test(flavor = "multi_thread")]
async fn color_follows_the_flag_and_the_environment() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check", "acme"], 0).await;
    let run = |args: &'static [&'static str], vars: &'static [(&'static str, &'static str)]| {
        let env = &env;
        async move {
            let mut all = vec![("NO_COLOR", ""), ("CLICOLOR_FORCE", ""), ("TERM", "xterm")];
            all.extend_from_slice(vars);
            let out = env.canaryd_env(args, &all).await;
            assert_eq!(code(&out), Some(0), "{args:?} {}", stderr(&out));
            stdout(&out)
        }
    };
    // A pipe: plain by default, coloured when forced either way.
    assert!(!run(&["history", "acme"], &[]).await.contains(ESC));
    assert!(
        run(&["--color", "always", "history", "acme"], &[])
            .await
            .contains(ESC)
    );
    assert!(
        run(&["history", "acme"], &[("CLICOLOR_FORCE", "1")])
            .await
            .contains(ESC)
    );
    // NO_COLOR beats CLICOLOR_FORCE; --color never beats both; --color always beats NO_COLOR.
    assert!(
        !run(
            &["history", "acme"],
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
        )
        .await
        .contains(ESC)
    );
    assert!(
        !run(
            &["--color=never", "history", "acme"],
            &[("CLICOLOR_FORCE", "1")]
        )
        .await
        .contains(ESC)
    );
    assert!(
        run(&["history", "acme", "--color=always"], &[("NO_COLOR", "1")])
            .await
            .contains(ESC)
    );
    // clap's help follows the same choice.
    assert!(
        run(&["--color", "always", "--help"], &[])
            .await
            .contains(ESC)
    );
    assert!(
        !run(&["--color", "never", "--help"], &[("CLICOLOR_FORCE", "1")])
            .await
            .contains(ESC)
    );
    // Errors too: the prefix is coloured only when colour is on.
    let err = env
        .canaryd_env(&["--color=always", "history", "acne"], &[])
        .await;
    assert!(stderr(&err).contains(ESC), "{}", stderr(&err));
    let err = env.canaryd(&["history", "acne"]).await;
    assert!(!stderr(&err).contains(ESC), "{}", stderr(&err));
}

/// Runs canaryd on a pseudo-terminal with util-linux `script`, feeding `input` to it; `None`
/// where `script` is missing.
fn on_terminal(env: &Env, args: &str, vars: &[(&str, &str)], input: &str) -> Option<String> {
    use std::io::Write as _;
    let command = format!(
        "{} --watchlist {} --state {} {args}",
        env!("CARGO_BIN_EXE_canaryd"),
        env.watchlist().display(),
        env.state().display()
    );
    let mut child = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(env.dir.path())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .envs(vars.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("script ran");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_terminal_is_coloured_unless_term_is_dumb() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check", "acme"], 0).await;
    let Some(coloured) = on_terminal(&env, "history acme", &[("TERM", "xterm")], "") else {
        eprintln!("skipped: no `script` to make a terminal");
        return;
    };
    assert!(coloured.contains(ESC), "{coloured}");
    let dumb = on_terminal(&env, "history acme", &[("TERM", "dumb")], "").expect("script");
    assert!(dumb.contains("acme"), "{dumb}");
    assert!(!dumb.contains(ESC), "TERM=dumb: {dumb}");
    let no_color = on_terminal(&env, "history acme", &[("NO_COLOR", "1")], "").expect("script");
    assert!(!no_color.contains(ESC), "NO_COLOR: {no_color}");
}

#[tokio::test(flavor = "multi_thread")]
async fn remove_purge_asks_on_a_terminal_and_needs_yes_elsewhere() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check"], 0).await;
    let watchlist = std::fs::read_to_string(env.watchlist()).expect("read");

    // No terminal, no --yes: refused, nothing touched.
    let out = expect(&env, &["remove", "acme", "--purge"], 2).await;
    let err = stderr(&out);
    assert!(err.starts_with("canaryd: error: remove --purge deletes the evidence of \"acme\" for good, and there is no terminal to ask: pass --yes"), "{err}");
    assert_eq!(
        std::fs::read_to_string(env.watchlist()).expect("read"),
        watchlist
    );
    assert!(env.state().join("acme/history").is_dir());

    if let Some(said) = on_terminal(&env, "--color never remove acme --purge", &[], "n\n") {
        assert!(
            said.contains("delete the history of \"acme\""),
            "asked: {said}"
        );
        assert!(said.contains("[y/N]"), "{said}");
        assert!(said.contains("nothing removed"), "{said}");
        assert!(env.state().join("acme/history").is_dir(), "no keeps it");
        assert_eq!(
            std::fs::read_to_string(env.watchlist()).expect("read"),
            watchlist
        );
        let yes = on_terminal(&env, "remove acme --purge", &[], "y\n").expect("script");
        assert!(yes.contains("deleted its history"), "{yes}");
        assert!(!env.state().join("acme").exists(), "yes deletes it");
    } else {
        eprintln!("skipped the terminal half: no `script`");
        expect(&env, &["remove", "acme", "--purge", "--yes"], 0).await;
    }

    let out = expect(&env, &["remove", "riseup-net", "--purge", "-y"], 0).await;
    assert!(
        stdout(&out).contains("deleted its history"),
        "{}",
        stdout(&out)
    );
    assert!(!env.state().join("riseup-net").exists());
    let out = env.canaryd(&["remove", "acme", "--yes"]).await;
    assert_eq!(code(&out), Some(2), "--yes needs --purge");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_keeps_an_existing_file_unless_forced() {
    let (_site, env) = two_watches().await;
    expect(&env, &["check", "acme"], 0).await;
    let target = env.dir.path().join("acme.warc");
    std::fs::write(&target, b"the copy the lawyer has").expect("write");
    let out = expect(&env, &["export", "acme", "-o", "acme.warc"], 1).await;
    assert_eq!(
        stderr(&out),
        "canaryd: error: acme.warc already exists; pass --force to overwrite it, or -o another FILE\n"
    );
    assert_eq!(
        std::fs::read(&target).expect("read"),
        b"the copy the lawyer has"
    );
    // The default name is protected the same way.
    expect(&env, &["export", "acme"], 0).await;
    expect(&env, &["export", "acme"], 1).await;
    expect(&env, &["export", "acme", "-o", "acme.warc", "--force"], 0).await;
    let warc = std::fs::read_to_string(&target).expect("read");
    assert!(
        warc.starts_with("WARC/1.1"),
        "{}",
        &warc[..40.min(warc.len())]
    );
}

/// Every subcommand's name, from `--help` (so a new command is covered without editing this).
async fn subcommands(env: &Env) -> Vec<String> {
    let help = stdout(&expect(env, &["--help"], 0).await);
    let list = help
        .split("Commands:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("a Commands section");
    list.lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_man_pages_cover_every_command_and_match_the_build() {
    let (_site, env) = two_watches().await;
    let commands = subcommands(&env).await;
    assert!(commands.len() >= 19, "{commands:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&expect(&env, &["completions", shell], 0).await);
        for c in &commands {
            assert!(script.contains(c.as_str()), "{shell} completes {c}");
        }
    }
    let bash = stdout(&expect(&env, &["completions", "bash"], 0).await);
    assert!(
        bash.contains("--format") && bash.contains("--color"),
        "flags complete too"
    );
    let built = concat!(env!("OUT_DIR"), "/completions/canaryd.bash");
    assert_eq!(
        std::fs::read_to_string(built).expect("build.rs wrote the bash completions"),
        bash,
        "the build's completions are the binary's"
    );

    let man = stdout(&expect(&env, &["man"], 0).await);
    assert!(
        man.contains(".TH canaryd 1"),
        "{}",
        &man[..200.min(man.len())]
    );
    for c in &commands {
        // roff writes a hyphen as "\-".
        let roff = c.replace('-', "\\-");
        assert!(man.contains(&roff), "canaryd(1) lists {c}");
        let page = stdout(&expect(&env, &["man", c], 0).await);
        let title = format!(".TH canaryd-{c} 1");
        assert!(
            page.contains(&title),
            "{c}: {}",
            &page[..200.min(page.len())]
        );
        let built = format!("{}/man/canaryd-{c}.1", env!("OUT_DIR"));
        assert_eq!(
            std::fs::read_to_string(&built).expect("build.rs wrote the page"),
            page,
            "{built}"
        );
    }
    let check = stdout(&expect(&env, &["man", "check"], 0).await);
    assert!(check.contains("format"), "{check}");
    let out = expect(&env, &["man", "chek"], 2).await;
    assert!(
        stderr(&out).contains("did you mean \"check\"?"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_share_one_prefix() {
    let (_site, env) = two_watches().await;
    env.set_watchlist("[settings]\nconfirm = \"x\"\n");
    let bad = expect(&env, &["check"], 78).await;
    assert!(
        stderr(&bad).starts_with("canaryd: error: "),
        "{}",
        stderr(&bad)
    );
    // The source: every message to standard error goes through say.rs, which owns the
    // prefix. test_email.rs is another change's (its diagnoses are being rewritten).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut offenders = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("ls") {
            let p = entry.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name == "say.rs" || name == "test_email.rs" || !name.ends_with(".rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("read");
            let by_hand = text
                .split("eprintln!(")
                .skip(1)
                .any(|rest| rest.trim_start().starts_with("\"canaryd:"));
            if by_hand {
                offenders.push(p.display().to_string());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "prefix written by hand in {offenders:?}"
    );
}
