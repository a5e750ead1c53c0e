//! The report's front page: one row per watch, dead and unhealthy first. Pure view
//! building; askama escapes every string.

use askama::Template;
use chrono::{DateTime, Utc};

use super::model::Summary;
use super::status::Status;

#[derive(Debug, Clone)]
pub struct IndexRow {
    pub name: String,
    pub href: String,
    pub url: String,
    pub status: Status,
    pub status_word: &'static str,
    pub status_class: &'static str,
    pub reasons: String,
    pub last_check: String,
    pub last_result: String,
    pub last_change: String,
    pub last_alert: String,
    pub next_due: String,
    pub signers: String,
}

#[derive(Template)]
#[template(path = "report/index.html")]
pub struct IndexPage {
    pub generated: String,
    pub rows: Vec<IndexRow>,
    pub counts: String,
    /// Watches with evidence in the state directory that the watchlist no longer has.
    pub removed: Vec<String>,
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "—".into(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

pub fn row(s: &Summary) -> IndexRow {
    let alerts = crate::store::alerts::summarise(&s.events);
    let signers = match (&s.signatures, s.signed) {
        (_, false) => "not signed".to_string(),
        (None, true) => "no verdict yet".to_string(),
        (Some(sig), true) => {
            let good: Vec<String> = super::watch_page::signers(sig)
                .into_iter()
                .filter(|v| v.good)
                .map(|v| v.who)
                .collect();
            if good.is_empty() {
                sig.summary.to_string()
            } else {
                format!("{}: {}", sig.summary, good.join(", "))
            }
        }
    };
    let mut reasons = s.health.words();
    reasons.extend(s.problems.iter().cloned());
    IndexRow {
        name: s.name.clone(),
        href: format!("watch/{}.html", s.name),
        url: s.url.clone(),
        status: s.status,
        status_word: s.status.word(),
        status_class: s.status.class(),
        reasons: reasons.join(", "),
        last_check: time(s.check.at),
        last_result: match s.check.result {
            crate::store::CheckResult::None => String::new(),
            r => r.to_string(),
        },
        last_change: time(s.state.last_change),
        last_alert: alerts.last.map_or_else(
            || "—".into(),
            |a| format!("{} {}", a.kind, a.at.format("%Y-%m-%d %H:%M UTC")),
        ),
        next_due: s
            .state
            .baseline
            .as_ref()
            .and_then(|b| crate::judge::stated_deadline(&b.statements))
            .map_or_else(|| "—".into(), |d| d.to_string()),
        signers,
    }
}

/// Worst first, then by name.
pub fn page(mut rows: Vec<IndexRow>, removed: Vec<String>, now: DateTime<Utc>) -> IndexPage {
    rows.sort_by(|a, b| a.status.cmp(&b.status).then_with(|| a.name.cmp(&b.name)));
    let mut counts: Vec<(Status, usize)> = Vec::new();
    for r in &rows {
        match counts.iter_mut().find(|(s, _)| *s == r.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.status, 1)),
        }
    }
    let counts = counts
        .iter()
        .map(|(s, n)| format!("{n} {}", s.word()))
        .collect::<Vec<_>>()
        .join(", ");
    IndexPage {
        generated: now.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        rows,
        counts,
        removed,
    }
}
