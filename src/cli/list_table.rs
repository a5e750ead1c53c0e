//! `canaryd list` as a table: one aligned row per watch, then one line per thing that needs
//! attention (errors, pending confirmations, failure states, undelivered alerts).
//!
//! On a terminal times are relative ("3h ago") and results coloured; otherwise times are
//! RFC 3339 and the text plain, so scripts and logs get stable output.

use chrono::{DateTime, Utc};

use super::list_row::{Row, result_words, signature_words};
use crate::cli::term::{self, Paint};
use crate::health::{self, Level};
use crate::store::CheckResult;

/// How the table is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub paint: Paint,
    /// Relative times ("3h ago") against this instant; absolute when `None`.
    pub now: Option<DateTime<Utc>>,
    /// The columns the table must fit in, dropping the least needed columns first and then
    /// shortening URLs; `None` draws every column whole (`--wide`, pipes and files).
    pub width: Option<usize>,
}

impl Style {
    /// On a terminal: relative times, colour, and the terminal's width unless `wide`.
    pub fn stdout(wide: bool) -> Style {
        let paint = Paint::stdout();
        let terminal = term::stdout_is_terminal();
        Style {
            paint,
            now: terminal.then(Utc::now),
            width: (terminal && !wide).then(term::stdout_width),
        }
    }

    #[cfg(test)]
    pub fn plain() -> Style {
        Style {
            paint: Paint::plain(),
            now: None,
            width: None,
        }
    }

    fn time(&self, t: Option<DateTime<Utc>>) -> String {
        let Some(t) = t else {
            return "-".into();
        };
        match self.now {
            Some(now) => term::relative(t, now),
            None => term::time(t),
        }
    }
}

const HEADERS: [&str; COLUMNS] = [
    "NAME",
    "STATEMENTS",
    "LAST CHECK",
    "RESULT",
    "HEALTH",
    "LAST CHANGE",
    "LAST ALERT",
    "NEXT CHECK",
    "NEXT DUE",
    "PENDING",
    "UNDELIVERED",
    "SIGNATURE",
    "URL",
];
const COLUMNS: usize = 13;
/// The columns a narrow terminal loses first, in that order. The attention lines under the
/// table still say what they held (errors, pending, undelivered); NAME, LAST CHECK, HEALTH
/// and URL always stay.
const DROP_FIRST: [usize; 9] = [3, 5, 8, 9, 10, 11, 7, 6, 1];
const URL: usize = COLUMNS - 1;
/// A URL is never cut shorter than this…
const URL_MIN: usize = 24;
/// …and columns are dropped until it can keep at least this much of itself.
const URL_KEEP: usize = 40;
/// Two spaces between columns.
const GAP: usize = 2;

pub fn table(rows: &[Row], style: Style) -> String {
    if rows.is_empty() {
        return "no watches in the watchlist; add one with `canaryd add URL`\n".into();
    }
    let cells: Vec<[String; COLUMNS]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                if r.last_check.is_none() {
                    "not checked yet".into()
                } else {
                    crate::words::statements_tracked(r.statements, r.claims)
                },
                style.time(r.last_check),
                result_words(r.last_result).to_string(),
                health::cell(r.health, &r.health_reasons),
                style.time(r.last_change),
                // "removed 2h ago": its kind and age.
                r.last_alert.as_ref().map_or("-".into(), |a| {
                    format!("{} {}", a.kind, style.time(Some(a.at)))
                }),
                style.time(r.next_check),
                r.next_due.clone().unwrap_or_else(|| "-".into()),
                r.pending.len().to_string(),
                r.undelivered.to_string(),
                signature_words(r.signature),
                // A followed watch shows the document it reads, after its index.
                match &r.followed {
                    Some(doc) => format!("{} -> {doc}", r.url),
                    None => r.url.clone(),
                },
            ]
        })
        .collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let (shown, url_width) = fit(&widths, style.width);
    let p = style.paint;
    let line = |row: &[String; COLUMNS], colour: &dyn Fn(usize, String) -> String| {
        let mut out = String::new();
        for &i in &shown {
            let cell = &row[i];
            let padded = if i == URL {
                shorten(cell, url_width)
            } else {
                format!("{cell:<width$}", width = widths[i])
            };
            out.push_str(&colour(i, padded));
            if i != URL {
                out.push_str(&" ".repeat(GAP));
            }
        }
        out.push('\n');
        out
    };
    let mut out = line(&HEADERS.map(String::from), &|_, s| p.bold(&s));
    for (row, r) in cells.iter().zip(rows) {
        out.push_str(&line(row, &|i, padded| colour(p, r, i, padded)));
    }
    let notes = attention(rows);
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            out.push_str(&n);
            out.push('\n');
        }
    }
    out
}

/// Which columns to draw, in order, and how wide the URL may be: every column when there is
/// no width to fit; otherwise the least needed columns go first until the rest fit, and the
/// URL is shortened to what is left (never below [`URL_MIN`]).
fn fit(widths: &[usize; COLUMNS], width: Option<usize>) -> (Vec<usize>, Option<usize>) {
    let mut shown: Vec<usize> = (0..COLUMNS).collect();
    let Some(width) = width else {
        return (shown, None);
    };
    let before_url = |shown: &[usize]| -> usize {
        shown
            .iter()
            .filter(|&&i| i != URL)
            .map(|&i| widths[i] + GAP)
            .sum()
    };
    for drop in DROP_FIRST {
        if before_url(&shown) + widths[URL].min(URL_KEEP) <= width {
            break;
        }
        shown.retain(|&i| i != drop);
    }
    let room = width.saturating_sub(before_url(&shown)).max(URL_MIN);
    (shown, (room < widths[URL]).then_some(room))
}

/// `text` in at most `max` characters, its end replaced by "…" when cut.
fn shorten(text: &str, max: Option<usize>) -> String {
    match max {
        Some(max) if text.chars().count() > max => {
            let kept: String = text.chars().take(max.saturating_sub(1)).collect();
            format!("{kept}…")
        }
        _ => text.to_string(),
    }
}

/// Cell `i` of row `r`, padded, coloured by what the row holds: results and signatures green
/// when good and red when not, health yellow when it warns, backlogs when not empty.
fn colour(p: Paint, r: &Row, i: usize, padded: String) -> String {
    match i {
        3 => match r.last_result {
            CheckResult::Ok | CheckResult::Unchanged => p.green(&padded),
            CheckResult::None => p.dim(&padded),
            CheckResult::Failed => p.red(&padded),
        },
        4 => match r.health {
            Level::Ok => p.green(&padded),
            Level::Unknown => p.dim(&padded),
            Level::Warning => p.yellow(&padded),
        },
        9 if !r.pending.is_empty() => p.yellow(&padded),
        10 if r.undelivered > 0 => p.red(&padded),
        11 => match r.signature {
            None => padded,
            Some(s) if s.is_satisfied() => p.green(&padded),
            Some(_) => p.red(&padded),
        },
        _ => padded,
    }
}

/// One line per thing worth a look, prefixed with the watch's name so it greps.
fn attention(rows: &[Row]) -> Vec<String> {
    let mut out = Vec::new();
    for r in rows {
        let n = &r.name;
        for note in &r.health_notes {
            out.push(format!("{n}: {note}"));
        }
        if let Some(d) = &r.canary_date {
            let source = r
                .canary_date_source
                .as_deref()
                .map(|s| format!(" (from its {s})"))
                .unwrap_or_default();
            let due = r
                .next_deadline
                .as_deref()
                .map(|t| format!("; next issue due by {t}"))
                .unwrap_or_default();
            out.push(format!("{n}: canary dated {d}{source}{due}"));
        }
        if let Some(e) = &r.last_error {
            out.push(format!("{n}: last error: {e}"));
        }
        for note in &r.signature_notes {
            out.push(format!("{n}: signature: {note}"));
        }
        for k in &r.key_refreshes {
            out.push(format!(
                "{n}: key refresh {} for {} ({}) from {} at {}: {}",
                k.outcome,
                k.file,
                k.fingerprint,
                k.url,
                k.at.to_rfc3339(),
                k.detail
            ));
        }
        for p in &r.pending {
            out.push(format!("{n}: pending: {p}"));
        }
        for c in &r.conditions {
            out.push(format!("{n}: state: {c}"));
        }
        if r.undelivered > 0 {
            out.push(format!(
                "{n}: undelivered alerts: {}{}",
                r.undelivered,
                r.delivery_error
                    .as_ref()
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default()
            ));
        }
        for c in &r.undelivered_channels {
            let error = c
                .last_error
                .as_ref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default();
            if c.permanent {
                out.push(format!(
                    "{n}: refused for good by {}: {}, not retried there{error}",
                    c.channel,
                    crate::words::plural(c.alerts, "alert")
                ));
            } else {
                out.push(format!(
                    "{n}: waiting on {}: {}, {}{error}",
                    c.channel,
                    crate::words::plural(c.alerts, "alert"),
                    crate::words::plural(c.attempts, "attempt")
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc3339)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn row(name: &str, result: CheckResult) -> Row {
        Row {
            name: name.into(),
            url: "https://example.org/canary".into(),
            followed: None,
            statements: 3,
            claims: 2,
            canary_date: None,
            canary_date_source: None,
            next_deadline: None,
            last_check: Some(at("2026-03-31T06:00:12+00:00")),
            last_result: result,
            last_error: None,
            last_change: None,
            next_check: None,
            pending: Vec::new(),
            conditions: Vec::new(),
            undelivered: 0,
            delivery_error: None,
            undelivered_channels: Vec::new(),
            interval: "6h".into(),
            snapshots: 0,
            last_snapshot: None,
            signature: None,
            health: Level::Ok,
            health_reasons: Vec::new(),
            last_alert: None,
            next_due: None,
            signature_notes: Vec::new(),
            key_refreshes: Vec::new(),
            health_notes: Vec::new(),
        }
    }

    #[test]
    fn an_80_column_terminal_gets_a_table_that_fits_and_wide_gets_every_column() {
        let mut b = row("a-much-longer-name", CheckResult::Failed);
        b.url = "https://transparency.example.org/legal/warrant-canary/2026/index.html".into();
        b.last_error = Some("connection refused".into());
        let rows = [row("a", CheckResult::Ok), b];
        let narrow = Style {
            width: Some(80),
            ..Style::plain()
        };
        let text = table(&rows, narrow);
        let table_lines: Vec<&str> = text.lines().take(3).collect();
        for l in &table_lines {
            assert!(l.chars().count() <= 80, "{} > 80: {l}", l.chars().count());
        }
        for kept in ["NAME", "LAST CHECK", "HEALTH", "URL"] {
            assert!(table_lines[0].contains(kept), "{text}");
        }
        assert!(!table_lines[0].contains("UNDELIVERED"), "{text}");
        assert!(
            table_lines[2].contains("https://transparency.example"),
            "{text}"
        );
        assert!(
            table_lines[2].ends_with('…'),
            "a long URL is shortened: {text}"
        );
        // What the dropped columns held is still said under the table.
        assert!(text.contains("a-much-longer-name: last error: connection refused"));

        let wide = table(&rows, Style::plain());
        for col in HEADERS {
            assert!(
                wide.lines().next().is_some_and(|h| h.contains(col)),
                "{col}"
            );
        }
        assert!(wide.contains("/2026/index.html"), "{wide}");
    }

    #[test]
    fn a_watch_never_checked_says_so() {
        let mut r = row("new", CheckResult::None);
        r.last_check = None;
        r.statements = 0;
        r.claims = 0;
        let text = table(&[r], Style::plain());
        assert!(text.contains("not checked yet"), "{text}");
        assert!(!text.contains("0 (0 claims)"), "{text}");
    }

    #[test]
    fn columns_align_and_attention_lines_follow() {
        let mut b = row("a-much-longer-name", CheckResult::Failed);
        b.last_error = Some("connection refused".into());
        b.pending = vec!["removed 1/2: We have never…".into()];
        b.undelivered = 1;
        let text = table(&[row("a", CheckResult::Ok), b], Style::plain());
        let lines: Vec<&str> = text.lines().collect();
        let col = |l: &str| {
            l.find("LAST CHECK")
                .or_else(|| l.find("2026-03-31T06:00:12Z"))
        };
        assert_eq!(col(lines[0]), col(lines[1]));
        assert_eq!(col(lines[1]), col(lines[2]));
        assert!(lines[1].contains("2 claims, 1 heading or note"), "{text}");
        assert!(
            text.contains("a-much-longer-name: last error: connection refused"),
            "{text}"
        );
        assert!(
            text.contains("a-much-longer-name: pending: removed 1/2"),
            "{text}"
        );
        assert!(text.contains("undelivered alerts: 1"), "{text}");
        assert!(!text.contains('\x1b'), "plain text when not a terminal");
    }

    #[test]
    fn health_last_alert_and_next_due_have_columns() {
        let mut r = row("a", CheckResult::Ok);
        r.health = Level::Warning;
        r.health_reasons = vec!["tracks nothing".into()];
        r.health_notes = vec!["warning: tracks nothing: …".into()];
        r.last_alert = Some(crate::cli::list_row::AlertSeen {
            kind: "removed".into(),
            at: at("2026-03-31T04:00:00+00:00"),
        });
        r.next_due = Some("2026-06-30".into());
        let plain = table(&[r], Style::plain());
        let header = plain.lines().next().expect("header");
        for col in ["HEALTH", "LAST ALERT", "NEXT DUE"] {
            assert!(header.contains(col), "{header}");
        }
        assert!(plain.contains("warning: tracks nothing  "), "{plain}");
        assert!(plain.contains("removed 2026-03-31T04:00:00Z"), "{plain}");
        assert!(plain.contains("2026-06-30"), "{plain}");
        assert!(plain.contains("\na: warning: tracks nothing: …"), "{plain}");
        let now = "2026-03-31T06:00:00Z".parse().expect("time");
        let relative = table(
            &[row("b", CheckResult::Ok)]
                .into_iter()
                .chain([{
                    let mut r = row("c", CheckResult::Ok);
                    r.last_alert = Some(crate::cli::list_row::AlertSeen {
                        kind: "removed".into(),
                        at: at("2026-03-31T04:00:00+00:00"),
                    });
                    r
                }])
                .collect::<Vec<_>>(),
            Style {
                paint: Paint::plain(),
                now: Some(now),
                width: None,
            },
        );
        assert!(relative.contains("removed 2h ago"), "{relative}");
    }

    #[test]
    fn cells_are_coloured_from_the_typed_row() {
        let p = Paint { on: true };
        let mut r = row("a", CheckResult::Failed);
        r.health = Level::Warning;
        r.health_reasons = vec!["last fetch failed".into()];
        r.signature = "2/2 ok".parse().ok();
        let cell = |i: usize| colour(p, &r, i, "x".into());
        assert_eq!(cell(3), p.red("x"));
        assert_eq!(cell(4), p.yellow("x"));
        assert_eq!(cell(11), p.green("x"));
        r.signature = "BAD".parse().ok();
        r.last_result = CheckResult::None;
        r.health = Level::Unknown;
        assert_eq!(colour(p, &r, 11, "x".into()), p.red("x"));
        assert_eq!(colour(p, &r, 3, "x".into()), p.dim("x"));
        assert_eq!(colour(p, &r, 4, "x".into()), p.dim("x"));
    }

    #[test]
    fn json_keeps_its_words_and_rfc3339_times() {
        let mut r = row("a", CheckResult::None);
        r.health = Level::Unknown;
        r.last_alert = Some(crate::cli::list_row::AlertSeen {
            kind: "removed".into(),
            at: at("2026-03-31T04:00:00Z"),
        });
        let j = serde_json::to_value(&r).expect("json");
        assert_eq!(j["last_check"], "2026-03-31T06:00:12+00:00");
        assert_eq!(j["last_result"], "never checked");
        assert_eq!(j["health"], "unknown");
        assert_eq!(j["signature"], "-");
        assert_eq!(j["next_check"], serde_json::Value::Null);
        assert_eq!(j["last_alert"]["at"], "2026-03-31T04:00:00+00:00");
        r.last_result = CheckResult::Unchanged;
        r.health = Level::Warning;
        r.signature = "1/2".parse().ok();
        let j = serde_json::to_value(&r).expect("json");
        assert_eq!(
            (&j["last_result"], &j["health"], &j["signature"]),
            (&"unchanged".into(), &"warning".into(), &"1/2".into())
        );
    }
}
