//! `canaryd list`: every watch at a glance, as a table (see `list_table`) or JSON. JSON field
//! names are a contract for scripts: fields are added, never renamed.

use std::path::Path;

use super::list_row::{AlertSeen, ChannelBacklog, Row};
use crate::cli::args::ListFormat;
use crate::cli::exit::EXIT_FAILURE;
use crate::health::{self, Health, Level, Reason};
use crate::judge::WatchState;
use crate::notify::outbox::{Outbox, Queued};
use crate::observe::scripted::NEEDS_JAVASCRIPT;
use crate::store::alerts::AlertHistory;
use crate::store::archive::Archive;
use crate::store::{CheckRecord, Store};

use super::list_table::Style;

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn row(name: &str, url: &str, state: &WatchState, check: &CheckRecord, confirm: u32) -> Row {
    let b = state.baseline.as_ref();
    let mut conditions = Vec::new();
    if let Some(f) = &state.failing {
        let word = if f.alerted { "unreachable" } else { "failing" };
        conditions.push(format!(
            "{word} since {} ({})",
            crate::words::describe_time(f.since),
            crate::words::plural(f.count, "failure")
        ));
    }
    if state.gone.alerted {
        conditions.push("gone (404/410)".into());
    }
    if state.missing.alerted {
        conditions.push("missing (no canary statements on the page)".into());
    }
    if let Some(s) = &state.stale {
        conditions.push(format!("stale: {}", s.reason));
    }
    if state
        .signature
        .problem
        .as_ref()
        .is_some_and(|p| p.alerted.is_some())
    {
        conditions.push("signature problem (`canaryd history` names the signers)".into());
    }
    for f in state.flaps.iter().filter(|f| f.notified) {
        conditions.push(format!("flapping: {}", short(&f.text, 60)));
    }
    Row {
        name: name.to_string(),
        url: url.to_string(),
        followed: check.followed.as_ref().map(|f| f.url.clone()),
        statements: b.map_or(0, |b| b.statements.len()),
        claims: b.map_or(0, |b| b.claims().count()),
        canary_date: b.and_then(|b| b.canary_date).map(|d| d.to_string()),
        canary_date_source: b
            .and_then(|b| crate::judge::dating(&b.statements))
            .map(|d| d.chosen.source.as_str().to_string()),
        next_deadline: b
            .and_then(|b| crate::judge::stated_deadline(&b.statements))
            .map(|d| d.to_string()),
        last_check: check.at,
        last_result: check.result,
        last_error: check.error.clone(),
        last_change: state.last_change,
        next_check: check.next_check,
        pending: state
            .pending
            .iter()
            .map(|p| {
                let text = p
                    .old
                    .as_ref()
                    .or(p.new.as_ref())
                    .map(|s| s.text.as_str())
                    .unwrap_or("");
                format!("{} {}/{confirm}: {}", p.kind, p.count, short(text, 60))
            })
            .collect(),
        conditions,
        undelivered: 0,
        delivery_error: None,
        undelivered_channels: Vec::new(),
        interval: String::new(),
        snapshots: 0,
        last_snapshot: None,
        signature: None,
        health: Level::Unknown,
        health_reasons: Vec::new(),
        last_alert: None,
        next_due: None,
        signature_notes: Vec::new(),
        key_refreshes: Vec::new(),
        health_notes: Vec::new(),
    }
}

/// Fills the health fields of `r` (see `crate::health`).
fn health_fields(r: &mut Row, h: &Health, alerts: &AlertHistory, scripted: bool) {
    r.health = h.level();
    r.health_reasons = h.words();
    r.last_alert = alerts.last.as_ref().map(|a| AlertSeen {
        kind: a.kind.to_string(),
        at: a.at,
    });
    r.next_due = r.next_deadline.clone();
    for reason in &h.reasons {
        let note = match reason {
            Reason::TracksNothing if scripted => {
                format!("warning: tracks nothing: {NEEDS_JAVASCRIPT}")
            }
            Reason::TracksNothing => format!(
                "warning: tracks nothing: no canary claim on the page, so it can never alert ({})",
                health::tracks_nothing_fix(&r.url)
            ),
            Reason::ClaimsMissing { claims, alerted } => format!(
                "warning: {} missing from the last page ({})",
                crate::words::plural(*claims, "claim"),
                if *alerted {
                    "alerted"
                } else {
                    "awaiting confirmation"
                }
            ),
            Reason::ClaimsLost => {
                "warning: tracks nothing: its claims were removed (see LAST ALERT; `canaryd history` shows when)"
                    .to_string()
            }
            // The attention lines already say why (last error, state: stale, signature).
            Reason::FetchFailed | Reason::Stale | Reason::Signature => continue,
            Reason::AcceptsSha1 => {
                "warning: accepts SHA-1 (a weak hash; RFC 9580 refuses it): `accept_sha1 = true` in its [[watch]]; remove it once the publisher signs with SHA-256".to_string()
            }
        };
        r.health_notes.push(note);
    }
}

pub fn run(watchlist: &Path, state_dir: &Path, format: ListFormat, wide: bool) -> u8 {
    let wl = match super::load_watchlist(watchlist) {
        Ok(wl) => wl,
        Err(code) => return code,
    };
    match rows(&wl, state_dir) {
        Ok(rows) => {
            match format {
                ListFormat::Json => match serde_json::to_string_pretty(&rows) {
                    Ok(j) => outln!("{j}"),
                    Err(e) => {
                        super::say::error(e);
                        return EXIT_FAILURE;
                    }
                },
                ListFormat::Table => {
                    out!("{}", super::list_table::table(&rows, Style::stdout(wide)))
                }
            }
            let corrupt = Outbox::at(state_dir).corrupt();
            if !corrupt.is_empty() {
                super::say::warning(format!(
                    "outbox: {} set aside, not delivered; read them, then delete them:",
                    crate::words::plural(corrupt.len(), "unreadable alert file")
                ));
                for p in corrupt {
                    super::say::detail(p.display());
                }
            }
            0
        }
        Err(e) => {
            super::say::error(super::chain(&e));
            EXIT_FAILURE
        }
    }
}

/// The SIGNATURE column: the last verdict of a signed watch, none otherwise.
fn signature_cell(
    w: &crate::config::Watch,
    check: &CheckRecord,
) -> Option<crate::observe::signature::SignatureTally> {
    w.signing.as_ref().and(check.signature)
}

/// Reads every watch's state; never writes.
pub fn rows(wl: &crate::config::Watchlist, state_dir: &Path) -> anyhow::Result<Vec<Row>> {
    let exists = state_dir.is_dir();
    let store = Store::at(state_dir);
    let archive = Archive::new(state_dir);
    let (queued, refused) = match Outbox::existing(state_dir) {
        Some(outbox) => (outbox.pending()?, outbox.failed_permanently()?),
        None => (Vec::new(), Vec::new()),
    };
    let mut rows = Vec::with_capacity(wl.watches.len());
    for w in &wl.watches {
        // One watch's unreadable file is that watch's problem, shown on its row; the next
        // check rebuilds it (see store::recover). The other watches are listed as usual.
        let mut unreadable = Vec::new();
        let (state, check, alerts) = if exists {
            let state = store.load_state(&w.name).unwrap_or_else(|e| {
                unreadable.push(crate::error_chain(&e));
                Default::default()
            });
            let check = store.load_check(&w.name).unwrap_or_else(|e| {
                unreadable.push(crate::error_chain(&e));
                None
            });
            let alerts = store.alert_history(&w.name).unwrap_or_else(|e| {
                unreadable.push(crate::error_chain(&e));
                AlertHistory::default()
            });
            (state, check.unwrap_or_default(), alerts)
        } else {
            Default::default()
        };
        let mut r = row(
            &w.name,
            &crate::fetch::redact(&w.url),
            &state,
            &check,
            w.shared.policy.confirm,
        );
        let mine: Vec<&Queued> = queued
            .iter()
            .chain(&refused)
            .filter(|q| q.alert.watch == w.name)
            .collect();
        if !unreadable.is_empty() {
            r.last_error = Some(format!(
                "{} (the next check rebuilds it from the evidence)",
                unreadable.join("; ")
            ));
        }
        r.undelivered = mine.len();
        r.delivery_error = mine.iter().rev().find_map(|q| q.last_error.clone());
        r.undelivered_channels = backlog(&mine);
        r.interval = crate::words::describe_setting(w.shared.interval);
        r.signature = signature_cell(w, &check);
        if w.signing.is_some() {
            r.signature_notes = check.signature_notes.clone();
            if exists {
                r.key_refreshes = store.key_refreshes(&w.name).unwrap_or_else(|e| {
                    r.last_error = Some(crate::error_chain(&e));
                    Vec::new()
                });
            }
        }
        let h = health::assess(&state, &check, w.signing.is_some(), &alerts);
        health_fields(&mut r, &h, &alerts, check.scripted);
        if exists && let Some(h) = archive.head(&w.name) {
            r.snapshots = h.seq;
            r.last_snapshot = archive.record_time(&w.name, h.seq);
        }
        rows.push(r);
    }
    Ok(rows)
}

/// Per channel, the watch's alerts it has not taken. Alerts queued before channels existed
/// (no channel list yet) are shown under "all channels".
fn backlog(alerts: &[&Queued]) -> Vec<ChannelBacklog> {
    let mut out: Vec<ChannelBacklog> = Vec::new();
    let mut add = |channel: &str, attempts: u32, error: &Option<String>, permanent: bool| {
        let i = match out
            .iter()
            .position(|b| b.channel == channel && b.permanent == permanent)
        {
            Some(i) => i,
            None => {
                out.push(ChannelBacklog {
                    channel: channel.to_string(),
                    alerts: 0,
                    attempts: 0,
                    last_error: None,
                    permanent,
                });
                out.len() - 1
            }
        };
        let b = &mut out[i];
        b.alerts += 1;
        b.attempts = b.attempts.max(attempts);
        if error.is_some() {
            b.last_error = error.clone();
        }
    };
    for q in alerts {
        match &q.channels {
            None => add("all channels", q.attempts, &q.last_error, false),
            Some(states) => {
                for s in states.iter().filter(|s| s.delivered_at.is_none()) {
                    add(&s.channel, s.attempts, &s.last_error, s.permanent);
                }
            }
        }
    }
    out
}
