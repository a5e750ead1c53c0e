//! `--color` and the colour environment (NO_COLOR, CLICOLOR_FORCE, TERM=dumb), clap's help
//! included, on a pipe and on a real pseudo-terminal.

use crate::common::run::{stderr, stdout};
use crate::{ESC, code, expect, on_terminal, two_watches};

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
