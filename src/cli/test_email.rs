//! `canaryd test-email`: sends a test message through the watchlist's `[email]` settings and
//! reports the server's answer, or exactly what failed (authentication, TLS, connection,
//! refusal) and what to try. Exit 1 on failure, and without `[email]`.

use std::path::Path;

use crate::cli::exit::EXIT_FAILURE;
use crate::cli::say;
use crate::clock::Clock;
use crate::notify::mail::Mailer;

pub async fn run(watchlist: &Path, clock: &dyn Clock) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let Some(cfg) = &wl.email else {
        say::error(format_args!(
            "{} has no [email] table, so alerts go to standard output; add one (smtp, from, to; see the watchlist reference, docs/watchlist.md) to have them emailed",
            watchlist.display()
        ));
        return Ok(EXIT_FAILURE);
    };
    let mailer = match Mailer::new(cfg) {
        Ok(m) => m,
        Err(e) => {
            say::error(format_args!(
                "test email not sent: {}",
                crate::error_chain(&e)
            ));
            return Ok(EXIT_FAILURE);
        }
    };
    let now = clock.now();
    let body = format!(
        "This is a test message from canaryd (`canaryd test-email`), sent {}.\n\n\
         If you are reading it, alerts about {} in {} reach you.\n\
         Nothing happened to any canary.\n",
        crate::words::describe_time(now),
        crate::words::plural(wl.watches.len(), "watch"),
        watchlist.display()
    );
    outln!(
        "sending a test message to {} via {} …",
        mailer.recipients(),
        redact(&cfg.smtp)
    );
    let message = match mailer.test_message(now, &body) {
        Ok(m) => m,
        Err(e) => {
            say::error(format_args!(
                "cannot build the test message: {}",
                crate::error_chain(&e)
            ));
            return Ok(EXIT_FAILURE);
        }
    };
    match mailer.send_message(message).await {
        Ok(answer) => {
            outln!("sent: the server answered \"{answer}\"");
            Ok(0)
        }
        Err(e) => {
            // One diagnosis, one fix: the classification already read lettre's error chain.
            match e.failure() {
                Some(f) => {
                    say::error(format_args!("test email not sent: {}", f.what));
                    say::detail(format_args!("fix: {}", f.fix));
                }
                None => say::error(format_args!(
                    "test email not sent: {}",
                    crate::error_chain(&e)
                )),
            }
            Ok(EXIT_FAILURE)
        }
    }
}

/// The SMTP URL without any user name, for output.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}
