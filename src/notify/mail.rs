//! Email delivery over SMTP (lettre): transport from the `[email]` table, password lookup.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use lettre::message::SinglePart;
use lettre::message::header::{self, HeaderName, HeaderValue};
use lettre::transport::smtp::AsyncSmtpTransportBuilder;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::EmailConfig;
use crate::notify::alert::Alert;
use crate::notify::smtp_failure::{self, Failure, Security};

/// A mail failure, saying what to try.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("cannot read the SMTP password from {}: {source}", path.display())]
    Password {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`username` is set but no SMTP password was found; set password_file, $CANARYD_SMTP_PASSWORD or the systemd credential smtp-password"
    )]
    NoPassword,
    #[error("invalid SMTP URL {url}: {source}")]
    Url {
        url: String,
        #[source]
        source: lettre::transport::smtp::Error,
    },
    #[error("cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    /// The failure already says, in words, what lettre's error meant: the raw error stays
    /// for callers that need it but is not a `source`, so it is not said twice.
    #[error("{failure}")]
    Smtp {
        failure: Failure,
        source: lettre::transport::smtp::Error,
    },
    #[error("{0}")]
    Timeout(Failure),
}

impl MailError {
    /// The failure in words with its fix, when the server was reached (or tried).
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            MailError::Smtp { failure, .. } | MailError::Timeout(failure) => Some(failure),
            _ => None,
        }
    }
}

/// The lettre transport builder for an `smtp` URL.
pub fn transport_builder(
    url: &str,
) -> Result<AsyncSmtpTransportBuilder, lettre::transport::smtp::Error> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
}

/// Where the SMTP password comes from, first found wins: `password_file`,
/// `$CANARYD_SMTP_PASSWORD`, the systemd credential `smtp-password`.
pub fn password(cfg: &EmailConfig) -> Result<Option<String>, MailError> {
    password_from(
        cfg,
        std::env::var("CANARYD_SMTP_PASSWORD").ok(),
        std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from),
    )
}

/// [`password`] with the environment passed in.
fn password_from(
    cfg: &EmailConfig,
    env_password: Option<String>,
    credentials_dir: Option<PathBuf>,
) -> Result<Option<String>, MailError> {
    let read = |path: PathBuf| {
        std::fs::read_to_string(&path)
            .map(|s| Some(s.trim_end_matches(['\r', '\n']).to_string()))
            .map_err(|source| MailError::Password { path, source })
    };
    if let Some(path) = &cfg.password_file {
        return read(path.clone());
    }
    if let Some(p) = env_password.filter(|p| !p.is_empty()) {
        return Ok(Some(p));
    }
    if let Some(dir) = credentials_dir {
        let path = dir.join("smtp-password");
        if path.exists() {
            return read(path);
        }
    }
    Ok(None)
}

/// A configured SMTP sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    cfg: EmailConfig,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print credentials.
        f.debug_struct("Mailer")
            .field("smtp", &self.cfg.smtp)
            .finish()
    }
}

impl Mailer {
    pub fn new(cfg: &EmailConfig) -> Result<Mailer, MailError> {
        let mut builder = transport_builder(&cfg.smtp).map_err(|source| MailError::Url {
            url: cfg.smtp.clone(),
            source,
        })?;
        builder = builder.timeout(Some(cfg.timeout));
        if let Some(user) = &cfg.username {
            let pass = password(cfg)?.ok_or(MailError::NoPassword)?;
            builder = builder.credentials(Credentials::new(user.clone(), pass));
        }
        Ok(Mailer {
            transport: builder.build(),
            cfg: cfg.clone(),
        })
    }

    /// Builds the email for `alert`.
    pub fn message(&self, alert: &Alert) -> Result<Message, MailError> {
        let mut b = Message::builder()
            .from(self.cfg.from.clone())
            .subject(alert.subject.clone())
            .date(alert.created.into())
            .message_id(Some(alert.message_id.clone()))
            .references(alert.thread_id.clone())
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Canaryd-Event"),
                alert.kind.to_string(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Canaryd-Watch"),
                alert.watch.clone(),
            ))
            // Every event the message holds (X-Canaryd-Event is the most severe), for filters.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Canaryd-Events"),
                alert
                    .kinds()
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        for to in &self.cfg.to {
            b = b.to(to.clone());
        }
        // lettre picks the transfer encoding (7bit, quoted-printable or base64) that keeps the
        // text intact within SMTP's line limits; decoded, the body is exactly the alert.
        let part = SinglePart::builder()
            .header(header::ContentType::TEXT_PLAIN)
            .body(alert.body.clone());
        Ok(b.singlepart(part)?)
    }

    /// A message that is not an alert: proves the `[email]` settings reach the recipients
    /// (`canaryd test-email`). Marked `X-Canaryd-Event: test` so filters can tell it apart.
    pub fn test_message(&self, now: DateTime<Utc>, body: &str) -> Result<Message, MailError> {
        let mut b = Message::builder()
            .from(self.cfg.from.clone())
            .subject("[canaryd] test message")
            .date(now.into())
            .message_id(Some(format!(
                "<test.{}@canaryd>",
                now.timestamp_nanos_opt().unwrap_or_default()
            )))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Canaryd-Event"),
                "test".into(),
            ));
        for to in &self.cfg.to {
            b = b.to(to.clone());
        }
        let part = SinglePart::builder()
            .header(header::ContentType::TEXT_PLAIN)
            .body(body.to_string());
        Ok(b.singlepart(part)?)
    }

    /// The recipients, for people.
    pub fn recipients(&self) -> String {
        let to: Vec<String> = self.cfg.to.iter().map(|m| m.to_string()).collect();
        to.join(", ")
    }

    /// `host:port` of the server, for messages.
    fn server(&self) -> String {
        match url::Url::parse(&self.cfg.smtp) {
            Ok(u) => {
                let default = if u.scheme() == "smtps" { 465 } else { 25 };
                format!(
                    "{}:{}",
                    u.host_str().unwrap_or("?"),
                    u.port().unwrap_or(default)
                )
            }
            Err(_) => self.cfg.smtp.clone(),
        }
    }

    /// Sends a built message; returns the server's final answer.
    pub async fn send_message(&self, message: Message) -> Result<String, MailError> {
        // One bound for the whole conversation (connect, TLS, EHLO, AUTH, DATA), as the
        // error says: lettre's own timeout is per command.
        let security = Security::of(&self.cfg.smtp);
        let response = tokio::time::timeout(self.cfg.timeout, self.transport.send(message))
            .await
            .map_err(|_| {
                MailError::Timeout(smtp_failure::timeout(
                    &self.server(),
                    security,
                    self.cfg.timeout,
                ))
            })?
            .map_err(|source| MailError::Smtp {
                failure: smtp_failure::classify(
                    &source,
                    &self.server(),
                    security,
                    self.cfg.username.is_some(),
                ),
                source,
            })?;
        Ok(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(password_file: Option<PathBuf>) -> EmailConfig {
        EmailConfig {
            timeout: crate::config::DEFAULT_SMTP_TIMEOUT,
            smtp: "smtp://127.0.0.1:25".into(),
            from: "canaryd@test.invalid".parse().expect("mailbox"),
            to: vec!["reader@test.invalid".parse().expect("mailbox")],
            username: Some("canaryd".into()),
            password_file,
        }
    }

    #[test]
    fn password_sources_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("pass");
        std::fs::write(&file, "from-file\n").expect("write");
        std::fs::write(dir.path().join("smtp-password"), "from-credential\n").expect("write");
        let creds = Some(dir.path().to_path_buf());
        let got = |c: &EmailConfig, env: Option<&str>, creds: Option<PathBuf>| {
            password_from(c, env.map(String::from), creds).expect("readable")
        };
        assert_eq!(
            got(&cfg(Some(file.clone())), Some("env"), creds.clone()).as_deref(),
            Some("from-file")
        );
        assert_eq!(
            got(&cfg(None), Some("env"), creds.clone()).as_deref(),
            Some("env")
        );
        assert_eq!(
            got(&cfg(None), Some(""), creds.clone()).as_deref(),
            Some("from-credential")
        );
        assert_eq!(got(&cfg(None), None, None), None);
        let missing = password_from(&cfg(Some(dir.path().join("nope"))), None, None);
        assert!(matches!(missing, Err(MailError::Password { .. })));
    }

    #[test]
    fn username_without_any_password_is_a_clear_error() {
        // No file, and (in this test) neither env nor credentials are consulted by the
        // mailer's constructor unless set; a missing password file names itself.
        let err = Mailer::new(&cfg(Some(PathBuf::from("/nonexistent/canaryd-pass"))))
            .expect_err("no password");
        assert!(
            err.to_string().contains("/nonexistent/canaryd-pass"),
            "{err}"
        );
    }
}
