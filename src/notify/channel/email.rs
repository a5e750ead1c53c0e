//! The email channel: SMTP through [`Mailer`], message for message what `[email]` always sent
//! (same Message-ID, References, subject and body).

use super::{Outgoing, SendError};
use crate::config::EmailConfig;
use crate::notify::mail::Mailer;

#[derive(Debug)]
pub(super) struct Email {
    mailer: Mailer,
}

impl Email {
    pub(super) fn new(cfg: &EmailConfig) -> Result<Email, SendError> {
        Ok(Email {
            mailer: Mailer::new(cfg)?,
        })
    }

    pub(super) async fn send(&self, out: Outgoing<'_>) -> Result<String, SendError> {
        let message = match out {
            Outgoing::Alert { alert, .. } => self.mailer.message(alert)?,
            // The same test message `test-email` sends, marked X-Canaryd-Event: test.
            Outgoing::Test { at, text } => self.mailer.test_message(at, text)?,
        };
        Ok(self.mailer.send_message(message).await?)
    }
}
