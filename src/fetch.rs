//! Fetching a watched page (HTTP(S) or `file://`) into a [`Page`], or a [`FetchError`].
//!
//! The one rule: a failed fetch never looks like content. Timeouts, truncated or oversized
//! bodies, bad statuses and broken connections are errors, never an empty or partial page,
//! because an empty page would read as "every statement was removed".
//!
//! Submodules: `charset` (bytes → text, HTML or text), `retry` (policy, backoff,
//! Retry-After), `http` (one HTTP attempt), `file` (`file://`), `classify` (low-level errors →
//! [`FetchError`], redirect policy), `error` ([`FetchError`] and its messages), `browser`
//! (a page rendered in headless Chromium, for `render = "browser"`).

pub mod browser;
mod charset;
mod classify;
mod error;
mod file;
mod guard;
mod http;
mod net;
mod retry;
mod tls;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use url::Url;

use crate::clock::SharedClock;

pub use charset::{Format, decode_page, format_for, sniff_format};
pub use classify::MAX_REDIRECTS;
pub use error::{FetchError, RedirectProblem, TimeoutStage, redact};
pub(crate) use file::local_page;
pub use guard::{AllowInternal, AllowInternalError, MAX_ALLOWED, Origin};
pub use net::{Network, StaticHosts, SystemResolver, is_internal};
pub use retry::{RetryPolicy, http_date, parse_http_date, parse_retry_after};

/// The default cap on a (decompressed) body.
pub const DEFAULT_MAX_BODY: u64 = 5 * 1024 * 1024;

/// Per-watch settings, already validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Total time for one attempt: connect, headers and body.
    pub timeout: Duration,
    /// Cap on the decoded (inflated) body; exceeding it is [`FetchError::TooLarge`].
    pub max_body: u64,
    /// `socks5h://`, `socks5://`, `http://` or `https://`; `None` uses the environment
    /// (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY).
    pub proxy: Option<Url>,
    pub retry: RetryPolicy,
    /// Internal addresses and names this watch's found URLs and redirects may reach
    /// (`allow_internal`); see the `guard` module.
    pub allow_internal: AllowInternal,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(30),
            max_body: DEFAULT_MAX_BODY,
            proxy: None,
            retry: RetryPolicy::default(),
            allow_internal: AllowInternal::default(),
        }
    }
}

/// The server's own validators from the last full fetch, sent back verbatim.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A complete page. Only ever built from a complete body within the cap.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    /// After redirects.
    pub final_url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    /// How the page is to be read: follows the declared type (`text/plain` is text, anything
    /// else HTML; for `file://` and untyped bodies, a `.txt` path is text).
    pub format: Format,
    /// What the bytes look like ([`sniff_format`]), whatever the label. The fetcher cannot
    /// know how the watch's last page was labelled; the caller can: see
    /// [`Page::format_change`].
    pub sniffed: Format,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Response headers as received, for evidence. reqwest removes Content-Encoding and
    /// Content-Length from responses it decompressed, so those two are absent then.
    pub headers: Vec<(String, String)>,
    /// The body after transfer decoding (inflated), before charset decoding.
    pub body: bytes::Bytes,
    /// `body` decoded to UTF-8 with `charset`: `body`'s own memory when that is the text.
    pub text: bytestring::ByteString,
    /// encoding_rs name of the charset used.
    pub charset: &'static str,
    pub fetched_at: chrono::DateTime<chrono::Utc>,
    /// Attempts made, this successful one included.
    pub attempts: u32,
    /// A rendered page (`render = "browser"`): the main document as the server sent it,
    /// kept as evidence beside the DOM the browser built from it (`body`, `text`).
    pub original: Option<Box<browser::Original>>,
}

impl Page {
    /// The failed fetch this page amounts to for a watch whose last page was read as
    /// `previous`, if the server relabelled the same kind of document: the declared format
    /// changed but the bytes still look like `previous` (an HTML page now served as
    /// `text/plain`, say). Reading it by the new label would lose the selector and report
    /// every statement removed; it is [`FetchError::TypeChanged`] instead. A page whose bytes
    /// changed kind along with the label (the canary really became a text file) is `None`:
    /// that is content, to be judged.
    pub fn format_change(&self, previous: Format) -> Option<FetchError> {
        (self.format != previous && self.sniffed == previous).then(|| FetchError::TypeChanged {
            url: error::redact(&self.final_url),
            content_type: self.content_type.clone(),
            previous,
            now: self.format,
        })
    }
}

/// What a successful fetch produced.
// A page is the usual outcome and is moved once to its consumer; boxing it would only add an
// allocation and change the agreed shape of the API.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Fetched {
    Page(Page),
    /// The server (or the file's mtime) says the page is unchanged since the validators.
    NotModified {
        final_url: Url,
        status: u16,
        fetched_at: chrono::DateTime<chrono::Utc>,
        attempts: u32,
    },
}

impl Fetched {
    fn with_attempts(mut self, n: u32) -> Fetched {
        match &mut self {
            Fetched::Page(page) => page.attempts = n,
            Fetched::NotModified { attempts, .. } => *attempts = n,
        }
        self
    }
}

/// How long a connection is kept open for reuse after its last request (reqwest's default,
/// stated): the daemon closes them at once when nothing is due for longer than this.
pub const POOL_IDLE: Duration = Duration::from_secs(90);

/// Fetches pages. Cheap to clone; keeps one HTTP client (and so one connection pool) per
/// distinct proxy setting.
#[derive(Debug, Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
    /// Stamps what was fetched and dates a `Retry-After`: the injected clock.
    clock: SharedClock,
}

#[derive(Debug)]
struct Inner {
    user_agent: String,
    connect_timeout: Duration,
    network: Network,
    /// Keyed by the proxy URL (`None` is "from the environment"), the guard and what the
    /// watch allows.
    clients: Mutex<HashMap<ClientKey, reqwest::Client>>,
}

type ClientKey = (Option<String>, Guard, AllowInternal);

/// How a client keeps a watch on a public address from being led into internal ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Guard {
    /// The watch's own URL is internal: it may go anywhere.
    Off,
    /// A public watch (or a found URL) through a proxy, which resolves names itself: literal
    /// internal addresses in redirects are refused; names are the proxy's business.
    Literals,
    /// A public watch (or a found URL) connecting directly: literal internal redirect targets
    /// are refused, and every name is resolved through `net::Guarded`, which drops internal
    /// addresses.
    Full,
}

static CRYPTO_PROVIDER: Once = Once::new();

impl Fetcher {
    /// A fetcher sending `user_agent` (see [`user_agent`]) and giving up on a TCP/proxy
    /// connection after `connect_timeout`.
    pub fn new(user_agent: &str, connect_timeout: Duration) -> Result<Self, FetchError> {
        Fetcher::with_network(user_agent, connect_timeout, Network::default())
    }

    /// [`Fetcher::new`] resolving names with `network.resolver` and judging addresses with
    /// `network.is_internal`: the seam tests use to give made-up names loopback addresses.
    pub fn with_network(
        user_agent: &str,
        connect_timeout: Duration,
        network: Network,
    ) -> Result<Self, FetchError> {
        CRYPTO_PROVIDER.call_once(|| {
            // reqwest is built without a provider; Err only means another part of the
            // process installed one first, which serves as well.
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        // Build the environment client now, so a bad user agent or TLS setup fails here.
        let env_client = http::build_client(
            user_agent,
            connect_timeout,
            None,
            network.resolver.clone(),
            None,
        )?;
        let clients = Mutex::new(HashMap::from([(
            (None, Guard::Off, AllowInternal::default()),
            env_client,
        )]));
        Ok(Fetcher {
            inner: Arc::new(Inner {
                user_agent: user_agent.to_string(),
                connect_timeout,
                network,
                clients,
            }),
            clock: crate::clock::system(),
        })
    }

    /// The same fetcher reading the time from `clock` instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> Fetcher {
        self.clock = clock;
        self
    }

    /// Closes the connections kept open for reuse: every client goes, with its pool, and
    /// the next fetch builds its client again (cheaply: the TLS setup is the process's).
    /// A fetch under way keeps its client, and its connection, until it ends. The daemon
    /// does this when it goes idle for longer than a pooled connection would live anyway;
    /// after a pass over 1,000 pages their read buffers were about 2 MB of its heap.
    pub fn close_idle_connections(&self) {
        // Poisoning only means another thread panicked mid-insert; clearing is still right.
        self.inner
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// How this fetcher resolves names and judges addresses: the browser's requests pass
    /// the same guard.
    pub fn network(&self) -> &Network {
        &self.inner.network
    }

    /// Fetches `url`, a URL written in the watchlist (or typed by the user), retrying
    /// transient failures per `opts.retry`. Sends `validators` as a conditional GET when
    /// given; a 304 (or an unchanged file mtime) is [`Fetched::NotModified`].
    pub async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
        opts: &FetchOptions,
    ) -> Result<Fetched, FetchError> {
        self.fetch_from(url, Origin::Watchlist, validators, opts)
            .await
    }

    /// [`Fetcher::fetch`] for a URL from `origin`: a [`Origin::Found`] URL that leads to an
    /// internal address the watch does not allow is refused ([`FetchError::InternalLink`]).
    pub async fn fetch_from(
        &self,
        url: &Url,
        origin: Origin,
        validators: Option<&Validators>,
        opts: &FetchOptions,
    ) -> Result<Fetched, FetchError> {
        let http = match url.scheme() {
            "http" | "https" => true,
            // A page cannot send canaryd to this machine's files.
            "file" if origin == Origin::Found => {
                return Err(FetchError::Scheme {
                    url: error::redact(url),
                    scheme: "file".into(),
                    redirected_from: None,
                });
            }
            "file" => false,
            other => {
                return Err(FetchError::Scheme {
                    url: error::redact(url),
                    scheme: other.to_string(),
                    redirected_from: None,
                });
            }
        };
        let mut failed = 0u32;
        loop {
            let result = if http {
                match self.client_for(url, origin, opts).await {
                    Ok(client) => {
                        let timeout = self.inner.connect_timeout;
                        http::get(&client, url, validators, opts, timeout, &*self.clock).await
                    }
                    Err(e) => Err(e),
                }
            } else {
                file::get(url, validators, opts, &*self.clock).await
            };
            let err = match result {
                Ok(fetched) => return Ok(fetched.with_attempts(failed + 1)),
                Err(err) if origin == Origin::Found => err.into_found(url),
                Err(err) => err,
            };
            failed += 1;
            if !err.is_transient() {
                return Err(err);
            }
            let Some(delay) = opts.retry.delay_after(failed, err.retry_after()) else {
                return Err(err);
            };
            tracing::debug!(
                url = %error::redact(url),
                kind = err.kind(),
                error = %err,
                attempt = failed,
                delay_ms = delay.as_millis() as u64,
                "transient fetch failure, retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The client for this watch's proxy setting and guard, built on first use.
    async fn client_for(
        &self,
        url: &Url,
        origin: Origin,
        opts: &FetchOptions,
    ) -> Result<reqwest::Client, FetchError> {
        let guard = self.guard_for(url, origin, opts).await?;
        let proxy = opts.proxy.as_ref();
        let allow = match guard {
            Guard::Off => AllowInternal::default(),
            _ => opts.allow_internal.clone(),
        };
        let key = (proxy.map(|p| p.as_str().to_string()), guard, allow.clone());
        // Poisoning only means another thread panicked mid-insert; the map is still usable.
        let mut clients = self
            .inner
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(client) = clients.get(&key) {
            return Ok(client.clone());
        }
        let network = &self.inner.network;
        let rule = guard::Rule {
            is_internal: network.is_internal,
            allow: Arc::new(allow),
        };
        let (resolver, internal): (Arc<dyn reqwest::dns::Resolve>, _) = match guard {
            Guard::Off => (network.resolver.clone(), None),
            Guard::Literals => (network.resolver.clone(), Some(rule)),
            Guard::Full => (
                Arc::new(net::Guarded {
                    inner: network.resolver.clone(),
                    rule: rule.clone(),
                }),
                Some(rule),
            ),
        };
        let client = http::build_client(
            &self.inner.user_agent,
            self.inner.connect_timeout,
            proxy,
            resolver,
            internal,
        )?;
        clients.insert(key, client.clone());
        Ok(client)
    }

    /// How far the address rule applies to this request. A found URL is always guarded, and
    /// refused at once when its host is a literal internal address the watch does not allow
    /// (before any proxy sees it). A watchlist URL is guarded when it is public: a host name
    /// is resolved (once per attempt) unless a proxy will resolve it, since asking local DNS
    /// about a name meant for Tor would leak it.
    async fn guard_for(
        &self,
        url: &Url,
        origin: Origin,
        opts: &FetchOptions,
    ) -> Result<Guard, FetchError> {
        let is_internal = self.inner.network.is_internal;
        let proxied = opts.proxy.is_some() || env_proxy_for(url);
        let public = if proxied {
            Guard::Literals
        } else {
            Guard::Full
        };
        if origin == Origin::Found {
            let literal = match url.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::from(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::from(ip)),
                _ => None,
            };
            let rule = guard::Rule {
                is_internal,
                allow: Arc::new(opts.allow_internal.clone()),
            };
            if let Some(addr) = literal.filter(|a| rule.refuses(None, *a)) {
                return Err(FetchError::InternalLink {
                    url: error::redact(url),
                    addr,
                });
            }
            return Ok(public);
        }
        let literal = |ip: IpAddr| if is_internal(ip) { Guard::Off } else { public };
        let name = match url.host() {
            Some(url::Host::Ipv4(ip)) => return Ok(literal(ip.into())),
            Some(url::Host::Ipv6(ip)) => return Ok(literal(ip.into())),
            Some(url::Host::Domain(name)) => name,
            None => return Ok(Guard::Off),
        };
        if proxied {
            return Ok(Guard::Literals);
        }
        let dns = |source: error::BoxError| FetchError::Dns {
            host: name.to_string(),
            source,
        };
        let parsed: reqwest::dns::Name = name
            .parse()
            .map_err(|_| dns("not a valid host name".into()))?;
        let addrs: Vec<_> = self
            .inner
            .network
            .resolver
            .resolve(parsed)
            .await
            .map_err(dns)?
            .collect();
        // Any public address makes it a public watch: the guarded client connects to those
        // only. A name with no address at all fails at connection time, as before.
        if addrs.is_empty() || addrs.iter().any(|a| !is_internal(a.ip())) {
            Ok(Guard::Full)
        } else {
            Ok(Guard::Off)
        }
    }
}

/// Whether the proxy environment variables send `url` through a proxy (NO_PROXY aside: a
/// name it exempts is then checked only as a literal address would be).
fn env_proxy_for(url: &Url) -> bool {
    let scheme = if url.scheme() == "https" {
        ["HTTPS_PROXY", "https_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy"]
    };
    scheme
        .iter()
        .chain(&["ALL_PROXY", "all_proxy"])
        .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// The honest User-Agent: "canaryd/<version> (+<repository>)".
pub fn user_agent() -> String {
    format!(
        "canaryd/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_REPOSITORY")
    )
}
