//! One HTTP(S) attempt: building a client, the conditional GET, the status decision, and
//! reading the body under a byte cap and a deadline.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use reqwest::Client;
use reqwest::dns::Resolve;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::time::{Instant, timeout_at};
use url::Url;

use super::charset::{Format, decode_page, format_for, sniff_format};
use super::classify::{Context, classify, redirect_policy};
use super::error::{FetchError, TimeoutStage, redact};
use super::retry::parse_retry_after;
use super::{FetchOptions, Fetched, Page, Validators};
use crate::clock::Clock;

/// Encodings the client decodes itself (and so advertises in Accept-Encoding).
const DECODED_ENCODINGS: [&str; 3] = ["gzip", "br", "identity"];

/// Builds a client: honest User-Agent, gzip+brotli, connect timeout, our redirect policy, and
/// either the given proxy or the environment's (HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY).
/// Its TLS setup is the process's one ([`tls::config`](super::tls::config)), whose roots are
/// loaded on the first https handshake.
pub(super) fn build_client(
    user_agent: &str,
    connect_timeout: Duration,
    proxy: Option<&Url>,
    resolver: Arc<dyn Resolve>,
    guard: Option<super::guard::Rule>,
) -> Result<Client, FetchError> {
    base_builder(user_agent, connect_timeout, proxy, resolver, guard)?
        .tls_backend_preconfigured(super::tls::config().clone())
        .build()
        .map_err(setup_error)
}

fn setup_error(e: reqwest::Error) -> FetchError {
    FetchError::Setup {
        message: "could not set up the HTTP client (check the user agent and TLS setup)".into(),
        source: Some(Box::new(e.without_url())),
    }
}

/// Everything about a client but its TLS roots.
fn base_builder(
    user_agent: &str,
    connect_timeout: Duration,
    proxy: Option<&Url>,
    resolver: Arc<dyn Resolve>,
    guard: Option<super::guard::Rule>,
) -> Result<reqwest::ClientBuilder, FetchError> {
    let mut builder = Client::builder()
        .dns_resolver(resolver)
        .user_agent(user_agent)
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(super::POOL_IDLE)
        .redirect(redirect_policy(guard))
        .gzip(true)
        .brotli(true)
        // The page we came from is none of the next host's business.
        .referer(false);
    if let Some(proxy) = proxy {
        let shown = redact(proxy);
        let p = reqwest::Proxy::all(proxy.as_str()).map_err(|e| FetchError::Setup {
            message: format!(
                "invalid proxy {shown} (use socks5h://, socks5://, http:// or https://)"
            ),
            source: Some(Box::new(e.without_url())),
        })?;
        builder = builder.proxy(p);
    }
    Ok(builder)
}

/// One GET of `url`, bounded by `opts.timeout` from start to the last body byte.
pub(super) async fn get(
    client: &Client,
    url: &Url,
    validators: Option<&Validators>,
    opts: &FetchOptions,
    connect_timeout: Duration,
    clock: &dyn Clock,
) -> Result<Fetched, FetchError> {
    let deadline = deadline_after(opts.timeout);
    let mut cx = Context {
        url,
        proxy: opts.proxy.as_ref(),
        timeout: opts.timeout,
        connect_timeout,
        body_received: None,
    };
    let (conditional, sent_conditional) = conditional_headers(validators);
    let request = client.get(url.clone()).headers(conditional);
    let mut resp = match timeout_at(deadline, request.send()).await {
        Err(_) => return Err(timeout(url, opts.timeout, TimeoutStage::Headers)),
        Ok(Err(e)) => return Err(classify(e, &cx)),
        Ok(Ok(resp)) => resp,
    };
    let status = resp.status().as_u16();
    let final_url = resp.url().clone();
    if status == 304 && sent_conditional {
        return Ok(Fetched::NotModified {
            final_url,
            status,
            fetched_at: clock.now(),
            attempts: 1,
        });
    }
    // Only 200-203 carry a whole page. 204/205 carry none and 206 only part of one (we never
    // ask for ranges): taking any of them as the page would read as "statements removed".
    if !(200..=203).contains(&status) {
        // A redirect that reached us was not followed. The redirect policy words most
        // refusals, but a Location reqwest cannot even treat as a URI (file:///…, which
        // has no authority) never reaches the policy: say what it was.
        if (300..400).contains(&status) {
            let location = header_str(resp.headers(), header::LOCATION)
                .and_then(|loc| final_url.join(loc).ok())
                .filter(|to| !matches!(to.scheme(), "http" | "https"));
            if let Some(to) = location {
                return Err(FetchError::Scheme {
                    url: redact(&to),
                    scheme: to.scheme().to_string(),
                    redirected_from: Some(redact(&final_url)),
                });
            }
        }
        let retry_after = header_str(resp.headers(), header::RETRY_AFTER)
            .and_then(|v| parse_retry_after(v, clock.now()));
        return Err(FetchError::Status {
            code: status,
            retry_after,
        });
    }
    // HTTP/1.x with neither a length nor chunking: only the closed connection ends the body,
    // so a connection dropped part-way looks exactly like the end of the page. A response
    // reqwest decompressed has lost its Content-Length too and cannot be told apart, so it is
    // judged by the same rule (whose cases are rare in real pages); its gzip/brotli stream
    // also has its own end, which the decompressor checks.
    let close_delimited = resp.version() <= reqwest::Version::HTTP_11
        && !resp.headers().contains_key(header::CONTENT_LENGTH)
        && !resp
            .headers()
            .get_all(header::TRANSFER_ENCODING)
            .iter()
            .any(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .to_ascii_lowercase()
                    .contains("chunked")
            });
    let headers = resp.headers();
    if let Some(encoding) = headers
        .get(header::CONTENT_ENCODING)
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|e| !DECODED_ENCODINGS.contains(&e.as_str()))
    {
        // Still-encoded bytes decoded as text would be garbage that looks like a page.
        return Err(FetchError::Protocol {
            message: format!(
                "{} sent the body with Content-Encoding \"{encoding}\", which canaryd did not \
                 ask for and cannot decode",
                redact(url)
            ),
            source: None,
        });
    }
    // reqwest drops Content-Length when it decompresses, so a length here is the real size.
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.trim().parse().ok());
    if let Some(n) = declared.filter(|n| *n > opts.max_body) {
        return Err(FetchError::TooLarge {
            limit: opts.max_body,
            declared: Some(n),
        });
    }
    let content_type = header_str(headers, header::CONTENT_TYPE).map(str::to_string);
    let etag = header_str(headers, header::ETAG).map(str::to_string);
    let last_modified = header_str(headers, header::LAST_MODIFIED).map(str::to_string);
    let evidence = headers
        .iter()
        .map(|(k, v)| {
            let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (k.as_str().to_string(), value)
        })
        .collect();

    let initial = declared
        .unwrap_or(64 * 1024)
        .min(opts.max_body)
        .min(1 << 20);
    let mut body = BytesMut::with_capacity(usize::try_from(initial).unwrap_or(0));
    loop {
        cx.body_received = Some(body.len() as u64);
        let chunk = match timeout_at(deadline, resp.chunk()).await {
            Err(_) => {
                let received = body.len() as u64;
                return Err(timeout(url, opts.timeout, TimeoutStage::Body { received }));
            }
            Ok(Err(e)) => return Err(classify(e, &cx)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        // Counted after decompression, so a gzip/brotli bomb stops here too.
        if body.len() as u64 + chunk.len() as u64 > opts.max_body {
            return Err(FetchError::TooLarge {
                limit: opts.max_body,
                declared: None,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let format = format_for(content_type.as_deref(), &final_url);
    let (text, charset) = decode_page(&body, content_type.as_deref(), format);
    if close_delimited && let Some(reason) = looks_cut(&text, format) {
        return Err(FetchError::Io {
            message: format!(
                "{} sent no Content-Length and no chunked encoding, so only the closed \
                 connection marked the end of the body, and the body looks cut off after {} \
                 bytes ({reason}); a truncated page is not used (it may work next time)",
                redact(url),
                body.len()
            ),
            transient: true,
            source: None,
        });
    }
    Ok(Fetched::Page(Page {
        url: url.clone(),
        final_url,
        status,
        content_type,
        format,
        sniffed: sniff_format(&text),
        etag,
        last_modified,
        headers: evidence,
        body,
        text,
        charset,
        fetched_at: clock.now(),
        attempts: 1,
        original: None,
    }))
}

/// Why a body whose end only the closed connection marked looks cut off, if it does. Real
/// pages end the same way whether or not the server sends a length, so the rule is:
///
/// * HTML must end (trailing whitespace aside) with `>`: a document cut inside a tag or in
///   the middle of text does not. (A body with no markup at all cannot be judged and passes.) And a document that opened `<html` or `<body` must also
///   have closed one of them (`</body>` or `</html>`): one cut just after an element does not.
///   A fragment without `<html>`/`<body>` that ends on a tag passes.
/// * Text must end with a line break, as text files do; an empty body of either kind is cut.
///
/// Checked on the decoded text, so UTF-16 pages are judged by their characters.
pub(super) fn looks_cut(text: &str, format: Format) -> Option<&'static str> {
    match format {
        Format::Text if text.is_empty() => Some("the body is empty"),
        Format::Text if !text.ends_with(['\n', '\r']) => {
            Some("the text does not end with a line break")
        }
        Format::Text => None,
        Format::Html => {
            let trimmed = text.trim_end();
            if trimmed.is_empty() {
                return Some("the body is empty");
            }
            // Markup is what the rule reads; a "page" with none cannot be judged by it.
            let markup = trimmed.as_bytes().windows(2).any(|w| {
                w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!'))
            });
            if !markup {
                return None;
            }
            if !trimmed.ends_with('>') {
                return Some("the HTML ends in the middle of a tag or of text");
            }
            let has = |needle: &str| {
                trimmed
                    .as_bytes()
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
            };
            let opened = has("<html") || has("<body");
            if opened && !has("</body") && !has("</html") {
                return Some("the HTML opened <html> or <body> but closes neither");
            }
            None
        }
    }
}

/// `If-None-Match`/`If-Modified-Since` carrying the server's own strings, byte for byte
/// (never our clock: the server compares them to its own values). Also says whether any was sent.
fn conditional_headers(validators: Option<&Validators>) -> (HeaderMap, bool) {
    let mut headers = HeaderMap::new();
    let Some(v) = validators else {
        return (headers, false);
    };
    let pairs = [
        (header::IF_NONE_MATCH, v.etag.as_deref()),
        (header::IF_MODIFIED_SINCE, v.last_modified.as_deref()),
    ];
    for (name, value) in pairs {
        let Some(value) = value else { continue };
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.insert(name, value);
            }
            // A stored validator we cannot send just costs us a full fetch.
            Err(_) => {
                tracing::debug!(header = %name, "stored validator is not a valid header value")
            }
        }
    }
    let sent = !headers.is_empty();
    (headers, sent)
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn timeout(url: &Url, after: Duration, stage: TimeoutStage) -> FetchError {
    FetchError::Timeout {
        url: redact(url),
        after,
        stage,
    }
}

/// `now + timeout`, saturating: a huge timeout means "no practical limit", not a panic.
pub(super) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}
