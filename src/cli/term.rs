//! Terminal niceties: whether output goes to a person, and ANSI colour when it does.
//!
//! Colour only on a terminal and never with `NO_COLOR` set (https://no-color.org), so pipes,
//! files and scripts always get plain text.

use std::io::IsTerminal as _;

use chrono::{DateTime, Utc};

/// Whether standard output is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Paints text when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    pub on: bool,
}

impl Paint {
    /// Colour for standard output.
    pub fn stdout() -> Paint {
        Paint {
            on: stdout_is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    #[cfg(test)]
    pub fn plain() -> Paint {
        Paint { on: false }
    }

    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn red(&self, text: &str) -> String {
        self.wrap("31", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.wrap("32", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.wrap("33", text)
    }
    pub fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    /// A word diff (`[-old-]{+new+}`, from `diff::word_diff`) with the markers turned into
    /// red and green when colour is on.
    pub fn word_diff(&self, marked: &str) -> String {
        if !self.on {
            return marked.to_string();
        }
        marked
            .replace("[-", "\x1b[31;9m")
            .replace("-]", "\x1b[0m")
            .replace("{+", "\x1b[32;4m")
            .replace("+}", "\x1b[0m")
    }
}

/// "3h ago", "in 2d", "just now": how far `t` is from `now`, for people.
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds();
    let (n, future) = (secs.unsigned_abs(), secs < 0);
    let span = match n {
        0..=59 => return "just now".into(),
        60..=3599 => format!("{}m", n / 60),
        3600..=86_399 => format!("{}h", n / 3600),
        _ => format!("{}d", n / 86_400),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

/// A UTC time to the second, "2026-03-31T06:00:12Z".
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        let now: DateTime<Utc> = "2026-03-31T12:00:00Z".parse().expect("time");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("time");
        assert_eq!(relative(at("2026-03-31T11:59:30Z"), now), "just now");
        assert_eq!(relative(at("2026-03-31T09:00:00Z"), now), "3h ago");
        assert_eq!(relative(at("2026-04-02T12:00:00Z"), now), "in 2d");
        assert_eq!(relative(at("2026-03-31T12:05:00Z"), now), "in 5m");
    }

    #[test]
    fn plain_paint_adds_nothing() {
        let p = Paint::plain();
        assert_eq!(p.red("x"), "x");
        assert_eq!(p.word_diff("a [-b-]{+c+}"), "a [-b-]{+c+}");
        assert!(Paint { on: true }.word_diff("[-b-]").contains("\x1b[31"));
    }
}
