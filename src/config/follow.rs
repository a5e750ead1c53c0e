//! The watch-only keys that say what a watch reads: `follow = { index, pattern, order }`
//! (the newest document of a series linked from an index page) and `format` (how the body is
//! read). Parsed from the raw watch here so `raw.rs` only gains one-line hooks.

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use super::located::RawError;
pub use crate::observe::DocumentFormat;
use crate::observe::follow::{FollowRule, Order};

/// `follow = { ... }` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFollow {
    index: Spanned<String>,
    pattern: Spanned<String>,
    order: Option<Spanned<String>>,
}

/// A watch's `follow` rule, validated.
#[derive(Debug, Clone)]
pub struct Follow {
    /// The index page whose links are searched.
    pub index: Url,
    /// The pattern as written (for `list`, `add` and alerts).
    pub pattern: String,
    pub(crate) rule: FollowRule,
}

impl Follow {
    /// "number", "date", "position", or `None` when picked per index page.
    pub fn order(&self) -> Option<&'static str> {
        self.rule.order.map(Order::as_str)
    }

    /// Builds a rule from command-line values (`preview`/`add --follow-*`).
    pub fn new(index: Url, pattern: &str, order: Option<&str>) -> Result<Follow, FollowError> {
        let compiled = Regex::new(pattern).map_err(FollowError::Pattern)?;
        let order = order.map(parse_order).transpose()?;
        Ok(Follow {
            index,
            pattern: pattern.to_string(),
            rule: FollowRule {
                pattern: compiled,
                order,
            },
        })
    }
}

/// Why a `follow` rule cannot be built; the words name the key as written after `follow.`
/// in the watchlist or `--follow-` on the command line.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("`pattern` is not a valid regex: {0}")]
    Pattern(regex::Error),
    #[error("`order` \"{0}\" is not one of \"number\", \"date\", \"position\"")]
    Order(String),
}

fn parse_order(s: &str) -> Result<Order, FollowError> {
    match s {
        "number" => Ok(Order::Number),
        "date" => Ok(Order::Date),
        "position" => Ok(Order::Position),
        other => Err(FollowError::Order(other.to_string())),
    }
}

/// Validates `follow`, locating each problem at the key that has it.
pub(super) fn follow(raw: &RawFollow, name: &str) -> Result<Follow, RawError> {
    let index = Url::parse(raw.index.get_ref()).map_err(|e| {
        RawError::at(
            raw.index.span(),
            format!("watch \"{name}\": `follow.index` is not a URL: {e}"),
            "write the index page's full address, e.g. index = \"https://example.org/canaries/\"",
        )
    })?;
    if !matches!(index.scheme(), "http" | "https" | "file") {
        return Err(RawError::at(
            raw.index.span(),
            format!(
                "watch \"{name}\": `follow.index` scheme \"{}\" is not supported",
                index.scheme()
            ),
            "use an http://, https:// or file:// URL",
        ));
    }
    let order = raw.order.as_ref().map(|o| {
        parse_order(o.get_ref()).map_err(|m| {
            RawError::at(
                o.span(),
                format!("watch \"{name}\": {m}"),
                "leave `order` out to choose per index page, or write order = \"number\"",
            )
        })
    });
    let order = order.transpose()?;
    Follow::new(index, raw.pattern.get_ref(), order.map(Order::as_str)).map_err(|m| {
        RawError::at(
            raw.pattern.span(),
            format!("watch \"{name}\": `follow.{m}"),
            "write a regex matched against each absolute link, e.g. pattern = \"canary-(\\\\d+)\\\\.txt$\"",
        )
    })
}

/// Validates `format`; absent is `auto`.
pub(super) fn format(
    raw: Option<&Spanned<String>>,
    name: &str,
) -> Result<DocumentFormat, RawError> {
    let Some(raw) = raw else {
        return Ok(DocumentFormat::Auto);
    };
    raw.get_ref().parse().map_err(|()| {
        RawError::at(
            raw.span(),
            format!(
                "watch \"{name}\": `format` \"{}\" is not known",
                raw.get_ref()
            ),
            "use \"auto\", \"html\", \"text\", \"pdf\" or \"canarytail\"",
        )
    })
}

/// A watch names one thing to read: `url` or `follow`, not both.
pub(super) fn not_both(
    url: Option<&Spanned<String>>,
    follow: Option<&Spanned<RawFollow>>,
    name: &str,
) -> Result<(), RawError> {
    match (url, follow) {
        (Some(_), Some(f)) => Err(RawError::at(
            f.span(),
            format!("watch \"{name}\" has both `url` and `follow`"),
            "keep `url` to watch one page, or `follow` to watch the newest document an index links",
        )),
        _ => Ok(()),
    }
}

/// A watch that names nothing to read.
pub(super) fn neither(name: &str, watch_span: std::ops::Range<usize>) -> RawError {
    RawError::at(
        watch_span,
        format!("watch \"{name}\" has neither `url` nor `follow`"),
        "add url = \"https://...\" (one page) or follow = { index = \"...\", pattern = \"...\" }",
    )
}

/// Validates `allow_internal = ["10.0.0.0/8", "127.0.0.1", "intranet.example"]`: the internal
/// addresses this watch's found URLs (followed links, signature URLs derived from them) and
/// redirects may reach. Each entry is located where it is wrong.
pub(super) fn allow_internal(
    raw: &Spanned<Vec<Spanned<String>>>,
    name: &str,
) -> Result<crate::fetch::AllowInternal, RawError> {
    let fix = "list addresses, networks or host names, e.g. allow_internal = [\"127.0.0.1\", \"10.0.0.0/8\", \"intranet.example\"]";
    if raw.get_ref().len() > crate::fetch::MAX_ALLOWED {
        return Err(RawError::at(
            raw.span(),
            format!(
                "watch \"{name}\": `allow_internal` lists more than {} entries",
                crate::fetch::MAX_ALLOWED
            ),
            "allow a network (CIDR) instead of its addresses one by one",
        ));
    }
    for entry in raw.get_ref() {
        crate::fetch::AllowInternal::parse([entry.get_ref().as_str()]).map_err(|why| {
            RawError::at(
                entry.span(),
                format!("watch \"{name}\": `allow_internal`: {why}"),
                fix,
            )
        })?;
    }
    crate::fetch::AllowInternal::parse(raw.get_ref().iter().map(|e| e.get_ref().as_str())).map_err(
        |why| {
            RawError::at(
                raw.span(),
                format!("watch \"{name}\": `allow_internal`: {why}"),
                fix,
            )
        },
    )
}
