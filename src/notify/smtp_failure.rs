//! What an SMTP failure was, in words, and the one thing to try: a single reading of lettre's
//! errors shared by delivery logs, `list` and `test-email`, so they never disagree.

use std::time::Duration;

use lettre::transport::smtp::Error as SmtpError;

/// How the `[email]` table asked to connect, which decides what a failure means: a TLS error
/// on `smtps://` against a plain server is a wrong scheme, not a broken certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte.
    Implicit,
    /// `smtp://…?tls=required`: STARTTLS or nothing.
    Required,
    /// `smtp://…?tls=opportunistic`: STARTTLS when offered.
    Opportunistic,
    /// `smtp://` without `tls`: plain text.
    Plain,
}

impl Security {
    /// Reads the mode from the URL lettre is given.
    pub fn of(smtp: &str) -> Security {
        let Ok(url) = url::Url::parse(smtp) else {
            return Security::Plain;
        };
        if url.scheme() == "smtps" {
            return Security::Implicit;
        }
        match url
            .query_pairs()
            .find(|(k, _)| k == "tls")
            .map(|(_, v)| v.into_owned())
            .as_deref()
        {
            Some("required") => Security::Required,
            Some("opportunistic") => Security::Opportunistic,
            _ => Security::Plain,
        }
    }
}

/// A failure as a person needs it: what happened and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub what: String,
    pub fix: String,
}

/// The classes `test-email` tells apart (each has its own fix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// TLS was spoken to a server that answered in plain SMTP.
    PlainServer,
    /// `tls=required`, and the server offers no STARTTLS.
    NoStartTls,
    /// The TLS handshake failed otherwise (certificate, protocol).
    Tls,
    /// The server refused the login.
    AuthRefused,
    /// A login is configured but the server offers none on this connection.
    NoAuth,
    /// The server wants a login and none is configured.
    NeedsLogin,
    /// The server hung up in the middle of the conversation.
    HungUp,
    /// Nothing listens at the host and port.
    ConnectionRefused,
    /// The host name does not resolve.
    UnknownHost,
    /// No answer in time.
    Timeout,
    /// The server refused the message for now (4xx): retried.
    TryLater,
    /// The server refused the message (5xx other than a login).
    Refused,
    /// Anything else: the error as lettre gave it.
    Other,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.what, self.fix)
    }
}

/// No answer within `limit` from `server` (our own bound on the whole conversation).
pub fn timeout(server: &str, security: Security, limit: Duration) -> Failure {
    let fix = match security {
        Security::Implicit => {
            "check the host, port and firewall; port 465 speaks TLS at once, 587 and 25 need smtp:// (with ?tls=required)"
        }
        _ => {
            "check the host, port and firewall; a server on port 465 waits for TLS: use smtps:// for it"
        }
    };
    Failure {
        kind: FailureKind::Timeout,
        what: format!("no answer from {server} within {}s", limit.as_secs().max(1)),
        fix: fix.into(),
    }
}

/// Reads lettre's error `e`, from a conversation with `server` (host:port) in `security` mode
/// (`login` when a username is configured).
pub fn classify(e: &SmtpError, server: &str, security: Security, login: bool) -> Failure {
    let chain = crate::error_chain(e);
    let lower = chain.to_ascii_lowercase();
    let code = e.status().map(|c| c.to_string());
    let failure = |kind, what: String, fix: &str| Failure {
        kind,
        what,
        fix: fix.into(),
    };
    if lower.contains("starttls is not supported") {
        return failure(
            FailureKind::NoStartTls,
            format!("{server} does not offer STARTTLS, which ?tls=required demands"),
            "if it takes TLS at once (port 465), use smtps://; for a relay on this machine, use ?tls=opportunistic, or ?tls=none to accept plain text",
        );
    }
    if lower.contains("no compatible authentication mechanism") {
        let fix = if security == Security::Plain {
            "servers usually offer a login only after STARTTLS: add ?tls=required (or use smtps://); a relay that needs no login wants no `username`"
        } else {
            "remove `username` if this server relays without a login, or ask its administrator which login it takes"
        };
        return failure(
            FailureKind::NoAuth,
            format!("{server} offers no login (AUTH) that canaryd can use"),
            fix,
        );
    }
    if e.is_tls() || looks_like_tls(&lower) {
        if not_tls_at_all(&lower) && security == Security::Implicit {
            return failure(
                FailureKind::PlainServer,
                format!("{server} speaks plain SMTP, not TLS"),
                "use smtp:// with ?tls=required (STARTTLS) or ?tls=opportunistic instead of smtps://, or the server's TLS port (usually 465)",
            );
        }
        if lower.contains("certificate") || lower.contains("unknownissuer") {
            return failure(
                FailureKind::Tls,
                format!(
                    "{server}'s TLS certificate was not accepted: {}",
                    last(&chain)
                ),
                "check that the host in `smtp` is the name on the server's certificate and that the certificate is valid",
            );
        }
        return failure(
            FailureKind::Tls,
            format!("the TLS handshake with {server} failed: {}", last(&chain)),
            "check the port and TLS mode: smtps:// for port 465, smtp://…:587?tls=required for STARTTLS",
        );
    }
    if e.is_permanent() || e.is_transient() {
        let code = code.unwrap_or_default();
        let answer = last(&chain);
        if login && (code.starts_with("53") || code == "454" || lower.contains("auth")) {
            return failure(
                FailureKind::AuthRefused,
                format!("{server} refused the login ({code}: {answer})"),
                "check `username` and the password (password_file, $CANARYD_SMTP_PASSWORD or the credential smtp-password)",
            );
        }
        if !login && (code == "530" || lower.contains("authentication required")) {
            return failure(
                FailureKind::NeedsLogin,
                format!("{server} accepts mail only after a login ({code}: {answer})"),
                "set `username` in the [email] table and the password (password_file, $CANARYD_SMTP_PASSWORD or the credential smtp-password)",
            );
        }
        if e.is_transient() {
            return failure(
                FailureKind::TryLater,
                format!("{server} refused for now ({code}: {answer})"),
                "it is busy, greylisting or rate-limiting; alerts are retried; if it lasts, ask its administrator",
            );
        }
        return failure(
            FailureKind::Refused,
            format!("{server} refused the message ({code}: {answer})"),
            "check the `from` and `to` addresses and that the server relays mail for you",
        );
    }
    if e.is_timeout() || lower.contains("timed out") {
        return timeout(server, security, Duration::ZERO);
    }
    if lower.contains("connection refused") {
        return failure(
            FailureKind::ConnectionRefused,
            format!("nothing accepts connections at {server} (connection refused)"),
            "check the port in `smtp` (465 for smtps://, 587 for submission, 25 for a relay) and that the server runs",
        );
    }
    if lower.contains("failed to lookup")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
        || lower.contains("nodename nor servname")
    {
        return failure(
            FailureKind::UnknownHost,
            format!("the host of {server} does not resolve"),
            "check the host name in `smtp` and this machine's DNS",
        );
    }
    if lower.contains("incomplete response")
        || lower.contains("connection reset")
        || lower.contains("unexpected eof")
        || lower.contains("broken pipe")
    {
        return failure(
            FailureKind::HungUp,
            format!("{server} closed the connection in the middle of the conversation"),
            "check the TLS mode (a TLS port hangs up on plain SMTP: use smtps:// for it) and the server's log",
        );
    }
    failure(
        FailureKind::Other,
        format!("SMTP with {server} failed: {chain}"),
        "check `smtp` (host, port, TLS mode) in the [email] table",
    )
}

/// The innermost part of a chain, where the server's own words or the OS's reason are.
fn last(chain: &str) -> &str {
    chain.rsplit(": ").next().unwrap_or(chain).trim()
}

/// rustls reports through io errors, so lettre may not mark the error as TLS.
fn looks_like_tls(lower: &str) -> bool {
    lower.contains("tls") || lower.contains("handshake") || not_tls_at_all(lower)
}

/// What rustls says when the peer's first bytes are not a TLS record (a "220 …" greeting).
fn not_tls_at_all(lower: &str) -> bool {
    lower.contains("corrupt message")
        || lower.contains("invalidcontenttype")
        || lower.contains("invalid content type")
        || lower.contains("wrong version number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mode_is_read_from_the_url() {
        assert_eq!(
            Security::of("smtps://mail.example.org:465"),
            Security::Implicit
        );
        assert_eq!(
            Security::of("smtp://mail.example.org:587?tls=required"),
            Security::Required
        );
        assert_eq!(
            Security::of("smtp://mail.example.org:587?tls=opportunistic"),
            Security::Opportunistic
        );
        assert_eq!(Security::of("smtp://127.0.0.1:25"), Security::Plain);
    }

    #[test]
    fn a_timeout_on_plain_smtp_points_at_port_465() {
        let f = timeout(
            "mail.example.org:465",
            Security::Plain,
            Duration::from_secs(30),
        );
        assert_eq!(f.kind, FailureKind::Timeout);
        assert!(f.what.contains("within 30s"), "{f}");
        assert!(f.fix.contains("smtps://"), "{f}");
    }
}
