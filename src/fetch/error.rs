//! `FetchError`: every way a fetch can fail, what each means for retrying, and the
//! message a person reads (what failed and what to try), with URL credentials removed.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use super::charset::Format;

/// A boxed cause, kept as the error's `source()` so the whole chain can be printed.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Where in an attempt a timeout struck; it changes what the message advises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutStage {
    /// The TCP (or proxy) connection was not established within the connect timeout.
    Connect,
    /// Connected (or connecting), but no response headers arrived in time.
    Headers,
    /// Headers arrived but the body did not finish in time.
    Body { received: u64 },
}

/// Why a chain of redirects was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectProblem {
    /// The next hop is a URL already visited in this chain.
    Loop { to: String },
    /// More hops than the cap.
    TooMany { max: usize },
}

/// A failed fetch. It is never turned into an empty or partial page: callers must treat it
/// as "we do not know what the page says now".
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The attempt ran out of time (connect, headers or body).
    Timeout {
        url: String,
        after: Duration,
        stage: TimeoutStage,
    },
    /// The host name did not resolve.
    Dns {
        host: String,
        #[source]
        source: BoxError,
    },
    /// The TCP connection failed (refused, unreachable, reset while connecting).
    Connect {
        addr: String,
        refused: bool,
        #[source]
        source: BoxError,
    },
    /// The TLS handshake failed, e.g. the certificate is invalid for this host.
    Tls {
        host: String,
        #[source]
        source: BoxError,
    },
    /// The server answered with a status that carries no usable page.
    Status {
        code: u16,
        retry_after: Option<Duration>,
    },
    /// The (decompressed) body is larger than the watch's `max_body`.
    TooLarge { limit: u64, declared: Option<u64> },
    /// A redirect loop, or more redirects than allowed.
    Redirects {
        from: String,
        problem: RedirectProblem,
    },
    /// The URL, or a redirect target, uses a scheme canaryd does not fetch.
    Scheme {
        url: String,
        scheme: String,
        redirected_from: Option<String>,
    },
    /// The peer did not speak valid HTTP, or sent a body that cannot be decoded.
    Protocol {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The connection broke (closed, reset, truncated body) or a local file could not be read.
    Io {
        message: String,
        transient: bool,
        #[source]
        source: Option<BoxError>,
    },
    /// The configured proxy could not be reached or refused to relay.
    Proxy {
        proxy: String,
        target: String,
        #[source]
        source: BoxError,
    },
    /// A watch on a public address was led (by a redirect, or by its own name changing its
    /// answer) to an internal one: loopback, private, link-local, … Refused, so no page of
    /// this machine's network ends up in an alert or the evidence.
    Internal {
        /// The watch's URL.
        from: String,
        /// The redirect target (a URL, or the host name that resolved internally).
        to: String,
        addr: IpAddr,
    },
    /// A URL canaryd found in fetched content (a followed link, a signature URL derived from
    /// one), not written in the watchlist, leads to an internal address the watch does not
    /// allow (`allow_internal`). Refused before any request reaches that address.
    InternalLink { url: String, addr: IpAddr },
    /// The server changed the page's declared type but not its kind of content (an HTML
    /// document now labelled `text/plain`): see [`Page::format_change`](super::Page::format_change).
    TypeChanged {
        url: String,
        content_type: Option<String>,
        previous: Format,
        now: Format,
    },
    /// A page rendered in a browser (`render = "browser"`) could not be: no browser, a
    /// browser that would not start or answer, a page that did not finish in time.
    Browser {
        url: String,
        message: String,
        transient: bool,
    },
    /// The HTTP client could not be built (bad user agent, TLS backend, proxy URL).
    Setup {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl FetchError {
    /// What people are told: one sentence with its fix. Where that sentence already says
    /// what failed and what to try (a refused connection, a name that does not resolve, a
    /// timeout), the library's chain of causes is left to the log (`-v`); elsewhere the
    /// causes are the reason itself and stay.
    pub fn for_people(&self) -> String {
        match self {
            FetchError::Dns { .. } | FetchError::Connect { .. } | FetchError::Timeout { .. } => {
                self.to_string()
            }
            _ => crate::error_chain(self),
        }
    }

    /// This error as it concerns a found URL: the guarded resolver's refusal of the URL's own
    /// host (no redirect involved) is an [`FetchError::InternalLink`].
    pub(super) fn into_found(self, url: &url::Url) -> FetchError {
        match self {
            FetchError::Internal { to, addr, .. } if Some(to.as_str()) == url.host_str() => {
                FetchError::InternalLink {
                    url: redact(url),
                    addr,
                }
            }
            other => other,
        }
    }

    /// Whether trying again later (or within this fetch, after a pause) may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. }
            | FetchError::Dns { .. }
            | FetchError::Connect { .. }
            | FetchError::Proxy { .. } => true,
            FetchError::Status { code, .. } => matches!(code, 408 | 429 | 500..=599),
            FetchError::Io { transient, .. } | FetchError::Browser { transient, .. } => *transient,
            FetchError::Tls { .. }
            | FetchError::TooLarge { .. }
            | FetchError::Redirects { .. }
            | FetchError::Scheme { .. }
            | FetchError::Protocol { .. }
            | FetchError::TypeChanged { .. }
            | FetchError::Internal { .. }
            | FetchError::InternalLink { .. }
            | FetchError::Setup { .. } => false,
        }
    }

    /// The HTTP status, when the failure is a status.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// How long the server asked us to wait (`Retry-After`), when it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short stable word for logs, metrics and state files.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Timeout { .. } => "timeout",
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Tls { .. } => "tls",
            FetchError::Status { .. } => "status",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::Redirects { .. } => "redirects",
            FetchError::Scheme { .. } => "scheme",
            FetchError::Protocol { .. } => "protocol",
            FetchError::Io { .. } => "io",
            FetchError::Proxy { .. } => "proxy",
            FetchError::TypeChanged { .. } => "type-changed",
            FetchError::Internal { .. } | FetchError::InternalLink { .. } => "internal",
            FetchError::Setup { .. } => "setup",
            FetchError::Browser { .. } => "browser",
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Timeout { url, after, stage } => {
                let after = human_duration(*after);
                match stage {
                    TimeoutStage::Connect => write!(
                        f,
                        "timed out after {after} connecting to {url} (check the URL's host and \
                         port, and any firewall or proxy in between)"
                    ),
                    TimeoutStage::Headers => write!(
                        f,
                        "timed out after {after} waiting for {url} to answer (the server is slow \
                         or unreachable; raise timeout for this watch if it is only slow)"
                    ),
                    TimeoutStage::Body { received } => write!(
                        f,
                        "timed out after {after} reading the body of {url} ({received} bytes \
                         received; the server is sending very slowly; raise timeout for this \
                         watch if it is only slow)"
                    ),
                }
            }
            FetchError::Dns { host, .. } => write!(
                f,
                "could not resolve host name \"{host}\" (check the spelling of the URL's host \
                 and this machine's DNS)"
            ),
            FetchError::Connect {
                addr,
                refused: true,
                ..
            } => write!(
                f,
                "connection refused by {addr} (is the server up? check the URL's host and port)"
            ),
            FetchError::Connect { addr, .. } => write!(
                f,
                "could not connect to {addr} (check the URL's host and port and this machine's \
                 network; if you rely on HTTPS_PROXY/ALL_PROXY, check the proxy too)"
            ),
            FetchError::Tls { host, .. } => write!(
                f,
                "TLS handshake with {host} failed (the certificate may be expired, self-signed or \
                 for another name, or the port may not speak TLS; open the URL in a browser to \
                 see)"
            ),
            FetchError::Status { code, retry_after } => {
                write!(f, "HTTP {code}")?;
                if let Some(reason) = reqwest::StatusCode::from_u16(*code)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                {
                    write!(f, " {reason}")?;
                }
                if let Some(wait) = retry_after {
                    write!(
                        f,
                        " (the server asked to wait {} before retrying)",
                        human_duration(*wait)
                    )?;
                }
                Ok(())
            }
            FetchError::TooLarge { limit, declared } => {
                let limit = human_size(*limit);
                match declared {
                    Some(n) => write!(
                        f,
                        "response body is {n} bytes, over the {limit} limit (raise max_body for \
                         this watch if the page is really this large)"
                    ),
                    None => write!(
                        f,
                        "response body exceeded the {limit} limit (raise max_body for this watch \
                         if the page is really this large)"
                    ),
                }
            }
            FetchError::Redirects { from, problem } => match problem {
                RedirectProblem::Loop { to } => write!(
                    f,
                    "redirect loop: {from} redirects back to {to}, already visited (the site is \
                     misconfigured or expects cookies; open the URL in a browser to see)"
                ),
                RedirectProblem::TooMany { max } => write!(
                    f,
                    "more than {max} redirects after {from} (point the watch at the final URL)"
                ),
            },
            FetchError::Scheme {
                url,
                scheme,
                redirected_from: Some(from),
            } => write!(
                f,
                "{from} redirected to {url}, a \"{scheme}\" URL canaryd does not fetch (only \
                 http and https redirects are followed; point the watch at an http(s) page)"
            ),
            FetchError::Scheme { url, scheme, .. } => write!(
                f,
                "unsupported URL scheme \"{scheme}\" in {url} (use http://, https:// or file://)"
            ),
            FetchError::Protocol { message, .. }
            | FetchError::Io { message, .. }
            | FetchError::Setup { message, .. } => f.write_str(message),
            FetchError::Browser { url, message, .. } => {
                write!(f, "rendering {url} in the browser: {message}")
            }
            FetchError::Internal { from, to, addr } => write!(
                f,
                "{from} was redirected from a public address to an internal one ({addr}): {to}; \
                 refused, so that no page of this network ends up in alerts or evidence (if that \
                 page is really the canary, watch its URL directly, or allow the address for \
                 this watch: allow_internal = [\"{addr}\"])"
            ),
            FetchError::InternalLink { url, addr } => write!(
                f,
                "{url} was found in fetched content (it is not written in the watchlist) and \
                 leads to internal address {addr}; refused, so that a public page cannot make \
                 canaryd reach this machine or its network (if this watch really needs it, allow \
                 it: allow_internal = [\"{addr}\"])"
            ),
            FetchError::TypeChanged {
                url,
                content_type,
                previous,
                now,
            } => {
                let label = content_type
                    .as_deref()
                    .and_then(|t| t.split(';').next())
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .unwrap_or("no content type");
                write!(
                    f,
                    "{url} is now served as {label} (read as {now}), but the body still looks \
                     like {previous}, as the watch's last page was read; the page is not used, \
                     because reading it by the new label would report every statement removed \
                     (the server's configuration changed; it may be fixed soon)"
                )
            }
            FetchError::Proxy { proxy, target, .. } => write!(
                f,
                "could not fetch {target} through proxy {proxy} (check that the proxy is running, \
                 reachable, and allows this destination)"
            ),
        }
    }
}

/// A URL as safe to print: user name and password removed.
pub fn redact(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut clean = url.clone();
    // Both setters only fail for URLs that cannot carry credentials, which then have none.
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string()
}

/// "host:port" of a URL, for connection messages (never includes credentials).
pub fn host_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) if host.contains(':') => format!("[{host}]:{port}"),
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// "5 MiB", "64 KiB" or "1234 bytes": limits are usually round, so say them the way they were set.
pub fn human_size(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= KIB && n.is_multiple_of(KIB) {
        format!("{} KiB", n / KIB)
    } else {
        format!("{n} bytes")
    }
}

/// "5s", "1.5s", "250ms": `words::describe_brief`.
pub use crate::words::describe_brief as human_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_connection_is_one_sentence_without_the_librarys_chain() {
        let e = FetchError::Connect {
            addr: "127.0.0.1:8799".into(),
            refused: true,
            source: "error sending request: client error (Connect): tcp connect error".into(),
        };
        assert_eq!(
            e.for_people(),
            "connection refused by 127.0.0.1:8799 (is the server up? check the URL's host and port)"
        );
        assert!(
            crate::error_chain(&e).contains("tcp connect error"),
            "the chain is kept for the log (-v)"
        );
    }

    #[test]
    fn redact_removes_credentials() {
        let url = Url::parse("http://alice:s3cret@example.org:8080/canary").expect("valid url");
        let shown = redact(&url);
        assert_eq!(shown, "http://example.org:8080/canary");
        let e = FetchError::Timeout {
            url: shown,
            after: Duration::from_secs(5),
            stage: TimeoutStage::Headers,
        };
        assert!(!e.to_string().contains("s3cret"));
    }

    #[test]
    fn sizes_and_durations_read_naturally() {
        assert_eq!(human_size(5 * 1024 * 1024), "5 MiB");
        assert_eq!(human_size(64 * 1024), "64 KiB");
        assert_eq!(human_size(1000), "1000 bytes");
        assert_eq!(human_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(human_duration(Duration::from_secs(5)), "5s");
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn status_messages_and_transience() {
        let e = FetchError::Status {
            code: 404,
            retry_after: None,
        };
        assert_eq!(e.to_string(), "HTTP 404 Not Found");
        assert!(!e.is_transient());
        for code in [408, 429, 500, 502, 503, 504] {
            let e = FetchError::Status {
                code,
                retry_after: None,
            };
            assert!(e.is_transient(), "{code} should be transient");
        }
        for code in [301, 400, 401, 403, 404, 410, 451] {
            let e = FetchError::Status {
                code,
                retry_after: None,
            };
            assert!(!e.is_transient(), "{code} should be permanent");
        }
    }
}
