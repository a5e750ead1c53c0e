//! The usual proxy environment variables, end to end: the real binary, a loopback HTTP
//! forward proxy, and a watch on a host name only that proxy knows.

mod common;

use std::net::SocketAddr;

use common::canary::NSL;
use common::http::{FAKE_HOST, Proxy, ProxyKind};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist};

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_from_the_environment_is_used_and_no_proxy_bypasses_it() {
    let site = Site::start().await;
    site.set(
        "/canary",
        Reply::html(&format!("<ul id=\"canary\"><li>{NSL}</li></ul>")),
    );
    let proxy = Proxy::start(
        ProxyKind::Http,
        SocketAddr::from(([127, 0, 0, 1], site.port)),
    )
    .await;
    // `canary.test` does not resolve here: only a fetch through the proxy can reach the page.
    let url = format!("http://{FAKE_HOST}:{}/canary", site.port);
    let env = Env::new(
        Watchlist::new()
            .setting("host_delay", "0s")
            .setting("timeout", "5s")
            .watch(Watch::url("example", &url).set("selector", "#canary li")),
    );
    let via = proxy.url("http").to_string();

    let out = env.canaryd_env(&["check"], &[("HTTP_PROXY", &via)]).await;
    assert!(
        stdout(&out).contains("example: ok, 1 claim"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(proxy.relayed(), 1);
    assert_eq!(proxy.asked(), [FAKE_HOST]);

    // NO_PROXY names the host: canaryd goes direct, where canary.test does not exist.
    let out = env
        .canaryd_env(&["check"], &[("HTTP_PROXY", &via), ("NO_PROXY", FAKE_HOST)])
        .await;
    assert!(
        stdout(&out).contains("example: fetch failed"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(proxy.relayed(), 1, "NO_PROXY must bypass the proxy");
}
