//! A watch's `freshness_api`: the Esplora-shaped block API (`…/block/{hash}`) that confirms
//! the Bitcoin block a canary quotes as its proof of freshness. Opt-in, per watch; validated
//! once here (an http(s) URL once `{hash}` is put in).

use toml::Spanned;
use url::Url;

use super::located::RawError;

/// The placeholder the quoted block hash replaces.
pub const PLACEHOLDER: &str = "{hash}";

/// `freshness_api = "https://…/block/{hash}"`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshnessApi {
    template: String,
}

/// Why a `freshness_api` template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FreshnessApiError {
    #[error("`freshness_api` has no {PLACEHOLDER} for the block hash to go in")]
    NoPlaceholder,
    #[error("`freshness_api` is not a URL: {0}")]
    NotAUrl(url::ParseError),
    #[error("`freshness_api` scheme \"{0}\" is not supported (http or https only)")]
    Scheme(String),
}

impl FreshnessApi {
    /// Validates `template`: the reason when it is not usable.
    pub fn parse(template: &str) -> Result<FreshnessApi, FreshnessApiError> {
        if !template.contains(PLACEHOLDER) {
            return Err(FreshnessApiError::NoPlaceholder);
        }
        let api = FreshnessApi {
            template: template.trim().to_string(),
        };
        let url = api.url(crate::observe::freshness::api::GENESIS)?;
        match url.scheme() {
            "http" | "https" => Ok(api),
            other => Err(FreshnessApiError::Scheme(other.to_string())),
        }
    }

    /// The URL asked for `hash` (64 hex digits, as the proof reader keeps them).
    pub fn url(&self, hash: &str) -> Result<Url, FreshnessApiError> {
        Url::parse(&self.template.replace(PLACEHOLDER, hash)).map_err(FreshnessApiError::NotAUrl)
    }

    /// As written.
    pub fn template(&self) -> &str {
        &self.template
    }
}

/// The watch's `freshness_api`, if it sets one.
pub(super) fn freshness_api(
    raw: Option<&Spanned<String>>,
    name: &str,
) -> Result<Option<FreshnessApi>, RawError> {
    let Some(raw) = raw else { return Ok(None) };
    FreshnessApi::parse(raw.get_ref())
        .map(Some)
        .map_err(|why| {
            RawError::at(
                raw.span(),
                format!("watch \"{name}\": {why}"),
                "write an Esplora block API with {hash} where the block hash goes, e.g. freshness_api = \"https://blockstream.info/api/block/{hash}\" (or a mempool.space or self-hosted Esplora instance)",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_needs_its_placeholder_and_an_http_scheme() {
        let api = FreshnessApi::parse("https://blockstream.info/api/block/{hash}").expect("valid");
        assert_eq!(
            api.url("00ab").expect("url").as_str(),
            "https://blockstream.info/api/block/00ab"
        );
        let no_placeholder = FreshnessApi::parse("https://blockstream.info/api/block/");
        assert_eq!(no_placeholder, Err(FreshnessApiError::NoPlaceholder));
        assert!(
            no_placeholder
                .expect_err("no placeholder")
                .to_string()
                .contains("{hash}")
        );
        let ftp = FreshnessApi::parse("ftp://x.example/{hash}").expect_err("ftp");
        assert_eq!(ftp, FreshnessApiError::Scheme("ftp".into()));
        assert!(ftp.to_string().contains("not supported"), "{ftp}");
        assert!(matches!(
            FreshnessApi::parse("blockstream.info/{hash}"),
            Err(FreshnessApiError::NotAUrl(_))
        ));
    }

    fn error(text: &str) -> (usize, usize, String, String) {
        let err = match super::super::raw::parse(text, std::path::Path::new("")) {
            Ok(_) => panic!("must be refused: {text}"),
            Err(e) => e.locate(text, std::path::Path::new("w.toml")),
        };
        let super::super::WatchlistError::Invalid {
            line,
            column,
            message,
            fix,
            ..
        } = err
        else {
            panic!("a located error")
        };
        (line, column, message, fix)
    }

    #[test]
    fn the_watchlist_key_is_validated_where_written_and_a_typo_gets_the_key_meant() {
        let ok = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nfreshness_api = \"https://blockstream.info/api/block/{hash}\"\n";
        let wl = super::super::raw::parse(ok, std::path::Path::new(""))
            .ok()
            .expect("valid");
        assert_eq!(
            wl.watches[0]
                .freshness_api
                .as_ref()
                .map(FreshnessApi::template),
            Some("https://blockstream.info/api/block/{hash}")
        );
        let bad = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nfreshness_api = \"https://blockstream.info/api/block/\"\n";
        let (line, column, message, fix) = error(bad);
        assert_eq!((line, column), (4, 17), "{message}");
        assert!(message.contains("{hash}"), "{message}");
        assert!(fix.contains("freshness_api = \"https://"), "{fix}");
        let typo = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nfreshnes_api = \"https://x.example/{hash}\"\n";
        let (line, _, message, fix) = error(typo);
        assert_eq!(line, 4, "{message}");
        assert!(fix.starts_with("did you mean `freshness_api`?"), "{fix}");
        // A watch key, not a [settings] one.
        let settings = "[settings]\nfreshness_api = \"https://x.example/{hash}\"\n";
        let (line, _, message, _) = error(settings);
        assert_eq!(line, 2, "{message}");
    }
}
