//! A watch's signing keys (`signature_url`, `keys`, `signers`, `accept_sha1`, and a key's
//! `key_url`): validated at load into [`Signing`], with key files read and parsed then, so a
//! bad key is a located watchlist error rather than a surprise at the first check.

use std::path::{Path, PathBuf};

use toml::Spanned;
use url::Url;

use crate::observe::signature::PinnedKey;

/// Most distinct signers a watch may require.
pub(crate) const MAX_SIGNERS: i64 = 16;

/// How a watch's canary is signed and who must sign it.
#[derive(Debug, Clone)]
pub struct Signing {
    /// Detached signature URLs as written; `{url}` stands for the document's URL.
    pub templates: Vec<String>,
    /// The pinned keys (one key file may hold several).
    pub(crate) keys: Vec<PinnedKey>,
    /// Distinct pinned signers required.
    pub signers: usize,
    /// `accept_sha1 = true`: SHA-1 signatures are verified, not refused (off by default).
    pub accept_sha1: bool,
    /// Where each pinned key came from, in the watchlist's order.
    pub sources: Vec<KeySource>,
}

/// One entry of `keys`: the file as written, where it is, and where the publisher serves it.
#[derive(Debug, Clone)]
pub struct KeySource {
    /// The path as written in the watchlist (the key's label in verdicts).
    pub file: String,
    /// The path read (relative to the watchlist's folder).
    pub path: PathBuf,
    /// `key_url`: the publisher's current copy, fetched by `canaryd keys refresh`.
    pub key_url: Option<Url>,
    /// Primary fingerprints the file pinned, upper-case hex.
    pub fingerprints: Vec<String>,
}

/// One entry of `keys` as written: a path, or `{ file = "...", key_url = "..." }`.
pub(super) enum RawKey {
    Path(String),
    Table {
        file: Spanned<String>,
        key_url: Option<Spanned<String>>,
    },
}

impl<'de> serde::Deserialize<'de> for RawKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawKey;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key file path, or a table { file = \"...\", key_url = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawKey, E> {
                Ok(RawKey::Path(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawKey, A::Error> {
                let (mut file, mut key_url) = (None, None);
                // Spanned values straight from toml's map (no buffering), so spans survive.
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "file" => file = Some(map.next_value::<Spanned<String>>()?),
                        "key_url" => key_url = Some(map.next_value::<Spanned<String>>()?),
                        other => {
                            return Err(serde::de::Error::unknown_field(
                                other,
                                &["file", "key_url"],
                            ));
                        }
                    }
                }
                let file = file.ok_or_else(|| serde::de::Error::missing_field("file"))?;
                Ok(RawKey::Table { file, key_url })
            }
        }
        d.deserialize_any(Visit)
    }
}

/// The keys of one watch as written.
pub(super) struct RawSigning<'a> {
    pub templates: Option<&'a Spanned<Vec<Spanned<String>>>>,
    pub keys: Option<&'a Spanned<Vec<Spanned<RawKey>>>>,
    pub signers: Option<&'a Spanned<i64>>,
    pub accept_sha1: Option<&'a Spanned<bool>>,
}

impl Signing {
    /// The digests this watch accepts (see `observe::signature`'s hash policy).
    pub(crate) fn hash_policy(&self) -> crate::observe::signature::HashPolicy {
        crate::observe::signature::HashPolicy {
            accept_sha1: self.accept_sha1,
        }
    }

    /// The detached signature URLs for a document at `url`.
    pub fn resolve(&self, url: &Url) -> Result<Vec<Url>, url::ParseError> {
        self.templates.iter().map(|t| resolve(t, url)).collect()
    }
}

/// One template against a document URL: `{url}` replaced, then read relative to the document
/// (so "canary.txt.sig" next to the canary works too).
pub(crate) fn resolve(template: &str, url: &Url) -> Result<Url, url::ParseError> {
    url.join(&template.replace("{url}", url.as_str()))
}

/// A signing problem, with the span it concerns.
pub(super) struct SigningError {
    pub span: std::ops::Range<usize>,
    pub message: String,
    pub fix: String,
}

fn err(span: std::ops::Range<usize>, message: String, fix: &str) -> SigningError {
    SigningError {
        span,
        message,
        fix: fix.to_string(),
    }
}

/// Validates the signing keys of one watch. `base` is the watchlist file's directory, against
/// which key paths are read. `None` when the watch sets none of them.
pub(super) fn validate(
    name: &str,
    url: &Url,
    raw: RawSigning<'_>,
    base: &Path,
) -> Result<Option<Signing>, SigningError> {
    let RawSigning {
        templates,
        keys,
        signers,
        accept_sha1,
    } = raw;
    if templates.is_none() && keys.is_none() && signers.is_none() && accept_sha1.is_none() {
        return Ok(None);
    }
    let Some(key_paths) = keys else {
        let span = templates
            .map(Spanned::span)
            .or(signers.map(Spanned::span))
            .or(accept_sha1.map(Spanned::span))
            .unwrap_or(0..0);
        return Err(err(
            span,
            format!("watch \"{name}\": signatures are configured but no `keys` are pinned"),
            "pin the signers' public keys: keys = [\"keys/signer.asc\"] (paths relative to the watchlist)",
        ));
    };
    let mut pinned: Vec<PinnedKey> = Vec::new();
    let mut sources = Vec::new();
    for entry in key_paths.get_ref() {
        let (file, file_span, key_url) = match entry.get_ref() {
            RawKey::Path(p) => (p.clone(), entry.span(), None),
            RawKey::Table { file, key_url } => (
                file.get_ref().clone(),
                file.span(),
                key_url
                    .as_ref()
                    .map(|u| parse_key_url(name, u))
                    .transpose()?,
            ),
        };
        let full = base.join(&file);
        let bytes = std::fs::read(&full).map_err(|e| {
            err(
                file_span.clone(),
                format!(
                    "watch \"{name}\": cannot read key file {}: {e}",
                    full.display()
                ),
                "check the path; key paths are relative to the watchlist file's directory",
            )
        })?;
        let parsed = PinnedKey::parse(&bytes, &file).map_err(|e| {
            err(
                file_span.clone(),
                format!("watch \"{name}\": {e}"),
                "pin an OpenPGP public key file (gpg --armor --export FINGERPRINT > key.asc)",
            )
        })?;
        sources.push(KeySource {
            file: file.clone(),
            path: full,
            key_url,
            fingerprints: parsed.iter().map(|k| k.fingerprint().to_string()).collect(),
        });
        for key in parsed {
            if !pinned.iter().any(|k| k.fingerprint() == key.fingerprint()) {
                pinned.push(key);
            }
        }
    }
    if pinned.is_empty() {
        return Err(err(
            key_paths.span(),
            format!("watch \"{name}\": `keys` is empty"),
            "list at least one public key file, or remove `keys`, `signature_url` and `signers`",
        ));
    }
    let required = match signers {
        None => 1,
        Some(n) => {
            let v = *n.get_ref();
            if !(1..=MAX_SIGNERS).contains(&v) {
                return Err(err(
                    n.span(),
                    format!("watch \"{name}\": `signers` is {v}, out of range"),
                    "use a whole number from 1 to 16",
                ));
            }
            v as usize
        }
    };
    if required > pinned.len() {
        let span = signers.map_or(0..0, Spanned::span);
        return Err(err(
            span,
            format!(
                "watch \"{name}\": `signers` = {required} but only {} distinct key{} pinned",
                pinned.len(),
                if pinned.len() == 1 { " is" } else { "s are" }
            ),
            "pin more keys, or lower `signers` to at most the number of pinned keys",
        ));
    }
    let mut written = Vec::new();
    for t in templates.map(|t| t.get_ref().as_slice()).unwrap_or(&[]) {
        resolve(t.get_ref(), url).map_err(|e| {
            err(
                t.span(),
                format!(
                    "watch \"{name}\": `signature_url` \"{}\" is not a URL: {e}",
                    t.get_ref()
                ),
                "write a URL, or a template such as \"{url}.sig\" ({url} is the canary's URL)",
            )
        })?;
        written.push(t.get_ref().clone());
    }
    Ok(Some(Signing {
        templates: written,
        keys: pinned,
        signers: required,
        accept_sha1: accept_sha1.is_some_and(|a| *a.get_ref()),
        sources,
    }))
}

/// `key_url`: an http(s) URL (the fetch layer bounds it like any fetch).
fn parse_key_url(name: &str, raw: &Spanned<String>) -> Result<Url, SigningError> {
    let fix =
        "write the publisher's key address, e.g. key_url = \"https://example.org/keys/signer.asc\"";
    let url = Url::parse(raw.get_ref()).map_err(|e| {
        err(
            raw.span(),
            format!("watch \"{name}\": `key_url` is not a URL: {e}"),
            fix,
        )
    })?;
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return Err(err(
            raw.span(),
            format!(
                "watch \"{name}\": `key_url` scheme \"{}\" is not supported",
                url.scheme()
            ),
            fix,
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_resolve_against_the_document() {
        let doc = Url::parse("https://example.org/c/canary-047.txt").expect("url");
        assert_eq!(
            resolve("{url}.sig.simon", &doc).expect("ok").as_str(),
            "https://example.org/c/canary-047.txt.sig.simon"
        );
        assert_eq!(
            resolve("canary.sig", &doc).expect("ok").as_str(),
            "https://example.org/c/canary.sig"
        );
    }
}
