//! `[web]`: where `run` serves the report, validated once. Loopback only, unless the
//! watchlist says `allow_remote = true` in so many words: the report names every canary a
//! user watches, which is itself worth keeping private.

use std::net::SocketAddr;

use serde::Deserialize;
use toml::Spanned;

use super::located::RawError;

/// `[web]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWeb {
    listen: Spanned<String>,
    allow_remote: Option<bool>,
}

/// `[web]`, validated: the address `run` serves the report on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebConfig {
    pub listen: SocketAddr,
    /// The address is not a loopback one, and the watchlist allowed it explicitly.
    pub remote: bool,
}

pub(super) fn web(raw: Spanned<RawWeb>) -> Result<WebConfig, RawError> {
    let raw = raw.into_inner();
    let text = raw.listen.get_ref().trim();
    let listen: SocketAddr = text.parse().map_err(|_| {
        RawError::at(
            raw.listen.span(),
            format!("`listen` \"{text}\" is not an address and port"),
            "write it as \"127.0.0.1:8080\" or \"[::1]:8080\"",
        )
    })?;
    let loopback = listen.ip().is_loopback();
    if !loopback && raw.allow_remote != Some(true) {
        return Err(RawError::at(
            raw.listen.span(),
            format!(
                "`listen` {listen} is not a loopback address: the report would be served to the network"
            ),
            "use 127.0.0.1 (and a reverse proxy with authentication in front), or add allow_remote = true to [web] if the whole network may read it",
        ));
    }
    Ok(WebConfig {
        listen,
        remote: !loopback,
    })
}
