//! Terminal niceties: whether output goes to a person, and colour when it should.
//!
//! The decision is anstream's, as it is for clap's help and errors: `--color always|never`
//! sets colorchoice's global choice; under `auto` (the default) colour goes only to a terminal,
//! never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`, and to anything with
//! `CLICOLOR_FORCE` set. So pipes, files and scripts get plain text unless asked otherwise.

use std::ffi::OsString;
use std::io::IsTerminal as _;

use anstyle::{AnsiColor, Color, Effects, Style};
use chrono::{DateTime, Utc};
use colorchoice::ColorChoice;

use super::args::ColorWhen;
use crate::judge::diff::{Piece, WordDiff};

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The width of the terminal on standard output: the kernel's answer, else `COLUMNS`, else
/// 80 (what a terminal of unknown size is assumed to be).
pub fn stdout_width() -> usize {
    // SAFETY: TIOCGWINSZ writes one `winsize` into the struct it is given and nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        return usize::from(size.ws_col);
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|&c: &usize| c > 0)
        .unwrap_or(80)
}

/// Makes `when` the choice of every stream (ours, clap's, the log's).
pub fn set_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto if dumb_terminal() => ColorChoice::Never,
        ColorWhen::Auto => ColorChoice::Auto,
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// `TERM=dumb` without `CLICOLOR_FORCE`. anstream lets a `CI` variable override a dumb
/// terminal; a dumb terminal shows escape codes as garbage whoever runs it, so here only
/// `CLICOLOR_FORCE` does.
fn dumb_terminal() -> bool {
    let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    std::env::var_os("TERM").is_some_and(|t| t == "dumb") && !force
}

/// `--color`'s value read ahead of clap, so clap's own help and errors follow it too (clap
/// writes them while parsing). A bad value is left for clap to refuse.
pub fn color_from_args(args: impl IntoIterator<Item = OsString>) -> Option<ColorWhen> {
    use clap::ValueEnum as _;
    let mut found = None;
    let mut args = args.into_iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "--" => break,
            "--color" => args.next(),
            other => other.strip_prefix("--color=").map(str::to_string),
        };
        if let Some(v) = value {
            found = ColorWhen::from_str(&v, false).ok().or(found);
        }
    }
    found
}

/// Whether standard error takes colour (for the log).
pub fn stderr_colored() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Paints text when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub on: bool,
}

const fn fg(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(Color::Ansi(c)))
}

impl Paint {
    /// Colour for standard output.
    pub fn stdout() -> Paint {
        Paint {
            on: anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
        }
    }

    #[cfg(test)]
    pub fn plain() -> Paint {
        Paint { on: false }
    }

    fn wrap(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    pub fn red(&self, text: &str) -> String {
        self.wrap(fg(AnsiColor::Red), text)
    }
    pub fn green(&self, text: &str) -> String {
        self.wrap(fg(AnsiColor::Green), text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.wrap(fg(AnsiColor::Yellow), text)
    }
    pub fn bold(&self, text: &str) -> String {
        self.wrap(Style::new().bold(), text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.wrap(Style::new().dimmed(), text)
    }

    /// A word diff: removed words red and struck through, added words green and underlined
    /// when colour is on; the plain `[-old-]{+new+}` markers when it is off.
    pub fn word_diff(&self, diff: &WordDiff) -> String {
        if !self.on {
            return diff.to_string();
        }
        let old = fg(AnsiColor::Red).effects(Effects::STRIKETHROUGH);
        let new = fg(AnsiColor::Green).effects(Effects::UNDERLINE);
        let mut out = String::new();
        for piece in diff.pieces() {
            let (style, text) = match piece {
                Piece::Same(t) => {
                    out.push_str(t);
                    continue;
                }
                Piece::Removed(t) => (old, t),
                Piece::Added(t) => (new, t),
            };
            out.push_str(&format!("{}{text}{}", style.render(), style.render_reset()));
        }
        out
    }
}

pub use crate::words::relative;

/// A UTC time to the second, "2026-03-31T06:00:12Z".
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paint_adds_nothing() {
        let p = Paint::plain();
        assert_eq!(p.red("x"), "x");
        let d = WordDiff::parse_marked("a [-b-]{+c+}");
        assert_eq!(p.word_diff(&d), "a [-b-]{+c+}");
    }

    #[test]
    fn a_coloured_word_diff_paints_the_pieces_not_the_markers() {
        let red = fg(AnsiColor::Red).effects(Effects::STRIKETHROUGH);
        let green = fg(AnsiColor::Green).effects(Effects::UNDERLINE);
        let d = WordDiff::between("we have never had one", "we have rarely had one");
        assert_eq!(
            Paint { on: true }.word_diff(&d),
            format!(
                "we have {}never{}{}rarely{} had one",
                red.render(),
                red.render_reset(),
                green.render(),
                green.render_reset()
            )
        );
        // Words that merely look like markers are the page's text, painted as text.
        let d = WordDiff::between("a [-b-] c", "a [-b-] d");
        let painted = Paint { on: true }.word_diff(&d);
        assert!(painted.starts_with("a [-b-] "), "{painted:?}");
        assert!(painted.contains(&format!("{}c{}", red.render(), red.render_reset())));
    }

    #[test]
    fn color_is_read_ahead_of_clap() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            color_from_args(args(&["canaryd", "--color", "never", "list"])),
            Some(ColorWhen::Never)
        );
        assert_eq!(
            color_from_args(args(&["canaryd", "list", "--color=always"])),
            Some(ColorWhen::Always)
        );
        assert_eq!(
            color_from_args(args(&["canaryd", "--", "--color=always"])),
            None
        );
        assert_eq!(color_from_args(args(&["canaryd", "--color=pink"])), None);
    }
}
