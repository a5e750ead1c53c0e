//! `canaryd preview URL [--selector CSS]`: what would be tracked, without writing anything.
//! Its pieces (fetch once, extract, print) are shared with `add`.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use anyhow::Context as _;
use url::Url;

use crate::config::{Signing, WatchSelector};
use crate::observe::signed::{Covers, SignatureReading};

use super::say;
use super::signing_flags::SigningFlags;
use crate::fetch::browser::{BrowserPool, BrowserSettings};
use crate::fetch::{self, FetchOptions, Fetched, Fetcher, Origin, RetryPolicy};
use crate::observe::scripted::NEEDS_JAVASCRIPT;
use crate::observe::statement::Statement;
use crate::observe::{Kind, Reading};
use crate::pipeline::gather::{self, Gathered, Target};

/// Accepts a URL, or a local path as a convenience.
pub fn parse_target(target: &str) -> anyhow::Result<Url> {
    match Url::parse(target) {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "file") => Ok(u),
        // "localhost:8765/canary.html" parses with the scheme "localhost".
        Ok(u) if u.scheme().len() > 1 && without_scheme(target).is_none() => Ok(u),
        _ => {
            let path =
                std::fs::canonicalize(target).with_context(|| match without_scheme(target) {
                    Some(url) => format!(
                        "\"{target}\" is neither a URL nor an existing file; did you mean {url}?"
                    ),
                    None => format!("\"{target}\" is neither a URL nor an existing file"),
                })?;
            Url::from_file_path(&path)
                .map_err(|()| anyhow::anyhow!("cannot make a file:// URL of {}", path.display()))
        }
    }
}

/// For an address written without its scheme ("127.0.0.1:8765/canary.html",
/// "example.org/canary"), the URL meant: plain HTTP for a port or a loopback or literal
/// address (a local test server), HTTPS otherwise.
fn without_scheme(target: &str) -> Option<String> {
    let host_port = target.split('/').next()?;
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (host_port, None),
    };
    let literal = host.parse::<std::net::IpAddr>().is_ok();
    // A host name has a path after it ("example.org/canary"); "canary.html" alone is a file.
    const FILE_ENDINGS: [&str; 7] = ["html", "htm", "txt", "pdf", "asc", "json", "sig"];
    let named = target.contains('/')
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && host.rsplit('.').next().is_some_and(|tld| {
            tld.chars().all(|c| c.is_ascii_alphabetic()) && !FILE_ENDINGS.contains(&tld)
        });
    if !(literal || named || host == "localhost") {
        return None;
    }
    let scheme = if port.is_some() || literal || host == "localhost" {
        "http"
    } else {
        "https"
    };
    Url::parse(&format!("{scheme}://{target}"))
        .ok()
        .map(|u| u.to_string())
}

#[cfg(test)]
mod target_tests {
    use super::*;

    #[test]
    fn an_address_without_its_scheme_gets_the_url_meant() {
        for (typed, meant) in [
            (
                "127.0.0.1:8765/canary.html",
                "http://127.0.0.1:8765/canary.html",
            ),
            (
                "localhost:8765/canary.html",
                "http://localhost:8765/canary.html",
            ),
            ("example.org/canary", "https://example.org/canary"),
        ] {
            let e = parse_target(typed).expect_err("not a file here");
            assert!(
                e.to_string().ends_with(&format!("did you mean {meant}?")),
                "{typed}: {e}"
            );
        }
        let e = parse_target("no-such-file.html").expect_err("not a file");
        assert!(!e.to_string().contains("did you mean"), "{e}");
        assert!(parse_target("https://example.org/c").is_ok());
    }
}

/// A `--selector` argument, compiled.
pub fn parse_selector(selector: Option<&str>) -> anyhow::Result<Option<WatchSelector>> {
    selector
        .map(|s| WatchSelector::parse(s).map_err(|e| anyhow::anyhow!("--selector: {e}")))
        .transpose()
}

/// A page fetched once and the statements it would yield.
#[derive(Debug, Clone)]
pub struct Preview {
    pub final_url: Url,
    pub status: u16,
    pub bytes: usize,
    pub statements: Vec<Statement>,
    /// With pinned keys: who signed and whether it verified.
    pub signatures: Option<SignatureReading>,
    /// What the body was read as: HTML, text, PDF or CanaryTail (a selector applies to
    /// HTML only).
    pub kind: Kind,
    /// A `file://` page: no HTTP status to show.
    pub local: bool,
    /// No claim, and the page looks like it needs JavaScript.
    pub scripted: bool,
    /// The proofs of freshness the page quotes.
    pub freshness: crate::observe::freshness::Freshness,
    /// A good signature dated in the future, or long before the canary's own date.
    pub time_notes: Vec<String>,
    /// A CanaryTail document's own signatures, in words: the verdict, then who signed and
    /// whether it verifies (empty for other kinds).
    pub tail_signatures: Vec<String>,
}

/// Fetches `url` once (no conditional GET) and extracts its statements.
pub async fn fetch_preview(
    url: &Url,
    origin: Origin,
    selector: Option<&WatchSelector>,
    signing: Option<&Signing>,
    opts: &FetchOptions,
) -> anyhow::Result<Preview> {
    fetch_preview_with(url, origin, selector, signing, opts, None).await
}

/// [`fetch_preview`], the page rendered by `browser` when given (`render = "browser"`).
pub async fn fetch_preview_with(
    url: &Url,
    origin: Origin,
    selector: Option<&WatchSelector>,
    signing: Option<&Signing>,
    opts: &FetchOptions,
    browser: Option<&BrowserPool>,
) -> anyhow::Result<Preview> {
    let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
    let target = Target {
        url,
        origin,
        follow: None,
        signing,
        browser,
        opts,
        validators: None,
        last_document: None,
    };
    // Parsing is bounded only in a pass; one preview reads one page.
    let cpu = Arc::new(Semaphore::new(1));
    let Gathered {
        fetched, detached, ..
    } = gather::gather(&fetcher, &cpu, &target).await;
    let doing = if browser.is_some() {
        "rendering"
    } else {
        "fetching"
    };
    let page = match fetched.with_context(|| format!("{doing} {url}"))? {
        Fetched::Page(p) => p,
        Fetched::NotModified { .. } => {
            anyhow::bail!("the server answered 304 to an unconditional request")
        }
    };
    let detached = detached.map_err(|e| anyhow::anyhow!("{e}"))?;
    // Read exactly as a live check reads it; parsing is CPU work, kept off the async workers.
    let selector = selector.cloned();
    let signing = signing.cloned();
    let (page, document, kind, signatures, tail_signatures) =
        tokio::task::spawn_blocking(move || {
            let input = gather::input(&page, &detached);
            // Auto-detected as a check with the default `format` reads it (PDF, CanaryTail); on
            // a signed watch only what the pinned signers signed.
            let spec = crate::observe::ReadSpec {
                format: Default::default(),
                selector: selector.as_ref(),
                signing: signing
                    .as_ref()
                    .map(|s| crate::pipeline::signatures::signing_spec(s, None)),
            };
            let read = crate::observe::read(&input, &spec);
            let kind = crate::observe::kind_of(&input.body, Default::default());
            let document = read.document;
            // Which keys signed a CanaryTail document and whether they verify, as a check
            // judges them (the keys are the ones the document lists).
            let tail_signatures = match document.as_ref().map(|d| d.kind) {
                Some(Kind::CanaryTail) => crate::observe::canarytail::parse(input.body.bytes)
                    .map(|c| crate::observe::canarytail::verify(&c).lines())
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            (page, document, kind, read.signatures, tail_signatures)
        })
        .await
        .context("reading the page stopped unexpectedly")?;
    let (kind, scripted, statements, freshness) = match document {
        Some(document) => match document.reading {
            Reading::Statements(s) => (document.kind, document.scripted, s, document.freshness),
            Reading::Unreadable(why) if tail_signatures.is_empty() => {
                anyhow::bail!("{url}: {why}")
            }
            Reading::Unreadable(why) => {
                anyhow::bail!("{url}: {why}\n{}", tail_signatures.join("\n"))
            }
        },
        None => (kind, false, Vec::new(), Default::default()),
    };
    let time_notes = signatures.as_ref().map_or_else(Vec::new, |r| {
        crate::judge::signature_time::notes(r, &statements, crate::clock::system().now())
    });
    Ok(Preview {
        final_url: page.final_url,
        status: page.status,
        bytes: page.body.len(),
        statements,
        signatures,
        kind,
        local: url.scheme() == "file",
        scripted,
        freshness,
        time_notes,
        tail_signatures,
    })
}

pub async fn run(
    target: &str,
    selector: Option<&str>,
    signing: &SigningFlags,
    render: bool,
    freshness_api: Option<&str>,
) -> anyhow::Result<u8> {
    let url = parse_target(target)?;
    // A template that cannot work is refused before anything is fetched.
    if let Some(t) = freshness_api {
        crate::config::FreshnessApi::parse(t)
            .map_err(|e| anyhow::anyhow!("--freshness-api: {e}"))?;
    }
    let selector = parse_selector(selector)?;
    let signing = signing.signing()?;
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        ..FetchOptions::default()
    };
    let outcome = previews(
        &url,
        Origin::Watchlist,
        selector.as_ref(),
        signing.as_ref(),
        &opts,
        render,
        &BrowserSettings::default(),
    )
    .await;
    let (plain, rendered) = outcome?;
    let shown = match (plain, rendered) {
        (plain, Some(Ok(r))) => {
            print_side_by_side(plain.as_ref(), &r);
            print(&r, selector.as_ref());
            r
        }
        (Some(p), Some(Err(e))) => {
            print(&p, selector.as_ref());
            say::warning(format_args!(
                "render = \"browser\" would run the page's scripts, but: {}",
                super::chain(&e)
            ));
            p
        }
        (Some(p), None) => {
            print(&p, selector.as_ref());
            p
        }
        (None, Some(Err(e))) => return Err(e),
        (None, None) => unreachable!("a plain fetch or a render is always tried"),
    };
    if let Some(template) = freshness_api {
        super::preview_freshness::print(&shown.freshness.block_hashes, &shown.statements, template)
            .await?;
    }
    Ok(0)
}

/// The plain fetch's preview, and the browser's: rendered when asked (`render`), or when
/// the plain page looks like it needs JavaScript (to show what `render = "browser"` would
/// track beside it). With `render`, a plain fetch that fails is only noted.
pub async fn previews(
    url: &Url,
    origin: Origin,
    selector: Option<&WatchSelector>,
    signing: Option<&Signing>,
    opts: &FetchOptions,
    render: bool,
    settings: &BrowserSettings,
) -> anyhow::Result<(Option<Preview>, Option<anyhow::Result<Preview>>)> {
    let plain = fetch_preview(url, origin, selector, signing, opts).await;
    let plain = match plain {
        Ok(p) => Some(p),
        Err(e) if render => {
            say::warning(format_args!(
                "the page as served (no scripts run) could not be read: {}",
                super::chain(&e)
            ));
            None
        }
        Err(e) => return Err(e),
    };
    if !render && !plain.as_ref().is_some_and(|p| p.scripted) {
        return Ok((plain, None));
    }
    let dir = tempfile::Builder::new()
        .prefix("canaryd-preview-")
        .tempdir()
        .context("cannot create a directory for the browser's profile")?;
    let pool = BrowserPool::new(dir.path(), &fetch::user_agent(), fetch::Network::default());
    pool.configure(settings);
    let rendered = fetch_preview_with(url, origin, selector, signing, opts, Some(&pool)).await;
    pool.shutdown().await;
    Ok((plain, Some(rendered)))
}

/// What the page shows as served and once its scripts ran, statement by statement.
pub fn print_side_by_side(plain: Option<&Preview>, rendered: &Preview) {
    let count = |p: &Preview| {
        format!(
            "{} statements, {} claims",
            p.statements.len(),
            p.statements.iter().filter(|s| s.claim).count()
        )
    };
    outln!("What canaryd sees of {}:", rendered.final_url);
    match plain {
        Some(p) if p.scripted => outln!(
            "  as served (no scripts run):              {}; the page looks JavaScript-rendered",
            count(p)
        ),
        Some(p) => outln!("  as served (no scripts run):              {}", count(p)),
        None => outln!("  as served (no scripts run):              could not be read"),
    }
    outln!(
        "  rendered in a browser (render = \"browser\"): {}",
        count(rendered)
    );
    let served: Vec<&str> = plain
        .map(|p| p.statements.iter().map(|s| s.text.as_str()).collect())
        .unwrap_or_default();
    let shown: Vec<&str> = rendered
        .statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    let mut rows: Vec<(&str, bool, bool)> = Vec::new();
    for t in shown.iter().chain(&served) {
        if !rows.iter().any(|(r, _, _)| r == t) {
            rows.push((t, served.contains(t), shown.contains(t)));
        }
    }
    if !rows.is_empty() {
        outln!(
            "
  served  rendered"
        );
        for (text, s, r) in rows {
            let mark = |b: bool| if b { "yes" } else { " - " };
            outln!("   {}      {}     {text}", mark(s), mark(r));
        }
    }
    outln!();
}

/// Prints what a page would track, or plainly that it tracks nothing and what to try.
pub fn print(preview: &Preview, selector: Option<&WatchSelector>) {
    print_statements(preview, selector);
    if let Some((first, rest)) = preview.tail_signatures.split_first() {
        outln!("\n{first}");
        for line in rest {
            outln!("{line}");
        }
    }
    if let Some(reading) = &preview.signatures {
        print_signed_scope(reading, selector);
        super::signing_flags::print(reading);
        for note in &preview.time_notes {
            outln!("  note: {note}");
        }
    }
}

/// On a signed watch, what is judged: the signed text only, and what of the page was not.
fn print_signed_scope(reading: &SignatureReading, selector: Option<&WatchSelector>) {
    match reading.scope.covers {
        Covers::Whole => {}
        Covers::Block => {
            outln!(
                "\nSigned canary: only the text of the clearsigned block signed by a pinned key is judged."
            );
            for part in &reading.scope.ignored {
                outln!("  ignored (not signed): {}", part.describe());
            }
            if let (Some(s), Some(false)) = (selector, reading.scope.text.as_ref().map(|t| t.html))
            {
                outln!(
                    "  note: the selector \"{}\" does not apply: the signed text is read whole",
                    s.source
                );
            }
        }
        Covers::Nothing => outln!(
            "\nSigned canary: nothing on this page is signed by a pinned key, so nothing would be tracked; a check raises a `signature` alert."
        ),
    }
}

fn print_statements(preview: &Preview, selector: Option<&WatchSelector>) {
    let statements = &preview.statements;
    // A selector picks elements of an HTML page: a text, PDF or CanaryTail canary is read
    // whole, and the user must not believe the selector narrowed it.
    let ignored = match preview.kind {
        Kind::Html => None,
        Kind::Text => Some("a text canary"),
        Kind::Pdf => Some("a PDF"),
        Kind::CanaryTail => Some("a CanaryTail canary"),
    };
    let applied = selector.filter(|_| ignored.is_none());
    outln!(
        "{} ({}{} bytes, {}){}",
        preview.final_url,
        if preview.local {
            String::new()
        } else {
            format!("HTTP {}, ", preview.status)
        },
        preview.bytes,
        match preview.kind {
            Kind::Pdf => "PDF",
            Kind::CanaryTail => "CanaryTail",
            Kind::Text => "text",
            Kind::Html => "HTML",
        },
        applied
            .map(|s| format!(", selector \"{}\"", s.source))
            .unwrap_or_default()
    );
    if let (Some(s), Some(what)) = (selector, ignored) {
        outln!(
            "note: the selector \"{}\" does not apply: this is {what}, read whole (a selector picks elements of an HTML page); drop --selector",
            s.source
        );
    }
    if preview.scripted {
        outln!("\nNo canary claims found: {NEEDS_JAVASCRIPT}.");
        outln!(
            "Or watch it with render = \"browser\" (headless Chromium runs its scripts): try `canaryd preview {} --render browser`.",
            preview.final_url
        );
        return;
    }
    if statements.is_empty() {
        outln!("\nNo canary statements found.");
        if applied.is_some() {
            outln!(
                "The selector matched nothing with text. Check it in the browser's inspector, or drop --selector to try auto-detection."
            );
        } else {
            outln!(
                "Auto-detection found no sentence that reads like a canary. Find the element holding the statements and pass it, e.g. --selector \"#canary li\" or --selector \"main ul\"."
            );
        }
        return;
    }
    let claims = statements.iter().filter(|s| s.claim).count();
    outln!(
        "\nWould track {} (claims alert when removed or weakened; headings and notes are recorded only):\n",
        crate::words::statements_tracked(statements.len(), claims)
    );
    for s in statements {
        let kind = if s.claim { "claim  " } else { "context" };
        outln!("  [{kind}] {}", s.text);
    }
    print_dating(statements);
    print_freshness(&preview.freshness);
    if claims == 0 {
        let fix = if ignored.is_some() {
            "A text canary is read whole: its claims must read as claims."
        } else {
            "With --selector every selected statement counts as a claim, e.g. --selector \"#canary li\"."
        };
        outln!(
            "\nNo canary claims found: none of these reads like a claim (\"never\", \"has not received\"…), so none would alert. {fix}"
        );
    }
}

/// The proofs of freshness found, as the freshness checks will compare them.
fn print_freshness(f: &crate::observe::freshness::Freshness) {
    if f.is_empty() {
        outln!("Proof of freshness: none found");
        return;
    }
    outln!("Proof of freshness (compared with each new version; see `freshness` events):");
    for line in f.describe() {
        outln!("  {line}");
    }
}

/// The canary's own date as canaryd understood it, where it was read, the deadline the
/// canary states for its next issue, and any other date that disagrees.
fn print_dating(statements: &[Statement]) {
    let Some(dating) = crate::judge::dating(statements) else {
        outln!("\nCanary date: none found (staleness is judged only by max_age, if set)");
        return;
    };
    outln!(
        "\nCanary date: {} (from its {}: \"{}\")",
        dating.chosen.date,
        dating.chosen.source.as_str(),
        dating.chosen.statement
    );
    match crate::judge::stated_deadline(statements) {
        Some(due) => {
            outln!("Next issue due by: {due} (as the canary states; stale_grace is added)")
        }
        None => outln!("Next issue due by: not stated"),
    }
    for other in &dating.disagreeing {
        outln!(
            "  note: another date, {} ({}), in \"{}\"; not used",
            other.date,
            other.source.as_str(),
            other.statement
        );
    }
}
