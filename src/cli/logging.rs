//! Logging setup: the level from `-v`/`-q` (else `RUST_LOG`, else the default); under
//! journald, syslog priority prefixes and no timestamps so `journalctl -p warning` works.

use std::fmt;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{DefaultFields, Format, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Prefixes each line with its syslog priority (`<3>` error … `<7>` debug) for journald.
struct JournalPrefix(Format<tracing_subscriber::fmt::format::Full, ()>);

impl<S, N> FormatEvent<S, N> for JournalPrefix
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "<{}>", priority(*event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

/// The syslog priority of a tracing level.
pub fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// The levels `-q` and `-v` step through, quietest first.
const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// The filter for `verbose` (-v count) and `quiet` around the default: the daemon logs at info,
/// commands at warn (their results go to standard output; logs go to standard error). Without
/// either flag `RUST_LOG` decides, as before; a flag given says what the person wants now.
pub fn level(daemon: bool, verbose: u8, quiet: bool) -> Option<&'static str> {
    if verbose == 0 && !quiet {
        return None;
    }
    let base = if daemon { 2 } else { 1 };
    let i = (base + usize::from(verbose)).saturating_sub(usize::from(quiet));
    Some(LEVELS[i.min(LEVELS.len() - 1)])
}

/// Installs the global subscriber.
pub fn init(daemon: bool, verbose: u8, quiet: bool) {
    let default = if daemon { "info" } else { "warn" };
    // rPGP warns about every malformed packet it skips, with a backtrace: canaryd says what
    // was wrong with a signature in its own words, so rPGP's logs show only at -vvv or by
    // RUST_LOG.
    let quiet_pgp = |l: &str| {
        if l == "trace" {
            EnvFilter::new(l)
        } else {
            EnvFilter::new(format!("{l},pgp=off"))
        }
    };
    let filter = match level(daemon, verbose, quiet) {
        Some(l) => quiet_pgp(l),
        None => EnvFilter::try_from_default_env().unwrap_or_else(|_| quiet_pgp(default)),
    };
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(super::term::stderr_colored())
        .with_target(false);
    let result = if under_journald {
        builder
            .fmt_fields(DefaultFields::new())
            .event_format(JournalPrefix(
                Format::default()
                    .without_time()
                    .with_target(false)
                    .with_level(false),
            ))
            .try_init()
    } else {
        builder.try_init()
    };
    // Already installed (tests call commands repeatedly): keep the first.
    let _ = result;
}

#[cfg(test)]
mod tests {
    use super::level;

    #[test]
    fn verbosity_steps_from_each_default() {
        assert_eq!(
            level(false, 0, false),
            None,
            "RUST_LOG or the default decides"
        );
        assert_eq!(level(false, 1, false), Some("info"));
        assert_eq!(level(false, 2, false), Some("debug"));
        assert_eq!(level(false, 9, false), Some("trace"));
        assert_eq!(level(false, 0, true), Some("error"));
        assert_eq!(level(true, 0, true), Some("warn"));
        assert_eq!(level(true, 1, false), Some("debug"));
    }
}
