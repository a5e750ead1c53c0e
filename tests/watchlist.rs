//! The watchlist parser: every kind of mistake gives a located error with a fix, and a large
//! watchlist loads.

use std::path::Path;

use canaryd::config::{Watchlist, WatchlistError};

fn error(text: &str) -> (usize, usize, String) {
    match Watchlist::parse(text, Path::new("w.toml")) {
        Ok(_) => panic!("accepted a bad watchlist:\n{text}"),
        Err(WatchlistError::Invalid {
            line,
            column,
            message,
            fix,
            ..
        }) => {
            assert!(!fix.is_empty(), "every error says how to fix it");
            (line, column, message)
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
}

const W: &str = "[[watch]]\nname = \"a\"\nurl = \"https://example.org/\"\n";

#[test]
fn malformed_watchlists_give_precise_errors() {
    let cases: &[(&str, (usize, usize), &str)] = &[
        (
            "[settings]\nintervl = \"6h\"\n",
            (2, 1),
            "unknown field `intervl`",
        ),
        ("[setings]\n", (1, 2), "unknown field `setings`"),
        ("[settings]\ninterval = 6\n", (2, 12), "invalid type"),
        (
            "[settings]\ninterval = \"soon\"\n",
            (2, 12),
            "not a duration",
        ),
        (
            "[settings]\ninterval = \"0s\"\n",
            (2, 12),
            "at least one second",
        ),
        ("[settings]\nconfirm = 0\n", (2, 11), "out of range"),
        ("[settings]\nconfirm = \"2\"\n", (2, 11), "invalid type"),
        (
            "[settings]\nmax_body = \"5 parsecs\"\n",
            (2, 12),
            "unknown size unit",
        ),
        ("[settings]\nproxy = \"ftp://x\"\n", (2, 9), "not supported"),
        (
            "[settings]\nnotify = [\"removed\", \"exploded\"]\n",
            (2, 22),
            "unknown event kind \"exploded\"",
        ),
        ("[settings]\nconcurrency = 0\n", (2, 15), "out of range"),
        (
            "[[watch]]\nurl = \"https://example.org/\"\n",
            (1, 1),
            "missing field `name`",
        ),
        (
            "[[watch]]\nname = \"a\"\n",
            (1, 1),
            "has neither `url` nor `follow`",
        ),
        (
            "[[watch]]\nname = \"a b\"\nurl = \"https://example.org/\"\n",
            (2, 8),
            "cannot name a folder",
        ),
        (
            "[[watch]]\nname = \"../etc\"\nurl = \"https://example.org/\"\n",
            (2, 8),
            "cannot name a folder",
        ),
        (
            "[[watch]]\nname = \"a\"\nurl = \"example.org\"\n",
            (3, 7),
            "has no scheme",
        ),
        (
            "[[watch]]\nname = \"a\"\nurl = \"gopher://example.org/\"\n",
            (3, 7),
            "not supported",
        ),
        (
            "[[watch]]\nname = \"a\"\nurl = \"https://example.org/\"\nselector = \"li[[\"\n",
            (4, 12),
            "not valid CSS",
        ),
        (
            "[[watch]]\nname = \"a\"\nurl = \"https://example.org/\"\ncolour = \"red\"\n",
            (4, 1),
            "unknown field `colour`",
        ),
        (
            "[[watch]]\nname = \"a\"\nurl = \"https://example.org/\"\ninterval = \"-1h\"\n",
            (4, 12),
            "not a duration",
        ),
        (&format!("{W}\n{W}"), (6, 8), "duplicate watch name \"a\""),
        (
            "[email]\nsmtp = \"http://x\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n",
            (2, 8),
            "not smtp or smtps",
        ),
        (
            "[email]\nsmtp = \"smtp://u:secret@x:25\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\n",
            (2, 8),
            "must not contain a password",
        ),
        (
            "[email]\nsmtp = \"smtp://x:25\"\nfrom = \"not an address\"\nto = [\"d@e.f\"]\n",
            (3, 8),
            "not an email address",
        ),
        (
            "[email]\nsmtp = \"smtp://x:25\"\nfrom = \"a@b.c\"\nto = []\n",
            (4, 6),
            "no recipient",
        ),
        (
            "[email]\nsmtp = \"smtp://x:25\"\nfrom = \"a@b.c\"\nto = [\"d@e.f\"]\npassword = \"x\"\n",
            (5, 1),
            "unknown field `password`",
        ),
        ("[[watch]\nname = \"a\"\n", (1, 9), "unclosed array table"),
        ("name = \"a\"\n", (1, 1), "unknown field `name`"),
        (
            "[settings]\ninterval = \"6h\"\ninterval = \"1h\"\n",
            (3, 1),
            "duplicate key",
        ),
    ];
    let mut wrong = Vec::new();
    for (text, (line, column), needle) in cases {
        let (l, c, message) = error(text);
        if (l, c) != (*line, *column) || !message.contains(needle) {
            wrong.push(format!(
                "{text:?}: got {l}:{c} {message:?}, want {line}:{column} {needle:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn error_display_names_file_line_column_and_fix() {
    let e = Watchlist::parse(
        "[settings]\nintervl = \"6h\"\n",
        Path::new("/etc/canaryd/watchlist.toml"),
    )
    .expect_err("bad");
    let shown = e.to_string();
    assert!(
        shown.starts_with("/etc/canaryd/watchlist.toml:2:1: unknown field `intervl`"),
        "{shown}"
    );
    assert!(shown.contains("\n  fix: "), "{shown}");
}

#[test]
fn ten_thousand_watches_load() {
    let mut text = String::from("[settings]\ninterval = \"6h\"\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "\n[[watch]]\nname = \"w{i}\"\nurl = \"https://example{i}.org/canary\"\nselector = \"#canary li\"\ninterval = \"{}h\"\n",
            1 + i % 12
        ));
    }
    let wl = Watchlist::parse(&text, Path::new("big.toml")).expect("valid");
    assert_eq!(wl.watches.len(), 10_000);
    assert_eq!(wl.watches[9_999].name, "w9999");
    assert!(wl.watches.iter().all(|w| w.selector.is_some()));
}

#[test]
fn defaults_and_overrides_resolve_per_watch() {
    let text = "[settings]\nconfirm = 3\ntimeout = \"10s\"\nmax_body = \"1MiB\"\nnotify = [\"removed\"]\n\n\
                [[watch]]\nname = \"a\"\nurl = \"https://example.org/\"\n\n\
                [[watch]]\nname = \"b\"\nurl = \"file:///tmp/canary.txt\"\nconfirm = 1\nmax_body = \"10MiB\"\nproxy = \"socks5h://127.0.0.1:9050\"\n";
    let wl = Watchlist::parse(text, Path::new("w.toml")).expect("valid");
    let (a, b) = (&wl.watches[0].shared, &wl.watches[1].shared);
    assert_eq!((a.policy.confirm, b.policy.confirm), (3, 1));
    assert_eq!(a.fetch.timeout, std::time::Duration::from_secs(10));
    assert_eq!((a.fetch.max_body, b.fetch.max_body), (1 << 20, 10 << 20));
    assert!(
        a.fetch.proxy.is_none()
            && b.fetch
                .proxy
                .as_ref()
                .is_some_and(|p| p.scheme() == "socks5h")
    );
    assert!(
        a.policy
            .notify
            .contains(canaryd::judge::event::EventKind::Removed)
    );
    assert!(
        !a.policy
            .notify
            .contains(canaryd::judge::event::EventKind::Changed)
    );
    assert_eq!(
        wl.settings.shared.interval,
        std::time::Duration::from_secs(6 * 3600)
    );
}
