//! Inputs that must not take the machine, and requests canaryd must never make (issue 19,
//! items 4 to 7): followed links to internal addresses, PDF bombs, huge indexes and
//! CanaryTail documents, a command channel flooding its output. Where memory is the point,
//! the real binary runs and its peak RSS (children included) is read from wait4(2).

mod common;

use std::path::Path;
use std::time::Duration;

use canaryd::config::Watchlist;
use canaryd::fetch::{FetchOptions, Fetcher, Origin, RetryPolicy, user_agent};
use canaryd::pipeline::Checker;
use canaryd::store::CheckResult;
use common::canary::we::{GAG, NSL};
use common::parsed;
use common::run::Env;
use common::site::{Reply, Site};
use common::watchlist::{Channel, Watch, Watchlist as Toml, strings};

fn follow_watch(site: &Site, change: impl FnOnce(Watch) -> Watch) -> Watchlist {
    let watch = Watch::follow("series", &site.url("/canaries/"), r"canary-(\d+)\.txt$");
    parsed(&Toml::new().watch(change(watch.set("confirm", 1))))
}

/// A public index (anyone who controls it) linking a document on this machine's loopback:
/// the link is refused, nothing is fetched from it, the reason names the URL and the fix.
#[tokio::test]
async fn a_followed_link_to_an_internal_address_is_refused_unless_the_watch_allows_it() {
    let site = Site::start().await;
    let secret = "/canaries/canary-2.txt";
    site.set(
        secret,
        Reply::text(&format!("{NSL}\n\n{GAG}\n\ninternal secret\n")),
    );
    site.set(
        "/canaries/",
        Reply::html(&format!(
            "<html><body><a href=\"{}\">2</a></body></html>",
            site.url(secret)
        )),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = follow_watch(&site, |w| w);
    let r = checker.check(&wl.watches[0]).await.expect("check");
    assert_eq!(r.record.result, CheckResult::Failed, "{:?}", r.record);
    let error = r.record.error.clone().unwrap_or_default();
    assert!(
        error.contains("internal address 127.0.0.1")
            && error.contains("canary-2.txt")
            && error.contains("allow_internal = [\"127.0.0.1\"]"),
        "{error}"
    );
    assert_eq!(site.hits(secret), 0, "the internal document was fetched");

    // The same watch, allowed to reach loopback explicitly, follows the link.
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = follow_watch(&site, |w| {
        w.set("allow_internal", strings(&["127.0.0.0/8"]))
    });
    let r = checker.check(&wl.watches[0]).await.expect("check");
    assert_eq!(r.record.result, CheckResult::Ok, "{:?}", r.record);
    assert_eq!(site.hits(secret), 1);
}

/// A literal internal address in a found URL is known before any proxy sees it: refused
/// without a connection (the proxy here does not even exist).
#[tokio::test]
async fn a_found_literal_internal_address_is_refused_before_the_proxy() {
    let fetcher = Fetcher::new(&user_agent(), Duration::from_secs(2)).expect("fetcher");
    let opts = FetchOptions {
        timeout: Duration::from_secs(5),
        proxy: Some("http://127.0.0.1:9".parse().expect("proxy")),
        retry: RetryPolicy::none(),
        ..FetchOptions::default()
    };
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/canary.txt",
        "http://[::1]:8080/canary.txt",
        "http://100.64.0.1/x",
        "http://0.0.0.0/x",
        "http://[fd00::1]/x",
        "http://224.0.0.1/x",
    ] {
        let url = url.parse().expect("url");
        let err = fetcher
            .fetch_from(&url, Origin::Found, None, &opts)
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), "internal", "{url}: {err}");
        assert!(err.to_string().contains("allow_internal"), "{err}");
    }
    // A found file:// URL would read this machine's files.
    let url = "file:///etc/passwd".parse().expect("url");
    let err = fetcher
        .fetch_from(&url, Origin::Found, None, &opts)
        .await
        .expect_err("refused");
    assert_eq!(err.kind(), "scheme", "{err}");
}

#[test]
fn allow_internal_is_validated_where_written() {
    let text = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nallow_internal = [\"10.0.0.0/8\", \"10.0.0.0/99\"]\n";
    let e = Watchlist::parse(text, Path::new("w.toml")).expect_err("bad prefix");
    let shown = e.to_string();
    assert!(
        shown.contains("allow_internal") && shown.contains("4:"),
        "{shown}"
    );
}

/// A text index of tens of thousands of links is not a list of canaries: refused with the
/// reason (before: searched, quadratically, then followed).
#[tokio::test]
async fn an_index_with_too_many_links_is_a_failed_fetch() {
    let site = Site::start().await;
    let links: String = (0..20_000)
        .map(|n| format!("http://a.example/canary-{n}.txt\n"))
        .collect();
    site.set("/canaries/", Reply::text(&links));
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let wl = follow_watch(&site, |w| w);
    let r = checker.check(&wl.watches[0]).await.expect("check");
    assert_eq!(r.record.result, CheckResult::Failed, "{:?}", r.record);
    let error = r.record.error.clone().unwrap_or_default();
    assert!(error.contains("more than 10000 links"), "{error}");
}

/// A CanaryTail document with thousands of codes is refused with the reason (before: every
/// code a statement, judged and stored).
#[tokio::test]
async fn a_canarytail_document_with_thousands_of_codes_is_a_failed_fetch() {
    let site = Site::start().await;
    let codes: Vec<String> = (0..5_000).map(|n| format!("\"C{n}\"")).collect();
    let doc = format!(
        "{{\"canary\": {{\"codes\": [{}], \"release\": \"2026-01-01T00:00:00Z\", \"expiry\": \"2026-02-01T00:00:00Z\"}}}}",
        codes.join(",")
    );
    site.set("/canary.json", Reply::text(&doc));
    let wl = parsed(
        &Toml::new()
            .watch(Watch::url("tail", &site.url("/canary.json")).set("format", "canarytail")),
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let checker = Checker::new(dir.path(), canaryd::clock::system(), "test").expect("checker");
    let r = checker.check(&wl.watches[0]).await.expect("check");
    assert_eq!(r.record.result, CheckResult::Failed, "{:?}", r.record);
    let error = r.record.error.clone().unwrap_or_default();
    assert!(error.contains("5000 codes, more than the 256"), "{error}");
}

/// Runs the real binary with `args` to completion: (stdout + stderr, its peak RSS in KiB,
/// the children it waited for included, as wait4(2) reports it).
async fn measured(env: &Env, args: &[&str]) -> (String, i64) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_canaryd"));
    cmd.arg("--watchlist")
        .arg(env.watchlist())
        .arg("--state")
        .arg(env.state())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for var in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    let child = cmd.spawn().expect("canaryd ran");
    let pid = child.id() as libc::pid_t;
    tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut child = child;
        let mut out = String::new();
        let mut err = String::new();
        // The outputs are small; read them before reaping, as `wait_with_output` would.
        let (mut so, mut se) = (
            child.stdout.take().expect("stdout"),
            child.stderr.take().expect("stderr"),
        );
        let errs = std::thread::spawn(move || {
            let _ = se.read_to_string(&mut err);
            err
        });
        let _ = so.read_to_string(&mut out);
        let err = errs.join().expect("stderr reader");
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 on our own child, with pointers to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        assert_eq!(reaped, pid, "wait4");
        (format!("{out}{err}"), usage.ru_maxrss)
    })
    .await
    .expect("measured run")
}

fn pdf(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/pdf".into(),
        body,
        headers: Vec::new(),
    }
}

/// A few kilobytes of PDF inflating to 1 GiB: the check fails with the reason, and neither
/// canaryd nor its reader child comes near that much memory (before: the whole gigabyte,
/// and more, in the daemon itself).
#[tokio::test(flavor = "multi_thread")]
async fn a_pdf_bomb_is_a_failed_read_within_bounded_memory() {
    let site = Site::start().await;
    let bomb = common::pdf::flate_bomb(1 << 30);
    assert!(bomb.len() < 64 * 1024, "a small bomb: {} bytes", bomb.len());
    site.set("/report.pdf", pdf(bomb));
    let env = Env::new(Toml::new().watch(Watch::url("report", &site.url("/report.pdf"))));
    let (said, max_rss_kib) = measured(&env, &["check"]).await;
    assert!(said.contains("past canaryd's bounds"), "{said}");
    assert!(said.contains("MiB of memory"), "{said}");
    assert!(
        max_rss_kib < 700 * 1024,
        "peak RSS {max_rss_kib} KiB\n{said}"
    );
}

/// Many characters or many pages: refused by count, with the reason.
#[tokio::test(flavor = "multi_thread")]
async fn pdfs_past_the_character_and_page_bounds_are_failed_reads() {
    let site = Site::start().await;
    site.set("/chars.pdf", pdf(common::pdf::many_chars(1_500_000)));
    site.set("/pages.pdf", pdf(common::pdf::pages(1_001)));
    let env = Env::new(
        Toml::new()
            .watch(Watch::url("chars", &site.url("/chars.pdf")))
            .watch(Watch::url("pages", &site.url("/pages.pdf"))),
    );
    let (said, _) = measured(&env, &["check"]).await;
    assert!(said.contains("more than 1000 pages"), "{said}");
    assert!(
        said.contains("more than 1000000 characters") || said.contains("s of CPU"),
        "{said}"
    );
}

/// A command channel printing 512 MiB before its last line: delivered, its last line read,
/// without canaryd holding the flood (before: all of it in memory).
#[tokio::test(flavor = "multi_thread")]
async fn a_command_channel_flooding_its_output_is_read_within_bounded_memory() {
    use std::os::unix::fs::PermissionsExt as _;
    let site = Site::start().await;
    site.set("/canary.txt", Reply::text(&format!("{NSL}\n\n{GAG}\n")));
    let env = Env::new("");
    let script = env.dir.path().join("flood.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\ncat > /dev/null\nhead -c 536870912 /dev/zero\necho\necho 'paged as #42'\n",
    )
    .expect("script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    env.set_watchlist(
        Toml::new()
            .channel(
                Channel::new("command")
                    .set("command", strings(&[script.display().to_string()]))
                    .set("timeout", "60s"),
            )
            .watch(Watch::url("a", &site.url("/canary.txt"))),
    );
    let (said, max_rss_kib) = measured(&env, &["test-notify"]).await;
    assert!(said.contains("paged as #42"), "{said}");
    assert!(
        max_rss_kib < 200 * 1024,
        "peak RSS {max_rss_kib} KiB\n{said}"
    );
}
