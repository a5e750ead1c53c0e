//! Pinned keys refreshed from their `key_url`: once a day as part of a watch's check (and on
//! every check while `canaryd keys refresh` asks for it), through the watch's fetcher and
//! options, so the same timeouts, size cap, proxy and retries apply. An update is kept only
//! when its primary key is the pinned one (see `PinnedKey::merge`); the merged copy is stored
//! in the state directory and used in place of the user's file from then on. Every refresh,
//! accepted or refused, goes into the check record, the evidence and the refresh log; a
//! revocation it brings is a `signature` event.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Watch;
use crate::fetch::{FetchOptions, Fetched};
use crate::judge::event::{Event, EventKind, Severity};
use crate::observe::signature::PinnedKey;
use crate::store::keys::KeyRefresh;

use super::Checker;

/// How often a pinned key is fetched again from its `key_url`.
pub(crate) const REFRESH_EVERY: Duration = Duration::from_secs(86_400);

/// Largest key file taken from a `key_url` (a certificate with many signatures is a few
/// hundred KiB; anything bigger is not a key worth parsing).
const MAX_KEY_BYTES: u64 = 1024 * 1024;

impl Checker {
    /// Refreshes the watch's keys whose `key_url` is due (all of them when `force`): the
    /// refreshes made and the events they raise (a revocation).
    pub(super) async fn refresh_keys(
        &self,
        watch: &Watch,
        opts: &FetchOptions,
        force: bool,
    ) -> (Vec<KeyRefresh>, Vec<Event>) {
        let mut done = Vec::new();
        let mut events = Vec::new();
        let Some(signing) = &watch.signing else {
            return (done, events);
        };
        let log = self.store.key_refreshes(&watch.name).unwrap_or_default();
        let current = self.with_refreshed_keys(watch);
        let keys = current.signing.as_ref().map_or(&[][..], |s| &s.keys[..]);
        let opts = FetchOptions {
            max_body: opts.max_body.min(MAX_KEY_BYTES),
            ..opts.clone()
        };
        for source in &signing.sources {
            let Some(url) = &source.key_url else { continue };
            for fingerprint in &source.fingerprints {
                let now = self.clock.now();
                let last = log
                    .iter()
                    .find(|l| &l.fingerprint == fingerprint && l.file == source.file)
                    .map(|l| l.at);
                if !force && last.is_some_and(|t| !due(t, now)) {
                    continue;
                }
                let Some(pinned) = keys.iter().find(|k| k.fingerprint() == fingerprint) else {
                    continue;
                };
                let mut refresh = KeyRefresh {
                    file: source.file.clone(),
                    fingerprint: fingerprint.clone(),
                    url: crate::fetch::redact(url),
                    at: now,
                    outcome: "failed".into(),
                    detail: String::new(),
                    sha256: None,
                    fetched: None,
                };
                match self.fetcher.fetch(url, None, &opts).await {
                    Ok(Fetched::Page(page)) => {
                        refresh.sha256 = Some(canaryd_core::digest::sha256_hex(&page.body));
                        refresh.fetched = Some(String::from_utf8_lossy(&page.body).into_owned());
                        match pinned.merge(&page.body) {
                            Err(why) => {
                                refresh.outcome = "refused".into();
                                refresh.detail = why.to_string();
                            }
                            Ok(m) if m.changes.is_empty() => {
                                refresh.outcome = "unchanged".into();
                                refresh.detail =
                                    "the publisher's copy says nothing the pinned copy does not"
                                        .into();
                            }
                            Ok(m) => match self.store.save_refreshed_key(
                                &watch.name,
                                fingerprint,
                                &m.armored,
                            ) {
                                Ok(()) => {
                                    refresh.outcome = "accepted".into();
                                    refresh.detail = m.changes.join("; ");
                                    if let Some(revoked) = &m.revoked {
                                        events.push(revocation_event(
                                            watch, pinned, url, revoked, now,
                                        ));
                                    }
                                }
                                Err(e) => {
                                    refresh.detail = format!(
                                        "the update could not be stored: {}",
                                        crate::error_chain(&e)
                                    );
                                }
                            },
                        }
                    }
                    Ok(Fetched::NotModified { .. }) => {
                        refresh.detail = "unexpected 304 Not Modified".into();
                    }
                    Err(e) => refresh.detail = crate::error_chain(&e),
                }
                tracing::info!(watch = %watch.name, key = %fingerprint, outcome = %refresh.outcome, detail = %refresh.detail, "pinned key refreshed from its key_url");
                done.push(refresh);
            }
        }
        if let Err(e) = self.store.record_key_refreshes(&watch.name, &done) {
            tracing::warn!(watch = %watch.name, error = %crate::error_chain(&e), "cannot record the key refreshes");
        }
        (done, events)
    }

    /// The watch with each pinned key merged with its refreshed copy, when one was accepted.
    pub(crate) fn with_refreshed_keys(&self, watch: &Watch) -> Watch {
        let mut out = watch.clone();
        let Some(signing) = out.signing.as_mut() else {
            return out;
        };
        for key in &mut signing.keys {
            let Some(bytes) = self.store.refreshed_key(&watch.name, key.fingerprint()) else {
                continue;
            };
            match key.merge(&bytes) {
                Ok(m) => *key = m.key,
                Err(why) => {
                    tracing::warn!(watch = %watch.name, key = %key.fingerprint(), %why, "the refreshed copy of a pinned key is unusable; the watchlist's copy is used")
                }
            }
        }
        out
    }
}

fn due(last: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - last).to_std().is_ok_and(|d| d >= REFRESH_EVERY)
}

fn revocation_event(
    watch: &Watch,
    key: &PinnedKey,
    url: &url::Url,
    revoked: &str,
    at: DateTime<Utc>,
) -> Event {
    crate::judge::event(
        &watch.shared.policy,
        crate::judge::Notice {
            kind: EventKind::Signature,
            at,
            first_seen: at,
            severity: Severity::High,
            detail: format!(
                "the publisher's copy of {} ({}) from {} carries a revocation: {revoked}; the pinned copy now includes it",
                crate::observe::signed::key_name(key),
                key.fingerprint(),
                crate::fetch::redact(url)
            ),
            statements: Vec::new(),
        },
    )
}
