//! `[[channel]]` tables: the raw form (with spans) and its validation into [`ChannelConfig`].
//!
//! Kept apart from `raw.rs` so the watchlist's own keys and the notification channels evolve
//! separately; `raw.rs` only hands the parsed tables here together with the watch names.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::values::parse_timeout;
use super::{EmailConfig, notify_kinds_help};
use crate::judge::event::{EventKind, NotifySet};

/// Default bound on one webhook request, connection to last byte of the answer.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// Default bound on one run of a command channel's program.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// One `[[channel]]` as written. Every key of every kind is listed here (no
/// `#[serde(flatten)]`, which would lose the spans); keys that do not belong to the table's
/// `kind` are refused in validation, where the span is known.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChannel {
    kind: Spanned<String>,
    events: Option<Spanned<Vec<Spanned<String>>>>,
    watches: Option<Spanned<Vec<Spanned<String>>>>,
    timeout: Option<Spanned<String>>,
    // webhook
    url: Option<Spanned<String>>,
    authorization_file: Option<Spanned<String>>,
    authorization_credential: Option<Spanned<String>>,
    // command
    command: Option<Spanned<Vec<Spanned<String>>>>,
    // email
    smtp: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    to: Option<Spanned<Vec<Spanned<String>>>>,
    username: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
}

/// A validated channel: where alerts go, and which of them.
#[derive(Debug, Clone)]
pub struct ChannelConfig {
    pub kind: ChannelKind,
    /// Event kinds this channel takes, on top of each watch's `notify` (`None`: all).
    pub events: Option<NotifySet>,
    /// Watches this channel takes alerts about (`None`: all).
    pub watches: Option<Vec<String>>,
}

/// What a channel does with an alert.
#[derive(Debug, Clone)]
pub enum ChannelKind {
    Email(EmailConfig),
    Webhook(WebhookConfig),
    Command(CommandConfig),
    Stdout,
}

/// `kind = "webhook"`: an HTTP POST of the alert as JSON.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub url: Url,
    pub authorization: Option<Secret>,
    pub timeout: Duration,
}

/// Where a secret is read from at delivery time; never the watchlist itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    /// `authorization_file = "/path"`.
    File(PathBuf),
    /// `authorization_credential = "name"`: `$CREDENTIALS_DIRECTORY/name` (systemd).
    Credential(String),
}

/// `kind = "command"`: a program run with the alert on stdin and in its environment.
#[derive(Debug, Clone)]
pub struct CommandConfig {
    /// Program and arguments; no shell is involved.
    pub argv: Vec<String>,
    pub timeout: Duration,
}

/// A channel problem before `raw.rs` places it in the file.
pub(super) struct ChannelError {
    pub(super) span: Range<usize>,
    pub(super) message: String,
    pub(super) fix: String,
}

fn err(span: Range<usize>, message: impl Into<String>, fix: impl Into<String>) -> ChannelError {
    ChannelError {
        span,
        message: message.into(),
        fix: fix.into(),
    }
}

const KINDS: &str = "\"webhook\", \"command\", \"email\" or \"stdout\"";

/// Validates every `[[channel]]`; `watch_names` are the watchlist's watches.
pub(super) fn resolve(
    raw: Vec<Spanned<RawChannel>>,
    watch_names: &[&str],
) -> Result<Vec<ChannelConfig>, ChannelError> {
    raw.into_iter()
        .map(|c| channel(c.into_inner(), watch_names))
        .collect()
}

fn channel(raw: RawChannel, watch_names: &[&str]) -> Result<ChannelConfig, ChannelError> {
    let kind_name = raw.kind.get_ref().as_str();
    // Which optional keys each kind takes, so a key meant for another kind is caught.
    let allowed: &[&str] = match kind_name {
        "webhook" => &[
            "url",
            "authorization_file",
            "authorization_credential",
            "timeout",
        ],
        "command" => &["command", "timeout"],
        "email" => &["smtp", "from", "to", "username", "password_file", "timeout"],
        "stdout" => &[],
        other => {
            return Err(err(
                raw.kind.span(),
                format!("unknown channel kind \"{other}\""),
                format!("use kind = {KINDS}"),
            ));
        }
    };
    for (key, span) in present_keys(&raw) {
        if !allowed.contains(&key) {
            return Err(err(
                span,
                format!("`{key}` is not a key of a {kind_name} channel"),
                format!(
                    "remove it, or change `kind`; a {kind_name} channel takes {}",
                    if allowed.is_empty() {
                        "only kind, events and watches".to_string()
                    } else {
                        format!("kind, events, watches and {}", allowed.join(", "))
                    }
                ),
            ));
        }
    }
    let kind = match kind_name {
        "webhook" => ChannelKind::Webhook(webhook(&raw)?),
        "command" => ChannelKind::Command(command(&raw)?),
        "email" => ChannelKind::Email(email(&raw)?),
        _ => ChannelKind::Stdout,
    };
    Ok(ChannelConfig {
        kind,
        events: raw.events.as_ref().map(events).transpose()?,
        watches: raw
            .watches
            .as_ref()
            .map(|w| watches(w, watch_names))
            .transpose()?,
    })
}

/// The kind-specific keys present in the table, with where they are.
fn present_keys(raw: &RawChannel) -> Vec<(&'static str, Range<usize>)> {
    let mut out = Vec::new();
    let mut add = |key: &'static str, span: Option<Range<usize>>| {
        if let Some(span) = span {
            out.push((key, span));
        }
    };
    add("timeout", raw.timeout.as_ref().map(Spanned::span));
    add("url", raw.url.as_ref().map(Spanned::span));
    add(
        "authorization_file",
        raw.authorization_file.as_ref().map(Spanned::span),
    );
    add(
        "authorization_credential",
        raw.authorization_credential.as_ref().map(Spanned::span),
    );
    add("command", raw.command.as_ref().map(Spanned::span));
    add("smtp", raw.smtp.as_ref().map(Spanned::span));
    add("from", raw.from.as_ref().map(Spanned::span));
    add("to", raw.to.as_ref().map(Spanned::span));
    add("username", raw.username.as_ref().map(Spanned::span));
    add(
        "password_file",
        raw.password_file.as_ref().map(Spanned::span),
    );
    out
}

fn required<'a, T>(
    value: &'a Option<Spanned<T>>,
    kind: &Spanned<String>,
    key: &str,
    example: &str,
) -> Result<&'a Spanned<T>, ChannelError> {
    value.as_ref().ok_or_else(|| {
        err(
            kind.span(),
            format!("a {} channel needs `{key}`", kind.get_ref()),
            format!("add {key} = {example}"),
        )
    })
}

fn timeout(raw: &RawChannel, default: Duration) -> Result<Duration, ChannelError> {
    match &raw.timeout {
        None => Ok(default),
        Some(value) => {
            parse_timeout(value.get_ref()).map_err(|(message, fix)| err(value.span(), message, fix))
        }
    }
}

fn webhook(raw: &RawChannel) -> Result<WebhookConfig, ChannelError> {
    let value = required(
        &raw.url,
        &raw.kind,
        "url",
        "\"https://hooks.example.org/canaryd\"",
    )?;
    let fix = "write the full http:// or https:// address the service gave you";
    let url = Url::parse(value.get_ref()).map_err(|e| {
        err(
            value.span(),
            format!("webhook `url` is not a URL: {e}"),
            fix,
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(err(
            value.span(),
            format!(
                "webhook `url` must be http:// or https://, not {}",
                url.scheme()
            ),
            fix,
        ));
    }
    if url.password().is_some() {
        return Err(err(
            value.span(),
            "webhook `url` must not contain a password",
            "put the credential in authorization_file (sent as the Authorization header)",
        ));
    }
    let authorization = match (&raw.authorization_file, &raw.authorization_credential) {
        (Some(_), Some(c)) => {
            return Err(err(
                c.span(),
                "set `authorization_file` or `authorization_credential`, not both",
                "keep the one that holds the header's value",
            ));
        }
        (Some(f), None) => Some(Secret::File(PathBuf::from(f.get_ref()))),
        (None, Some(c)) => {
            let name = c.get_ref();
            if name.is_empty() || name.contains('/') || name.starts_with('.') {
                return Err(err(
                    c.span(),
                    format!("`authorization_credential` \"{name}\" is not a credential name"),
                    "use the name given to LoadCredential= in the unit, e.g. \"webhook-token\"",
                ));
            }
            Some(Secret::Credential(name.clone()))
        }
        (None, None) => None,
    };
    Ok(WebhookConfig {
        url,
        authorization,
        timeout: timeout(raw, DEFAULT_WEBHOOK_TIMEOUT)?,
    })
}

fn command(raw: &RawChannel) -> Result<CommandConfig, ChannelError> {
    let value = required(
        &raw.command,
        &raw.kind,
        "command",
        "[\"/usr/local/bin/page-me\", \"--urgent\"]",
    )?;
    let Some(program) = value.get_ref().first() else {
        return Err(err(
            value.span(),
            "`command` is empty",
            "name the program and its arguments: command = [\"/usr/local/bin/page-me\", \"--urgent\"]",
        ));
    };
    let name = program.get_ref();
    let path = std::path::Path::new(name);
    // No shell, and no working directory anyone can rely on under systemd: a program is an
    // absolute path, or a bare name found on PATH now (not only when an alert fires).
    if !path.is_absolute() {
        if name.is_empty() || name.contains('/') {
            return Err(err(
                program.span(),
                format!("`command` program \"{name}\" is a relative path"),
                "use an absolute path such as \"/usr/local/bin/page-me\", or a program name on PATH",
            ));
        }
        if find_on_path(name).is_none() {
            return Err(err(
                program.span(),
                format!("`command` program \"{name}\" is not on PATH"),
                "use the program's absolute path",
            ));
        }
    }
    Ok(CommandConfig {
        argv: value
            .get_ref()
            .iter()
            .map(|a| a.get_ref().clone())
            .collect(),
        timeout: timeout(raw, DEFAULT_COMMAND_TIMEOUT)?,
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn events(value: &Spanned<Vec<Spanned<String>>>) -> Result<NotifySet, ChannelError> {
    let mut set = NotifySet::empty();
    for item in value.get_ref() {
        let kind: EventKind = item.get_ref().parse().map_err(|_| {
            err(
                item.span(),
                format!("`events`: unknown event kind \"{}\"", item.get_ref()),
                format!("use event kinds from: {}", notify_kinds_help()),
            )
        })?;
        set.insert(kind);
    }
    Ok(set)
}

fn watches(
    value: &Spanned<Vec<Spanned<String>>>,
    watch_names: &[&str],
) -> Result<Vec<String>, ChannelError> {
    value
        .get_ref()
        .iter()
        .map(|item| {
            let name = item.get_ref();
            if watch_names.contains(&name.as_str()) {
                Ok(name.clone())
            } else {
                Err(err(
                    item.span(),
                    format!("`watches`: no watch is named \"{name}\""),
                    "use the `name` of a [[watch]] in this watchlist",
                ))
            }
        })
        .collect()
}

/// The SMTP settings of an email channel, checked as `[email]` is.
fn email(raw: &RawChannel) -> Result<EmailConfig, ChannelError> {
    let smtp_value = required(&raw.smtp, &raw.kind, "smtp", "\"smtp://127.0.0.1:25\"")?;
    let from_value = required(
        &raw.from,
        &raw.kind,
        "from",
        "\"canaryd <canaryd@localhost>\"",
    )?;
    let to_value = required(&raw.to, &raw.kind, "to", "[\"you@example.org\"]")?;
    super::email::email(super::email::RawSmtp {
        smtp: smtp_value,
        from: from_value,
        to: to_value,
        username: raw.username.as_ref(),
        password_file: raw.password_file.as_ref(),
        timeout: raw.timeout.as_ref(),
    })
    .map_err(|(span, message, fix)| err(span, message, fix))
}

#[cfg(test)]
mod tests {
    use crate::config::{ChannelKind, Watchlist, WatchlistError};
    use std::path::Path;

    const WATCH: &str = "[[watch]]\nname = \"qubes\"\nurl = \"https://q.example/\"\n";

    fn located(text: &str) -> (usize, usize, String) {
        match Watchlist::parse(text, Path::new("w.toml")) {
            Err(WatchlistError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a located error, got {other:?}"),
        }
    }

    #[test]
    fn channels_parse_with_filters_and_defaults() {
        let text = format!(
            "[[channel]]\nkind = \"webhook\"\nurl = \"https://hooks.example.org/c\"\nauthorization_file = \"/etc/t\"\nevents = [\"removed\"]\nwatches = [\"qubes\"]\n\n\
             [[channel]]\nkind = \"command\"\ncommand = [\"/usr/local/bin/page-me\", \"--urgent\"]\ntimeout = \"5s\"\n\n{WATCH}"
        );
        let wl = Watchlist::parse(&text, Path::new("w.toml")).expect("valid");
        assert_eq!(wl.channels.len(), 2);
        let ChannelKind::Webhook(w) = &wl.channels[0].kind else {
            panic!("webhook")
        };
        assert_eq!(w.timeout, super::DEFAULT_WEBHOOK_TIMEOUT);
        assert_eq!(
            wl.channels[0].watches.as_deref(),
            Some(&["qubes".to_string()][..])
        );
        let ChannelKind::Command(c) = &wl.channels[1].kind else {
            panic!("command")
        };
        assert_eq!(c.timeout.as_secs(), 5);
    }

    #[test]
    fn channel_errors_are_located() {
        let unknown = format!(
            "[[channel]]\nkind = \"webhook\"\nurl = \"https://h.example/\"\ncolour = 1\n\n{WATCH}"
        );
        let (line, _, message) = located(&unknown);
        assert_eq!(line, 4);
        assert!(message.contains("unknown field `colour`"), "{message}");
        let watch =
            format!("[[channel]]\nkind = \"stdout\"\nwatches = [\"qubes\", \"nope\"]\n\n{WATCH}");
        assert_eq!(located(&watch).0, 3);
        assert_eq!(located(&watch).1, 21, "at the unknown name");
        let event = format!("[[channel]]\nkind = \"stdout\"\nevents = [\"deleted\"]\n\n{WATCH}");
        assert!(located(&event).2.contains("deleted"));
        let scheme =
            format!("[[channel]]\nkind = \"webhook\"\nurl = \"ftp://h.example/\"\n\n{WATCH}");
        assert_eq!(located(&scheme).0, 3);
        let empty = format!("[[channel]]\nkind = \"command\"\ncommand = []\n\n{WATCH}");
        assert!(located(&empty).2.contains("empty"));
        let relative =
            format!("[[channel]]\nkind = \"command\"\ncommand = [\"./page-me\"]\n\n{WATCH}");
        assert!(located(&relative).2.contains("relative"));
        let foreign = format!(
            "[[channel]]\nkind = \"command\"\ncommand = [\"/bin/true\"]\nurl = \"https://h.example/\"\n\n{WATCH}"
        );
        assert_eq!(located(&foreign).0, 4);
    }
}
