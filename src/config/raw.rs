//! The watchlist as written: serde structs that keep spans, and their validation into typed values.

mod keys;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use keys::{
    CONFIRM_AFTER, HOST_DELAY, INTERVAL, MAX_AGE, STALE_GRACE, TIMEOUT, UNREACHABLE_AFTER,
    changed_low, count, duration, notify, or_duration, proxy, size,
};

pub(super) use super::located::RawError;
use super::{EmailConfig, Settings, Shared, Watch, WatchSelector, Watchlist, valid_watch_name};
use crate::fetch::FetchOptions;
use crate::judge::Policy;

/// Largest `max_history`: a million raw bodies per watch is already more than any disk wants.
const MAX_HISTORY_LIMIT: i64 = 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatchlist {
    settings: Option<RawSettings>,
    email: Option<Spanned<RawEmail>>,
    #[serde(default)]
    watch: Vec<Spanned<RawWatch>>,
    #[serde(default)]
    channel: Vec<Spanned<super::channel::RawChannel>>,
    web: Option<Spanned<super::web::RawWeb>>,
}

/// Declares the keys `[settings]` and `[[watch]]` share exactly once, and puts them in both
/// raw structs. (`#[serde(flatten)]` would say the same, but through serde's buffering
/// `toml::Spanned` loses its spans, and with them every error's line and column.)
macro_rules! shared_keys {
    (
        shared { $($key:ident: $raw:ty,)* }
        $(#[$sm:meta])* struct $settings:ident { $($skey:ident: $sraw:ty,)* }
        $(#[$wm:meta])* struct $watch:ident { $($wkey:ident: $wraw:ty,)* }
    ) => {
        /// The shared keys as written, borrowed from either table.
        struct RawShared<'a> {
            $($key: &'a Option<Spanned<$raw>>,)*
        }

        $(#[$sm])*
        struct $settings {
            $($skey: $sraw,)*
            $($key: Option<Spanned<$raw>>,)*
        }

        $(#[$wm])*
        struct $watch {
            $($wkey: $wraw,)*
            $($key: Option<Spanned<$raw>>,)*
        }

        impl $settings {
            fn shared(&self) -> RawShared<'_> {
                RawShared { $($key: &self.$key,)* }
            }
        }

        impl $watch {
            fn shared(&self) -> RawShared<'_> {
                RawShared { $($key: &self.$key,)* }
            }
        }
    };
}

shared_keys! {
    shared {
        interval: String,
        confirm: i64,
        confirm_after: String,
        timeout: String,
        max_body: String,
        proxy: String,
        max_age: String,
        stale_grace: String,
        unreachable_after: String,
        notify: Vec<Spanned<String>>,
        max_history: i64,
        changed_low: String,
    }
    /// `[settings]`: the shared keys, and those that bound a whole pass.
    #[derive(Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct RawSettings {
        host_delay: Option<Spanned<String>>,
        host_concurrency: Option<Spanned<i64>>,
        concurrency: Option<Spanned<i64>>,
        browser: Option<Spanned<String>>,
        browser_concurrency: Option<Spanned<i64>>,
    }
    /// One `[[watch]]`: what it watches, and any shared key it sets for itself.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct RawWatch {
        name: Spanned<String>,
        url: Option<Spanned<String>>,
        follow: Option<Spanned<super::follow::RawFollow>>,
        format: Option<Spanned<String>>,
        selector: Option<Spanned<String>>,
        signature_url: Option<Spanned<Vec<Spanned<String>>>>,
        keys: Option<Spanned<Vec<Spanned<super::signing::RawKey>>>>,
        signers: Option<Spanned<i64>>,
        accept_sha1: Option<Spanned<bool>>,
        allow_internal: Option<Spanned<Vec<Spanned<String>>>>,
        render: Option<Spanned<String>>,
        freshness_api: Option<Spanned<String>>,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    smtp: Spanned<String>,
    from: Spanned<String>,
    to: Spanned<Vec<Spanned<String>>>,
    username: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
}

/// `base` is the watchlist file's directory: key paths are read relative to it.
pub(super) fn parse(text: &str, base: &Path) -> Result<Watchlist, RawError> {
    let raw: RawWatchlist = toml::from_str(text).map_err(|e| RawError {
        span: e.span(),
        message: syntax_message(e.message()),
        fix: syntax_fix(e.message()),
    })?;
    let settings = settings(raw.settings.unwrap_or_default(), text)?;
    let email = raw.email.map(email).transpose()?;
    let web = raw.web.map(super::web::web).transpose()?;
    let mut watches: Vec<Watch> = Vec::with_capacity(raw.watch.len());
    // Names are unique because each names a folder of history; the second one is pointed
    // at by its own span, however it is quoted.
    let mut seen = std::collections::HashSet::with_capacity(raw.watch.len());
    for spanned in raw.watch {
        let name = spanned.get_ref().name.clone();
        if !seen.insert(name.get_ref().clone()) {
            return Err(RawError::at(
                name.span(),
                format!("duplicate watch name \"{}\"", name.get_ref()),
                "give every [[watch]] a unique name; it names the watch's snapshot folder",
            ));
        }
        let watch = watch(spanned, &settings, base, text)?;
        watches.push(watch);
    }
    let names: Vec<&str> = watches.iter().map(|w| w.name.as_str()).collect();
    let channels = super::channel::resolve(raw.channel, &names).map_err(|e| RawError {
        span: Some(e.span),
        message: e.message,
        fix: e.fix,
    })?;
    Ok(Watchlist {
        source: PathBuf::new(),
        settings,
        email,
        watches,
        channels,
        web,
    })
}

/// The parser's message, less the list of every valid key where one of them is plainly the
/// key meant: the fix names it instead.
fn syntax_message(message: &str) -> String {
    let message = message.trim();
    match (
        unknown_key_suggestion(message),
        message.split_once(", expected"),
    ) {
        (Some(_), Some((unknown, _))) => unknown.to_string(),
        _ => message.to_string(),
    }
}

fn syntax_fix(message: &str) -> String {
    if let Some(close) = unknown_key_suggestion(message) {
        format!(
            "did you mean `{close}`? (or remove the key; the watchlist reference, docs/watchlist.md, lists every key)"
        )
    } else if message.contains("unknown field") {
        "remove or correct the key; the watchlist reference (docs/watchlist.md) lists every key"
            .into()
    } else if message.contains("missing field") {
        "add the missing key".into()
    } else if message.contains("invalid type") {
        "check the value's type: durations and sizes are quoted strings (\"6h\", \"5MiB\"), counts are bare numbers".into()
    } else {
        "fix the TOML syntax at this position".into()
    }
}

/// For serde's "unknown field `selecter`, expected one of `url`, `selector`, …": the valid
/// key closest to the unknown one, where it is close enough to be a typo.
fn unknown_key_suggestion(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    expected
        .into_iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.to_string())
}

/// The one resolve step of the shared keys: `raw`'s values over `inherited`'s.
fn resolve(raw: RawShared<'_>, inherited: &Shared) -> Result<Shared, RawError> {
    let i = inherited;
    Ok(Shared {
        interval: or_duration(raw.interval, "interval", &INTERVAL, i.interval)?,
        fetch: FetchOptions {
            timeout: or_duration(raw.timeout, "timeout", &TIMEOUT, i.fetch.timeout)?,
            max_body: match raw.max_body {
                Some(v) => size(v, "max_body")?,
                None => i.fetch.max_body,
            },
            proxy: match raw.proxy {
                Some(p) => Some(proxy(p)?),
                None => i.fetch.proxy.clone(),
            },
            retry: i.fetch.retry.clone(),
            allow_internal: i.fetch.allow_internal.clone(),
        },
        policy: Policy {
            confirm: match raw.confirm {
                Some(v) => count(v, "confirm", 1, 1000)? as u32,
                None => i.policy.confirm,
            },
            confirm_after: or_duration(
                raw.confirm_after,
                "confirm_after",
                &CONFIRM_AFTER,
                i.policy.confirm_after,
            )?,
            notify: match raw.notify {
                Some(v) => notify(v)?,
                None => i.policy.notify,
            },
            unreachable_after: or_duration(
                raw.unreachable_after,
                "unreachable_after",
                &UNREACHABLE_AFTER,
                i.policy.unreachable_after,
            )?,
            max_age: match raw.max_age {
                Some(v) => Some(duration(v, "max_age", &MAX_AGE)?),
                None => i.policy.max_age,
            },
            stale_grace: or_duration(
                raw.stale_grace,
                "stale_grace",
                &STALE_GRACE,
                i.policy.stale_grace,
            )?,
            changed_low: match raw.changed_low {
                Some(v) => changed_low(v)?,
                None => i.policy.changed_low,
            },
        },
        max_history: match raw.max_history {
            Some(v) => count(v, "max_history", 1, MAX_HISTORY_LIMIT)? as usize,
            None => i.max_history,
        },
    })
}

fn settings(raw: RawSettings, text: &str) -> Result<Settings, RawError> {
    let d = Settings::default();
    Ok(Settings {
        browser: super::render::browser_settings(
            raw.browser.as_ref(),
            raw.browser_concurrency.as_ref(),
        )?,
        browser_at: raw
            .browser
            .as_ref()
            .map(|b| super::located::line_column(text, b.span().start)),
        shared: resolve(raw.shared(), &d.shared)?,
        host_delay: or_duration(&raw.host_delay, "host_delay", &HOST_DELAY, d.host_delay)?,
        host_concurrency: match &raw.host_concurrency {
            Some(v) => count(v, "host_concurrency", 1, 1024)? as usize,
            None => d.host_concurrency,
        },
        concurrency: match &raw.concurrency {
            Some(v) => count(v, "concurrency", 1, 4096)? as usize,
            None => d.concurrency,
        },
    })
}

fn email(raw: Spanned<RawEmail>) -> Result<EmailConfig, RawError> {
    let raw = raw.into_inner();
    super::email::email(super::email::RawSmtp {
        smtp: &raw.smtp,
        from: &raw.from,
        to: &raw.to,
        username: raw.username.as_ref(),
        password_file: raw.password_file.as_ref(),
        timeout: raw.timeout.as_ref(),
    })
    .map_err(|(span, message, fix)| RawError::at(span, message, fix))
}

fn watch(
    spanned: Spanned<RawWatch>,
    s: &Settings,
    base: &Path,
    text: &str,
) -> Result<Watch, RawError> {
    let watch_span = spanned.span();
    let raw = spanned.into_inner();
    let name = raw.name.get_ref().clone();
    if !valid_watch_name(&name) {
        return Err(RawError::at(
            raw.name.span(),
            format!("watch name \"{name}\" cannot name a folder"),
            if super::RESERVED_NAMES.contains(&name.as_str()) {
                "choose another name: canaryd keeps its own outbox, lock and feed under these names in the state directory"
            } else {
                "use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-'"
            },
        ));
    }
    super::follow::not_both(raw.url.as_ref(), raw.follow.as_ref(), &name)?;
    let follow = raw
        .follow
        .as_ref()
        .map(|f| super::follow::follow(f.get_ref(), &name))
        .transpose()?;
    let format = super::follow::format(raw.format.as_ref(), &name)?;
    let url = match (raw.url.as_ref(), &follow) {
        (Some(url), _) => watch_url(url, &name)?,
        // A followed watch is known by its index page wherever one URL names it.
        (None, Some(f)) => f.index.clone(),
        (None, None) => return Err(super::follow::neither(&name, watch_span)),
    };
    let render = super::render::render(raw.render.as_ref(), &name, text)?;
    let mut watch = finish(raw, name, url, follow, format, s, base)?;
    watch.render = render;
    Ok(watch)
}

fn watch_url(raw_url: &Spanned<String>, name: &str) -> Result<Url, RawError> {
    let url = Url::parse(raw_url.get_ref()).map_err(|e| {
        let written = raw_url.get_ref().trim();
        match e {
            // "example.org/canary" or "127.0.0.1:8765/canary": an address without its scheme.
            url::ParseError::RelativeUrlWithoutBase => RawError::at(
                raw_url.span(),
                format!("watch \"{name}\": `url` has no scheme (http:// or https://)"),
                format!("write the full address: url = \"https://{written}\" (or http:// for a plain-HTTP server)"),
            ),
            e => RawError::at(
                raw_url.span(),
                format!("watch \"{name}\": `url` is not a URL: {e}"),
                "write the full address, e.g. url = \"https://example.org/canary.txt\"",
            ),
        }
    })?;
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return Err(RawError::at(
            raw_url.span(),
            format!(
                "watch \"{name}\": scheme \"{}\" is not supported",
                url.scheme()
            ),
            "use an http://, https:// or file:// URL",
        ));
    }
    Ok(url)
}

fn finish(
    raw: RawWatch,
    name: String,
    url: Url,
    follow: Option<super::follow::Follow>,
    format: super::follow::DocumentFormat,
    s: &Settings,
    base: &Path,
) -> Result<Watch, RawError> {
    let selector = raw
        .selector
        .as_ref()
        .map(|sel| {
            WatchSelector::parse(sel.get_ref()).map_err(|e| {
                RawError::at(
                    sel.span(),
                    format!("watch \"{name}\": `selector` is not valid CSS: {e}"),
                    "write a CSS selector such as \"#canary li\"; try it first with `canaryd preview URL --selector CSS`",
                )
            })
        })
        .transpose()?;
    let mut shared = resolve(raw.shared(), &s.shared)?;
    if let Some(allow) = &raw.allow_internal {
        shared.fetch.allow_internal = super::follow::allow_internal(allow, &name)?;
    }
    let signing = super::signing::validate(
        &name,
        &url,
        super::signing::RawSigning {
            templates: raw.signature_url.as_ref(),
            keys: raw.keys.as_ref(),
            signers: raw.signers.as_ref(),
            accept_sha1: raw.accept_sha1.as_ref(),
        },
        base,
    )
    .map_err(|e| RawError::at(e.span, e.message, e.fix))?;
    let freshness_api = super::freshness::freshness_api(raw.freshness_api.as_ref(), &name)?;
    Ok(Watch {
        name,
        url,
        follow,
        format,
        selector,
        shared,
        signing,
        render: super::Render::default(),
        freshness_api,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WatchlistError;

    #[test]
    fn durations_out_of_their_range_are_refused_where_written() {
        for (key, value) in [
            ("max_age", "1000000years"),
            ("stale_grace", "1000000years"),
            ("interval", "1000000years"),
            ("confirm_after", "0s"),
            ("timeout", "2h"),
            ("unreachable_after", "400d"),
        ] {
            let text = format!("[settings]\n{key} = \"{value}\"\n");
            let err = match parse(&text, Path::new("")) {
                Ok(_) => panic!("{key} = {value} must be refused"),
                Err(e) => e.locate(&text, Path::new("w.toml")),
            };
            let WatchlistError::Invalid {
                line,
                column,
                message,
                fix,
                ..
            } = err
            else {
                panic!("a located error")
            };
            assert_eq!((line, column), (2, key.len() + 4), "{key}: {message}");
            assert!(message.contains(key), "{message}");
            assert!(fix.contains("a duration from"), "{fix}");
        }
    }

    #[test]
    fn a_duplicate_name_is_located_however_it_is_quoted() {
        for (text, at) in [
            (
                "[[watch]]\nname = 'a'\nurl = \"https://a.example/\"\n\n[[watch]]\nname = 'a'\nurl = \"https://b.example/\"\n",
                (6, 8),
            ),
            (
                "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname    =   \"a\"\nurl = \"https://b.example/\"\n",
                (6, 13),
            ),
        ] {
            let err = match parse(text, Path::new("")) {
                Ok(_) => panic!("a duplicate name must be refused"),
                Err(e) => e.locate(text, Path::new("w.toml")),
            };
            let WatchlistError::Invalid {
                line,
                column,
                message,
                ..
            } = err
            else {
                panic!("a located error")
            };
            assert_eq!((line, column), at, "{message}");
            assert!(message.contains("duplicate watch name"), "{message}");
        }
    }

    #[test]
    fn max_history_defaults_overrides_and_is_located_when_out_of_range() {
        let text = "[settings]\nmax_history = 20\n\n[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\nmax_history = 3\n";
        let wl = parse(text, Path::new("")).ok().expect("valid");
        assert_eq!(wl.settings.shared.max_history, 20);
        assert_eq!(wl.watches[0].shared.max_history, 20);
        assert_eq!(wl.watches[1].shared.max_history, 3);
        let default = parse(
            "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n",
            Path::new(""),
        )
        .ok()
        .expect("valid");
        assert_eq!(
            default.watches[0].shared.max_history,
            super::super::DEFAULT_MAX_HISTORY
        );
        let bad = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nmax_history = 0\n";
        let err = parse(bad, Path::new(""))
            .expect_err("0 is refused")
            .locate(bad, Path::new("w.toml"));
        let WatchlistError::Invalid {
            line,
            column,
            message,
            ..
        } = err
        else {
            panic!("a located error")
        };
        assert_eq!((line, column), (4, 15));
        assert!(message.contains("max_history"), "{message}");
    }

    #[test]
    fn a_mistyped_key_gets_the_key_meant_and_not_the_whole_list() {
        let text = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nselecter = \"#c li\"\n";
        let err = parse(text, Path::new(""))
            .expect_err("an unknown key is refused")
            .locate(text, Path::new("w.toml"));
        let WatchlistError::Invalid {
            line, message, fix, ..
        } = err
        else {
            panic!("a located error")
        };
        assert_eq!(line, 4);
        assert_eq!(message, "unknown field `selecter`");
        assert!(fix.starts_with("did you mean `selector`?"), "{fix}");
        // A key like none of the valid ones keeps the list.
        let text = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nzzqx = 1\n";
        let err = parse(text, Path::new(""))
            .expect_err("an unknown key is refused")
            .locate(text, Path::new("w.toml"));
        let WatchlistError::Invalid { message, fix, .. } = err else {
            panic!("a located error")
        };
        assert!(message.contains("expected one of"), "{message}");
        assert!(!fix.contains("did you mean"), "{fix}");
    }

    #[test]
    fn a_url_without_its_scheme_gets_the_full_address_as_the_fix() {
        let text = "[[watch]]\nname = \"a\"\nurl = \"example.org/canary\"\n";
        let err = parse(text, Path::new(""))
            .expect_err("a scheme-less URL is refused")
            .locate(text, Path::new("w.toml"));
        let WatchlistError::Invalid { message, fix, .. } = err else {
            panic!("a located error")
        };
        assert!(
            !message.contains("relative URL without a base"),
            "{message}"
        );
        assert!(message.contains("no scheme"), "{message}");
        assert!(
            fix.contains("url = \"https://example.org/canary\""),
            "{fix}"
        );
    }

    #[test]
    fn line_column_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        use super::super::located::line_column;
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
    }
}
