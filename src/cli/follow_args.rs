//! `--follow-index URL --follow-pattern REGEX [--follow-order O]` for `preview` and `add`:
//! the document of a series a `follow` watch would read, found the way a check finds it.

use std::time::Duration;

use anyhow::Context as _;
use url::Url;

use crate::config::Follow;
use crate::fetch::{self, AllowInternal, FetchOptions, Fetched, Fetcher, Origin, RetryPolicy};
use crate::observe::follow;

pub use super::args::FollowArgs;
use super::args::SigningFlags;
use super::preview::{self, parse_selector, parse_target};

impl FollowArgs {
    /// The rule, when `--follow-index` was given.
    pub fn rule(&self) -> anyhow::Result<Option<Follow>> {
        let (Some(index), Some(pattern)) = (&self.follow_index, &self.follow_pattern) else {
            return Ok(None);
        };
        let index = parse_target(index)?;
        Follow::new(index, pattern, self.follow_order.as_deref())
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--follow-{e}"))
    }

    /// `--allow-internal`, validated.
    pub fn allow_internal(&self) -> anyhow::Result<AllowInternal> {
        AllowInternal::parse(self.allow_internal.iter().map(String::as_str))
            .map_err(|e| anyhow::anyhow!("--allow-internal: {e}"))
    }
}

/// Fetches the index once and picks the document a check would read: its URL and why.
pub async fn locate(rule: &Follow, opts: &FetchOptions) -> anyhow::Result<(Url, String)> {
    let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
    let index = &rule.index;
    let page = match fetcher
        .fetch(index, None, opts)
        .await
        .with_context(|| format!("fetching the index {index}"))?
    {
        Fetched::Page(p) => p,
        Fetched::NotModified { .. } => {
            anyhow::bail!("the server answered 304 to an unconditional request")
        }
    };
    let is_html = matches!(page.format, fetch::Format::Html);
    // CPU work, off the async workers as in a check.
    let pattern = rule.rule.clone();
    let picked = tokio::task::spawn_blocking(move || {
        follow::pick(&page.text, is_html, &page.final_url, &pattern)
    })
    .await
    .context("searching the index stopped unexpectedly")?
    .with_context(|| format!("searching the index {index}"))?
    .with_context(|| {
        format!(
            "the index {index} links no document matching {:?}",
            rule.pattern
        )
    })?;
    Ok((picked.url, picked.reason))
}

/// `preview --follow-index …`: which document would be followed and why, then its statements.
pub async fn preview(
    rule: &Follow,
    allow: &AllowInternal,
    selector: Option<&str>,
    signing: &SigningFlags,
) -> anyhow::Result<u8> {
    let selector = parse_selector(selector)?;
    let signing = signing.signing()?;
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        allow_internal: allow.clone(),
        ..FetchOptions::default()
    };
    let (url, reason) = locate(rule, &opts).await?;
    outln!("following {url}\n  ({reason} on {})\n", rule.index);
    let p = preview::fetch_preview(
        &url,
        Origin::Found,
        selector.as_ref(),
        signing.as_ref(),
        &opts,
    )
    .await?;
    preview::print(&p, selector.as_ref());
    Ok(0)
}

/// `canaryd preview [URL | --follow-index URL --follow-pattern REGEX]`.
pub async fn run_preview(
    url: Option<String>,
    follow: FollowArgs,
    selector: Option<String>,
    signing: SigningFlags,
    render: bool,
    freshness_api: Option<&str>,
) -> anyhow::Result<u8> {
    match (follow.rule()?, url) {
        (Some(_), _) if freshness_api.is_some() => anyhow::bail!(
            "--freshness-api confirms the blocks of one document: preview the document's own URL with it"
        ),
        (Some(rule), _) => {
            let allow = follow.allow_internal()?;
            preview(&rule, &allow, selector.as_deref(), &signing).await
        }
        (None, Some(url)) => {
            preview::run(&url, selector.as_deref(), &signing, render, freshness_api).await
        }
        (None, None) => anyhow::bail!("give a URL, or --follow-index and --follow-pattern"),
    }
}
