//! The channel seam: every way an alert leaves canaryd (email, webhook, command, stdout)
//! behind one `send`, with stable ids the outbox tracks delivery by, and the JSON object the
//! webhook and command channels share.
//!
//! Channel ids are `kind:target`: `email:<to addresses, comma-separated>`,
//! `webhook:<url>`, `command:<program and arguments, space-separated>`, `stdout`. The same
//! kind and target configured twice get `#2`, `#3` … in watchlist order. An id does not depend
//! on the channel's position, so reordering channels and reloading resends nothing; changing
//! a channel's target makes it a new channel.

mod command;
mod email;
mod stdout;
mod webhook;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::{ChannelConfig, ChannelKind, Watchlist};
use crate::judge::event::Change;
use crate::notify::alert::{Alert, AlertEvent, severity_name};
use crate::notify::mail::MailError;
use crate::notify::outbox::Route;

/// What goes out: a queued alert, or a test (`canaryd test-notify`).
#[derive(Debug, Clone, Copy)]
pub enum Outgoing<'a> {
    Alert {
        alert: &'a Alert,
        queued_at: DateTime<Utc>,
    },
    Test {
        at: DateTime<Utc>,
        text: &'a str,
    },
}

/// The JSON object a webhook is POSTed and a command reads on stdin. Field names are a
/// contract: fields are added, never renamed. Times are RFC 3339 to the second, in UTC.
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    pub alert_id: String,
    pub watch: String,
    pub url: String,
    /// The most severe event's kind (`removed`, `changed`, …), or `test`.
    pub kind: String,
    /// The most severe event's: `high`, `low` or `info`; `null` for alerts queued by versions
    /// that did not record it.
    pub severity: Option<&'static str>,
    pub subject: String,
    /// The alert's text, exactly as emailed.
    pub body: String,
    /// Every event's statements.
    pub statements: Vec<String>,
    /// Every event's changed statements.
    pub changes: Vec<Change>,
    /// The most severe event's reason.
    pub detail: String,
    #[serde(serialize_with = "seconds_opt")]
    pub first_seen: Option<DateTime<Utc>>,
    /// When the events were confirmed.
    #[serde(serialize_with = "seconds")]
    pub at: DateTime<Utc>,
    #[serde(serialize_with = "seconds")]
    pub queued_at: DateTime<Utc>,
    pub message_id: String,
    /// True only for `canaryd test-notify`.
    pub test: bool,
    /// Every event of the check, most severe first (one for older alerts and tests).
    pub events: Vec<PayloadEvent>,
}

/// One event in [`Payload::events`].
#[derive(Debug, Clone, Serialize)]
pub struct PayloadEvent {
    pub kind: String,
    pub severity: Option<&'static str>,
    pub statements: Vec<String>,
    pub changes: Vec<Change>,
    pub detail: String,
    #[serde(serialize_with = "seconds_opt")]
    pub first_seen: Option<DateTime<Utc>>,
    #[serde(serialize_with = "seconds")]
    pub at: DateTime<Utc>,
}

impl PayloadEvent {
    fn of(e: AlertEvent) -> PayloadEvent {
        PayloadEvent {
            kind: e.kind.to_string(),
            severity: e.severity.map(severity_name),
            statements: e.statements,
            changes: e.changes,
            detail: e.detail,
            first_seen: e.first_seen,
            at: e.at,
        }
    }
}

/// RFC 3339 to the second: what people and most parsers expect; nanoseconds say nothing here.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn seconds<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

fn seconds_opt<S: serde::Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

impl Outgoing<'_> {
    pub fn payload(&self) -> Payload {
        match *self {
            Outgoing::Alert { alert, queued_at } => Payload {
                alert_id: alert.id.clone(),
                watch: alert.watch.clone(),
                url: alert.url.clone(),
                kind: alert.kind.to_string(),
                severity: alert.severity.map(severity_name),
                subject: alert.subject.clone(),
                body: alert.body.clone(),
                statements: alert.statements.clone(),
                changes: alert.changes.clone(),
                detail: alert.detail.clone(),
                first_seen: alert.first_seen,
                at: alert.created,
                queued_at,
                message_id: alert.message_id.clone(),
                test: false,
                events: alert.events().into_iter().map(PayloadEvent::of).collect(),
            },
            Outgoing::Test { at, text } => {
                let id = format!("test.{}", at.timestamp_nanos_opt().unwrap_or_default());
                let detail = "a test from `canaryd test-notify`; nothing happened to any canary";
                Payload {
                    message_id: format!("<{id}@canaryd>"),
                    alert_id: id,
                    watch: String::new(),
                    url: String::new(),
                    kind: "test".into(),
                    severity: Some("info"),
                    subject: TEST_SUBJECT.into(),
                    body: text.to_string(),
                    statements: Vec::new(),
                    changes: Vec::new(),
                    detail: detail.into(),
                    first_seen: Some(at),
                    at,
                    queued_at: at,
                    test: true,
                    events: vec![PayloadEvent {
                        kind: "test".into(),
                        severity: Some("info"),
                        statements: Vec::new(),
                        changes: Vec::new(),
                        detail: detail.into(),
                        first_seen: Some(at),
                        at,
                    }],
                }
            }
        }
    }
}

/// The subject of a test notification.
pub const TEST_SUBJECT: &str = "[canaryd] test message";

/// Why a channel did not take an alert.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error("cannot write the alert to standard output: {0}")]
    Stdout(#[source] std::io::Error),
    #[error("cannot read the webhook authorization from {}: {source}", path.display())]
    Authorization {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the webhook authorization read from {} is not a valid header value", path.display())]
    AuthorizationValue { path: std::path::PathBuf },
    #[error("webhook answered HTTP {status}{}", if body.is_empty() { String::new() } else { format!(": {body}") })]
    Status { status: u16, body: String },
    #[error("webhook request failed: {0}")]
    Request(#[source] reqwest::Error),
    #[error("webhook did not answer within {}", crate::words::describe_duration(*.0))]
    WebhookTimeout(Duration),
    #[error("cannot set up the webhook's HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{program} exited with {status}{}", if stderr.is_empty() { String::new() } else { format!(": {stderr}") })]
    Exit {
        program: String,
        status: String,
        /// The last line it wrote to stderr.
        stderr: String,
    },
    #[error("{program} did not finish within {}; it was killed", crate::words::describe_duration(*timeout))]
    CommandTimeout { program: String, timeout: Duration },
    #[error("cannot encode the alert as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl SendError {
    /// A failure retrying cannot cure: the receiver refused this request as such (a webhook's
    /// 4xx other than 408 and 429, or a redirect canaryd will not follow with the alert).
    /// Everything else (SMTP, 408, 429, 5xx, network, timeouts, a failing command) is retried.
    pub fn permanent(&self) -> bool {
        match self {
            SendError::Status { status, .. } => webhook::permanent_status(*status),
            _ => false,
        }
    }

    /// The receiver did not answer in time: the rest of this drain's alerts for the same
    /// channel wait for the next one rather than each waiting out the timeout again.
    pub fn timed_out(&self) -> bool {
        matches!(
            self,
            SendError::Mail(MailError::Timeout(_))
                | SendError::WebhookTimeout(_)
                | SendError::CommandTimeout { .. }
        )
    }
}

/// One configured channel.
#[derive(Debug)]
pub struct Channel {
    pub id: String,
    pub route: Route,
    sender: Sender,
}

#[derive(Debug)]
enum Sender {
    // Boxed: the mailer (transport and settings) dwarfs the other senders.
    Email(Box<email::Email>),
    Webhook(webhook::Webhook),
    Command(command::Command),
    /// `to_stderr`: standard output belongs to a machine-readable document this run.
    Stdout {
        to_stderr: bool,
    },
}

impl Channel {
    /// Sends `out`; returns the receiver's answer, for logs and `test-notify`.
    pub async fn send(&self, out: Outgoing<'_>) -> Result<String, SendError> {
        match &self.sender {
            Sender::Email(m) => m.send(out).await,
            Sender::Webhook(w) => w.send(&out.payload()).await,
            Sender::Command(c) => c.send(&out.payload()).await,
            Sender::Stdout { to_stderr } => stdout::send(out, *to_stderr),
        }
    }
}

/// Every channel of a watchlist, in order.
#[derive(Debug, Default)]
pub struct Channels {
    pub list: Vec<Channel>,
}

impl Channels {
    /// The stdout channel prints alerts on standard error instead: for runs whose standard
    /// output is one JSON document (`check --format json`), which alert texts would break.
    pub fn print_alerts_on_stderr(&mut self) {
        for c in &mut self.list {
            if let Sender::Stdout { to_stderr } = &mut c.sender {
                *to_stderr = true;
            }
        }
    }

    /// The watchlist's channels; the first that cannot be set up is the error.
    pub fn from_watchlist(wl: &Watchlist) -> anyhow::Result<Channels> {
        let mut list = Vec::new();
        for (n, (id, built)) in build_each(wl).into_iter().enumerate() {
            match built {
                Ok(c) => list.push(c),
                Err(e) => anyhow::bail!(
                    "channel {} ({id}) cannot be set up: {}",
                    n + 1,
                    crate::error_chain(&e)
                ),
            }
        }
        Ok(Channels { list })
    }

    pub fn get(&self, id: &str) -> Option<&Channel> {
        self.list.iter().find(|c| c.id == id)
    }

    /// What the outbox needs to know to record which channels an alert is for.
    pub fn routes(&self) -> Vec<Route> {
        self.list.iter().map(|c| c.route.clone()).collect()
    }
}

/// The channels in delivery order: `[email]` first when present, then every `[[channel]]`;
/// standard output when there is neither.
pub fn configured(wl: &Watchlist) -> Vec<ChannelConfig> {
    let mut out = Vec::new();
    if let Some(email) = &wl.email {
        out.push(ChannelConfig {
            kind: ChannelKind::Email(email.clone()),
            events: None,
            watches: None,
        });
    }
    out.extend(wl.channels.iter().cloned());
    if out.is_empty() {
        out.push(ChannelConfig {
            kind: ChannelKind::Stdout,
            events: None,
            watches: None,
        });
    }
    out
}

/// Builds every channel on its own, so `test-notify` can report each: (id, channel or why not).
pub fn build_each(wl: &Watchlist) -> Vec<(String, Result<Channel, SendError>)> {
    let configs = configured(wl);
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::with_capacity(configs.len());
    for cfg in configs {
        let base = base_id(&cfg.kind);
        let n = seen.iter().filter(|s| **s == base).count();
        seen.push(base.clone());
        let id = if n == 0 {
            base
        } else {
            format!("{base}#{}", n + 1)
        };
        let route = Route {
            channel: id.clone(),
            events: cfg.events,
            watches: cfg.watches.clone(),
        };
        let built = build(&cfg.kind).map(|sender| Channel {
            id: id.clone(),
            route,
            sender,
        });
        out.push((id, built));
    }
    out
}

fn build(kind: &ChannelKind) -> Result<Sender, SendError> {
    Ok(match kind {
        ChannelKind::Email(cfg) => Sender::Email(Box::new(email::Email::new(cfg)?)),
        ChannelKind::Webhook(cfg) => Sender::Webhook(webhook::Webhook::new(cfg)?),
        ChannelKind::Command(cfg) => Sender::Command(command::Command::new(cfg)),
        ChannelKind::Stdout => Sender::Stdout { to_stderr: false },
    })
}

/// `kind:target`, before duplicates are numbered.
fn base_id(kind: &ChannelKind) -> String {
    match kind {
        ChannelKind::Email(cfg) => {
            let to: Vec<String> = cfg.to.iter().map(|m| m.email.to_string()).collect();
            format!("email:{}", to.join(","))
        }
        ChannelKind::Webhook(cfg) => format!("webhook:{}", cfg.url),
        ChannelKind::Command(cfg) => format!("command:{}", cfg.argv.join(" ")),
        ChannelKind::Stdout => "stdout".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn wl(text: &str) -> Watchlist {
        Watchlist::parse(text, Path::new("w.toml")).expect("valid watchlist")
    }

    const WATCHES: &str = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n";

    #[test]
    fn no_channel_is_stdout_and_email_comes_first() {
        let ids: Vec<String> = build_each(&wl(WATCHES)).into_iter().map(|c| c.0).collect();
        assert_eq!(ids, ["stdout"]);
        let text = format!(
            "[email]\nsmtp = \"smtp://127.0.0.1:25\"\nfrom = \"c@test.invalid\"\nto = [\"r@test.invalid\", \"s@test.invalid\"]\n\n\
             [[channel]]\nkind = \"webhook\"\nurl = \"https://hooks.example.org/x\"\n\n\
             [[channel]]\nkind = \"webhook\"\nurl = \"https://hooks.example.org/x\"\nevents = [\"removed\"]\n\n\
             [[channel]]\nkind = \"command\"\ncommand = [\"/bin/true\", \"--urgent\"]\nwatches = [\"b\"]\n\n{WATCHES}"
        );
        let ids: Vec<String> = build_each(&wl(&text)).into_iter().map(|c| c.0).collect();
        assert_eq!(
            ids,
            [
                "email:r@test.invalid,s@test.invalid",
                "webhook:https://hooks.example.org/x",
                "webhook:https://hooks.example.org/x#2",
                "command:/bin/true --urgent"
            ]
        );
    }

    #[test]
    fn test_payload_is_marked_and_alert_payload_carries_the_event() {
        let now: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().expect("time");
        let p = Outgoing::Test {
            at: now,
            text: "hi",
        }
        .payload();
        assert!(p.test);
        assert_eq!(p.kind, "test");
        let json = serde_json::to_value(&p).expect("json");
        for key in [
            "alert_id",
            "watch",
            "url",
            "kind",
            "severity",
            "statements",
            "changes",
            "detail",
            "first_seen",
            "at",
            "queued_at",
            "subject",
            "body",
            "events",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
        assert_eq!(json["events"][0]["kind"], "test");
        let at = json["at"].as_str().expect("at");
        assert_eq!(at, rfc3339(now), "to the second");
        assert!(!at.contains('.'), "{at}");
    }
}
