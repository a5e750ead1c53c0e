//! `canaryd preview URL [--selector CSS]`: what would be tracked, without writing anything.
//! Its pieces (fetch once, extract, print) are shared with `add`.

use std::time::Duration;

use anyhow::Context as _;
use url::Url;

use crate::config::WatchSelector;
use crate::fetch::{self, FetchOptions, Fetched, Fetcher, RetryPolicy};
use crate::observe::Reading;
use crate::observe::extract::Format;
use crate::observe::statement::Statement;

/// Accepts a URL, or a local path as a convenience.
pub fn parse_target(target: &str) -> anyhow::Result<Url> {
    match Url::parse(target) {
        Ok(u) if u.scheme().len() > 1 => Ok(u),
        _ => {
            let path = std::fs::canonicalize(target)
                .with_context(|| format!("\"{target}\" is neither a URL nor an existing file"))?;
            Url::from_file_path(&path)
                .map_err(|()| anyhow::anyhow!("cannot make a file:// URL of {}", path.display()))
        }
    }
}

/// A `--selector` argument, compiled.
pub fn parse_selector(selector: Option<&str>) -> anyhow::Result<Option<WatchSelector>> {
    selector
        .map(|s| {
            WatchSelector::parse(s)
                .map_err(|e| anyhow::anyhow!("--selector \"{s}\" is not valid CSS: {e}"))
        })
        .transpose()
}

/// A page fetched once and the statements it would yield.
#[derive(Debug, Clone)]
pub struct Preview {
    pub final_url: Url,
    pub status: u16,
    pub bytes: usize,
    pub format: Format,
    pub statements: Vec<Statement>,
}

/// Fetches `url` once (no conditional GET) and extracts its statements.
pub async fn fetch_preview(
    url: &Url,
    selector: Option<&WatchSelector>,
    opts: &FetchOptions,
) -> anyhow::Result<Preview> {
    let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
    let page = match fetcher
        .fetch(url, None, opts)
        .await
        .with_context(|| format!("fetching {url}"))?
    {
        Fetched::Page(p) => p,
        Fetched::NotModified { .. } => {
            anyhow::bail!("the server answered 304 to an unconditional request")
        }
    };
    let format = crate::pipeline::reading_format(page.format);
    // Read exactly as a live check reads it; parsing is CPU work, kept off the async workers.
    let selector = selector.cloned();
    let (text, body, content_type) = (page.text, page.body.clone(), page.content_type);
    let reading = tokio::task::spawn_blocking(move || {
        let body = crate::observe::Body {
            bytes: &body,
            content_type: content_type.as_deref(),
            text: &text,
            fetched_as: format,
        };
        // Auto-detected as a check with the default `format` reads it (PDF, CanaryTail).
        crate::observe::read_document(&body, Default::default(), selector.as_ref()).reading
    })
    .await
    .context("reading the page stopped unexpectedly")?;
    let statements = match reading {
        Reading::Statements(s) => s,
        Reading::Unreadable(why) => anyhow::bail!("{url}: {why}"),
    };
    Ok(Preview {
        final_url: page.final_url,
        status: page.status,
        bytes: page.body.len(),
        format,
        statements,
    })
}

pub async fn run(target: &str, selector: Option<&str>) -> anyhow::Result<u8> {
    let url = parse_target(target)?;
    let selector = parse_selector(selector)?;
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        ..FetchOptions::default()
    };
    let preview = fetch_preview(&url, selector.as_ref(), &opts).await?;
    print(&preview, selector.as_ref());
    Ok(0)
}

/// Prints what a page would track, or plainly that it tracks nothing and what to try.
pub fn print(preview: &Preview, selector: Option<&WatchSelector>) {
    let statements = &preview.statements;
    println!(
        "{} (HTTP {}, {} bytes, {}){}",
        preview.final_url,
        preview.status,
        preview.bytes,
        match preview.format {
            Format::Text => "text",
            Format::Html => "HTML",
        },
        selector
            .map(|s| format!(", selector \"{}\"", s.source))
            .unwrap_or_default()
    );
    if statements.is_empty() {
        println!("\nNo canary statements found.");
        if selector.is_some() {
            println!(
                "The selector matched nothing with text. Check it in the browser's inspector, or drop --selector to try auto-detection."
            );
        } else {
            println!(
                "Auto-detection found no sentence that reads like a canary. Find the element holding the statements and pass it, e.g. --selector \"#canary li\" or --selector \"main ul\"."
            );
        }
        return;
    }
    let claims = statements.iter().filter(|s| s.claim).count();
    println!(
        "\n{} statements would be tracked ({claims} claims alert when removed or weakened; context is recorded only):\n",
        statements.len()
    );
    for s in statements {
        let kind = if s.claim { "claim  " } else { "context" };
        println!("  [{kind}] {}", s.text);
    }
    if claims == 0 {
        println!(
            "\nNo canary claims found: none of these reads like a claim (\"never\", \"has not received\"…), so none would alert. With --selector every selected statement counts as a claim, e.g. --selector \"#canary li\"."
        );
    }
}
