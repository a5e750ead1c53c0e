//! Delivery: drains the outbox into a sink (SMTP, or standard output without `[email]`).

use std::io::Write as _;

use chrono::{DateTime, Utc};

use crate::config::Watchlist;
use crate::notify::mail::{MailError, Mailer};
use crate::notify::outbox::{Backoff, Outbox, Queued};
use crate::store::StoreError;

/// Where alerts go.
#[derive(Debug, Clone)]
pub enum Sink {
    Smtp(Box<Mailer>),
    Stdout,
}

/// What one drain of the outbox did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub delivered: usize,
    pub failed: usize,
    /// Still queued (failed now, or not yet due).
    pub waiting: usize,
    pub last_error: Option<String>,
}

impl Sink {
    async fn send(&self, q: &Queued) -> Result<String, MailError> {
        match self {
            Sink::Smtp(m) => m.send(&q.alert).await,
            Sink::Stdout => {
                let a = &q.alert;
                let mut out = std::io::stdout().lock();
                let text = format!(
                    "Subject: {}\nMessage-ID: {}\nReferences: {}\n\n{}\n",
                    a.subject, a.message_id, a.thread_id, a.body
                );
                // A closed stdout is a failed delivery: the alert stays queued.
                out.write_all(text.as_bytes())
                    .and_then(|()| out.flush())
                    .map_err(MailError::Stdout)?;
                Ok("written to standard output".into())
            }
        }
    }
}

/// Tries every queued alert that is due at `now` (all of them when `all_due`), oldest first.
pub async fn drain(
    outbox: &Outbox,
    sink: &Sink,
    now: DateTime<Utc>,
    all_due: bool,
    backoff: Backoff,
) -> Result<Delivery, StoreError> {
    let mut report = Delivery::default();
    for path in outbox.pending_files()? {
        let q = match outbox.load(&path) {
            Ok(q) => q,
            // Delivered and removed meanwhile (by another canaryd on this state directory).
            Err(StoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                continue;
            }
            Err(e) => return Err(e),
        };
        if !all_due && q.next_attempt > now {
            report.waiting += 1;
            continue;
        }
        match sink.send(&q).await {
            Ok(answer) => {
                tracing::info!(watch = %q.alert.watch, event = %q.alert.kind, id = %q.alert.id, %answer, "alert delivered");
                outbox.delivered(&q.alert.id)?;
                report.delivered += 1;
            }
            Err(e) => {
                let msg = crate::error_chain(&e);
                let q = outbox.failed(&q, &msg, now, backoff)?;
                tracing::warn!(watch = %q.alert.watch, event = %q.alert.kind, attempts = q.attempts, next = %q.next_attempt.to_rfc3339(), error = %msg, "alert delivery failed; will retry");
                report.failed += 1;
                report.waiting += 1;
                report.last_error = Some(msg);
            }
        }
    }
    Ok(report)
}

/// Where this watchlist's alerts go.
pub(crate) fn sink(watchlist: &Watchlist) -> anyhow::Result<Sink> {
    match &watchlist.email {
        Some(cfg) => Ok(Sink::Smtp(Box::new(Mailer::new(cfg)?))),
        None => Ok(Sink::Stdout),
    }
}
