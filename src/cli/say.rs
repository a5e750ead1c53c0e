//! How canaryd speaks on standard error: every error is `canaryd: error: …` and every warning
//! `canaryd: warning: …`, from here only, so people and scripts can rely on one prefix.

use std::fmt::Display;

use anstyle::{AnsiColor, Style};

const ERROR: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const WARNING: Style = Style::new()
    .bold()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

/// `canaryd: error: MESSAGE` (the word coloured when standard error takes colour).
pub fn error(message: impl Display) {
    // anstream drops the colour when --color, NO_COLOR, TERM or a pipe say so.
    anstream::eprintln!("canaryd: {ERROR}error:{ERROR:#} {message}");
}

/// `canaryd: warning: MESSAGE`.
pub fn warning(message: impl Display) {
    anstream::eprintln!("canaryd: {WARNING}warning:{WARNING:#} {message}");
}

/// An indented follow-up line under an error or warning ("  fix: …", a listed path).
pub fn detail(text: impl Display) {
    eprintln!("  {text}");
}
