//! `canaryd test-email`: sends a test message through the watchlist's `[email]` settings and
//! reports the server's answer, or exactly what failed (authentication, TLS, connection,
//! refusal) and what to try. Exit 1 on failure, and without `[email]`.

use std::path::Path;

use crate::cli::exit::EXIT_FAILURE;
use crate::notify::mail::{MailError, Mailer};

pub async fn run(watchlist: &Path) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let Some(cfg) = &wl.email else {
        eprintln!(
            "canaryd: {} has no [email] table, so alerts go to standard output; add one (smtp, from, to; see the README's watchlist reference) to have them emailed",
            watchlist.display()
        );
        return Ok(EXIT_FAILURE);
    };
    let mailer = match Mailer::new(cfg) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("canaryd: test email not sent: {}", crate::error_chain(&e));
            return Ok(EXIT_FAILURE);
        }
    };
    let now = chrono::Utc::now();
    let body = format!(
        "This is a test message from canaryd (`canaryd test-email`), sent {}.\n\n\
         If you are reading it, alerts about the {} watch(es) in {} reach you.\n\
         Nothing happened to any canary.\n",
        now.to_rfc3339(),
        wl.watches.len(),
        watchlist.display()
    );
    println!(
        "sending a test message to {} via {} …",
        mailer.recipients(),
        redact(&cfg.smtp)
    );
    let message = match mailer.test_message(now, &body) {
        Ok(m) => m,
        Err(e) => {
            eprintln!(
                "canaryd: cannot build the test message: {}",
                crate::error_chain(&e)
            );
            return Ok(EXIT_FAILURE);
        }
    };
    match mailer.send_message(message).await {
        Ok(answer) => {
            println!("sent: the server answered \"{answer}\"");
            Ok(0)
        }
        Err(e) => {
            eprintln!("canaryd: test email failed: {}", crate::error_chain(&e));
            eprintln!("  {}", diagnosis(&e));
            Ok(EXIT_FAILURE)
        }
    }
}

/// What kind of failure it was and what to try.
pub fn diagnosis(e: &MailError) -> String {
    let MailError::Smtp { source, .. } = e else {
        return match e {
            MailError::Timeout => {
                "timeout: the server accepted the connection but did not finish answering; check the port and TLS mode".into()
            }
            _ => "check the [email] table".into(),
        };
    };
    let code = source.status().map(|c| c.to_string()).unwrap_or_default();
    let text = source.to_string().to_ascii_lowercase();
    if source.is_tls() {
        "TLS failed: check the port and TLS mode (smtps:// for port 465, smtp://…:587?tls=required for STARTTLS) and the server's certificate".into()
    } else if code.starts_with("53") || text.contains("auth") {
        format!(
            "authentication failed ({code}): check `username` and the password (password_file, $CANARYD_SMTP_PASSWORD or the credential smtp-password)"
        )
    } else if source.is_permanent() {
        format!(
            "the server refused ({code}): check the `from` and `to` addresses and whether the server relays for you"
        )
    } else if source.is_transient() {
        format!(
            "the server refused for now ({code}: busy, greylisting or rate limit); try again later, or ask its administrator"
        )
    } else if source.is_timeout() {
        "timeout: no answer from the server; check the host, port and firewall".into()
    } else {
        "connection failed: nothing answered SMTP at that host and port; check `smtp` (host, port), DNS and firewall".into()
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
