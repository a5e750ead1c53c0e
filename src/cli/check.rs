//! `canaryd check`: one pass over every watch, then deliver what is queued. On a terminal a
//! progress bar runs over the watches; otherwise plain lines only.

use std::io::IsTerminal as _;
use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use crate::clock;
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::pipeline::Checker;
use crate::schedule::pass::{self, Outcome};

pub async fn run(watchlist: &Path, state: &Path) -> anyhow::Result<u8> {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return Ok(code),
    };
    let checker = Checker::new(state, clock::system())?;
    let channels = Channels::from_watchlist(&wl)?;
    checker.outbox.set_routes(channels.routes());
    let progress = progress_bar(wl.watches.len());
    let tally = pass::check_all(&checker, &wl.watches, &wl.settings, |o| {
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
    let mut summary = format!(
        "checked {} watches: {} fetched, {} failed",
        wl.watches.len(),
        wl.watches.len() - failed - store_errors,
        failed
    );
    if d.delivered + d.waiting + d.permanent > 0 {
        summary.push_str(&format!(
            "; alerts: {} delivered, {} waiting",
            d.delivered, d.waiting
        ));
        if d.permanent > 0 {
            summary.push_str(&format!(", {} refused for good", d.permanent));
        }
    }
    println!("{summary}");
    if d.permanent > 0 {
        eprintln!(
            "canaryd: {} alert(s) refused for good by a channel (not retried there; kept in {}; `canaryd list` shows them)",
            d.permanent,
            checker.outbox.failed_dir().display()
        );
    }
    if let Some(e) = d.last_error {
        eprintln!(
            "canaryd: alert delivery failed (kept in the outbox, retried on the next run): {e}"
        );
    }
    Ok(if store_errors > 0 {
        crate::cli::exit::EXIT_FAILURE
    } else {
        0
    })
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
