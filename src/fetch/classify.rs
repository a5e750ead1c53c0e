//! Mapping reqwest/hyper/rustls/io errors onto [`FetchError`], and the redirect policy whose
//! own refusals (loop, too many, bad scheme) are recognised here by type.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::redirect;
use url::Url;

use super::error::{FetchError, RedirectProblem, TimeoutStage, host_port, redact};
use super::net::InternalAddress;

/// Redirect hops allowed before giving up.
pub const MAX_REDIRECTS: usize = 10;

/// Why our redirect policy stopped a chain; travels inside reqwest's error as its source.
#[derive(Debug, Clone)]
pub(super) enum RedirectRefused {
    Scheme {
        from: String,
        to: String,
        scheme: String,
    },
    Loop {
        from: String,
        to: String,
    },
    TooMany {
        from: String,
    },
    Internal {
        from: String,
        to: String,
        addr: IpAddr,
    },
}

impl fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectRefused::Scheme { to, .. } => write!(f, "redirect to non-HTTP URL {to}"),
            RedirectRefused::Loop { to, .. } => write!(f, "redirect loop back to {to}"),
            RedirectRefused::TooMany { .. } => write!(f, "more than {MAX_REDIRECTS} redirects"),
            RedirectRefused::Internal { to, addr, .. } => {
                write!(f, "redirect to internal address {addr} ({to})")
            }
        }
    }
}

impl StdError for RedirectRefused {}

impl From<RedirectRefused> for FetchError {
    fn from(r: RedirectRefused) -> FetchError {
        match r {
            RedirectRefused::Scheme { from, to, scheme } => FetchError::Scheme {
                url: to,
                scheme,
                redirected_from: Some(from),
            },
            RedirectRefused::Loop { from, to } => FetchError::Redirects {
                from,
                problem: RedirectProblem::Loop { to },
            },
            RedirectRefused::TooMany { from } => FetchError::Redirects {
                from,
                problem: RedirectProblem::TooMany { max: MAX_REDIRECTS },
            },
            RedirectRefused::Internal { from, to, addr } => FetchError::Internal { from, to, addr },
        }
    }
}

/// Like `redirect::Policy::limited(MAX_REDIRECTS)`, but a loop or a non-HTTP(S) target is
/// refused at once with its own explanation instead of "too many redirects" or a builder error.
/// With `guard` (a guarded client, see `guard`), a target whose host is a literal internal
/// address is refused too; internal *names* are the resolver's to refuse (`net::Guarded`).
pub(super) fn redirect_policy(guard: Option<super::guard::Rule>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        let next = attempt.url();
        let previous = attempt.previous();
        let from = previous.last().map(redact).unwrap_or_default();
        if !matches!(next.scheme(), "http" | "https") {
            let refused = RedirectRefused::Scheme {
                from,
                to: redact(next),
                scheme: next.scheme().to_string(),
            };
            return attempt.error(refused);
        }
        let literal = match next.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let (Some(addr), Some(rule)) = (literal, &guard)
            && rule.refuses(None, addr)
        {
            let from = previous.first().map(redact).unwrap_or_default();
            let to = redact(next);
            return attempt.error(RedirectRefused::Internal { from, to, addr });
        }
        if previous.iter().any(|seen| same_resource(seen, next)) {
            let to = redact(next);
            return attempt.error(RedirectRefused::Loop { from, to });
        }
        // `previous` starts with the original URL, so it holds one more than the hops so far.
        if previous.len() > MAX_REDIRECTS {
            let from = previous.first().map(redact).unwrap_or_default();
            return attempt.error(RedirectRefused::TooMany { from });
        }
        attempt.follow()
    })
}

/// Fragments never reach the server, so they cannot break a loop.
fn same_resource(a: &Url, b: &Url) -> bool {
    let mut a = a.clone();
    let mut b = b.clone();
    a.set_fragment(None);
    b.set_fragment(None);
    a == b
}

/// What the attempt was doing, to word the error.
pub(super) struct Context<'a> {
    pub url: &'a Url,
    pub proxy: Option<&'a Url>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Body bytes received so far, when the error came while reading the body.
    pub body_received: Option<u64>,
}

/// Turns a reqwest error into the most specific [`FetchError`] its cause chain supports.
pub(super) fn classify(err: reqwest::Error, cx: &Context<'_>) -> FetchError {
    // reqwest puts the URL, credentials included, in its Display: drop it, we say it ourselves.
    let err = err.without_url();
    if let Some(refused) = find::<RedirectRefused>(&err) {
        return refused.clone().into();
    }
    if let Some(InternalAddress { host, addr }) = find::<InternalAddress>(&err) {
        return FetchError::Internal {
            from: redact(cx.url),
            to: host.clone(),
            addr: *addr,
        };
    }
    let url = redact(cx.url);
    let target = host_port(cx.url);
    if err.is_timeout() {
        let (after, stage) = if err.is_connect() {
            (cx.connect_timeout, TimeoutStage::Connect)
        } else {
            match cx.body_received {
                Some(received) => (cx.timeout, TimeoutStage::Body { received }),
                None => (cx.timeout, TimeoutStage::Headers),
            }
        };
        return FetchError::Timeout { url, after, stage };
    }
    if find::<rustls::Error>(&err).is_some() {
        let host = cx.url.host_str().unwrap_or("?").to_string();
        return FetchError::Tls {
            host,
            source: Box::new(err),
        };
    }
    if err.is_connect() || err.is_dns() {
        if let Some(proxy) = cx.proxy {
            return FetchError::Proxy {
                proxy: redact(proxy),
                target: url,
                source: Box::new(err),
            };
        }
        if err.is_dns() {
            let host = cx.url.host_str().unwrap_or("?").to_string();
            return FetchError::Dns {
                host,
                source: Box::new(err),
            };
        }
        let refused = io_kind(&err) == Some(io::ErrorKind::ConnectionRefused);
        return FetchError::Connect {
            addr: target,
            refused,
            source: Box::new(err),
        };
    }
    if let Some(h) = find::<hyper::Error>(&err) {
        if h.is_parse() || h.is_parse_status() || h.is_parse_too_large() {
            return FetchError::Protocol {
                message: format!(
                    "{target} did not answer with valid HTTP (is this port really a web server? \
                     is it an https site fetched with http://?)"
                ),
                source: Some(Box::new(err)),
            };
        }
        if h.is_incomplete_message() {
            return FetchError::Io {
                message: format!(
                    "{target} closed the connection before sending a complete response (the \
                     server crashed or dropped the request; it may work next time)"
                ),
                transient: true,
                source: Some(Box::new(err)),
            };
        }
    }
    let received = cx.body_received.unwrap_or(0);
    match io_kind(&err) {
        // hyper's own EOF: fewer body bytes than Content-Length or the chunking promised.
        Some(io::ErrorKind::UnexpectedEof) if find::<hyper::Error>(&err).is_some() => {
            return FetchError::Io {
                message: format!(
                    "{url} ended after {received} body bytes, before the end the server \
                     announced (a truncated page is not used; it may work next time)"
                ),
                transient: true,
                source: Some(Box::new(err)),
            };
        }
        // The decompressor's EOF: the transfer ended in the middle of the gzip/brotli stream.
        Some(io::ErrorKind::UnexpectedEof) => {
            return FetchError::Io {
                message: format!(
                    "the compressed body of {url} ended in the middle of the compressed stream \
                     (the transfer was cut short or the server sent a truncated gzip or brotli \
                     stream; a truncated page is not used)"
                ),
                transient: true,
                source: Some(Box::new(err)),
            };
        }
        Some(
            io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe,
        ) => {
            return FetchError::Io {
                message: format!(
                    "the connection to {target} was reset (the server or something in between \
                     dropped it; it may work next time)"
                ),
                transient: true,
                source: Some(Box::new(err)),
            };
        }
        _ => {}
    }
    if err.is_decode() || (cx.body_received.is_some() && io_kind(&err).is_some()) {
        return FetchError::Protocol {
            message: format!(
                "the body of {url} could not be decoded (the server sent a corrupt gzip or \
                 brotli stream)"
            ),
            source: Some(Box::new(err)),
        };
    }
    FetchError::Io {
        message: format!("fetching {url} failed"),
        transient: true,
        source: Some(Box::new(err)),
    }
}

/// The first error of type `T` in the cause chain, looking inside `io::Error` wrappers too.
pub(super) fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    chain(err).find_map(|e| e.downcast_ref::<T>())
}

/// The kind of the deepest `io::Error` in the chain that says something specific.
fn io_kind(err: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    chain(err)
        .filter_map(|e| e.downcast_ref::<io::Error>())
        .map(io::Error::kind)
        .filter(|k| *k != io::ErrorKind::Other)
        .last()
}

/// Walks `source()`, but steps into an `io::Error`'s wrapped error itself: std's
/// `io::Error::source` skips it, and that is where rustls and hyper put their errors.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(err);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}
