//! `canaryd check [NAME]...`: one pass over every watch (or those named), then deliver what is
//! queued. On a terminal a progress bar runs over the watches; otherwise plain lines only;
//! `--format json` one document at the end. Exit 75 when alerts are left undelivered.

use std::borrow::Cow;
use std::io::IsTerminal as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::args::Format;
use crate::cli::exit::{EXIT_FAILURE, EXIT_OK, EXIT_UNDELIVERED};
use crate::clock;
use crate::config::{Watch, Watchlist};
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::pipeline::Checker;
use crate::schedule::pass::{self, Outcome};

use super::{check_json, names, say};

/// What `check` was asked for beyond the watchlist and state directory.
pub struct CheckArgs {
    /// Only these watches (empty: every watch).
    pub names: Vec<String>,
    pub format: Format,
    /// `-q`: no per-watch lines, no progress bar; the summary and errors only.
    pub quiet: bool,
}

pub async fn run(watchlist: &Path, state: &Path, args: CheckArgs) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let watches = match chosen(&wl, watchlist, &args.names) {
        Ok(w) => w,
        Err(code) => return Ok(code),
    };
    let json = args.format == Format::Json;
    let checker = Checker::new(state, clock::system(), "check")?;
    let mut channels = Channels::from_watchlist(&wl)?;
    if json {
        channels.print_alerts_on_stderr();
    }
    checker.outbox.set_routes(channels.routes());
    // JSON is one document at the end, so nothing else may go to standard output.
    let talk = !(args.quiet || json);
    let progress = if talk {
        progress_bar(watches.len())
    } else {
        None
    };
    let mut reports = Vec::new();
    let tally = pass::check_all(&checker, &watches, &wl.settings, |o| {
        if json {
            reports.push(check_json::watch(o));
            return;
        }
        if !talk {
            return;
        }
        let text = line(o);
        match &progress {
            // Printed above the bar, which then redraws below it.
            Some(bar) => {
                bar.suspend(|| println!("{text}"));
                bar.inc(1);
            }
            None => println!("{text}"),
        }
    })
    .await;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let pass::Tally {
        failed,
        store_errors,
        ..
    } = tally;
    // Alerts queued by earlier runs that could not be delivered are retried now too. The feed
    // is written once, here, for every alert the pass queued.
    let feed = Feed::new(state).deferred();
    let targets = Targets {
        outbox: &checker.outbox,
        channels: &channels,
        feed: &feed,
    };
    let d = deliver::drain(targets, checker.clock.now(), true, Default::default()).await?;
    let fetched = watches.len() - failed - store_errors;
    let code = status(store_errors, &d);
    if json {
        let doc = check_json::Pass {
            checked: watches.len(),
            fetched,
            failed,
            store_errors,
            alerts: check_json::Alerts {
                delivered: d.delivered,
                waiting: d.waiting,
                refused: d.permanent,
                last_error: d.last_error.clone(),
            },
            exit: code,
            watches: reports,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!("{}", summary(watches.len(), fetched, failed, &d));
    }
    if d.permanent > 0 {
        say::error(format!(
            "{} alert(s) refused for good by a channel (not retried there; kept in {}; `canaryd list` shows them)",
            d.permanent,
            checker.outbox.failed_dir().display()
        ));
    }
    if let Some(e) = &d.last_error {
        say::error(format!(
            "alert delivery failed (kept in the outbox, retried on the next run; exit {EXIT_UNDELIVERED}): {e}"
        ));
    }
    Ok(code)
}

/// The watches NAMES asks for, in watchlist order (every watch without names). An unknown
/// name checks nothing: `Err` carries the exit status, already explained.
fn chosen<'a>(wl: &'a Watchlist, path: &Path, names: &[String]) -> Result<Cow<'a, [Watch]>, u8> {
    if names.is_empty() {
        return Ok(Cow::Borrowed(&wl.watches));
    }
    let known: Vec<String> = wl.watches.iter().map(|w| w.name.clone()).collect();
    if let Some(bad) = names.iter().find(|n| !known.contains(n)) {
        say::error(names::unknown(bad, &known, &path.display().to_string()));
        return Err(EXIT_FAILURE);
    }
    Ok(Cow::Owned(
        wl.watches
            .iter()
            .filter(|w| names.contains(&w.name))
            .cloned()
            .collect(),
    ))
}

/// "checked 3 watches: 3 fetched, 0 failed; alerts: 1 delivered, 0 waiting".
fn summary(watches: usize, fetched: usize, failed: usize, d: &deliver::Delivery) -> String {
    let mut summary = format!("checked {watches} watches: {fetched} fetched, {failed} failed");
    if d.delivered + d.waiting + d.permanent > 0 {
        summary.push_str(&format!(
            "; alerts: {} delivered, {} waiting",
            d.delivered, d.waiting
        ));
        if d.permanent > 0 {
            summary.push_str(&format!(", {} refused for good", d.permanent));
        }
    }
    summary
}

/// The pass's exit status: a state that could not be stored is a failure; alerts still
/// waiting (or refused for good in this pass) are EX_TEMPFAIL so cron learns they are stuck.
fn status(store_errors: usize, d: &deliver::Delivery) -> u8 {
    if store_errors > 0 {
        EXIT_FAILURE
    } else if d.waiting + d.permanent > 0 {
        EXIT_UNDELIVERED
    } else {
        EXIT_OK
    }
}

/// A progress bar over the watches when a person is watching (standard output and error
/// both terminals); `None` for cron, pipes and the journal, which get the plain lines only.
fn progress_bar(watches: usize) -> Option<ProgressBar> {
    if !(std::io::stdout().is_terminal() && std::io::stderr().is_terminal()) || watches == 0 {
        return None;
    }
    let bar = ProgressBar::new(watches as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} checking {pos}/{len} [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// One line per watch: what the check saw and what it concluded.
pub fn line(outcome: &Outcome) -> String {
    let r = match outcome {
        Ok(r) => r,
        Err((name, e)) => return format!("{name}: error: {}", crate::error_chain(e)),
    };
    let rec = &r.record;
    let mut s = match rec.result.as_str() {
        "failed" => format!(
            "{}: fetch failed: {}",
            r.watch,
            rec.error.as_deref().unwrap_or("unknown error")
        ),
        "unchanged" => format!("{}: unchanged (HTTP 304)", r.watch),
        _ if rec.statements == 0 => format!(
            "{}: ok, but no canary statements found (try `canaryd preview {}` and a --selector)",
            r.watch,
            rec.url.as_deref().unwrap_or("URL")
        ),
        _ => format!(
            "{}: ok, {} statements ({} claims)",
            r.watch, rec.statements, rec.claims
        ),
    };
    if r.pending > 0 {
        s.push_str(&format!(
            ", {} difference(s) awaiting confirmation",
            r.pending
        ));
    }
    for e in &r.events {
        let told = if e.notify { "alert queued" } else { "recorded" };
        s.push_str(&format!(", {} ({told})", e.kind));
    }
    s
}
