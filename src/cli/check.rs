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
use crate::health::{self, Health, Reason};
use crate::judge::event::{Event, EventKind};
use crate::notify::channel::Channels;
use crate::notify::deliver::{self, Targets};
use crate::notify::feed::Feed;
use crate::notify::outbox::DELIVERY_BACKOFF;
use crate::observe::scripted::NEEDS_JAVASCRIPT;
use crate::pipeline::Checker;
use crate::schedule::pass::{self, Outcome};
use crate::store::CheckResult;
use crate::store::alerts::AlertHistory;
use crate::words::plural;

use super::term;

use super::{check_json, names, say};

/// What `check` was asked for beyond the watchlist and state directory.
pub struct CheckArgs {
    /// Only these watches (empty: every watch).
    pub names: Vec<String>,
    pub format: Format,
    /// `-q`: no per-watch lines, no progress bar; the summary and errors only.
    pub quiet: bool,
    /// Refresh every pinned key from its `key_url` now (`canaryd keys refresh`).
    pub refresh_keys: bool,
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
    let mut checker = Checker::new(state, clock::system(), "check")?;
    checker.set_force_key_refresh(args.refresh_keys);
    checker.browser().configure(&wl.settings.browser);
    let mut channels = Channels::from_watchlist(&wl)?;
    if json {
        channels.print_alerts_on_stderr();
    }
    checker.outbox().set_routes(channels.routes());
    // JSON is one document at the end, so nothing else may go to standard output.
    let talk = !(args.quiet || json);
    let progress = if talk {
        progress_bar(watches.len())
    } else {
        None
    };
    let waiting = pass::Waiting::default();
    let shows_waiting = progress
        .clone()
        .map(|bar| show_waiting(bar, waiting.clone(), wl.settings.host_delay));
    let mut reports = Vec::new();
    let mut lines = InOrder::new(&watches);
    let tally = pass::check_all_counting(&checker, &watches, &wl.settings, &waiting, |o| {
        if json {
            let seen = seen(o);
            reports.push(check_json::watch(o, seen.as_ref().map(|s| &s.health)));
            return;
        }
        if !talk {
            return;
        }
        let text = line_seen(o, seen(o).as_ref());
        let ready = lines.push(outcome_name(o), text);
        match &progress {
            // Printed above the bar, which then redraws below it.
            Some(bar) => {
                bar.suspend(|| ready.iter().for_each(|t| outln!("{t}")));
                bar.inc(1);
            }
            None => ready.iter().for_each(|t| outln!("{t}")),
        }
    })
    .await;
    // JSON lists the watches in the watchlist's order too.
    reports.sort_by_key(|r| lines.position(&r.name));
    if let Some(task) = shows_waiting {
        task.abort();
    }
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
        outbox: checker.outbox(),
        channels: &channels,
        feed: &feed,
    };
    tracing::debug!(
        barriers = crate::store::atomic::BARRIERS.load(std::sync::atomic::Ordering::Relaxed),
        "pass committed"
    );
    // No browser outlives the pass: its process group is killed, its profile removed.
    checker.browser().shutdown().await;
    let d = deliver::drain(targets, checker.clock().now(), true, DELIVERY_BACKOFF).await?;
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
        outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        outln!("{}", summary(watches.len(), fetched, failed, &d));
    }
    if d.permanent > 0 {
        say::error(format!(
            "{} refused for good by a channel (not retried there; kept in {}; `canaryd list` shows them)",
            plural(d.permanent, "alert"),
            checker.outbox().failed_dir().display()
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

/// The name of the watch an outcome is about.
fn outcome_name(o: &Outcome) -> &str {
    match o {
        Ok(r) => &r.watch,
        Err((name, _)) => name,
    }
}

/// Per-watch lines in the watchlist's order, whatever order the checks finish in: a line is
/// held until every watch before it has printed, so two runs read the same way.
struct InOrder {
    position: std::collections::HashMap<String, usize>,
    held: std::collections::BTreeMap<usize, String>,
    next: usize,
}

impl InOrder {
    fn new(watches: &[crate::config::Watch]) -> InOrder {
        InOrder {
            position: watches
                .iter()
                .enumerate()
                .map(|(i, w)| (w.name.clone(), i))
                .collect(),
            held: Default::default(),
            next: 0,
        }
    }

    /// Where `name` stands in the watchlist (unknown names last).
    fn position(&self, name: &str) -> usize {
        self.position.get(name).copied().unwrap_or(usize::MAX)
    }

    /// Takes the line of `name`; returns the lines now ready to print, in order.
    fn push(&mut self, name: &str, line: String) -> Vec<String> {
        let Some(&at) = self.position.get(name) else {
            return vec![line];
        };
        self.held.insert(at, line);
        let mut ready = Vec::new();
        while let Some(line) = self.held.remove(&self.next) {
            ready.push(line);
            self.next += 1;
        }
        ready
    }
}

/// "checked 3 watches: 3 fetched, 0 failed; alerts: 1 delivered, 0 waiting".
fn summary(watches: usize, fetched: usize, failed: usize, d: &deliver::Delivery) -> String {
    let mut summary = format!(
        "checked {}: {fetched} fetched, {failed} failed",
        plural(watches, "watch")
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
        ProgressStyle::with_template("{spinner} checking {pos}/{len}{msg} [{bar:30}] {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(bar)
}

/// Keeps the bar's message saying which watches wait on a host's politeness delay, e.g.
/// "checking 3/6 · 2 waiting on example.org (host_delay 2s)", until the task is aborted.
fn show_waiting(
    bar: ProgressBar,
    waiting: pass::Waiting,
    delay: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        loop {
            tick.tick().await;
            bar.set_message(waiting_suffix(&waiting, delay));
        }
    })
}

/// The bar's message: " · 2 waiting on example.org (host_delay 2s)", or nothing.
fn waiting_suffix(waiting: &pass::Waiting, delay: std::time::Duration) -> String {
    waiting
        .message(delay)
        .map(|m| format!(" · {m}"))
        .unwrap_or_default()
}

/// What the committed state adds to a check's own report: the watch's health after the
/// check and its alert history where the verdict needed it (see [`CheckReport::health`]).
#[derive(Debug, Clone)]
pub struct Seen {
    pub health: Health,
    pub alerts: AlertHistory,
}

/// What `line_seen` needs, from the report of the check. `None` when the check was not
/// recorded, or its alert history cannot be read (the line then says what the report says).
pub fn seen(outcome: &Outcome) -> Option<Seen> {
    let (health, alerts) = outcome.as_ref().ok()?.health.clone()?;
    Some(Seen { health, alerts })
}

/// One line per watch: what the check saw and what it concluded, from its report alone.
pub fn line(outcome: &Outcome) -> String {
    line_seen(outcome, None)
}

/// One line per watch: what the check saw and what it concluded. A watch without claims
/// says so as a warning with the fix; one whose claims went says what was lost instead.
pub fn line_seen(outcome: &Outcome, seen: Option<&Seen>) -> String {
    let r = match outcome {
        Ok(r) => r,
        Err((name, e)) => return format!("{name}: error: {}", crate::error_chain(e)),
    };
    let rec = &r.record;
    let w = &r.watch;
    let url = rec.url.as_deref().unwrap_or("URL");
    let health = seen.map(|s| &s.health);
    // Claim events this line's opening already tells ("3 claims missing; alert queued").
    let lost: Vec<&Event> = r
        .events
        .iter()
        .filter(|e| e.claim && matches!(e.kind, EventKind::Removed | EventKind::Missing))
        .collect();
    let missing = health.and_then(|h| {
        h.reasons.iter().find_map(|r| match r {
            Reason::ClaimsMissing { claims, alerted } => Some((*claims, *alerted)),
            _ => None,
        })
    });
    let mut told_loss = false;
    let mut s = match rec.result {
        CheckResult::Failed => format!(
            "{w}: fetch failed: {}",
            rec.error.as_deref().unwrap_or("unknown error")
        ),
        CheckResult::Unchanged if rec.claims > 0 && url.starts_with("file:") => {
            format!("{w}: unchanged (file not modified since the last check)")
        }
        CheckResult::Unchanged if rec.claims > 0 => format!("{w}: unchanged (HTTP 304)"),
        _ if rec.claims > 0 => format!(
            "{w}: ok, {}",
            crate::words::statements_tracked(rec.statements, rec.claims)
        ),
        _ if !lost.is_empty() => {
            told_loss = true;
            let n: usize = lost.iter().map(|e| e.statements.len().max(1)).sum();
            let told = if lost.iter().any(|e| e.notify) {
                "alert queued"
            } else {
                "recorded"
            };
            format!("{w}: {} missing; {told}", plural(n, "claim"))
        }
        _ if let Some((n, alerted)) = missing => {
            told_loss = true;
            let when = if alerted {
                "alerted earlier"
            } else {
                "awaiting confirmation"
            };
            format!("{w}: {} missing; {when}", plural(n, "claim"))
        }
        _ if health.is_some_and(|h| h.has(|r| *r == Reason::ClaimsLost)) => {
            let last = seen
                .and_then(|s| s.alerts.last.as_ref())
                .map(|a| format!(" (last alert: {} at {})", a.kind, term::time(a.at)))
                .unwrap_or_default();
            format!("{w}: warning: tracks nothing: its claims were removed{last}")
        }
        _ if rec.scripted => format!("{w}: warning: tracks nothing: {NEEDS_JAVASCRIPT}"),
        _ => {
            let found = match rec.statements {
                0 => "no canary statements found".to_string(),
                n => format!("{}, none a claim", plural(n, "statement")),
            };
            format!(
                "{w}: warning: tracks nothing: {found} ({})",
                health::tracks_nothing_fix(url)
            )
        }
    };
    for k in &rec.key_refreshes {
        s.push_str(&format!(
            ", key {} ({}) refreshed from {}: {}{}",
            k.file,
            k.fingerprint,
            k.url,
            k.outcome,
            if k.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", k.detail)
            }
        ));
    }
    if r.pending > 0 && !told_loss {
        s.push_str(&format!(
            ", {} awaiting confirmation",
            plural(r.pending, "difference")
        ));
    }
    for e in &r.events {
        if told_loss && lost.iter().any(|l| std::ptr::eq(*l, e)) {
            continue;
        }
        let told = if e.notify { "alert queued" } else { "recorded" };
        s.push_str(&format!(", {} ({told})", e.kind));
    }
    if let Some(h) = health {
        for reason in [Reason::Stale, Reason::Signature, Reason::AcceptsSha1] {
            if h.has(|r| *r == reason) {
                s.push_str(&format!("; warning: {}", reason.words()));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_says_what_waits_on_a_host() {
        let waiting = pass::Waiting::default();
        let delay = std::time::Duration::from_secs(2);
        assert_eq!(waiting_suffix(&waiting, delay), "");
        let _a = waiting.start("example.org");
        let _b = waiting.start("example.org");
        assert_eq!(
            format!("checking 3/6{}", waiting_suffix(&waiting, delay)),
            "checking 3/6 · 2 waiting on example.org (host_delay 2s)"
        );
    }
}

#[cfg(test)]
mod order_tests {
    use super::InOrder;

    #[test]
    fn lines_come_out_in_the_watchlists_order_whatever_order_checks_finish_in() {
        let text = "[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n\n[[watch]]\nname = \"c\"\nurl = \"https://c.example/\"\n";
        let wl = crate::config::Watchlist::parse(text, std::path::Path::new("w.toml"))
            .expect("a valid watchlist");
        let mut lines = InOrder::new(&wl.watches);
        assert!(
            lines.push("c", "c line".into()).is_empty(),
            "c waits for a and b"
        );
        assert_eq!(lines.push("a", "a line".into()), vec!["a line"]);
        assert_eq!(lines.push("b", "b line".into()), vec!["b line", "c line"]);
        assert_eq!(lines.position("b"), 1);
    }
}
