//! What a rendered page may load. Every request the page makes is paused (`Fetch.enable`)
//! and let through only if the text needs it: the page's documents, scripts and the data
//! they fetch; never images, fonts or media; from other hosts only scripts and data; nothing
//! on an internal address unless the watch itself is internal (the address guard every URL
//! not written in the watchlist passes); no more than [`MAX_REQUESTS`]. The main document's
//! response is held at the response stage so that the body the server sent is kept as
//! evidence beside the rendered DOM, and so that the body cap applies to it.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use chromiumoxide::Page as Tab;
use chromiumoxide::cdp::browser_protocol::fetch::{
    ContinueRequestParams, EventRequestPaused, FailRequestParams, GetResponseBodyParams,
    HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use futures_util::StreamExt as _;
use url::Url;

use crate::fetch::Network;

/// Requests one page may make; past this every request fails. A page that needs hundreds of
/// scripts to show a canary is not worth rendering further.
pub const MAX_REQUESTS: usize = 300;

/// The verdict on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allow,
    /// Not needed for text: images, fonts, media, beacons, cross-host styles and frames.
    NotNeeded,
    /// Past [`MAX_REQUESTS`].
    TooMany,
    /// A scheme the browser may not load for a watch.
    Scheme,
}

/// The rule, pure: `own` is whether the request goes to the page's own host (the watch's, or
/// one its main document was redirected to); `seen` counts the requests before this one.
pub fn verdict(url: &Url, kind: &ResourceType, own: bool, seen: usize) -> Verdict {
    if seen >= MAX_REQUESTS {
        return Verdict::TooMany;
    }
    if !matches!(url.scheme(), "http" | "https" | "file" | "data" | "blob") {
        return Verdict::Scheme;
    }
    use ResourceType as R;
    match kind {
        R::Image
        | R::Media
        | R::Font
        | R::TextTrack
        | R::Manifest
        | R::Ping
        | R::CspViolationReport
        | R::Prefetch
        | R::SignedExchange
        | R::FedCm => Verdict::NotNeeded,
        R::Script | R::Xhr | R::Fetch | R::Preflight => Verdict::Allow,
        R::Document | R::Stylesheet | R::EventSource | R::WebSocket | R::Other => {
            if own {
                Verdict::Allow
            } else {
                Verdict::NotNeeded
            }
        }
    }
}

/// The main document's response as the server sent it.
#[derive(Debug, Clone)]
pub struct Original {
    pub url: Url,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

/// Why the page could not be rendered, found while intercepting.
#[derive(Debug, Clone)]
pub enum Stop {
    TooLarge { limit: u64, declared: Option<u64> },
    Internal { to: String, addr: IpAddr },
    Unreadable(String),
}

/// What the interception saw, read by the renderer once the page settled.
#[derive(Debug, Default)]
pub struct Seen {
    pub original: Option<Original>,
    pub stop: Option<Stop>,
    pub requests: usize,
    pub blocked: usize,
}

/// What the interceptor needs to know about the watch.
#[derive(Clone)]
pub struct Rules {
    pub max_body: u64,
    /// The guard: `None` when the watch's own address is internal (it may go anywhere).
    pub guard: Option<Guard>,
}

/// How addresses are judged for a public watch.
#[derive(Clone)]
pub struct Guard {
    pub network: Network,
    /// Through a proxy, names are the proxy's to resolve (asking local DNS would leak a
    /// name meant for Tor): only literal addresses are judged.
    pub proxied: bool,
}

/// Handles every paused request of `tab` until its event stream ends (the tab closed).
pub async fn run(
    tab: Tab,
    mut events: chromiumoxide::listeners::EventStream<EventRequestPaused>,
    rules: Rules,
    own_hosts: Vec<String>,
    seen: Arc<Mutex<Seen>>,
) {
    let main_frame = tab.target_id().inner().clone();
    let mut own_hosts = own_hosts;
    while let Some(event) = events.next().await {
        let id = event.request_id.clone();
        let response_stage =
            event.response_status_code.is_some() || event.response_error_reason.is_some();
        let outcome = if response_stage {
            response(&tab, &event, &rules, &seen).await
        } else {
            let url = Url::parse(&event.request.url).ok();
            let main_document = event.resource_type == ResourceType::Document
                && event.frame_id.inner() == &main_frame;
            if main_document && let Some(host) = url.as_ref().and_then(Url::host_str) {
                // A redirect of the main document moves the page's own host with it.
                if !own_hosts.iter().any(|h| h == host) {
                    own_hosts.push(host.to_string());
                }
            }
            let n = {
                let mut s = lock(&seen);
                s.requests += 1;
                s.requests - 1
            };
            let own = url
                .as_ref()
                .and_then(Url::host_str)
                .is_none_or(|h| own_hosts.iter().any(|o| o == h));
            let verdict = match &url {
                Some(u) => verdict(u, &event.resource_type, own, n),
                None => Verdict::Scheme,
            };
            let refused = match (&url, verdict, &rules.guard) {
                (Some(u), Verdict::Allow, Some(g)) => internal(u, g).await,
                _ => None,
            };
            if let Some((to, addr)) = refused {
                if main_document {
                    lock(&seen).stop.get_or_insert(Stop::Internal { to, addr });
                }
                tab.execute(FailRequestParams::new(id, ErrorReason::AddressUnreachable))
                    .await
                    .map(|_| ())
            } else if verdict == Verdict::Allow {
                let mut params = ContinueRequestParams::new(id);
                params.intercept_response = main_document.then_some(true);
                tab.execute(params).await.map(|_| ())
            } else {
                lock(&seen).blocked += 1;
                tracing::trace!(url = %event.request.url, ?verdict, "browser request blocked");
                tab.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                    .await
                    .map(|_| ())
            }
        };
        if let Err(e) = outcome {
            // The tab is closing, or the browser stopped answering: the renderer's own
            // deadline decides what that means.
            tracing::debug!(error = %e, "browser request interception stopped");
            break;
        }
    }
}

/// The main document's response: kept (within the body cap) and let through.
async fn response(
    tab: &Tab,
    event: &EventRequestPaused,
    rules: &Rules,
    seen: &Mutex<Seen>,
) -> Result<(), chromiumoxide::error::CdpError> {
    let id = event.request_id.clone();
    let status = event.response_status_code.unwrap_or(0);
    let headers: Vec<(String, String)> = event
        .response_headers
        .iter()
        .flatten()
        .map(|HeaderEntry { name, value }| (name.clone(), value.clone()))
        .collect();
    if (300..400).contains(&status) || event.response_error_reason.is_some() {
        return tab
            .execute(ContinueRequestParams::new(id))
            .await
            .map(|_| ());
    }
    let declared = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|d| d > rules.max_body) {
        lock(seen).stop = Some(Stop::TooLarge {
            limit: rules.max_body,
            declared,
        });
        return tab
            .execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
            .await
            .map(|_| ());
    }
    let body = match tab.execute(GetResponseBodyParams::new(id.clone())).await {
        Ok(r) if r.result.base64_encoded => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(&r.result.body)
                .map_err(|e| format!("the browser sent an undecodable body: {e}"))
        }
        Ok(r) => Ok(r.result.body.clone().into_bytes()),
        Err(e) => Err(format!("the browser could not read the response body: {e}")),
    };
    match body {
        Ok(b) if b.len() as u64 > rules.max_body => {
            lock(seen).stop = Some(Stop::TooLarge {
                limit: rules.max_body,
                declared,
            });
            tab.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
                .await
                .map(|_| ())
        }
        Ok(b) => {
            if let Ok(url) = Url::parse(&event.request.url) {
                lock(seen).original = Some(Original {
                    url,
                    status: u16::try_from(status).unwrap_or(0),
                    headers,
                    body: bytes::Bytes::from(b),
                });
            }
            tab.execute(ContinueRequestParams::new(id))
                .await
                .map(|_| ())
        }
        Err(why) => {
            lock(seen).stop = Some(Stop::Unreadable(why));
            tab.execute(FailRequestParams::new(id, ErrorReason::Failed))
                .await
                .map(|_| ())
        }
    }
}

/// The internal address `url` leads to, for a public watch.
async fn internal(url: &Url, guard: &Guard) -> Option<(String, IpAddr)> {
    let is_internal = guard.network.is_internal;
    let host = url.host()?;
    let redacted = crate::fetch::redact(url);
    match host {
        url::Host::Ipv4(ip) => is_internal(ip.into()).then(|| (redacted, ip.into())),
        url::Host::Ipv6(ip) => is_internal(ip.into()).then(|| (redacted, ip.into())),
        url::Host::Domain(_) if guard.proxied => None,
        url::Host::Domain(name) => {
            let parsed: reqwest::dns::Name = name.parse().ok()?;
            let resolving = guard.network.resolver.resolve(parsed);
            // Chromium resolves again on its own; a name that answers internally here is
            // refused, one that fails to resolve fails in the browser too.
            let addrs = tokio::time::timeout(std::time::Duration::from_secs(10), resolving)
                .await
                .ok()?
                .ok()?;
            addrs
                .map(|a| a.ip())
                .find(|ip| is_internal(*ip))
                .map(|ip| (redacted, ip))
        }
    }
}

fn lock(seen: &Mutex<Seen>) -> std::sync::MutexGuard<'_, Seen> {
    // A panic elsewhere while holding it leaves counts, still usable.
    seen.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_needs_documents_scripts_and_data_never_images_fonts_or_media() {
        let u = |s: &str| Url::parse(s).expect("url");
        let page = u("https://example.org/canary");
        for (kind, own, want) in [
            (ResourceType::Document, true, Verdict::Allow),
            (ResourceType::Script, false, Verdict::Allow),
            (ResourceType::Fetch, false, Verdict::Allow),
            (ResourceType::Xhr, true, Verdict::Allow),
            (ResourceType::Stylesheet, true, Verdict::Allow),
            (ResourceType::Stylesheet, false, Verdict::NotNeeded),
            (ResourceType::Document, false, Verdict::NotNeeded),
            (ResourceType::Image, true, Verdict::NotNeeded),
            (ResourceType::Font, true, Verdict::NotNeeded),
            (ResourceType::Media, false, Verdict::NotNeeded),
            (ResourceType::Ping, true, Verdict::NotNeeded),
        ] {
            assert_eq!(verdict(&page, &kind, own, 0), want, "{kind:?} own={own}");
        }
        assert_eq!(
            verdict(&page, &ResourceType::Script, true, MAX_REQUESTS),
            Verdict::TooMany
        );
        assert_eq!(
            verdict(&u("ftp://example.org/x"), &ResourceType::Other, true, 0),
            Verdict::Scheme
        );
    }

    #[tokio::test]
    async fn a_public_watch_may_not_reach_internal_addresses() {
        let guard = Guard {
            network: Network::default(),
            proxied: true,
        };
        let u = |s: &str| Url::parse(s).expect("url");
        assert!(
            internal(&u("http://127.0.0.1:631/"), &guard)
                .await
                .is_some()
        );
        assert!(internal(&u("http://[::1]/"), &guard).await.is_some());
        assert!(
            internal(&u("http://169.254.169.254/latest/"), &guard)
                .await
                .is_some()
        );
        assert!(
            internal(&u("https://93.184.215.14/"), &guard)
                .await
                .is_none()
        );
        // Through a proxy, names are not resolved locally.
        assert!(internal(&u("http://localhost/"), &guard).await.is_none());
    }
}
