//! `render = "browser"` (per watch) and the browser it needs (`[settings] browser`,
//! `browser_concurrency`): validated once; whether the browser exists is `validate`'s
//! question ([`browser_problem`]), not every command's, so a browser removed by an upgrade
//! fails the watches that need it and not the daemon that watches the rest.

use std::path::PathBuf;

use toml::Spanned;

use super::located::{RawError, line_column};
use super::{Watchlist, WatchlistError};
use crate::fetch::browser::{self, BrowserSettings};

/// Where a key was written: 1-based line and column.
pub type Place = (usize, usize);

/// How a watch's page is obtained.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Render {
    /// As the server sends it (the default): no script runs.
    #[default]
    Fetch,
    /// Loaded in headless Chromium; the DOM its scripts leave is what is read. `at` is
    /// where `render` was written.
    Browser { at: Place },
}

impl Render {
    pub fn is_browser(self) -> bool {
        matches!(self, Render::Browser { .. })
    }
}

const RENDER_FIX: &str = "use render = \"browser\" (the page is loaded in headless Chromium and its scripts run) or render = \"fetch\" (the default: the page as served)";

pub(super) fn render(
    value: Option<&Spanned<String>>,
    name: &str,
    text: &str,
) -> Result<Render, RawError> {
    let Some(v) = value else {
        return Ok(Render::Fetch);
    };
    match v.get_ref().as_str() {
        "fetch" => Ok(Render::Fetch),
        "browser" => Ok(Render::Browser {
            at: line_column(text, v.span().start),
        }),
        other => Err(RawError::at(
            v.span(),
            format!("watch \"{name}\": `render` is \"{other}\""),
            RENDER_FIX,
        )),
    }
}

pub(super) fn browser_settings(
    path: Option<&Spanned<String>>,
    concurrency: Option<&Spanned<i64>>,
) -> Result<BrowserSettings, RawError> {
    let d = BrowserSettings::default();
    let path = match path {
        Some(p) if p.get_ref().trim().is_empty() => {
            return Err(RawError::at(
                p.span(),
                "`browser` is empty",
                "write the browser's path, e.g. browser = \"/usr/bin/chromium\", or remove the key to find Chromium on PATH",
            ));
        }
        Some(p) => Some(PathBuf::from(p.get_ref())),
        None => d.path,
    };
    let concurrency = match concurrency {
        Some(c) if !(1..=64).contains(c.get_ref()) => {
            return Err(RawError::at(
                c.span(),
                format!("`browser_concurrency` is {}, out of range", c.get_ref()),
                "use a whole number from 1 to 64 (each page rendered at once is a browser tab, 100 MB or more)",
            ));
        }
        Some(c) => *c.get_ref() as usize,
        None => d.concurrency,
    };
    Ok(BrowserSettings { path, concurrency })
}

pub(super) fn browser_problem(wl: &Watchlist) -> Option<WatchlistError> {
    let first = wl.watches.iter().find(|w| w.render.is_browser())?;
    let why = browser::find(wl.settings.browser.path.as_deref()).err()?;
    let (line, column) = match (wl.settings.browser_at, first.render) {
        (Some(at), _) => at,
        (None, Render::Browser { at }) => at,
        (None, Render::Fetch) => (1, 1),
    };
    Some(WatchlistError::Invalid {
        path: wl.source.clone(),
        line,
        column,
        message: format!(
            "watch \"{}\" has render = \"browser\", but {why}",
            first.name
        ),
        fix: browser::INSTALL_FIX.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn invalid(text: &str) -> (usize, usize, String, String) {
        match Watchlist::parse(text, Path::new("w.toml")) {
            Err(WatchlistError::Invalid {
                line,
                column,
                message,
                fix,
                ..
            }) => (line, column, message, fix),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("must be refused:\n{text}"),
        }
    }

    #[test]
    fn render_is_fetch_or_browser_and_anything_else_is_placed() {
        let ok = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nrender = \"browser\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\nrender = \"fetch\"\n\n[[watch]]\nname = \"c\"\nurl = \"https://c.example/\"\n";
        let wl = Watchlist::parse(ok, Path::new("w.toml")).expect("valid");
        assert_eq!(wl.watches[0].render, Render::Browser { at: (4, 10) });
        assert_eq!(wl.watches[1].render, Render::Fetch);
        assert_eq!(wl.watches[2].render, Render::Fetch);
        let (line, column, message, fix) =
            invalid("[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nrender = \"chrome\"\n");
        assert_eq!((line, column), (4, 10));
        assert!(message.contains("`render` is \"chrome\""), "{message}");
        assert!(fix.contains("render = \"browser\""), "{fix}");
    }

    #[test]
    fn browser_settings_are_checked_where_written() {
        let wl = Watchlist::parse(
            "[settings]\nbrowser = \"/usr/bin/chromium\"\nbrowser_concurrency = 2\n",
            Path::new("w.toml"),
        )
        .expect("valid");
        assert_eq!(
            wl.settings.browser,
            BrowserSettings {
                path: Some(PathBuf::from("/usr/bin/chromium")),
                concurrency: 2
            }
        );
        assert_eq!(wl.settings.browser_at, Some((2, 11)));
        let (line, column, message, _) = invalid("[settings]\nbrowser_concurrency = 0\n");
        assert_eq!((line, column), (2, 23));
        assert!(message.contains("browser_concurrency"), "{message}");
        let (line, _, message, _) = invalid("[settings]\nbrowser = \"\"\n");
        assert_eq!(line, 2);
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn a_missing_browser_is_placed_at_the_setting_or_the_render_key() {
        let missing = "/nonexistent/chromium";
        let text = format!(
            "[settings]\nbrowser = \"{missing}\"\n\n[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\nrender = \"browser\"\n"
        );
        let wl = Watchlist::parse(&text, Path::new("w.toml")).expect("valid");
        let Some(WatchlistError::Invalid {
            line,
            column,
            message,
            fix,
            ..
        }) = wl.browser_problem()
        else {
            panic!("a missing browser is a problem")
        };
        assert_eq!((line, column), (2, 11));
        assert!(
            message.contains("watch \"a\" has render = \"browser\""),
            "{message}"
        );
        assert!(message.contains(missing), "{message}");
        assert!(fix.contains("apt-get install chromium"), "{fix}");
        // No watch renders: no browser needed, whatever the setting says.
        let text = format!("[settings]\nbrowser = \"{missing}\"\n");
        let wl = Watchlist::parse(&text, Path::new("w.toml")).expect("valid");
        assert!(wl.browser_problem().is_none());
    }
}
