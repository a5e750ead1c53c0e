//! The SMTP settings of `[email]` and of an email `[[channel]]`, validated by one function:
//! the URL lettre will use, the addresses, and never a password sent in clear text unasked.

use std::ops::Range;
use std::path::PathBuf;

use toml::Spanned;
use url::Url;

use super::EmailConfig;

/// A validation failure: where, what, and the fix.
pub(super) type Problem = (Range<usize>, String, String);

/// The keys of an email destination as written.
pub(super) struct RawSmtp<'a> {
    pub smtp: &'a Spanned<String>,
    pub from: &'a Spanned<String>,
    pub to: &'a Spanned<Vec<Spanned<String>>>,
    pub username: Option<&'a Spanned<String>>,
    pub password_file: Option<&'a Spanned<String>>,
    pub timeout: Option<&'a Spanned<String>>,
}

const SMTP_FIX: &str = "use \"smtp://host:587?tls=required\" (STARTTLS), \"smtps://host:465\" (implicit TLS), \"smtp://host:25\" (plain, no login) or \"smtp://host:25?tls=none\" (plain, login accepted in clear text)";

fn problem(span: Range<usize>, message: impl Into<String>, fix: impl Into<String>) -> Problem {
    (span, message.into(), fix.into())
}

pub(super) fn email(raw: RawSmtp<'_>) -> Result<EmailConfig, Problem> {
    let span = raw.smtp.span();
    let mut url = Url::parse(raw.smtp.get_ref())
        .map_err(|e| problem(span.clone(), format!("`smtp` is not a URL: {e}"), SMTP_FIX))?;
    if !matches!(url.scheme(), "smtp" | "smtps") {
        return Err(problem(
            span,
            format!("`smtp` scheme \"{}\" is not smtp or smtps", url.scheme()),
            SMTP_FIX,
        ));
    }
    if !url.password().unwrap_or("").is_empty() {
        return Err(problem(
            span,
            "`smtp` must not contain a password",
            "remove it from the URL; use password_file, $CANARYD_SMTP_PASSWORD or the systemd credential smtp-password",
        ));
    }
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    // `tls=none` is canaryd's, not lettre's: the user's explicit "plain text is fine here".
    if tls.as_deref() == Some("none") {
        let rest: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| k != "tls")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        if !rest.is_empty() {
            url.query_pairs_mut().extend_pairs(rest);
        }
    } else if raw.username.is_some() && url.scheme() == "smtp" && tls.is_none() {
        return Err(problem(
            span,
            "`smtp` is plain SMTP with a `username`: the password would cross the network in clear text",
            "use \"smtp://host:587?tls=required\" or \"smtps://host:465\"; for a relay on this machine, write \"smtp://127.0.0.1:25?tls=none\" to accept plain text",
        ));
    }
    let smtp = url.to_string();
    lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&smtp)
        .map_err(|e| problem(span.clone(), format!("`smtp` is not usable: {e}"), SMTP_FIX))?;
    let mailbox = |v: &Spanned<String>, key: &str| {
        v.get_ref()
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                problem(
                    v.span(),
                    format!("`{key}` is not an email address: {e}"),
                    "write an address such as \"you@example.org\" or \"Name <you@example.org>\"",
                )
            })
    };
    let from = mailbox(raw.from, "from")?;
    if raw.to.get_ref().is_empty() {
        return Err(problem(
            raw.to.span(),
            "`to` lists no recipient",
            "add at least one address: to = [\"you@example.org\"]",
        ));
    }
    let to = raw
        .to
        .get_ref()
        .iter()
        .map(|v| mailbox(v, "to"))
        .collect::<Result<Vec<_>, _>>()?;
    let timeout = match raw.timeout {
        None => super::DEFAULT_SMTP_TIMEOUT,
        Some(v) => super::values::parse_timeout(v.get_ref())
            .map_err(|(message, fix)| problem(v.span(), message, fix))?,
    };
    Ok(EmailConfig {
        smtp,
        timeout,
        from,
        to,
        username: raw.username.map(|u| u.get_ref().clone()),
        password_file: raw.password_file.map(|p| PathBuf::from(p.get_ref())),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Watchlist, WatchlistError};

    fn parse(smtp: &str, username: bool) -> Result<Watchlist, WatchlistError> {
        let user = if username {
            "username = \"canaryd\"\n"
        } else {
            ""
        };
        let text = format!(
            "[email]\nsmtp = \"{smtp}\"\nfrom = \"c@example.org\"\nto = [\"you@example.org\"]\n{user}"
        );
        Watchlist::parse(&text, Path::new("w.toml"))
    }

    #[test]
    fn the_smtp_timeout_defaults_to_30s_and_is_at_least_a_second() {
        let base = "[email]\nsmtp = \"smtp://127.0.0.1:25\"\nfrom = \"c@example.org\"\nto = [\"you@example.org\"]\n";
        let wl = Watchlist::parse(base, Path::new("w.toml")).expect("valid");
        assert_eq!(wl.email.expect("email").timeout.as_secs(), 30);
        let wl = Watchlist::parse(&format!("{base}timeout = \"2m\"\n"), Path::new("w.toml"))
            .expect("valid");
        assert_eq!(wl.email.expect("email").timeout.as_secs(), 120);
        match Watchlist::parse(&format!("{base}timeout = \"0s\"\n"), Path::new("w.toml")) {
            Err(WatchlistError::Invalid { message, .. }) => {
                assert!(message.contains("at least one second"), "{message}")
            }
            other => panic!("expected a located error, got {other:?}"),
        }
    }

    #[test]
    fn a_login_over_plain_smtp_is_refused_unless_asked_for() {
        match parse("smtp://mail.example.org:25", true) {
            Err(WatchlistError::Invalid {
                line,
                column,
                message,
                fix,
                ..
            }) => {
                assert_eq!((line, column), (2, 8));
                assert!(message.contains("clear text"), "{message}");
                assert!(
                    fix.contains("tls=required") && fix.contains("tls=none"),
                    "{fix}"
                );
            }
            other => panic!("refused: {other:?}"),
        }
        // Explicitly accepted: canaryd hands lettre the URL without its own `tls=none`.
        let wl = parse("smtp://127.0.0.1:25?tls=none", true).expect("explicit plain text");
        assert_eq!(
            wl.email.expect("email").smtp,
            "smtp://127.0.0.1:25",
            "tls=none is canaryd's, not lettre's"
        );
        for ok in [
            "smtp://mail.example.org:587?tls=required",
            "smtp://mail.example.org:587?tls=opportunistic",
            "smtps://mail.example.org:465",
        ] {
            parse(ok, true).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        parse("smtp://127.0.0.1:25", false).expect("no login, no password to leak");
    }
}
