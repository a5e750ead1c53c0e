//! A watch's signing keys (`signature_url`, `keys`, `signers`): validated at load into
//! [`Signing`], with key files read and parsed then, so a bad key is a located watchlist error
//! rather than a surprise at the first check.

use std::path::Path;

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
}

impl Signing {
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

/// Validates the three keys of one watch. `base` is the watchlist file's directory, against
/// which key paths are read. `None` when the watch sets none of them.
pub(super) fn validate(
    name: &str,
    url: &Url,
    templates: Option<&Spanned<Vec<Spanned<String>>>>,
    keys: Option<&Spanned<Vec<Spanned<String>>>>,
    signers: Option<&Spanned<i64>>,
    base: &Path,
) -> Result<Option<Signing>, SigningError> {
    if templates.is_none() && keys.is_none() && signers.is_none() {
        return Ok(None);
    }
    let Some(key_paths) = keys else {
        let span = templates
            .map(Spanned::span)
            .or(signers.map(Spanned::span))
            .unwrap_or(0..0);
        return Err(err(
            span,
            format!("watch \"{name}\": signatures are configured but no `keys` are pinned"),
            "pin the signers' public keys: keys = [\"keys/signer.asc\"] (paths relative to the watchlist)",
        ));
    };
    let mut pinned: Vec<PinnedKey> = Vec::new();
    for path in key_paths.get_ref() {
        let full = base.join(path.get_ref());
        let bytes = std::fs::read(&full).map_err(|e| {
            err(
                path.span(),
                format!(
                    "watch \"{name}\": cannot read key file {}: {e}",
                    full.display()
                ),
                "check the path; key paths are relative to the watchlist file's directory",
            )
        })?;
        let parsed = PinnedKey::parse(&bytes, path.get_ref()).map_err(|e| {
            err(
                path.span(),
                format!("watch \"{name}\": {e}"),
                "pin an OpenPGP public key file (gpg --armor --export FINGERPRINT > key.asc)",
            )
        })?;
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
    }))
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
