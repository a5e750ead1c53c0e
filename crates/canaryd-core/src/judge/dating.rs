//! The canary's own date, and where it comes from. Only places that date the canary are
//! read: its issue-date statement ("The date of issue of this canary is …", "As of …",
//! "Last updated: …", a dated heading), then the `date -R` line of its proof of freshness.
//! A date anywhere else (a quoted headline, the plan for the next issue, a correction
//! note, an incident) is never the canary's date.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;

use crate::observe::normalise::{find, fold};
use crate::observe::statement::Statement;

/// Where a canary's date was read, most trusted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// "The date of issue of this canary is …", "As of …", "Last updated: …", "Issued on …",
    /// "au 1er mars 2024", a dated heading ("Warrant canary — 1 March 2025").
    IssueStatement,
    /// A line that is only a date: the `date -R` output of a proof of freshness.
    FreshnessLine,
    /// The time of the canary's OpenPGP signature (not read yet; reserved for signed
    /// canaries).
    Signature,
}

impl DateSource {
    pub fn as_str(self) -> &'static str {
        match self {
            DateSource::IssueStatement => "issue-date statement",
            DateSource::FreshnessLine => "date line of the proof of freshness",
            DateSource::Signature => "signature time",
        }
    }
}

/// One date a canary offers for itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateCandidate {
    pub date: NaiveDate,
    pub source: DateSource,
    /// The statement it was read from, as published.
    pub statement: String,
}

/// The canary's date, its source, and the candidates that disagree with it (for `preview`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CanaryDating {
    pub chosen: DateCandidate,
    /// Other candidates with another date, most trusted first.
    pub disagreeing: Vec<DateCandidate>,
}

fn re(p: &str) -> Regex {
    Regex::new(&p.replace(r"\b", r"(?-u:\b)")).expect("the dating patterns are valid regexes")
}

/// Cues that the date right after them is the canary's issue date.
static ISSUE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \bdate\s+of\s+(?:issue|issuance|publication|signing)\b | \bissue\s+date\b
      | \b(?:accurate|correct|true|valid)\s+as\s+of\b | \bas\s+(?:of|at)\b | \bas\s+on\b
      | \blast\s+(?:updated|modified|reviewed|signed|renewed|verified)\b
      | ^(?:date|dated|issued|published|signed|updated|effective)\s*[:\-]
      | \b(?:this|the)\s+(?:warrant\s+)?(?:canary|statement|report|declaration|document|page)\s+(?:was|is|has\s+been)\s+(?:last\s+)?(?:issued|published|signed|updated|posted|created|written|generated|renewed|dated)\b
      | \b(?:issued|signed|published|dated)\s+(?:on|:)
      | \ben\s+date\s+du\b | \bà\s+la\s+date\s+du\b | \bdate\s+d'(?:émission|effet|publication)\b
      | \bau\s+(?:\d|1er\b) | \bà\s+compter\s+du\b
      | \b(?:émise?s?|publiée?s?|signée?s?|mise?\s+à\s+jour|actualisée?)\s+le\b | \bdernière\s+mise\s+à\s+jour\b")
});

/// Notes that correct an earlier issue: their dates are the wrong ones and the fixed ones.
static CORRECTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?x)\bcorrect(?:ed|ion|ions)\b | \berrat(?:um|a)\b | \bshould\s+(?:have\s+)?read\b | \btypo\b
      | \bmistaken(?:ly)?\b | \bin\s+error\b | \bcorrigée?s?\b | \brectifi",
    )
});

/// Words of a heading that dates the canary ("Warrant canary — March 2025").
static HEADING_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bcanar(?:y|ies|i|is)\b|\bstatement\b|\btransparency\b|\breport\b|\bupdate\b|\bdéclaration\b|\brapport\b|\btransparence\b",
    )
});

/// A heading is short.
const HEADING_MAX: usize = 80;
/// The date must follow its cue this closely (bytes): "The date of issue of this canary is
/// September 13, 2022".
const CUE_REACH: usize = 32;

/// Whether byte `at` of `text` lies inside double quotes (a quoted headline or title).
fn quoted(text: &str, at: usize) -> bool {
    text[..at].matches('"').count() % 2 == 1
}

fn letters_outside_dates(s: &str) -> usize {
    let mut letters = s.chars().filter(|c| c.is_alphabetic()).count();
    for f in find(s) {
        letters -= s[f.start..f.end]
            .chars()
            .filter(|c| c.is_alphabetic())
            .count();
    }
    letters
}

/// Every date the canary offers for itself, in statement order.
pub fn candidates(statements: &[Statement]) -> Vec<DateCandidate> {
    let mut out = Vec::new();
    for s in statements {
        if s.dates.is_empty() || crate::observe::extract::is_plan(&s.text) {
            continue;
        }
        let f = fold(&s.text);
        if f.len() > 2_000 || CORRECTION.is_match(&f) {
            continue;
        }
        let found = find(&f);
        let mut push = |date: NaiveDate, source: DateSource| {
            out.push(DateCandidate {
                date,
                source,
                statement: s.text.clone(),
            })
        };
        if f.len() <= 120 && letters_outside_dates(&f) < 3 {
            if let Some(d) = found.iter().map(|d| d.date).max() {
                push(d, DateSource::FreshnessLine);
            }
            continue;
        }
        let mut cued = false;
        for cue in ISSUE_CUE.find_iter(&f) {
            if quoted(&f, cue.start()) {
                continue;
            }
            if let Some(d) = found
                .iter()
                .find(|d| d.start >= cue.start() && d.start <= cue.end() + CUE_REACH)
            {
                push(d.date, DateSource::IssueStatement);
                cued = true;
            }
        }
        if !cued
            && !s.claim
            && f.len() <= HEADING_MAX
            && !f.ends_with('.')
            && HEADING_WORD.is_match(&f)
            && !quoted(&f, f.len())
            && let Some(d) = found.first()
            && !quoted(&f, d.start)
        {
            push(d.date, DateSource::IssueStatement);
        }
    }
    out
}

/// The canary's date: the latest date of its most trusted source, with the candidates that
/// disagree. `None` when the canary does not date itself (staleness then runs from its last
/// change).
pub fn dating(statements: &[Statement]) -> Option<CanaryDating> {
    let all = candidates(statements);
    let best = all.iter().map(|c| c.source).min()?;
    let chosen = all
        .iter()
        .filter(|c| c.source == best)
        .max_by_key(|c| c.date)?
        .clone();
    let mut disagreeing: Vec<DateCandidate> = Vec::new();
    for c in &all {
        if c.date != chosen.date && !disagreeing.iter().any(|d| d.date == c.date) {
            disagreeing.push(c.clone());
        }
    }
    disagreeing.sort_by_key(|c| c.source);
    Some(CanaryDating {
        chosen,
        disagreeing,
    })
}

/// The date by which the canary says its next issue is due, counted from its own date (no
/// grace added): what `preview` shows beside the date and its source.
pub fn stated_deadline(statements: &[Statement]) -> Option<NaiveDate> {
    let date = dating(statements)?.chosen.date;
    let texts: Vec<&str> = statements.iter().map(|s| s.text.as_str()).collect();
    crate::observe::cadence::next_deadline(&texts, date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::normalise::statement;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid")
    }

    fn date_of(texts: &[(&str, bool)]) -> Option<(NaiveDate, DateSource)> {
        let st: Vec<Statement> = texts.iter().map(|(t, c)| statement(t, *c)).collect();
        dating(&st).map(|x| (x.chosen.date, x.chosen.source))
    }

    #[test]
    fn the_date_comes_from_the_issue_statement_not_from_headlines_plans_or_corrections() {
        use DateSource::*;
        type Case<'a> = (&'a [(&'a str, bool)], Option<(NaiveDate, DateSource)>);
        let cases: &[Case<'_>] = &[
            (
                &[
                    (
                        "The date of issue of this canary is January 20, 2020.",
                        false,
                    ),
                    (
                        "\"5G network will be fully deployed by April 2020\", The Daily Example",
                        false,
                    ),
                    (
                        "We plan to publish the next of these canary statements in the first fourteen days of April 2020.",
                        false,
                    ),
                ],
                Some((d(2020, 1, 20), IssueStatement)),
            ),
            (
                &[
                    (
                        "As of March 3, 2021, Example has never received a National Security Letter.",
                        true,
                    ),
                    (
                        "Note: in the previous canary, 'March 2020' has been corrected to 'March 2021'.",
                        false,
                    ),
                    (
                        "The next statement will be published on or before 1 June 2021.",
                        false,
                    ),
                ],
                Some((d(2021, 3, 3), IssueStatement)),
            ),
            (
                &[
                    (
                        "Example has never received a National Security Letter.",
                        true,
                    ),
                    ("Thu, 01 Aug 2024 12:00:00 +0000", false),
                    ("\"Ministers agree budget for March 2025\"", false),
                ],
                Some((d(2024, 8, 1), FreshnessLine)),
            ),
            (
                &[
                    ("Warrant canary — 1 March 2025", false),
                    (
                        "Example has never received a National Security Letter.",
                        true,
                    ),
                ],
                Some((d(2025, 3, 1), IssueStatement)),
            ),
            (
                &[
                    ("Déclaration de transparence", false),
                    (
                        "Au 1er mars 2025, Exemple n'a reçu aucune réquisition judiciaire.",
                        true,
                    ),
                    (
                        "La prochaine déclaration sera publiée avant le 1er juin 2025.",
                        false,
                    ),
                    (
                        "« Le réseau sera entièrement déployé d'ici avril 2026 », Le Quotidien",
                        false,
                    ),
                ],
                Some((d(2025, 3, 1), IssueStatement)),
            ),
            (
                &[
                    (
                        "Example has never received a National Security Letter.",
                        true,
                    ),
                    ("The FBI seized one of our servers in April 2012.", false),
                    ("\"Parliament will vote on the bill by April 2020\"", false),
                ],
                None,
            ),
        ];
        for (texts, want) in cases {
            assert_eq!(date_of(texts), *want, "{texts:?}");
        }
    }

    #[test]
    fn disagreeing_candidates_are_exposed() {
        let st = vec![
            statement(
                "The date of issue of this canary is January 20, 2024.",
                false,
            ),
            statement("Sat, 20 Jan 2024 06:58:24 +0000", false),
            statement("Last updated: January 2, 2024", false),
        ];
        let x = dating(&st).expect("dated");
        assert_eq!(x.chosen.date, d(2024, 1, 20));
        assert_eq!(x.chosen.source, DateSource::IssueStatement);
        assert_eq!(x.disagreeing.len(), 1);
        assert_eq!(x.disagreeing[0].date, d(2024, 1, 2));
    }

    #[test]
    fn the_stated_deadline_counts_from_the_chosen_date() {
        let st = vec![
            statement(
                "The date of issue of this canary is January 20, 2024.",
                false,
            ),
            statement(
                "We plan to publish the next of these canary statements in the first fourteen days of April 2024.",
                false,
            ),
        ];
        assert_eq!(stated_deadline(&st), Some(d(2024, 4, 14)));
    }
}
