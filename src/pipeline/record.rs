//! A check's record (`check.json`) and its evidence capture, each made in one place from
//! typed values: what the last check left, what this one saw ([`Sighted`]) and the verdict.
//! Which fields a check carries over and which it sets is decided here only.

use chrono::{DateTime, Utc};
use url::Url;

use super::follow::{self, Step};
use super::sighting::{Sighted, Signed};
use super::signatures;
use crate::fetch::{self, Page};
use crate::judge::{self, Verdict};
use crate::observe::freshness::api::BlockLookup;
use crate::observe::statement::Statement;
use crate::observe::{Read, Reading};
use crate::store::archive::Capture;
use crate::store::keys::KeyRefresh;
use crate::store::{CheckRecord, CheckResult, ContentKey};

/// What a check's record is made from, besides what it saw and the verdict.
#[derive(Debug)]
pub(crate) struct Made<'a> {
    /// The last check's record: what a check that read nothing new carries over.
    pub last: &'a CheckRecord,
    pub baseline: Option<&'a judge::Baseline>,
    pub url: &'a Url,
    pub step: &'a Step,
    pub at: DateTime<Utc>,
    pub duration_ms: u64,
    /// Pinned keys refreshed from their `key_url` before the fetch.
    pub key_refreshes: Vec<KeyRefresh>,
}

impl CheckRecord {
    /// The record of the check `made` describes, which saw `sighted` and was judged
    /// `verdict` (`next_check` is the commit's to set).
    pub(crate) fn from_check(made: Made<'_>, sighted: &Sighted, verdict: &Verdict) -> CheckRecord {
        let last = made.last;
        let mut r = CheckRecord {
            at: Some(made.at),
            // Never a password: check.json and `list` show this.
            url: Some(fetch::redact(made.url)),
            format: last.format,
            followed: follow::record(made.step, last.followed.as_ref()),
            // A page not read again (304, same bytes) is the one that was judged scripted.
            scripted: last.scripted,
            key_refreshes: made.key_refreshes,
            freshness: last.freshness.clone(),
            // Known before, not asked by this check (`freshness_api` sets what it asks).
            freshness_api: last
                .freshness_api
                .iter()
                .map(|l| BlockLookup {
                    asked: false,
                    ..l.clone()
                })
                .collect(),
            read_as: last.read_as.clone(),
            canarytail: verdict.tail.clone(),
            duration_ms: made.duration_ms,
            ..CheckRecord::default()
        };
        let baseline_counts = |r: &mut CheckRecord| {
            if let Some(b) = made.baseline {
                r.statements = b.statements.len();
                r.claims = b.claims().count();
            }
        };
        match sighted {
            Sighted::Relabelled { status, error } => {
                r.status = Some(*status);
                r.failed(error);
            }
            Sighted::NoSignatures { error } => r.failed(error),
            Sighted::Unlinked { page, error } => {
                r.status = Some(page.status);
                r.final_url = Some(page.final_url.to_string());
                // The index was read; what it lacks is the judge's `missing`, not a failure.
                r.result = CheckResult::Ok;
                r.error.clone_from(error);
            }
            Sighted::SamePage { page, key, .. } => {
                r.page(page, key);
                r.result = CheckResult::Ok;
                baseline_counts(&mut r);
            }
            Sighted::Fresh {
                page, key, signed, ..
            } => {
                r.page(page, key);
                if let Some(s) = signed {
                    r.signed(s);
                }
                if let Some(read) = &verdict.read {
                    r.read(read, baseline_counts);
                }
            }
            Sighted::NotModified { status, final_url } => {
                r.status = Some(*status);
                r.final_url = Some(final_url.to_string());
                r.etag.clone_from(&last.etag);
                r.last_modified.clone_from(&last.last_modified);
                r.result = CheckResult::Unchanged;
                r.content.clone_from(&last.content);
                baseline_counts(&mut r);
            }
            Sighted::Failed { status, error } => {
                r.status = *status;
                r.failed(error);
            }
        }
        if let Some(error) = &verdict.fetch_error {
            r.failed(error);
        }
        r
    }

    /// Everything but the check's times is as `last` left it: nothing to write for it.
    pub(crate) fn only_times_differ(&self, last: &CheckRecord) -> bool {
        last.at.is_some() && {
            let mut r = self.clone();
            r.at = last.at;
            r.duration_ms = last.duration_ms;
            r.next_check = last.next_check;
            r == *last
        }
    }

    fn failed(&mut self, error: &str) {
        self.result = CheckResult::Failed;
        self.error = Some(error.to_string());
    }

    /// What the record keeps of a page read in full.
    fn page(&mut self, page: &Page, key: &ContentKey) {
        self.status = Some(page.status);
        self.format = Some(page.format);
        self.final_url = Some(page.final_url.to_string());
        self.etag.clone_from(&page.etag);
        self.last_modified.clone_from(&page.last_modified);
        self.content = Some(key.clone());
    }

    fn signed(&mut self, s: &Signed) {
        self.signature = Some(s.tally);
        self.signature_notes.clone_from(&s.notes);
        self.accepts_sha1 = s.accepts_sha1;
    }

    /// What the record keeps of a document read afresh, as judged.
    fn read(&mut self, read: &Read, baseline_counts: impl Fn(&mut CheckRecord)) {
        let Some(document) = &read.document else {
            // A signed watch's page that its pinned signers did not sign: its text is not
            // judged.
            self.result = CheckResult::Ok;
            self.error = Some(signatures::UNSIGNED.to_string());
            baseline_counts(self);
            return;
        };
        self.scripted = document.scripted;
        match &document.reading {
            Reading::Statements(statements) => {
                self.freshness =
                    (!document.freshness.is_empty()).then(|| document.freshness.clone());
                self.freshness_api = Vec::new();
                self.result = CheckResult::Ok;
                self.statements = statements.len();
                self.claims = statements.iter().filter(|s| s.claim).count();
                self.read_as = Some(document.kind.as_str().to_string());
            }
            Reading::Unreadable(error) => self.failed(error),
        }
    }
}

impl Sighted {
    /// The evidence of a check that read a page (`judged`: the statements the verdict read
    /// from it afresh), with the statements it stands for when they are known.
    pub(crate) fn into_capture(self, judged: Option<Vec<Statement>>) -> Option<Capture> {
        let (page, statements, signatures) = match self {
            Sighted::Unlinked { page, .. } => (page, None, None),
            Sighted::SamePage {
                page, statements, ..
            } => (page, Some(statements), None),
            Sighted::Fresh { page, signed, .. } => (page, judged, signed.map(|s| s.evidence)),
            Sighted::Relabelled { .. }
            | Sighted::NoSignatures { .. }
            | Sighted::NotModified { .. }
            | Sighted::Failed { .. } => return None,
        };
        let original = page.original.as_deref();
        Some(Capture {
            // A rendered page's response as the server sent it.
            served: original.map(|o| o.body.clone()),
            served_type: original.and_then(|o| {
                o.headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    .map(|(_, v)| v.clone())
            }),
            headers: page.headers,
            content_type: page.content_type,
            body: page.body,
            statements,
            signatures,
            packed: None,
        })
    }
}

/// The statements a verdict read afresh, taken out of it.
pub(crate) fn judged_statements(read: Option<Read>) -> Option<Vec<Statement>> {
    match read?.document?.reading {
        Reading::Statements(s) => Some(s),
        Reading::Unreadable(_) => None,
    }
}

#[cfg(test)]
mod tests;
