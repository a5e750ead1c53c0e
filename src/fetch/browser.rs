//! Rendering a page in headless Chromium, for a watch with `render = "browser"`: the page's
//! scripts run and the DOM they leave is returned as an ordinary [`Page`] (HTML), the body the
//! server sent kept beside it ([`Page::original`]), so the rest of a check cannot tell the
//! two apart.
//!
//! Bounded, because a browser is the heaviest thing canaryd runs: one Chromium for the whole
//! process, started on the first rendered check and closed after [`IDLE`] without one; at
//! most `browser_concurrency` pages at once; every page in a fresh browser context (no
//! cookies, cache or memory carried from one check to the next), with the watch's proxy,
//! canaryd's user agent and the requests policy of `intercept`; one wall-clock limit per page,
//! the watch's `timeout`, after which the page's context is disposed and, if the browser
//! does not answer, its whole process group is killed and reaped (`process`).

mod intercept;
mod process;
mod settle;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::fetch::{EnableParams, RequestPattern, RequestStage};
use chromiumoxide::cdp::browser_protocol::target::{
    CreateBrowserContextParams, CreateTargetParams,
};
use chromiumoxide::handler::HandlerConfig;
use futures_util::StreamExt as _;
use url::Url;

use super::{FetchError, FetchOptions, Fetched, Format, Network, Page, error};
use crate::clock::SharedClock;

pub use intercept::Original;
pub use process::{INSTALL_FIX, find};
use settle::{PENDING_SCRIPT, Settle, settle};

/// A page's browser context while it is open: the browser, the context, the browser's
/// generation (a restarted browser's contexts are not disposed through the new one).
type OpenContext = (Arc<Browser>, BrowserContextId, u64);
/// How long the browser stays up without a page to render.
pub const IDLE: Duration = Duration::from_secs(300);

/// How long the browser may take to start and open its DevTools socket.
const LAUNCH: Duration = Duration::from_secs(30);

/// How long a browser that was told to close, or a context told to go, has to answer.
const GRACE: Duration = Duration::from_secs(3);

/// `[settings]`' browser keys, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserSettings {
    /// `browser`: the executable; `None` searches PATH.
    pub path: Option<PathBuf>,
    /// `browser_concurrency`: pages rendered at once.
    pub concurrency: usize,
}

impl Default for BrowserSettings {
    fn default() -> Self {
        BrowserSettings {
            path: None,
            concurrency: 1,
        }
    }
}

/// The one browser of a process. Cheap to clone; every clone shares it.
#[derive(Debug, Clone)]
pub struct BrowserPool {
    inner: Arc<Inner>,
    /// Stamps what was rendered.
    clock: SharedClock,
}

#[derive(Debug)]
struct Inner {
    settings: Mutex<(BrowserSettings, Arc<tokio::sync::Semaphore>)>,
    /// Profiles go here (`<state>/.browser`), one per browser start, removed when it ends.
    runtime_dir: PathBuf,
    user_agent: String,
    network: Network,
    running: tokio::sync::Mutex<Option<Running>>,
    /// Bumped on every start: a page that saw browser N never kills browser N+1.
    generation: AtomicU64,
    in_flight: AtomicUsize,
    last_used: Mutex<Instant>,
}

struct Running {
    browser: Arc<Browser>,
    handler: tokio::task::JoinHandle<()>,
    process: process::Chromium,
    generation: u64,
    idle_watch: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("pgid", &self.process.pgid())
            .field("generation", &self.generation)
            .finish()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handler.abort();
        self.idle_watch.abort();
        // `process` is dropped next: its group is killed and reaped, its profile removed.
    }
}

impl BrowserPool {
    /// A pool that starts nothing until a page is rendered. `runtime_dir` holds the profile.
    pub fn new(runtime_dir: &Path, user_agent: &str, network: Network) -> BrowserPool {
        let settings = BrowserSettings::default();
        let pages = Arc::new(tokio::sync::Semaphore::new(settings.concurrency));
        BrowserPool {
            inner: Arc::new(Inner {
                settings: Mutex::new((settings, pages)),
                runtime_dir: runtime_dir.to_path_buf(),
                user_agent: user_agent.to_string(),
                network,
                running: tokio::sync::Mutex::new(None),
                generation: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                last_used: Mutex::new(Instant::now()),
            }),
            clock: crate::clock::system(),
        }
    }

    /// The same pool stamping pages with `clock` instead of the system's.
    pub fn with_clock(mut self, clock: SharedClock) -> BrowserPool {
        self.clock = clock;
        self
    }

    /// Applies the watchlist's browser settings (at start and on reload). A new path takes
    /// effect at the next browser start; a new concurrency for pages not yet waiting.
    pub fn configure(&self, settings: &BrowserSettings) {
        let mut current = lock(&self.inner.settings);
        if current.0.concurrency != settings.concurrency {
            current.1 = Arc::new(tokio::sync::Semaphore::new(settings.concurrency));
        }
        current.0 = settings.clone();
    }

    /// The browser's process group, while one runs (tests check it is gone afterwards).
    pub async fn pgid(&self) -> Option<u32> {
        self.inner
            .running
            .lock()
            .await
            .as_ref()
            .map(|r| r.process.pgid())
    }

    /// Renders `url` once; see the module's documentation. Not retried: a page that failed
    /// to render is a failed fetch, and the next check tries again.
    pub async fn render(&self, url: &Url, opts: &FetchOptions) -> Result<Fetched, FetchError> {
        let pages = Arc::clone(&lock(&self.inner.settings).1);
        let _permit = pages
            .acquire_owned()
            .await
            .map_err(|_| setup(url, "the browser is shutting down".into()))?;
        self.inner.in_flight.fetch_add(1, Ordering::SeqCst);
        let context: Arc<Mutex<Option<OpenContext>>> = Arc::default();
        // Starting the browser is bounded on its own: a cold start on a busy machine takes
        // seconds, and must not eat the page's time (nor fail a watch with a short timeout).
        let (browser, generation) = match self.browser(url).await {
            Ok(b) => b,
            Err(e) => {
                self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
                return Err(e);
            }
        };
        let started = Instant::now();
        let rendering = self.render_within(url, opts, &context, browser, generation);
        let result = tokio::time::timeout(opts.timeout, rendering).await;
        let leftover = lock(&context).take();
        if let Some((browser, id, generation)) = leftover {
            // Disposing the context closes its tab and frees its renderer. A browser that
            // cannot do that much in a few seconds is hung: the whole group goes.
            let disposed =
                tokio::time::timeout(GRACE, browser.dispose_browser_context(id.clone())).await;
            if !matches!(disposed, Ok(Ok(()))) {
                tracing::warn!(url = %error::redact(url), "the browser did not close a page; killing it");
                self.kill(generation).await;
            }
        }
        *lock(&self.inner.last_used) = Instant::now();
        self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        match result {
            Ok(r) => r,
            Err(_) => Err(FetchError::Browser {
                url: error::redact(url),
                message: format!(
                    "the page did not finish rendering within the watch's timeout ({}s); its tab was closed",
                    started.elapsed().as_secs()
                ),
                transient: true,
            }),
        }
    }

    async fn render_within(
        &self,
        url: &Url,
        opts: &FetchOptions,
        context: &Mutex<Option<(Arc<Browser>, BrowserContextId, u64)>>,
        browser: Arc<Browser>,
        generation: u64,
    ) -> Result<Fetched, FetchError> {
        let cdp = |what: &str, e: chromiumoxide::error::CdpError| FetchError::Browser {
            url: error::redact(url),
            message: format!("{what}: {e}"),
            transient: true,
        };
        let proxy = proxy_for(url, opts)?;
        let params = CreateBrowserContextParams {
            dispose_on_detach: Some(true),
            proxy_bypass_list: proxy.as_ref().map(|_| "<-loopback>".to_string()),
            proxy_server: proxy,
            ..Default::default()
        };
        let id = browser
            .create_browser_context(params)
            .await
            .map_err(|e| cdp("the browser did not open a context", e))?;
        *lock(context) = Some((Arc::clone(&browser), id.clone(), generation));
        let mut target = CreateTargetParams::new("about:blank");
        target.browser_context_id = Some(id);
        let tab = browser
            .new_page(target)
            .await
            .map_err(|e| cdp("the browser did not open a tab", e))?;
        tab.set_user_agent(self.inner.user_agent.as_str())
            .await
            .map_err(|e| cdp("the browser refused the user agent", e))?;
        let paused = tab
            .event_listener::<chromiumoxide::cdp::browser_protocol::fetch::EventRequestPaused>()
            .await
            .map_err(|e| cdp("the browser did not report requests", e))?;
        let pattern = RequestPattern {
            url_pattern: Some("*".into()),
            request_stage: Some(RequestStage::Request),
            ..Default::default()
        };
        tab.execute(EnableParams {
            patterns: Some(vec![pattern]),
            handle_auth_requests: None,
        })
        .await
        .map_err(|e| cdp("the browser did not intercept requests", e))?;
        let seen = Arc::new(Mutex::new(intercept::Seen::default()));
        let rules = intercept::Rules {
            max_body: opts.max_body,
            guard: self.guard(url, opts),
        };
        let own = url.host_str().map(str::to_string).into_iter().collect();
        let interceptor = tokio::spawn(intercept::run(
            tab.clone(),
            paused,
            rules,
            own,
            Arc::clone(&seen),
        ));
        let _stop_interceptor = AbortOnDrop(interceptor);
        tab.evaluate_on_new_document(PENDING_SCRIPT)
            .await
            .map_err(|e| cdp("the browser refused the request counter", e))?;
        let navigated = tab.goto(url.as_str()).await;
        if let Some(stop) = lock(&seen).stop.take() {
            return Err(stopped(url, stop));
        }
        if let Err(e) = navigated {
            return Err(cdp("the page did not load", e));
        }
        let html = settle(&tab, opts).await.map_err(|e| match e {
            Settle::TooLarge => FetchError::TooLarge {
                limit: opts.max_body,
                declared: None,
            },
            Settle::Cdp(e) => cdp("the page could not be read", e),
        })?;
        let final_url = tab
            .url()
            .await
            .ok()
            .flatten()
            .and_then(|u| Url::parse(&u).ok())
            .unwrap_or_else(|| url.clone());
        let seen = std::mem::take(&mut *lock(&seen));
        if let Some(stop) = seen.stop {
            return Err(stopped(url, stop));
        }
        let original = seen.original;
        let status = original.as_ref().map_or(200, |o| o.status);
        if !(200..300).contains(&status) {
            return Err(FetchError::Status {
                code: status,
                retry_after: None,
            });
        }
        if original.is_none() && matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Browser {
                url: error::redact(url),
                message: "the browser showed a page without a response from the server (a network error page?)".into(),
                transient: true,
            });
        }
        tracing::debug!(url = %error::redact(url), requests = seen.requests, blocked = seen.blocked, "page rendered");
        let body = bytes::Bytes::from(html.clone().into_bytes());
        Ok(Fetched::Page(Page {
            url: url.clone(),
            final_url,
            status,
            content_type: Some("text/html; charset=utf-8".into()),
            format: Format::Html,
            sniffed: Format::Html,
            etag: None,
            last_modified: None,
            headers: original
                .as_ref()
                .map(|o| o.headers.clone())
                .unwrap_or_default(),
            body,
            text: html.into(),
            charset: "UTF-8",
            fetched_at: self.clock.now(),
            attempts: 1,
            original: original.map(Box::new),
        }))
    }

    /// The running browser, started (within [`LAUNCH`]) if none runs.
    async fn browser(&self, url: &Url) -> Result<(Arc<Browser>, u64), FetchError> {
        let within = LAUNCH;
        let mut running = self.inner.running.lock().await;
        if let Some(r) = running.as_mut() {
            // A browser that died under us (OOM killer, crash) is replaced.
            if r.handler.is_finished() {
                tracing::warn!("the browser exited; starting it again");
                *running = None;
            } else {
                return Ok((Arc::clone(&r.browser), r.generation));
            }
        }
        let path = lock(&self.inner.settings).0.path.clone();
        let program =
            find(path.as_deref()).map_err(|why| setup(url, format!("{why}; {INSTALL_FIX}")))?;
        let (mut process, ws) = process::Chromium::start(&program, &self.inner.runtime_dir, within)
            .await
            .map_err(|why| setup(url, why.to_string()))?;
        let config = HandlerConfig {
            // Every page has its own deadline; this only bounds one DevTools command.
            request_timeout: Duration::from_secs(60),
            ..HandlerConfig::default()
        };
        let connecting = tokio::time::timeout(within, Browser::connect_with_config(ws, config));
        let (browser, mut handler) = match connecting.await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                process.kill();
                return Err(setup(
                    url,
                    format!("cannot drive the browser over DevTools: {e}"),
                ));
            }
            Err(_) => {
                process.kill();
                return Err(setup(
                    url,
                    "the browser's DevTools socket did not answer".into(),
                ));
            }
        };
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if let Err(e) = event {
                    tracing::debug!(error = %e, "browser connection");
                }
            }
        });
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::info!(browser = %program.display(), pgid = process.pgid(), "browser started");
        let idle_watch = tokio::spawn(close_when_idle(Arc::downgrade(&self.inner), generation));
        let browser = Arc::new(browser);
        *running = Some(Running {
            browser: Arc::clone(&browser),
            handler,
            process,
            generation,
            idle_watch,
        });
        Ok((browser, generation))
    }

    /// Kills browser `generation` (if it still runs): its group, its profile.
    async fn kill(&self, generation: u64) {
        let mut running = self.inner.running.lock().await;
        if running.as_ref().is_some_and(|r| r.generation == generation)
            && let Some(mut r) = running.take()
        {
            let status = r.process.kill();
            tracing::warn!(pgid = r.process.pgid(), %status, "browser killed");
        }
    }

    /// Closes the browser, if one runs: asked politely, then its whole group killed and
    /// reaped (children left by a browser that did exit included), its profile removed.
    pub async fn shutdown(&self) {
        let taken = self.inner.running.lock().await.take();
        if let Some(r) = taken {
            close(r).await;
        }
    }

    /// The address guard for a page's requests: off for a watch whose own address is
    /// internal, as for an ordinary fetch.
    fn guard(&self, url: &Url, opts: &FetchOptions) -> Option<intercept::Guard> {
        let is_internal = self.inner.network.is_internal;
        let internal_watch = match url.host() {
            Some(url::Host::Ipv4(ip)) => is_internal(ip.into()),
            Some(url::Host::Ipv6(ip)) => is_internal(ip.into()),
            Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            None => true,
        };
        (!internal_watch).then(|| intercept::Guard {
            network: self.inner.network.clone(),
            proxied: opts.proxy.is_some() || super::env_proxy_for(url),
        })
    }
}

async fn close(mut r: Running) {
    let pgid = r.process.pgid();
    let asked = tokio::time::timeout(
        GRACE,
        r.browser
            .execute(chromiumoxide::cdp::browser_protocol::browser::CloseParams::default()),
    )
    .await;
    if matches!(asked, Ok(Ok(_))) {
        r.process.exited_within(GRACE).await;
    }
    // Killing the group also reaches whatever the leader left behind when it exited.
    r.process.kill();
    tracing::info!(pgid, "browser closed");
}

/// Closes browser `generation` once it has had no page for [`IDLE`].
async fn close_when_idle(inner: std::sync::Weak<Inner>, generation: u64) {
    let step = IDLE / 10;
    loop {
        tokio::time::sleep(step).await;
        let Some(inner) = inner.upgrade() else { return };
        if inner.in_flight.load(Ordering::SeqCst) > 0 || lock(&inner.last_used).elapsed() < IDLE {
            continue;
        }
        let mut running = inner.running.lock().await;
        if running.as_ref().is_some_and(|r| r.generation == generation)
            && let Some(mut r) = running.take()
        {
            drop(running);
            // This task is the one `Running` would abort: detach it first.
            r.idle_watch = tokio::spawn(async {});
            tracing::info!(
                "closing the browser after {}s without a page",
                IDLE.as_secs()
            );
            close(r).await;
        }
        return;
    }
}

/// The proxy a page's context uses, in Chromium's words: the watch's, else the
/// environment's (as for an ordinary fetch). Chromium resolves names through a SOCKS5
/// proxy itself, so `socks5h` (Tor) is `socks5` to it.
fn proxy_for(url: &Url, opts: &FetchOptions) -> Result<Option<String>, FetchError> {
    let from_env = || {
        let names: &[&str] = if url.scheme() == "https" {
            &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        } else {
            &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
        };
        names
            .iter()
            .filter_map(std::env::var_os)
            .find(|v| !v.is_empty())
            .and_then(|v| Url::parse(&v.to_string_lossy()).ok())
    };
    let Some(proxy) = opts.proxy.clone().or_else(from_env) else {
        return Ok(None);
    };
    if !proxy.username().is_empty() || proxy.password().is_some() {
        return Err(FetchError::Proxy {
            proxy: error::redact(&proxy),
            target: error::redact(url),
            source: "Chromium cannot use a proxy that needs a user name or password".into(),
        });
    }
    let scheme = match proxy.scheme() {
        "socks5h" | "socks5" => "socks5",
        other => other,
    };
    let host = proxy.host_str().unwrap_or_default();
    Ok(Some(match proxy.port_or_known_default() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }))
}

fn stopped(url: &Url, stop: intercept::Stop) -> FetchError {
    match stop {
        intercept::Stop::TooLarge { limit, declared } => FetchError::TooLarge { limit, declared },
        intercept::Stop::Internal { to, addr } => FetchError::Internal {
            from: error::redact(url),
            to,
            addr,
        },
        intercept::Stop::Unreadable(message) => FetchError::Browser {
            url: error::redact(url),
            message,
            transient: true,
        },
    }
}

fn setup(url: &Url, message: String) -> FetchError {
    FetchError::Browser {
        url: error::redact(url),
        message,
        transient: false,
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Poisoning only means a panic elsewhere mid-update; the values are still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}
