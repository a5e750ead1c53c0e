//! The fetcher against well-behaved loopback servers: pages, encodings, charsets, statuses,
//! retries, conditional GET, file:// and proxies.

mod common;

use std::io::Write;
use std::time::Duration;

use canaryd::fetch::{
    FetchError, FetchOptions, Fetched, Fetcher, Format, Page, RetryPolicy, Validators, user_agent,
};
use common::http::{Reply, Server, html, response};
use url::Url;

const FRENCH: &str = "Nous n'avons reçu aucune réquisition";

fn fetcher() -> Fetcher {
    Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher")
}

/// Short timeout, 5 MiB cap, no retries unless a test asks.
fn opts() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(5),
        max_body: 5 * 1024 * 1024,
        proxy: None,
        retry: RetryPolicy::none(),
        allow_internal: Default::default(),
    }
}

/// [`opts`] with retries whose delays are tiny, so tests stay fast.
fn retrying(attempts: u32) -> FetchOptions {
    let retry = RetryPolicy {
        attempts,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
        retry_after_cap: Duration::from_secs(2),
    };
    FetchOptions { retry, ..opts() }
}

/// An empty response with this status line and headers.
fn status(line: &str, headers: &[(&str, &str)]) -> Reply {
    Reply::Raw(response(line, headers, b""))
}

async fn page(url: &Url, opts: &FetchOptions) -> Page {
    match fetcher().fetch(url, None, opts).await {
        Ok(Fetched::Page(page)) => page,
        other => panic!("expected a page from {url}, got {other:?}"),
    }
}

async fn fail(url: &Url, opts: &FetchOptions) -> FetchError {
    match fetcher().fetch(url, None, opts).await {
        Err(e) => e,
        Ok(other) => panic!("expected an error from {url}, got {other:?}"),
    }
}

fn latin1(s: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1252.encode(s).0.into_owned()
}

/// The error and its causes, as a log line would show them.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[tokio::test]
async fn plain_html_page_with_honest_user_agent() {
    let server = Server::always(html(
        "<p>We have never received a National Security Letter.</p>",
    ))
    .await;
    let url = server.url("/canary");
    let page = page(&url, &opts()).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.format, Format::Html);
    assert_eq!(page.charset, "UTF-8");
    assert_eq!(
        page.text,
        "<p>We have never received a National Security Letter.</p>"
    );
    assert_eq!(page.url, url);
    assert_eq!(page.final_url, url);
    assert_eq!(page.attempts, 1);
    assert_eq!(
        page.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(
        page.headers
            .iter()
            .any(|(n, v)| n == "content-type" && v.starts_with("text/html"))
    );
    let req = &server.requests()[0];
    assert_eq!(req.header("user-agent"), Some(user_agent().as_str()));
    let accept = req.header("accept-encoding").expect("accept-encoding sent");
    assert!(accept.contains("gzip") && accept.contains("br"), "{accept}");
    assert_eq!(
        user_agent(),
        format!(
            "canaryd/{} (+https://github.com/canaryd/canaryd)",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn text_plain_is_text_format() {
    let body = b"We have not received any secret court orders.\n";
    let server = Server::always(Reply::Raw(response(
        "200 OK",
        &[("Content-Type", "text/plain; charset=utf-8")],
        body,
    )))
    .await;
    let page = page(&server.url("/canary"), &opts()).await;
    assert_eq!(page.format, Format::Text);
    assert_eq!(
        &page.text[..],
        std::str::from_utf8(body).expect("the test body is UTF-8")
    );
}

/// Serves `body` with these headers and fetches it as a page.
async fn serve_page(headers: &[(&str, &str)], body: &[u8]) -> Page {
    let server = Server::always(Reply::Raw(response("200 OK", headers, body))).await;
    page(&server.url("/"), &opts()).await
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_inflated() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(FRENCH.as_bytes()).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(FRENCH.as_bytes()).expect("brotli");
    }
    for (encoding, wire) in [("gzip", gz), ("br", br)] {
        let ct = ("Content-Type", "text/html; charset=utf-8");
        let page = serve_page(&[ct, ("Content-Encoding", encoding)], &wire).await;
        assert_eq!(page.text, FRENCH, "{encoding}");
        assert_eq!(&page.body[..], FRENCH.as_bytes(), "{encoding}");
    }
}

#[tokio::test]
async fn charsets() {
    let latin = latin1(FRENCH);
    let mut meta = b"<html><head><meta http-equiv=\"Content-Type\" \
        content=\"text/html; charset=windows-1252\"></head><body><p>"
        .to_vec();
    meta.extend(&latin);
    let bad_utf8 = "Nous n'avons re\u{FFFD}u aucune r\u{FFFD}quisition";
    #[rustfmt::skip]
    let cases: [(&str, &[u8], &str, &str); 4] = [
        // Declared in the header (ISO-8859-1 is windows-1252 per WHATWG).
        ("text/html; charset=ISO-8859-1", &latin, FRENCH, "windows-1252"),
        // Declared only in <meta http-equiv>.
        ("text/html", &meta, FRENCH, "windows-1252"),
        // Declared wrongly: the declaration is kept, bad bytes become U+FFFD.
        ("text/html; charset=utf-8", &latin, bad_utf8, "UTF-8"),
        // Undeclared and not UTF-8.
        ("text/html", &latin, FRENCH, "windows-1252"),
    ];
    for (ct, body, text, charset) in cases {
        let page = serve_page(&[("Content-Type", ct)], body).await;
        assert!(page.text.ends_with(text), "{ct}: {}", page.text);
        assert_eq!(page.charset, charset, "{ct}");
        assert_eq!(&page.body[..], body, "body keeps the bytes as sent");
    }
}

#[tokio::test]
async fn not_found_and_gone_are_permanent() {
    for (status, code) in [
        ("404 Not Found", 404),
        ("410 Gone", 410),
        ("403 Forbidden", 403),
    ] {
        let server = Server::always(Reply::Raw(response(status, &[], b"nope"))).await;
        let o = retrying(3);
        let e = fail(&server.url("/"), &o).await;
        assert_eq!(e.status(), Some(code));
        assert_eq!(e.kind(), "status");
        assert!(!e.is_transient());
        assert_eq!(e.to_string(), format!("HTTP {status}"));
        assert_eq!(server.hits(), 1, "{code} must not be retried");
    }
}

#[tokio::test]
async fn unavailable_then_ok_is_retried() {
    let server = Server::start(|n, _| match n {
        0 => Reply::Raw(response("503 Service Unavailable", &[], b"busy")),
        _ => html("<p>fine</p>"),
    })
    .await;
    let o = retrying(3);
    let page = page(&server.url("/"), &o).await;
    assert_eq!(page.attempts, 2);
    assert_eq!(page.text, "<p>fine</p>");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn transient_failures_stop_after_the_last_attempt() {
    let server = Server::always(status("500 Internal Server Error", &[])).await;
    let o = retrying(3);
    let e = fail(&server.url("/"), &o).await;
    assert_eq!(e.status(), Some(500));
    assert!(e.is_transient());
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    // Real sockets and paused time do not mix (auto-advance would fire the attempt timeout),
    // so this waits the real second the server asks for; timings are not asserted.
    let server = Server::start(|n, _| match n {
        0 => status("429 Too Many Requests", &[("Retry-After", "1")]),
        _ => html("<p>ok</p>"),
    })
    .await;
    let o = retrying(3);
    let page = page(&server.url("/"), &o).await;
    assert_eq!(page.attempts, 2);

    // Without retries the wait is reported to the caller.
    let server = Server::always(status("429 Too Many Requests", &[("Retry-After", "1")])).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert!(
        matches!(e, FetchError::Status { code: 429, retry_after: Some(d) } if d == Duration::from_secs(1))
    );
    assert!(e.is_transient());
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_not_waited_out() {
    let server = Server::always(status(
        "503 Service Unavailable",
        &[("Retry-After", "3600")],
    ))
    .await;
    let o = retrying(3);
    let e = fail(&server.url("/"), &o).await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(
        server.hits(),
        1,
        "a one-hour Retry-After goes back to the scheduler"
    );
    assert!(
        e.to_string()
            .starts_with("HTTP 503 Service Unavailable (the server asked to wait 3600s"),
        "{e}"
    );
}

#[tokio::test]
async fn conditional_get_sends_the_servers_own_validators() {
    const ETAG: &str = "W/\"5e1-Xq3\"";
    const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";
    let server = Server::start(|_, req| {
        if req.header("if-none-match") == Some(ETAG)
            && req.header("if-modified-since") == Some(LAST_MODIFIED)
        {
            status("304 Not Modified", &[("ETag", ETAG)])
        } else {
            Reply::Raw(response(
                "200 OK",
                &[
                    ("Content-Type", "text/html"),
                    ("ETag", ETAG),
                    ("Last-Modified", LAST_MODIFIED),
                ],
                b"<p>canary</p>",
            ))
        }
    })
    .await;
    let url = server.url("/canary");
    let first = page(&url, &opts()).await;
    assert_eq!(first.etag.as_deref(), Some(ETAG));
    assert_eq!(first.last_modified.as_deref(), Some(LAST_MODIFIED));
    let validators = Validators {
        etag: first.etag.clone(),
        last_modified: first.last_modified.clone(),
    };
    match fetcher().fetch(&url, Some(&validators), &opts()).await {
        Ok(Fetched::NotModified {
            final_url,
            status,
            attempts,
            ..
        }) => {
            assert_eq!((final_url, status, attempts), (url.clone(), 304, 1));
        }
        other => panic!("expected NotModified, got {other:?}"),
    }
    let requests = server.requests();
    assert_eq!(requests[0].header("if-none-match"), None);
    assert_eq!(requests[1].header("if-none-match"), Some(ETAG));
    assert_eq!(requests[1].header("if-modified-since"), Some(LAST_MODIFIED));
}

#[tokio::test]
async fn not_modified_without_validators_is_an_error() {
    let server = Server::always(status("304 Not Modified", &[])).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.status(), Some(304));
}

#[tokio::test]
async fn empty_and_partial_statuses_are_not_pages() {
    for status in ["204 No Content", "206 Partial Content"] {
        let server = Server::always(Reply::Raw(response(status, &[], b""))).await;
        let e = fail(&server.url("/"), &opts()).await;
        assert_eq!(e.kind(), "status", "{status}");
    }
}

#[tokio::test]
async fn connection_refused_says_so_without_credentials() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = Url::parse(&format!("http://alice:s3cret@127.0.0.1:{port}/")).expect("url");
    let e = fail(&url, &opts()).await;
    assert_eq!(e.kind(), "connect");
    assert!(e.is_transient());
    assert_eq!(
        e.to_string(),
        format!(
            "connection refused by 127.0.0.1:{port} (is the server up? check the URL's host and port)"
        )
    );
    let full = chain(&e);
    assert!(
        !full.contains("s3cret") && !full.contains("alice"),
        "{full}"
    );
}

#[tokio::test]
async fn unsupported_scheme_is_refused() {
    let e = fail(
        &Url::parse("ftp://example.org/canary.txt").expect("url"),
        &opts(),
    )
    .await;
    assert_eq!(e.kind(), "scheme");
    assert!(!e.is_transient());
}

mod files {
    use super::*;
    use std::fs::{File, FileTimes};
    use std::time::SystemTime;

    fn write(dir: &tempfile::TempDir, name: &str, body: &[u8]) -> Url {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write fixture");
        Url::from_file_path(&path).expect("absolute path")
    }

    #[tokio::test]
    async fn txt_and_html_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let txt = write(&dir, "canary.txt", FRENCH.as_bytes());
        let p = page(&txt, &opts()).await;
        assert_eq!(
            (p.status, p.format, &p.text[..], p.etag.clone()),
            (200, Format::Text, FRENCH, None)
        );
        let htm = write(&dir, "canary.html", &latin1(&format!("<p>{FRENCH}</p>")));
        let p = page(&htm, &opts()).await;
        assert_eq!(p.format, Format::Html);
        assert_eq!(p.text, format!("<p>{FRENCH}</p>"));
        assert_eq!(p.charset, "windows-1252");
    }

    #[tokio::test]
    async fn missing_file_is_an_error_not_an_empty_page() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = Url::from_file_path(dir.path().join("gone.html")).expect("absolute path");
        let e = fail(&url, &opts()).await;
        assert_eq!(e.kind(), "io");
        assert!(!e.is_transient());
        assert!(e.to_string().contains("gone.html"), "{e}");
    }

    #[tokio::test]
    async fn too_large_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = write(&dir, "big.txt", &vec![b'a'; 2048]);
        let o = FetchOptions {
            max_body: 1024,
            ..opts()
        };
        let e = fail(&url, &o).await;
        assert!(
            matches!(
                e,
                FetchError::TooLarge {
                    limit: 1024,
                    declared: Some(2048)
                }
            ),
            "{e:?}"
        );
        let ok = FetchOptions {
            max_body: 2048,
            ..opts()
        };
        assert_eq!(page(&url, &ok).await.body.len(), 2048);
    }

    #[tokio::test]
    async fn mtime_is_a_validator_once_settled() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = write(&dir, "canary.html", b"<p>canary</p>");
        // Just written: its second is not over, so no validator (see file.rs).
        assert_eq!(page(&url, &opts()).await.last_modified, None);
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        let f = File::options()
            .write(true)
            .open(url.to_file_path().expect("path"))
            .expect("open");
        f.set_times(FileTimes::new().set_modified(old))
            .expect("set mtime");
        let p = page(&url, &opts()).await;
        assert_eq!(
            p.last_modified.as_deref(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
        let v = Validators {
            etag: None,
            last_modified: p.last_modified,
        };
        let got = fetcher().fetch(&url, Some(&v), &opts()).await;
        assert!(
            matches!(got, Ok(Fetched::NotModified { status: 304, .. })),
            "{got:?}"
        );
    }
}

/// Fetching through in-test HTTP and SOCKS5 proxies (see common/http.rs).
mod proxies {
    use super::*;
    use common::http::{FAKE_HOST, Proxy, ProxyKind};

    fn via(proxy: Url) -> FetchOptions {
        FetchOptions {
            proxy: Some(proxy),
            ..opts()
        }
    }

    #[tokio::test]
    async fn http_forward_proxy_relays_the_request() {
        let server = Server::always(html("<p>via http proxy</p>")).await;
        let proxy = Proxy::start(ProxyKind::Http, server.addr).await;
        let url =
            Url::parse(&format!("http://{FAKE_HOST}:{}/canary", server.addr.port())).expect("url");
        let page = page(&url, &via(proxy.url("http"))).await;
        assert_eq!(page.text, "<p>via http proxy</p>");
        assert_eq!(proxy.relayed(), 1);
        assert_eq!(proxy.asked(), [FAKE_HOST]);
        assert_eq!(server.requests()[0].target, "/canary");
    }

    #[tokio::test]
    async fn socks5h_resolves_names_at_the_proxy() {
        let server = Server::always(html("<p>via socks5h</p>")).await;
        let proxy = Proxy::start(ProxyKind::Socks5, server.addr).await;
        let url =
            Url::parse(&format!("http://{FAKE_HOST}:{}/canary", server.addr.port())).expect("url");
        let page = page(&url, &via(proxy.url("socks5h"))).await;
        assert_eq!(page.text, "<p>via socks5h</p>");
        assert_eq!(proxy.relayed(), 1);
        // The proxy was handed the name itself: no local DNS lookup of canary.test happened.
        assert_eq!(proxy.asked(), [FAKE_HOST]);
    }

    #[tokio::test]
    async fn socks5_with_an_address() {
        let server = Server::always(html("<p>via socks5</p>")).await;
        let proxy = Proxy::start(ProxyKind::Socks5, server.addr).await;
        let page = page(&server.url("/canary"), &via(proxy.url("socks5"))).await;
        assert_eq!(page.text, "<p>via socks5</p>");
        assert_eq!(proxy.relayed(), 1);
        assert_eq!(proxy.asked(), ["127.0.0.1"]);
    }

    #[tokio::test]
    async fn one_client_per_proxy_and_both_work_from_one_fetcher() {
        let server = Server::always(html("<p>x</p>")).await;
        let socks = Proxy::start(ProxyKind::Socks5, server.addr).await;
        let http = Proxy::start(ProxyKind::Http, server.addr).await;
        let f = fetcher();
        for _ in 0..2 {
            for o in [via(socks.url("socks5h")), via(http.url("http")), opts()] {
                let got = f.fetch(&server.url("/"), None, &o).await;
                assert!(matches!(got, Ok(Fetched::Page(_))), "{got:?}");
            }
        }
        assert_eq!(server.hits(), 6);
        assert_eq!(socks.relayed() + http.relayed(), 4);
    }

    #[tokio::test]
    async fn unreachable_proxy_is_a_proxy_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        for scheme in ["socks5h", "http"] {
            let proxy =
                Url::parse(&format!("{scheme}://user:pw0rd@127.0.0.1:{port}")).expect("url");
            let e = fail(
                &Url::parse("http://canary.test/").expect("url"),
                &via(proxy),
            )
            .await;
            assert_eq!(e.kind(), "proxy", "{scheme}: {e}");
            assert!(e.is_transient());
            assert!(!chain(&e).contains("pw0rd"), "{}", chain(&e));
        }
    }

    #[tokio::test]
    async fn socks_proxy_refusing_the_destination_is_a_proxy_error() {
        let server = Server::always(html("<p>x</p>")).await;
        let proxy = Proxy::start(ProxyKind::Socks5, server.addr).await;
        let e = fail(
            &Url::parse("http://elsewhere.test/").expect("url"),
            &via(proxy.url("socks5h")),
        )
        .await;
        assert_eq!(e.kind(), "proxy", "{e}");
        assert_eq!(server.hits(), 0);
    }
}

/// Connections are kept open between fetches of one host, and closed when the daemon asks
/// (it does when it goes idle): the next fetch connects again and still gets the page.
#[tokio::test]
async fn idle_connections_are_reused_until_closed() {
    use common::site::{Reply as SiteReply, Site};
    let site = Site::start().await;
    site.set(
        "/canary",
        SiteReply::html("<p>We have never received an NSL.</p>"),
    );
    let url = Url::parse(&site.url("/canary")).expect("url");
    let f = fetcher();
    let fetched = async || match f.fetch(&url, None, &opts()).await {
        Ok(Fetched::Page(page)) => page.text,
        other => panic!("expected a page from {url}, got {other:?}"),
    };
    for _ in 0..2 {
        assert!(fetched().await.contains("never received"));
    }
    assert_eq!(site.hits("/canary"), 2);
    assert_eq!(
        site.connections(),
        1,
        "the second fetch reused the first connection"
    );
    f.close_idle_connections();
    assert!(fetched().await.contains("never received"));
    assert_eq!(site.hits("/canary"), 3);
    assert_eq!(
        site.connections(),
        2,
        "closed, so the next fetch connected again"
    );
}

/// A machine without the system CA bundle (a minimal container): the native loader is
/// pointed at an empty file and an empty directory, so it finds no certificate at all.
mod no_ca_store {
    use common::run::{Env, stderr, stdout};
    use common::site::{Reply, Site};
    use common::watchlist::{Watch, Watchlist};

    use super::*;

    /// `canaryd check` (stdout, stderr) with the native root loader given `file` alone: an
    /// empty directory as `SSL_CERT_DIR`.
    pub(super) async fn check_with_roots(env: &Env, file: &std::path::Path) -> (String, String) {
        let empty_dir = tempfile::tempdir().expect("tempdir");
        let vars = [
            ("SSL_CERT_FILE", file.to_str().expect("utf-8 path")),
            (
                "SSL_CERT_DIR",
                empty_dir.path().to_str().expect("utf-8 path"),
            ),
            ("RUST_LOG", "warn"),
        ];
        let out = env.canaryd_env(&["check"], &vars).await;
        (stdout(&out), stderr(&out))
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn checks_still_run_on_the_bundled_roots_with_a_warning() {
        let site = Site::start().await;
        site.set(
            "/canary",
            Reply::html("<ul id=\"canary\"><li>We have never received an NSL.</li></ul>"),
        );
        let env = Env::new(
            Watchlist::new()
                .setting("host_delay", "0s")
                .setting("timeout", "5s")
                .watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li"))
                .watch(Watch::url(
                    "secure",
                    &format!("https://127.0.0.1:{}/canary", site.port),
                )),
        );
        let empty_dir = tempfile::tempdir().expect("tempdir");
        let empty_file = empty_dir.path().join("no-certificates.pem");
        std::fs::write(&empty_file, b"").expect("write");
        let (o, e) = check_with_roots(&env, &empty_file).await;
        assert!(o.contains("example: ok, 1 claim"), "{o}\n{e}");
        assert!(
            e.contains("no CA certificates") && e.contains("bundled Mozilla roots"),
            "the fallback is logged: {e}"
        );
        assert_eq!(
            e.matches("bundled Mozilla roots").count(),
            1,
            "logged once: {e}"
        );
        // https is verified with those roots: a plain-HTTP port fails the handshake, as a TLS
        // error of that watch, not a setup error of the daemon.
        assert!(o.contains("secure: fetch failed"), "{o}\n{e}");
        assert!(
            format!("{o}{e}").contains("TLS handshake with 127.0.0.1 failed"),
            "{o}\n{e}"
        );
    }

    /// The roots are loaded on the first https handshake, not when the client is built: a
    /// pass of plain-http watches reads no certificate file, so it has nothing to warn of.
    #[tokio::test(flavor = "multi_thread")]
    async fn plain_http_watches_never_load_the_roots() {
        let site = Site::start().await;
        site.set(
            "/canary",
            Reply::html("<ul id=\"canary\"><li>We have never received an NSL.</li></ul>"),
        );
        let env = Env::new(
            Watchlist::new()
                .setting("host_delay", "0s")
                .setting("timeout", "5s")
                .watch(Watch::url("example", &site.url("/canary")).set("selector", "#canary li")),
        );
        let empty_dir = tempfile::tempdir().expect("tempdir");
        let empty_file = empty_dir.path().join("no-certificates.pem");
        std::fs::write(&empty_file, b"").expect("write");
        let (o, e) = check_with_roots(&env, &empty_file).await;
        assert!(o.contains("example: ok, 1 claim"), "{o}\n{e}");
        assert!(
            !e.contains("no CA certificates"),
            "no https handshake, so no roots were looked for: {e}"
        );
    }
}

/// https through the roots loaded on the first handshake: the test CA in `SSL_CERT_FILE`
/// verifies the site's certificate, and without it the same site is refused.
mod tls_roots {
    use common::run::{Env, stderr, stdout};
    use common::site::{Reply, Site};
    use common::watchlist::{Watch, Watchlist};

    use super::*;

    async fn secure_site() -> (Site, Env) {
        let site = Site::start_tls().await;
        site.set(
            "/canary",
            Reply::html("<ul id=\"canary\"><li>We have never received an NSL.</li></ul>"),
        );
        let env = Env::new(
            Watchlist::new()
                .setting("host_delay", "0s")
                .setting("timeout", "5s")
                .watch(
                    Watch::url("secure", &site.https_url("/canary")).set("selector", "#canary li"),
                ),
        );
        (site, env)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_certificate_from_a_root_in_ssl_cert_file_is_verified() {
        let (site, env) = secure_site().await;
        let ca = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
        let (o, e) = super::no_ca_store::check_with_roots(&env, &ca).await;
        assert!(o.contains("secure: ok, 1 claim"), "{o}\n{e}");
        assert!(!e.contains("no CA certificates"), "{e}");
        assert_eq!(site.hits("/canary"), 1, "{o}\n{e}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_certificate_from_no_known_root_is_refused_before_any_request() {
        let (site, env) = secure_site().await;
        let out = env.canaryd_env(&["check"], &[("RUST_LOG", "warn")]).await;
        let (o, e) = (stdout(&out), stderr(&out));
        assert!(o.contains("secure: fetch failed"), "{o}\n{e}");
        assert!(
            format!("{o}{e}").contains("TLS handshake with 127.0.0.1 failed"),
            "{o}\n{e}"
        );
        assert_eq!(
            site.hits("/canary"),
            0,
            "no request over an unverified connection"
        );
    }
}
