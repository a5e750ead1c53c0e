//! Commands that delete or write files ask or refuse first (`remove --purge`, `export`), the
//! completions and man pages, and the one error prefix.

use crate::common::run::{Env, stderr, stdout};
use crate::{code, expect, on_terminal, two_watches};

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
    // prefix.
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
            if name == "say.rs" || !name.ends_with(".rs") {
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
