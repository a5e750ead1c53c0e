//! `canaryd demo`: an offline, seconds-long demonstration. A canary page is served on
//! loopback; canaryd takes its baseline, shrugs off a cosmetic rewrite, then sees one
//! statement withdrawn and prints the alert it would email; then writes the report of
//! what it saw and prints where.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context as _;
use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::check_line;
use crate::clock;
use crate::config::Watchlist;
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::notify::outbox::DELIVERY_BACKOFF;
use crate::pipeline::Checker;
use crate::schedule::pass;

const STATEMENTS: [&str; 4] = [
    "Example Co has never received a National Security Letter.",
    "Example Co has never received an order under the Foreign Intelligence Surveillance Act.",
    "Example Co has never been subject to a gag order.",
    "Example Co has never placed a backdoor in its software.",
];

/// The page, in one of its layouts, without the statements listed in `drop`.
fn page(fancy: bool, drop: Option<usize>) -> String {
    let items: String = STATEMENTS
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != drop)
        .map(|(_, s)| {
            if fancy {
                // Cosmetic rewrite: markup, whitespace and typographic punctuation change.
                format!(
                    "\n      <li><span class=\"stmt\">{}</span></li>",
                    s.replace("Example Co", "Example&nbsp;Co")
                )
            } else {
                format!("<li>{s}</li>")
            }
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Example Co transparency report</title></head>\
<body><nav><a href=\"/\">Home</a> <a href=\"/blog\">Blog</a></nav><main><h1>Transparency report</h1>\
<p>We publish this report every quarter.</p><h2>Warrant canary</h2><ul id=\"canary\">{items}</ul></main></body></html>"
    )
}

/// A tiny HTTP server on loopback serving whatever `page` holds.
async fn serve(page: Arc<RwLock<String>>, stop: CancellationToken) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .context("binding a loopback port")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                _ = stop.cancelled() => return,
                accepted = listener.accept() => match accepted {
                    Ok((s, _)) => s,
                    Err(_) => continue,
                },
            };
            let page = page.clone();
            tokio::spawn(async move {
                let service = service_fn(move |_req: Request<hyper::body::Incoming>| {
                    let body = page.read().map(|p| p.clone()).unwrap_or_default();
                    async move {
                        let mut resp = Response::new(Full::new(Bytes::from(body)));
                        resp.headers_mut().insert(
                            hyper::header::CONTENT_TYPE,
                            hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
                        );
                        Ok::<_, Infallible>(resp)
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(addr)
}

/// The footer of the demo's alert, in place of a real alert's `list` and `preview` hints.
fn demo_footer() -> String {
    format!(
        "canaryd {} demo: the page and the state of this demo are gone when it ends; the report \
below keeps what it saw. On your own watches this line says which commands to run next.\n",
        env!("CARGO_PKG_VERSION")
    )
}

pub async fn run() -> anyhow::Result<u8> {
    let dir = tempfile::tempdir().context("creating a temporary state directory")?;
    let page_text = Arc::new(RwLock::new(page(false, None)));
    let stop = CancellationToken::new();
    let addr = serve(page_text.clone(), stop.clone()).await?;
    let result = scenario(dir.path(), addr, &page_text).await;
    stop.cancel();
    result
}

async fn scenario(dir: &Path, addr: SocketAddr, page_text: &RwLock<String>) -> anyhow::Result<u8> {
    let toml = format!(
        "[settings]\nconfirm = 2\nhost_delay = \"0s\"\n\n[[watch]]\nname = \"example\"\nurl = \"http://{addr}/transparency\"\nselector = \"#canary\"\n"
    );
    let wl = Watchlist::parse(&toml, &dir.join("watchlist.toml"))?;
    let checker = Checker::new(&dir.join("state"), clock::system(), "demo")?;
    outln!("canaryd demo: an offline canary on http://{addr}/transparency, watched with:\n");
    for line in toml.lines() {
        outln!("    {line}");
    }

    let steps: [(&str, bool, Option<usize>); 4] = [
        ("1. First check: canaryd takes the baseline.", false, None),
        (
            "2. The page is rewritten cosmetically (markup, spacing, &nbsp;): no alert.",
            true,
            None,
        ),
        (
            "3. One statement disappears. canaryd waits for a second observation (confirm = 2).",
            true,
            Some(0),
        ),
        (
            "4. Still gone on the next check: confirmed, the alert goes out.",
            true,
            Some(0),
        ),
    ];
    for (title, fancy, drop) in steps {
        if let Ok(mut p) = page_text.write() {
            *p = page(fancy, drop);
        }
        outln!("\n{title}");
        pass::check_all(&checker, &wl.watches, &wl.settings, |o| {
            outln!("   {}", check_line(o));
        })
        .await;
    }
    outln!(
        "\nThe alert, as it would be emailed (without an [email] table it goes to standard output):\n"
    );
    // The hints an alert ends with (`canaryd list`, `canaryd preview URL`) would point at a
    // state directory and a page that are gone when the demo ends: say what fits instead.
    for mut q in checker.outbox().pending()? {
        q.alert.set_footer(&demo_footer());
        checker.outbox().rewrite(&q)?;
    }
    // The demo's watchlist has no channel, so this is the standard-output channel.
    let channels = Channels::from_watchlist(&wl)?;
    let feed = Feed::new(&dir.join("state")).deferred();
    let targets = Targets {
        outbox: checker.outbox(),
        channels: &channels,
        feed: &feed,
    };
    let d = deliver::drain(targets, checker.clock().now(), true, DELIVERY_BACKOFF).await?;
    if d.delivered == 0 {
        anyhow::bail!("the demo expected one alert and produced none: please report this as a bug");
    }
    // The state is thrown away with the demo; the report is kept for the reader to open.
    let site = tempfile::Builder::new()
        .prefix("canaryd-demo-report-")
        .tempdir()
        .context("creating a folder for the demo's report")?
        .keep();
    super::report::write(
        &wl,
        &dir.join("state"),
        &site,
        checker.clock().now(),
        crate::report::Warcs::Command,
    )?;
    outln!(
        "\nThe report (open it in a browser; `canaryd report` writes yours): {}",
        site.join("index.html").display()
    );
    outln!(
        "Try it on real canaries: `canaryd check` (shipped watchlist.toml), then `canaryd list`."
    );
    Ok(0)
}
