//! Exit statuses (a contract: scripts and systemd rely on them).

/// Exit status: the command did its work (whether or not alerts fired).
pub const EXIT_OK: u8 = 0;
/// Exit status: something failed (state directory, network setup…), see the message.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status: bad command line (clap uses 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the watchlist is invalid (EX_CONFIG).
pub const EXIT_BAD_WATCHLIST: u8 = 78;
/// Exit status of `check`: the pass ran, but some alerts are still undelivered (a channel was
/// down or refused them), so cron notices (EX_TEMPFAIL). The daemon never exits with it.
pub const EXIT_UNDELIVERED: u8 = 75;
