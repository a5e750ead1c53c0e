//! A watch's history laid out for the timeline chart: one row per claim ever tracked, the
//! spans it was present, the events, the canary's own dates and deadlines, and each
//! version's signature verdict, in chart coordinates. Pure; the template draws it, so every
//! label is escaped like the rest of the page.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::judge::event::{Event, EventKind};
use crate::observe::signature::SignatureTally;
use crate::observe::statement::Statement;

use super::axis::{self, Tick};

/// Chart width (SVG user units) and where the time axis starts (labels are on the left).
pub const WIDTH: f64 = 960.0;
const LEFT: f64 = 300.0;
const RIGHT: f64 = 16.0;
const ROW: f64 = 22.0;
const TOP: f64 = 28.0;
/// Rows beyond this are left out of the chart (the text list below it has them all).
pub const MAX_ROWS: usize = 80;

/// One version as the chart sees it.
#[derive(Debug, Clone, Copy)]
pub struct Point<'a> {
    pub at: DateTime<Utc>,
    /// `None`: the check saw no page (a failed fetch); presence is unknown, not absent.
    pub statements: Option<&'a [Statement]>,
    pub events: &'a [Event],
    /// The signature summary of a signed watch ("2/2 ok", "BAD"…).
    pub signature: Option<SignatureTally>,
    /// The canary's own date and its stated next deadline, as read from this version.
    pub dated: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub x: f64,
    pub w: f64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub y: f64,
    pub text_y: f64,
    /// The claim's newest wording, shortened for the label; `full` is all of it.
    pub label: String,
    pub full: String,
    pub spans: Vec<Span>,
    /// In words, for the text alternative: "present 2026-01-01 → 2026-03-01".
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: f64,
    /// "removed", "weakened", "missing", "stale", "signature", "freshness"… (CSS class too).
    pub kind: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub height: f64,
    pub axis_y: f64,
    pub left: f64,
    pub right: f64,
    pub rows: Vec<Row>,
    /// Claims not drawn (past [`MAX_ROWS`]).
    pub hidden_rows: usize,
    pub marks: Vec<Mark>,
    pub marks_y: f64,
    /// The canary's own dates (diamonds) and deadlines (dashed lines).
    pub dates: Vec<Mark>,
    pub deadlines: Vec<Mark>,
    pub dates_y: f64,
    /// The canary's date and deadline when they lie beyond the chart ("← dated …").
    pub before: Option<String>,
    pub after: Option<String>,
    /// One cell per version of a signed watch: "good" or "bad".
    pub signatures: Vec<Mark>,
    pub signatures_y: f64,
    pub ticks: Vec<Tick>,
    pub from: String,
    pub to: String,
}

/// The kind of an event as the chart marks it: a weakened change is "weakened"; a stale
/// alert about a proof of freshness is "freshness".
pub fn mark_kind(e: &Event) -> &'static str {
    match e.kind {
        EventKind::Changed if e.changes.iter().any(|c| c.weakened) => "weakened",
        EventKind::Stale if e.detail.to_lowercase().contains("freshness") => "freshness",
        k => k.as_str(),
    }
}

struct Scale {
    t0: i64,
    t1: i64,
    left: f64,
    width: f64,
}

impl Scale {
    fn x(&self, t: DateTime<Utc>) -> f64 {
        let span = (self.t1 - self.t0).max(1) as f64;
        let f = ((t.timestamp() - self.t0) as f64 / span).clamp(0.0, 1.0);
        round(self.left + f * self.width)
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn day(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0)
        .map_or(DateTime::UNIX_EPOCH, |t| t.and_utc())
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// Lays out `points` (oldest first). The chart ends at the newest thing it shows (a
/// version, an event or a deadline), never at "now", so an unchanged history draws the
/// same chart every time.
pub fn layout(points: &[Point<'_>]) -> Timeline {
    let mut times: Vec<DateTime<Utc>> = points.iter().map(|p| p.at).collect();
    times.extend(points.iter().flat_map(|p| p.events.iter().map(|e| e.at)));
    let dates = points.iter().filter_map(|p| p.dated).map(day);
    let dates = dates.chain(points.iter().filter_map(|p| p.due).map(day));
    let (seen_from, seen_to) = (times.iter().min().copied(), times.iter().max().copied());
    // The canary's own dates widen the chart by at most half of what the checks span:
    // checks seconds apart (a test, the demo) must not shrink to a sliver beside a
    // deadline months ahead. A date beyond is drawn at the edge and named in words.
    let reach = match (seen_from, seen_to) {
        (Some(a), Some(b)) => (a - (b - a) / 2, b + (b - a) / 2),
        _ => (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC),
    };
    times.extend(dates.filter(|d| (reach.0..=reach.1).contains(d)));
    let t0 = times.iter().min().copied().unwrap_or(DateTime::UNIX_EPOCH);
    let mut t1 = times.iter().max().copied().unwrap_or(t0);
    if t1 <= t0 {
        t1 = t0 + chrono::TimeDelta::days(1);
    }
    let scale = Scale {
        t0: t0.timestamp(),
        t1: t1.timestamp(),
        left: LEFT,
        width: WIDTH - LEFT - RIGHT,
    };

    // Rows: a claim keeps its row when reworded (the judge pairs old and new wording).
    let mut row_of: HashMap<String, usize> = HashMap::new();
    let mut texts: Vec<String> = Vec::new();
    let mut present: Vec<Vec<bool>> = Vec::new();
    let mut seen: Vec<Option<Vec<usize>>> = Vec::with_capacity(points.len());
    for p in points {
        for e in p.events {
            for c in &e.changes {
                if let Some(&row) = row_of.get(&key_of_text(&c.old)) {
                    row_of.entry(key_of_text(&c.new)).or_insert(row);
                }
            }
        }
        let Some(statements) = p.statements else {
            seen.push(None);
            continue;
        };
        let mut here = Vec::new();
        for s in statements.iter().filter(|s| s.claim) {
            let known = row_of
                .get(&s.hash)
                .or_else(|| row_of.get(&key_of_text(&s.text)))
                .copied();
            let row = known.unwrap_or_else(|| {
                texts.push(String::new());
                texts.len() - 1
            });
            // By hash and by wording: a change event names its claims by wording.
            row_of.entry(s.hash.clone()).or_insert(row);
            row_of.entry(key_of_text(&s.text)).or_insert(row);
            texts[row] = s.text.clone();
            here.push(row);
        }
        seen.push(Some(here));
    }
    present.resize(texts.len(), vec![false; points.len()]);
    for (i, s) in seen.iter().enumerate() {
        if let Some(rows) = s {
            for &r in rows {
                present[r][i] = true;
            }
        }
    }

    // The last version's spans end at the newest thing seen, not at a deadline ahead.
    let seen_until = points
        .iter()
        .map(|p| p.at)
        .chain(points.iter().flat_map(|p| p.events.iter().map(|e| e.at)))
        .max()
        .unwrap_or(t1);
    let end = |i: usize| points.get(i + 1).map_or(seen_until, |p| p.at);
    // Checks seconds apart (a test, the demo) are told apart by the time of day.
    let day_or_second = if t1 - t0 < chrono::TimeDelta::days(2) {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%Y-%m-%d"
    };
    let drawn = texts.len().min(MAX_ROWS);
    let mut rows = Vec::with_capacity(drawn);
    for (r, text) in texts.iter().enumerate().take(drawn) {
        let y = TOP + r as f64 * ROW;
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        let mut last_known = false;
        for (i, p) in points.iter().enumerate() {
            // A version that saw no page carries the row's last known presence on.
            let on = match &seen[i] {
                Some(_) => present[r][i],
                None => last_known,
            };
            last_known = on;
            if !on {
                continue;
            }
            match spans.last_mut() {
                Some(s) if s.1 == p.at => s.1 = end(i),
                _ => spans.push((p.at, end(i))),
            }
        }
        let summary = if spans.is_empty() {
            "never present".to_string()
        } else {
            let parts: Vec<String> = spans
                .iter()
                .map(|(a, b)| format!("{} → {}", a.format(day_or_second), b.format(day_or_second)))
                .collect();
            format!("present {}", parts.join(", "))
        };
        rows.push(Row {
            y,
            text_y: y + 14.0,
            label: short(text, 44),
            full: text.clone(),
            spans: spans
                .iter()
                .map(|(a, b)| {
                    let x = scale.x(*a);
                    Span {
                        x,
                        w: (scale.x(*b) - x).max(2.0),
                        title: format!(
                            "present {} → {}",
                            a.format("%Y-%m-%d %H:%M"),
                            b.format("%Y-%m-%d %H:%M")
                        ),
                    }
                })
                .collect(),
            summary,
        });
    }
    let mut y = TOP + drawn as f64 * ROW + 6.0;
    let marks_y = y;
    let marks = points
        .iter()
        .flat_map(|p| p.events.iter())
        .filter(|e| e.kind != EventKind::Added || e.claim)
        .map(|e| Mark {
            x: scale.x(e.at),
            kind: mark_kind(e).to_string(),
            title: format!(
                "{} {}: {}",
                mark_kind(e),
                e.at.format("%Y-%m-%d %H:%M UTC"),
                short(&e.detail, 200)
            ),
        })
        .collect();
    y += ROW;
    let dates_y = y;
    let beyond = |t: DateTime<Utc>| {
        if t < t0 {
            " (before the chart: drawn at its left edge)"
        } else if t > t1 {
            " (after the chart: drawn at its right edge)"
        } else {
            ""
        }
    };
    let mut dates: Vec<Mark> = Vec::new();
    let mut deadlines: Vec<Mark> = Vec::new();
    for p in points {
        if let Some(d) = p.dated
            && !dates.iter().any(|m| m.title.contains(&d.to_string()))
        {
            dates.push(Mark {
                x: scale.x(day(d)),
                kind: "dated".into(),
                title: format!("the canary is dated {d}{}", beyond(day(d))),
            });
        }
        if let Some(d) = p.due
            && !deadlines.iter().any(|m| m.title.contains(&d.to_string()))
        {
            deadlines.push(Mark {
                x: scale.x(day(d)),
                kind: "due".into(),
                title: format!("next issue due by {d}{}", beyond(day(d))),
            });
        }
    }
    // The newest date and deadline beyond the chart, in words at its edges.
    let off = |marks: &[Mark], what: &str| {
        marks
            .iter()
            .rev()
            .find(|m| m.title.ends_with(what))
            .and_then(|m| m.title.split(' ').find(|w| w.parse::<NaiveDate>().is_ok()))
            .map(str::to_string)
    };
    let before = off(&dates, "left edge)").map(|d| format!("← dated {d}"));
    let after = off(&deadlines, "right edge)").map(|d| format!("due by {d} →"));
    y += ROW;
    let signatures_y = y;
    let signatures: Vec<Mark> = points
        .iter()
        .filter_map(|p| {
            p.signature.map(|s| Mark {
                x: scale.x(p.at),
                kind: if s.is_satisfied() { "good" } else { "bad" }.into(),
                title: format!("signatures {s} at {}", p.at.format("%Y-%m-%d %H:%M UTC")),
            })
        })
        .collect();
    if !signatures.is_empty() {
        y += ROW;
    }
    let axis_y = y + 4.0;
    let ticks = axis::ticks(t0, t1, LEFT, WIDTH - RIGHT, |t| scale.x(t));
    let (from, to) = axis::ends(t0, t1);
    Timeline {
        height: axis_y + 22.0,
        axis_y,
        left: LEFT,
        right: WIDTH - RIGHT,
        rows,
        hidden_rows: texts.len() - drawn,
        marks,
        marks_y,
        dates,
        deadlines,
        dates_y,
        before,
        after,
        signatures,
        signatures_y,
        ticks,
        from,
        to,
    }
}

/// The key a change's wording is looked up by (changes carry text, not hashes).
fn key_of_text(text: &str) -> String {
    format!("text:{text}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::event::{Change, Severity};
    use crate::observe::normalise::statement;
    use canaryd_testkit::canary::we::{GAG, NSL};

    fn at(day: u32) -> DateTime<Utc> {
        format!("2026-03-{day:02}T00:00:00Z").parse().expect("time")
    }

    #[test]
    fn a_row_per_claim_present_until_removed_and_a_reworded_claim_keeps_its_row() {
        let v1 = vec![statement(NSL, true), statement(GAG, true)];
        let v2 = vec![statement(NSL, true)];
        let weaker = "We have received a National Security Letter.";
        let v3 = vec![statement(weaker, true)];
        let removed = Event {
            kind: EventKind::Removed,
            at: at(10),
            severity: Severity::High,
            detail: "a claim was removed".into(),
            statements: vec![GAG.into()],
            changes: vec![],
            claim: true,
            first_seen: at(1),
            notify: true,
            evidence: None,
        };
        let changed = Event {
            kind: EventKind::Changed,
            at: at(20),
            changes: vec![Change {
                old: NSL.into(),
                new: weaker.into(),
                word_diff: Default::default(),
                broadened: false,
                weakened: true,
            }],
            ..removed.clone()
        };
        let removed = [removed];
        let changed = [changed];
        let points = [
            Point {
                at: at(1),
                statements: Some(&v1),
                events: &[],
                signature: None,
                dated: None,
                due: None,
            },
            Point {
                at: at(10),
                statements: Some(&v2),
                events: &removed,
                signature: None,
                dated: None,
                due: None,
            },
            Point {
                at: at(15),
                statements: None,
                events: &[],
                signature: None,
                dated: None,
                due: None,
            },
            Point {
                at: at(20),
                statements: Some(&v3),
                events: &changed,
                signature: None,
                dated: None,
                due: None,
            },
        ];
        let t = layout(&points);
        assert_eq!(t.rows.len(), 2, "{:?}", t.rows);
        assert_eq!(t.rows[0].full, weaker, "newest wording labels the row");
        assert_eq!(
            t.rows[0].spans.len(),
            1,
            "present throughout, failed fetch included"
        );
        assert_eq!(t.rows[1].full, GAG);
        assert_eq!(t.rows[1].summary, "present 2026-03-01 → 2026-03-10");
        let kinds: Vec<&str> = t.marks.iter().map(|m| m.kind.as_str()).collect();
        assert_eq!(kinds, vec!["removed", "weakened"]);
        assert!(t.marks[0].x < t.marks[1].x);
    }

    #[test]
    fn checks_seconds_apart_fill_the_chart_and_far_dates_are_named_at_its_edges() {
        let v = vec![statement(NSL, true)];
        let t = |s: u32| -> DateTime<Utc> {
            format!("2026-03-01T14:00:{s:02}Z").parse().expect("time")
        };
        let point = |at| Point {
            at,
            statements: Some(&v),
            events: &[],
            signature: None,
            dated: "2026-02-19".parse().ok(),
            due: "2026-05-20".parse().ok(),
        };
        let tl = layout(&[point(t(1)), point(t(3)), point(t(5))]);
        assert_eq!(tl.from, "2026-03-01 14:00:01 UTC");
        assert_eq!(tl.to, "2026-03-01 14:00:05 UTC");
        let labels: Vec<&str> = tl.ticks.iter().map(|k| k.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Mar 1 14:00:01",
                "14:00:02",
                "14:00:03",
                "14:00:04",
                "14:00:05"
            ]
        );
        assert_eq!(tl.before.as_deref(), Some("← dated 2026-02-19"));
        assert_eq!(tl.after.as_deref(), Some("due by 2026-05-20 →"));
        assert!(tl.deadlines[0].title.contains("right edge"));
        assert_eq!(
            tl.rows[0].summary,
            "present 2026-03-01 14:00:01 → 2026-03-01 14:00:05"
        );
    }
}
