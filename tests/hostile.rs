//! The fetcher against servers that misbehave: too slow, endless, bombs, loops, lies, silence
//! and garbage. Each must end in a specific error, never in a page.

mod common;

use std::time::Duration;

use canaryd::fetch::{
    FetchError, FetchOptions, Fetched, Fetcher, RedirectProblem, RetryPolicy, TimeoutStage,
    user_agent,
};
use common::http::{Reply, Server, head, response};
use url::Url;

const MIB: u64 = 1024 * 1024;

fn opts() -> FetchOptions {
    FetchOptions {
        timeout: Duration::from_secs(5),
        max_body: 5 * MIB,
        proxy: None,
        retry: RetryPolicy::none(),
        allow_internal: Default::default(),
    }
}

async fn fail(url: &Url, opts: &FetchOptions) -> FetchError {
    let fetcher = Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher");
    match fetcher.fetch(url, None, opts).await {
        Err(e) => e,
        Ok(Fetched::Page(p)) => panic!(
            "expected an error from {url}, got a {}-byte page",
            p.body.len()
        ),
        Ok(other) => panic!("expected an error from {url}, got {other:?}"),
    }
}

fn assert_too_large(e: &FetchError, limit: u64) {
    assert!(
        matches!(e, FetchError::TooLarge { limit: l, .. } if *l == limit),
        "expected TooLarge({limit}), got {e:?}"
    );
    assert_eq!(e.kind(), "too-large");
    assert!(!e.is_transient());
}

#[tokio::test]
async fn one_byte_per_second_times_out() {
    let bytes = response("200 OK", &[("Content-Type", "text/html")], b"<p>slow</p>");
    let server = Server::always(Reply::Trickle {
        prefix: Vec::new(),
        bytes,
        every: Duration::from_secs(1),
    })
    .await;
    let o = FetchOptions {
        timeout: Duration::from_millis(1500),
        ..opts()
    };
    let e = fail(&server.url("/"), &o).await;
    assert!(
        matches!(e, FetchError::Timeout { stage: TimeoutStage::Headers, after, .. } if after == o.timeout),
        "{e:?}"
    );
    assert_eq!(e.kind(), "timeout");
    assert!(e.is_transient());
}

#[tokio::test]
async fn slow_body_after_quick_headers_times_out() {
    let server = Server::always(Reply::Trickle {
        prefix: head("200 OK", &[("Content-Length", "1000")]),
        bytes: vec![b'a'; 1000],
        every: Duration::from_millis(200),
    })
    .await;
    let o = FetchOptions {
        timeout: Duration::from_millis(500),
        ..opts()
    };
    let e = fail(&server.url("/"), &o).await;
    assert!(
        matches!(e, FetchError::Timeout { stage: TimeoutStage::Body { received }, .. } if received < 1000),
        "{e:?}"
    );
    assert!(e.to_string().contains("reading the body of"), "{e}");
}

#[tokio::test]
async fn endless_body_is_too_large() {
    for chunked in [false, true] {
        let framing = if chunked {
            vec![("Transfer-Encoding", "chunked")]
        } else {
            vec![]
        };
        // Up to 4 GiB, but the client hangs up after 1 MiB and the server stops there.
        let server = Server::always(Reply::Stream {
            prefix: head("200 OK", &framing),
            chunk: vec![b'x'; 64 * 1024],
            times: 65_536,
            chunked,
        })
        .await;
        let o = FetchOptions {
            max_body: MIB,
            ..opts()
        };
        let e = fail(&server.url("/"), &o).await;
        assert_too_large(&e, MIB);
        assert_eq!(
            e.to_string(),
            "response body exceeded the 1 MiB limit (raise max_body for this watch if the page \
             is really this large)"
        );
    }
}

/// 1 MiB of zeros compressed with a flush, three times: the first piece, and the second
/// (equal to the third) that can be repeated forever, since each only refers back to zeros.
fn repeatable(mut compress: impl FnMut(&[u8]) -> Vec<u8>) -> (Vec<u8>, Vec<u8>) {
    let zeros = vec![0u8; MIB as usize];
    let first = compress(&zeros);
    let second = compress(&zeros);
    let third = compress(&zeros);
    assert_eq!(
        second, third,
        "compressor output should be periodic on zeros"
    );
    (first, second)
}

/// A gzip stream that inflates to 4 GiB of zeros from a few MiB on the wire, built without
/// compressing gigabytes: gzip header + deflate blocks ended by sync flushes.
fn gzip_bomb() -> (Vec<u8>, Vec<u8>) {
    let mut c = flate2::Compress::new(flate2::Compression::best(), false);
    let (first, repeat) = repeatable(|zeros| {
        let before = c.total_in();
        let mut out = Vec::with_capacity(64 * 1024);
        c.compress_vec(zeros, &mut out, flate2::FlushCompress::Sync)
            .expect("deflate");
        assert_eq!(c.total_in() - before, zeros.len() as u64, "all input taken");
        out
    });
    let mut prefix = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    prefix.extend(first);
    (prefix, repeat)
}

/// The same for brotli: metablocks ended by flushes, the later ones identical.
fn brotli_bomb() -> (Vec<u8>, Vec<u8>) {
    use std::io::Write;
    let mut w = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 5, 22);
    let mut taken = 0;
    repeatable(|zeros| {
        w.write_all(zeros).expect("brotli");
        w.flush().expect("brotli flush");
        let piece = w.get_ref()[taken..].to_vec();
        taken = w.get_ref().len();
        piece
    })
}

async fn bomb(encoding: &str, (first, repeat): (Vec<u8>, Vec<u8>)) {
    let mut prefix = head(
        "200 OK",
        &[
            ("Content-Type", "text/html"),
            ("Content-Encoding", encoding),
        ],
    );
    prefix.extend(first);
    let wire = prefix.len() + repeat.len() * 4095;
    let server = Server::always(Reply::Stream {
        prefix,
        chunk: repeat,
        times: 4095,
        chunked: false,
    })
    .await;
    assert!(
        wire < 8 * MIB as usize,
        "{encoding} bomb is {wire} bytes on the wire"
    );
    let e = fail(&server.url("/"), &opts()).await;
    assert_too_large(&e, 5 * MIB);
}

#[tokio::test]
async fn gzip_bomb_is_cut_off_at_max_body() {
    bomb("gzip", gzip_bomb()).await;
}

#[tokio::test]
async fn brotli_bomb_is_cut_off_at_max_body() {
    bomb("br", brotli_bomb()).await;
}

fn redirect(location: &str) -> Reply {
    Reply::Raw(response("302 Found", &[("Location", location)], b""))
}

#[tokio::test]
async fn redirect_loop_is_a_failed_fetch() {
    let server = Server::start(|_, req| match req.path() {
        "/a" => redirect("/b"),
        _ => redirect("/a"),
    })
    .await;
    let e = fail(&server.url("/a"), &opts()).await;
    assert_eq!(e.kind(), "redirects");
    assert!(!e.is_transient());
    match &e {
        FetchError::Redirects {
            from,
            problem: RedirectProblem::Loop { to },
        } => {
            assert_eq!(from, server.url("/b").as_str());
            assert_eq!(to, server.url("/a").as_str());
        }
        other => panic!("expected a loop, got {other:?}"),
    }
    assert_eq!(
        server.hits(),
        2,
        "the loop is seen without going round again"
    );
}

#[tokio::test]
async fn more_than_ten_redirects_is_a_failed_fetch() {
    let server = Server::start(|_, req| {
        let n: u32 = req.path().trim_start_matches("/r").parse().unwrap_or(0);
        redirect(&format!("/r{}", n + 1))
    })
    .await;
    let e = fail(&server.url("/r0"), &opts()).await;
    assert!(
        matches!(
            e,
            FetchError::Redirects {
                problem: RedirectProblem::TooMany { max: 10 },
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(server.hits(), 11);
}

#[tokio::test]
async fn redirect_to_ftp_or_file_is_a_failed_fetch() {
    for target in ["ftp://example.org/canary.txt", "file:///etc/passwd"] {
        let server = Server::always(redirect(target)).await;
        let e = fail(&server.url("/canary"), &opts()).await;
        assert_eq!(e.kind(), "scheme", "{target}: {e:?}");
        assert!(!e.is_transient());
        let scheme = &target[..target.find(':').expect("scheme")];
        assert!(
            e.to_string().starts_with(&format!(
                "{} redirected to {target}, a \"{scheme}\" URL",
                server.url("/canary")
            )),
            "{e}"
        );
    }
}

#[tokio::test]
async fn content_length_that_lies_is_an_error_not_a_short_page() {
    // hyper checks the length: 100 bytes then EOF under "Content-Length: 1000" is an error.
    let mut bytes = head("200 OK", &[("Content-Length", "1000")]);
    bytes.extend(vec![b'a'; 100]);
    let server = Server::always(Reply::Raw(bytes)).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "io", "{e:?}");
    assert!(e.is_transient());
    assert!(e.to_string().contains("ended after 100 body bytes"), "{e}");
}

#[tokio::test]
async fn truncated_chunked_body_is_an_error() {
    let mut bytes = head("200 OK", &[("Transfer-Encoding", "chunked")]);
    bytes.extend_from_slice(b"400\r\nonly a little");
    let server = Server::always(Reply::Raw(bytes)).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "io", "{e:?}");
}

async fn ten_mb_line(chunked: bool, max_body: u64) -> Result<Fetched, FetchError> {
    let mut headers = vec![("Content-Type", "text/plain")];
    let length = 10_000_000.to_string();
    if chunked {
        headers.push(("Transfer-Encoding", "chunked"));
    } else {
        headers.push(("Content-Length", &length));
    }
    let server = Server::always(Reply::Stream {
        prefix: head("200 OK", &headers),
        chunk: vec![b'a'; 100_000],
        times: 100,
        chunked,
    })
    .await;
    let fetcher = Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher");
    let o = FetchOptions { max_body, ..opts() };
    fetcher.fetch(&server.url("/"), None, &o).await
}

#[tokio::test]
async fn ten_megabyte_line_against_the_cap() {
    // Declared length: refused before reading the body.
    let e = ten_mb_line(false, 5 * MIB).await.expect_err("over the cap");
    assert!(
        matches!(
            e,
            FetchError::TooLarge {
                declared: Some(10_000_000),
                ..
            }
        ),
        "{e:?}"
    );
    // No length: counted while streaming.
    let e = ten_mb_line(true, 5 * MIB).await.expect_err("over the cap");
    assert!(
        matches!(e, FetchError::TooLarge { declared: None, .. }),
        "{e:?}"
    );
    for chunked in [false, true] {
        match ten_mb_line(chunked, 20 * MIB).await {
            Ok(Fetched::Page(p)) => {
                assert_eq!(p.body.len(), 10_000_000);
                assert_eq!(p.text.len(), 10_000_000);
            }
            other => panic!("expected the whole page, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn connection_closed_without_response() {
    let server = Server::always(Reply::Close).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "io", "{e:?}");
    assert!(e.is_transient());
    assert!(
        e.to_string().contains("closed the connection before"),
        "{e}"
    );
}

#[tokio::test]
async fn garbage_instead_of_http() {
    let server = Server::always(Reply::Raw(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02".to_vec())).await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "protocol", "{e:?}");
    assert!(!e.is_transient());
    assert!(
        e.to_string().contains("did not answer with valid HTTP"),
        "{e}"
    );
}

#[tokio::test]
async fn corrupt_gzip_is_an_error() {
    let body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xffthis is not deflate data at all";
    let server = Server::always(Reply::Raw(response(
        "200 OK",
        &[("Content-Encoding", "gzip")],
        body,
    )))
    .await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "protocol", "{e:?}");
}

#[tokio::test]
async fn truncated_gzip_is_an_error() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&[b'z'; 10_000]).expect("gzip");
    let gz = enc.finish().expect("gzip");
    // A correct Content-Length for a gzip stream cut short: only the decoder can tell.
    let server = Server::always(Reply::Raw(response(
        "200 OK",
        &[("Content-Encoding", "gzip")],
        &gz[..gz.len() - 8],
    )))
    .await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "io", "{e:?}");
    assert!(
        e.to_string()
            .contains("ended in the middle of the compressed stream"),
        "{e}"
    );
}

#[tokio::test]
async fn unrequested_content_encoding_is_not_read_as_text() {
    let server = Server::always(Reply::Raw(response(
        "200 OK",
        &[("Content-Encoding", "zstd")],
        b"\x28\xb5\x2f\xfd",
    )))
    .await;
    let e = fail(&server.url("/"), &opts()).await;
    assert_eq!(e.kind(), "protocol", "{e:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    // Answers in plain HTTP before the client has said anything, as a confused server would.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let accepted = tokio::time::timeout(Duration::from_secs(10), listener.accept()).await;
        if let Ok(Ok((mut stream, _))) = accepted {
            let reply = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(reply).await;
            let _ = stream.shutdown().await;
        }
    });
    let url = Url::parse(&format!("https://{addr}/")).expect("url");
    let e = fail(&url, &opts()).await;
    assert_eq!(e.kind(), "tls", "{e:?}");
    assert!(!e.is_transient());
    assert!(
        e.to_string()
            .starts_with("TLS handshake with 127.0.0.1 failed"),
        "{e}"
    );
    server.abort();
}

/// The same HTML document, first as `text/html`, then relabelled `text/plain`: the declared
/// format follows the label (as before), but the page says what the bytes look like, and a
/// caller that read the watch as HTML last time gets a failed fetch, not "every statement
/// removed".
#[tokio::test]
async fn html_relabelled_as_text_plain_is_not_content() {
    use canaryd::fetch::Format;
    let doc = b"<!DOCTYPE html>\n<html><body><ul id=\"canary\">\
                <li>We have never received a National Security Letter.</li></ul></body></html>\n";
    let server = Server::start(move |n, _| {
        let ty = if n == 0 { "text/html" } else { "text/plain" };
        Reply::Raw(response("200 OK", &[("Content-Type", ty)], doc))
    })
    .await;
    let fetcher = Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher");
    let mut pages = Vec::new();
    for _ in 0..2 {
        match fetcher.fetch(&server.url("/canary"), None, &opts()).await {
            Ok(Fetched::Page(p)) => pages.push(p),
            other => panic!("expected a page, got {other:?}"),
        }
    }
    let (before, after) = (&pages[0], &pages[1]);
    assert_eq!(
        (before.format, before.sniffed),
        (Format::Html, Format::Html)
    );
    assert_eq!((after.format, after.sniffed), (Format::Text, Format::Html));
    assert!(before.format_change(Format::Html).is_none());
    let e = after
        .format_change(before.format)
        .expect("a relabelled HTML page is a failed fetch for a watch read as HTML");
    assert_eq!(e.kind(), "type-changed");
    assert!(!e.is_transient());
    assert!(
        e.to_string().contains("now served as text/plain")
            && e.to_string().contains("still looks like HTML"),
        "{e}"
    );
    // A page that really became plain text is a change, not a failure.
    assert!(after.format_change(Format::Text).is_none());
}

/// An HTTP/1.0-style response: no Content-Length, no chunking, the body runs to the close.
fn close_delimited(content_type: &str, body: &str) -> Reply {
    Reply::Raw(
        format!("HTTP/1.0 200 OK\r\nContent-Type: {content_type}\r\n\r\n{body}").into_bytes(),
    )
}

async fn fetch_once(reply: Reply) -> Result<Fetched, FetchError> {
    let server = Server::always(reply).await;
    let fetcher = Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher");
    fetcher.fetch(&server.url("/canary"), None, &opts()).await
}

const CUT_PAGES: [(&str, &str); 5] = [
    // Cut in the middle of a statement.
    (
        "text/html",
        "<!DOCTYPE html>\n<html><body><ul><li>We have never received an NSL.</li><li>We have",
    ),
    // Cut inside a tag.
    (
        "text/html",
        "<ul><li>We have never received an NSL.</li><li cl",
    ),
    // Cut right after an element, in a document that opened <html>.
    (
        "text/html",
        "<html><body><ul><li>We have never received an NSL.</li>",
    ),
    // Text cut mid-line.
    (
        "text/plain",
        "We have never received an NSL.\nWe have never been gag",
    ),
    // Nothing at all before the close.
    ("text/html", ""),
];

#[tokio::test]
async fn close_delimited_body_cut_short_is_a_failed_fetch() {
    for (ty, body) in CUT_PAGES {
        let e = match fetch_once(close_delimited(ty, body)).await {
            Err(e) => e,
            Ok(Fetched::Page(p)) => panic!("{ty} {body:?}: a cut body became a page: {:?}", p.text),
            Ok(other) => panic!("{ty} {body:?}: {other:?}"),
        };
        assert_eq!(e.kind(), "io", "{ty} {body:?}: {e:?}");
        assert!(e.is_transient(), "{e:?}");
        assert!(
            e.to_string().contains("no Content-Length")
                && e.to_string().contains("a truncated page is not used"),
            "{e}"
        );
    }
}

#[tokio::test]
async fn complete_close_delimited_bodies_are_pages() {
    let complete = [
        (
            "text/html",
            "<!DOCTYPE html>\n<html><body><ul><li>We have never received an NSL.</li></ul></body></html>\n",
        ),
        // No </html>, but </body>.
        (
            "text/html",
            "<html><body><p>We have never received an NSL.</p></body>\n",
        ),
        // A fragment with no <html> at all, ending on a tag.
        (
            "text/html",
            "<p>We have never received an NSL.</p>\n<p>Nor a gag order.</p>",
        ),
        // A comment last.
        (
            "text/html",
            "<html><body><p>x</p></body></html><!-- 12ms -->\r\n",
        ),
        (
            "text/plain",
            "We have never received an NSL.\nNor a gag order.\n",
        ),
        ("text/plain", "We have never received an NSL.\r\n"),
        // No markup at all: nothing to judge by.
        ("text/html", "We have never received an NSL."),
    ];
    for (ty, body) in complete {
        match fetch_once(close_delimited(ty, body)).await {
            Ok(Fetched::Page(p)) => assert_eq!(p.text, body),
            other => panic!("{ty} {body:?}: expected a page, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn framed_bodies_are_not_second_guessed() {
    // With a length or a final chunk the end is known: the same "cut-looking" bodies are pages.
    for (ty, body) in CUT_PAGES.into_iter().filter(|(_, b)| !b.is_empty()) {
        let framed = response("200 OK", &[("Content-Type", ty)], body.as_bytes());
        match fetch_once(Reply::Raw(framed)).await {
            Ok(Fetched::Page(p)) => assert_eq!(p.text, body),
            other => panic!("{ty} {body:?}: expected a page, got {other:?}"),
        }
        let mut chunked = head(
            "200 OK",
            &[("Content-Type", ty), ("Transfer-Encoding", "chunked")],
        );
        chunked.extend(format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len()).into_bytes());
        match fetch_once(Reply::Raw(chunked)).await {
            Ok(Fetched::Page(p)) => assert_eq!(p.text, body),
            other => panic!("chunked {ty} {body:?}: expected a page, got {other:?}"),
        }
    }
}

/// Redirects into internal networks. Every server is on loopback; the test's network says
/// which addresses count as internal: 127.0.0.1 plays a public address, 127.0.0.2 an
/// internal one (a router page, a cloud metadata service). The names resolve only through
/// the injected table, so nothing leaves the machine.
mod internal_redirects {
    use super::*;
    use std::net::{IpAddr, Ipv4Addr};

    use canaryd::fetch::{Network, StaticHosts, is_internal};

    const PUBLIC: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
    const INTERNAL: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

    fn network() -> Network {
        let hosts = StaticHosts::new([
            ("public.test", IpAddr::from(PUBLIC)),
            ("intranet.test", IpAddr::from(INTERNAL)),
        ]);
        Network {
            // 127.0.0.1 stands for the public internet here; the real rules for the rest.
            is_internal: |ip| ip != IpAddr::from(PUBLIC) && is_internal(ip),
            ..Network::with_resolver(hosts)
        }
    }

    async fn fetch(url: &Url) -> Result<Fetched, FetchError> {
        let fetcher = Fetcher::with_network(&user_agent(), Duration::from_secs(2), network())
            .expect("fetcher");
        fetcher.fetch(url, None, &opts()).await
    }

    async fn secret_server() -> Server {
        Server::start_on(INTERNAL.octets(), |_, _| {
            Reply::Raw(response(
                "200 OK",
                &[("Content-Type", "text/html")],
                b"<p>router admin password: hunter2</p>",
            ))
        })
        .await
    }

    fn refused(result: Result<Fetched, FetchError>, secret: &Server) -> FetchError {
        let e = match result {
            Err(e) => e,
            Ok(Fetched::Page(p)) => panic!("internal page fetched: {:?}", p.text),
            Ok(other) => panic!("expected a refusal, got {other:?}"),
        };
        assert_eq!(e.kind(), "internal", "{e:?}");
        assert!(!e.is_transient());
        assert!(
            e.to_string()
                .contains("redirected from a public address to an internal one (127.0.0.2)"),
            "{e}"
        );
        assert!(e.to_string().contains("refused"), "{e}");
        assert_eq!(secret.hits(), 0, "no request may reach the internal server");
        e
    }

    #[tokio::test]
    async fn public_page_redirecting_to_a_name_that_resolves_internal_is_refused() {
        let secret = secret_server().await;
        let to = secret.url_as("intranet.test", "/admin");
        let public = Server::always(redirect(to.as_str())).await;
        let e = refused(
            fetch(&public.url_as("public.test", "/canary")).await,
            &secret,
        );
        assert!(e.to_string().contains("intranet.test"), "{e}");
    }

    #[tokio::test]
    async fn public_page_redirecting_to_an_internal_literal_address_is_refused() {
        let secret = secret_server().await;
        let to = secret.url("/admin");
        let public = Server::always(redirect(to.as_str())).await;
        // Watched by name and by its (public) address: both are public watches.
        for from in [
            public.url_as("public.test", "/canary"),
            public.url("/canary"),
        ] {
            refused(fetch(&from).await, &secret);
        }
    }

    #[tokio::test]
    async fn internal_watch_may_redirect_internally() {
        let secret = secret_server().await;
        // The watch's own URL is internal: its redirects to internal addresses are followed.
        let start = Server::start_on(INTERNAL.octets(), {
            let to = secret.url_as("intranet.test", "/admin");
            move |_, _| redirect(to.as_str())
        })
        .await;
        match fetch(&start.url_as("intranet.test", "/old")).await {
            Ok(Fetched::Page(p)) => assert!(p.text.contains("hunter2")),
            other => panic!("expected the internal page, got {other:?}"),
        }
        assert_eq!(secret.hits(), 1);
    }

    #[tokio::test]
    async fn public_to_public_redirects_are_followed() {
        let target = Server::always(response_html("<p>We have never received an NSL.</p>")).await;
        let to = target.url_as("public.test", "/canary");
        let start = Server::always(redirect(to.as_str())).await;
        match fetch(&start.url_as("public.test", "/old")).await {
            Ok(Fetched::Page(p)) => assert!(p.text.contains("never received")),
            other => panic!("expected the page, got {other:?}"),
        }
    }

    fn response_html(body: &str) -> Reply {
        Reply::Raw(response(
            "200 OK",
            &[("Content-Type", "text/html")],
            body.as_bytes(),
        ))
    }
}
