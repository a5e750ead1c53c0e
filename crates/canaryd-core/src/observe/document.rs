//! A fetched body read the way the watch's `format` says: HTML or text through
//! [`read_page`], a PDF report as the text it holds, a CanaryTail JSON canary as one claim
//! per code. Pure; the one reading of bytes shared by live checks, `replay` and `preview`.

use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::canarytail::{self, Verdict};
use super::extract::Format;
use super::freshness::{self, Freshness};
use super::normalise;
use super::page::{Reading, read_page};
use super::pdf;
use super::selector::WatchSelector;
use super::statement::Statement;

/// The watch's `format`: how its body is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DocumentFormat {
    /// PDF by content type or signature, CanaryTail by its JSON shape, else as fetched.
    #[default]
    Auto,
    Html,
    Text,
    Pdf,
    CanaryTail,
}

impl DocumentFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Auto => "auto",
            DocumentFormat::Html => "html",
            DocumentFormat::Text => "text",
            DocumentFormat::Pdf => "pdf",
            DocumentFormat::CanaryTail => "canarytail",
        }
    }
}

impl FromStr for DocumentFormat {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        [
            DocumentFormat::Auto,
            DocumentFormat::Html,
            DocumentFormat::Text,
            DocumentFormat::Pdf,
            DocumentFormat::CanaryTail,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
        .ok_or(())
    }
}

/// What a body turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Html,
    Text,
    Pdf,
    CanaryTail,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Html => "html",
            Kind::Text => "text",
            Kind::Pdf => "pdf",
            Kind::CanaryTail => "canarytail",
        }
    }
}

/// A body as fetched: its bytes, its declared type, and its text as the fetcher decoded it.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    pub bytes: &'a [u8],
    pub content_type: Option<&'a str>,
    pub text: &'a str,
    /// How the fetcher classified it (`text/plain` or `.txt` as text, else HTML).
    pub fetched_as: Format,
}

/// What a CanaryTail canary says beyond its codes, for the checks made on the document
/// itself (signatures, pinned keys, duress; the freshness proof for its checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailFacts {
    pub verdict: Verdict,
    pub signature_reason: String,
    /// The listed keys, canonical base64, sorted.
    pub keys: Vec<String>,
    pub panic_signed: bool,
    pub duress: bool,
    pub release: DateTime<Utc>,
    pub expiry: DateTime<Utc>,
    /// The block hash the canary quotes as its proof of freshness, as written (signed when
    /// the verdict is valid).
    pub freshness: Option<String>,
}

/// A body, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub kind: Kind,
    pub reading: Reading,
    pub tail: Option<TailFacts>,
    /// An HTML page without claims that looks like it needs JavaScript (see `scripted`).
    pub scripted: bool,
    /// The proofs of freshness it quotes (see `freshness`).
    pub freshness: Freshness,
}

/// The format a body is read in: the watch's, except that with `auto` a canary last read as
/// PDF or CanaryTail (`last`, as [`Kind::as_str`] names it) stays one. A truncated CanaryTail
/// document or a damaged PDF then fails to parse, a failed fetch with the reason, instead of
/// being read as a text page whose claims all went. To follow a publisher who really changed
/// format, the watchlist says `format` explicitly.
pub fn known_format(format: DocumentFormat, last: Option<&str>) -> DocumentFormat {
    match (format, last) {
        (DocumentFormat::Auto, Some("pdf")) => DocumentFormat::Pdf,
        (DocumentFormat::Auto, Some("canarytail")) => DocumentFormat::CanaryTail,
        _ => format,
    }
}

/// What `format` makes of a body (auto-detection looks at the bytes, not the decoded text).
pub fn kind_of(body: &Body<'_>, format: DocumentFormat) -> Kind {
    match format {
        DocumentFormat::Html => Kind::Html,
        DocumentFormat::Text => Kind::Text,
        DocumentFormat::Pdf => Kind::Pdf,
        DocumentFormat::CanaryTail => Kind::CanaryTail,
        DocumentFormat::Auto if pdf::looks_like_pdf(body.bytes, body.content_type) => Kind::Pdf,
        DocumentFormat::Auto if canarytail::looks_like_canarytail(body.bytes) => Kind::CanaryTail,
        DocumentFormat::Auto => match body.fetched_as {
            Format::Html => Kind::Html,
            Format::Text => Kind::Text,
        },
    }
}

/// Reads `body` as `format` says (see the module documentation). An unreadable PDF or
/// CanaryTail document is [`Reading::Unreadable`] with the reason: a failed fetch, never an
/// empty canary.
pub fn read_document(
    body: &Body<'_>,
    format: DocumentFormat,
    selector: Option<&WatchSelector>,
) -> Document {
    let kind = kind_of(body, format);
    let mut proofs = Freshness::default();
    let mut read_proofs = |text: &str, format: Format| {
        let lines = super::extract::text_lines(text, format);
        proofs = freshness::read(&lines.iter().map(String::as_str).collect::<Vec<_>>());
    };
    let (reading, tail) = match kind {
        Kind::Html => {
            read_proofs(body.text, Format::Html);
            (read_page(body.text, Format::Html, selector), None)
        }
        Kind::Text => {
            read_proofs(body.text, Format::Text);
            (read_page(body.text, Format::Text, selector), None)
        }
        Kind::Pdf => match pdf::read(body.bytes) {
            // A report's text is judged as a text canary: the same extraction, dates, claims.
            Ok(text) => {
                read_proofs(&text, Format::Text);
                (read_page(&text, Format::Text, selector), None)
            }
            Err(e) => (
                Reading::Unreadable(format!("cannot read the PDF: {e}")),
                None,
            ),
        },
        Kind::CanaryTail => match canarytail::parse(body.bytes) {
            Ok(canary) => {
                if let Some(block) = &canary.freshness {
                    proofs = freshness::read(&block.lines().collect::<Vec<_>>());
                    let hash = block.trim().to_ascii_lowercase();
                    if hash.len() == 64
                        && hash.bytes().all(|b| b.is_ascii_hexdigit())
                        && !proofs.block_hashes.contains(&hash)
                    {
                        proofs.block_hashes.push(hash);
                    }
                }
                let (reading, facts) = read_canarytail(&canary);
                (reading, Some(facts))
            }
            Err(e) => (
                Reading::Unreadable(format!("cannot read the CanaryTail canary: {e}")),
                None,
            ),
        },
    };
    // Only a page that yields no claim is looked at again: the verdict explains a watch that
    // tracks nothing, and costs a second parse only then.
    let scripted = kind == Kind::Html
        && reading
            .statements()
            .is_some_and(|s| !s.iter().any(|s| s.claim))
        && super::scripted::needs_javascript(body.text);
    Document {
        kind,
        reading,
        tail,
        scripted,
        freshness: proofs,
    }
}

/// One claim per code ("WAR: …"), then the canary's dates as context the judge already
/// understands: the release is the canary's date, the expiry the deadline it sets itself.
fn read_canarytail(canary: &canarytail::CanaryTail) -> (Reading, TailFacts) {
    let check = canarytail::verify(canary);
    let mut statements: Vec<Statement> = canary
        .statements()
        .into_iter()
        .map(|(code, meaning)| {
            normalise::statement(&format!("{}: {meaning}", code.to_uppercase()), true)
        })
        .collect();
    statements.push(normalise::statement(
        &format!("This canary was issued on {}.", canary.release.date_naive()),
        false,
    ));
    statements.push(normalise::statement(
        &format!(
            "The next canary is due by {}, when this one expires.",
            canary.expiry.date_naive()
        ),
        false,
    ));
    let facts = TailFacts {
        verdict: check.verdict,
        signature_reason: check.reason.clone(),
        keys: check.keys.clone(),
        panic_signed: check.panic_signed,
        duress: canary.is_duress(),
        release: canary.release,
        expiry: canary.expiry,
        freshness: canary.freshness.clone(),
    };
    let reading = if check.verdict == Verdict::Invalid {
        // A forged or broken canary cannot stand for the real one: its codes are not judged.
        Reading::Unreadable(format!(
            "the CanaryTail canary's signatures do not verify: {}",
            check.reason
        ))
    } else {
        Reading::Statements(statements)
    };
    (reading, facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn the_canarytail_expiry_reads_as_the_deadline_the_judge_uses() {
        let release = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let expiry = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let plan = format!("The next canary is due by {expiry}, when this one expires.");
        assert!(crate::observe::extract::is_plan(&plan));
        assert_eq!(
            crate::observe::cadence::next_deadline(&[plan.as_str()], release),
            Some(expiry)
        );
    }

    #[test]
    fn the_canarytail_release_reads_as_the_canarys_issue_date() {
        let release = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let issued = crate::observe::normalise::statement(
            &format!("This canary was issued on {release}."),
            false,
        );
        let dating = crate::judge::dating(&[issued]).expect("a date");
        assert_eq!(dating.chosen.date, release);
        assert_eq!(
            dating.chosen.source,
            crate::judge::DateSource::IssueStatement
        );
    }

    #[test]
    fn a_canary_read_as_pdf_or_canarytail_stays_one_under_auto() {
        let truncated = br#"{"canary": {"codes": ["war", "gag"], "release": "2026-01-"#;
        let body = Body {
            bytes: truncated,
            content_type: Some("application/json"),
            text: std::str::from_utf8(truncated).expect("utf-8"),
            fetched_as: Format::Text,
        };
        let unknown = known_format(DocumentFormat::Auto, None);
        assert_eq!(kind_of(&body, unknown), Kind::Text);
        let known = known_format(DocumentFormat::Auto, Some("canarytail"));
        assert_eq!(known, DocumentFormat::CanaryTail);
        let read = read_document(&body, known, None);
        assert!(
            matches!(&read.reading, Reading::Unreadable(why) if why.contains("CanaryTail")),
            "{read:?}"
        );
        assert_eq!(
            known_format(DocumentFormat::Auto, Some("pdf")),
            DocumentFormat::Pdf
        );
        // An explicit format is the watchlist's word; html and text are not sticky.
        assert_eq!(
            known_format(DocumentFormat::Html, Some("canarytail")),
            DocumentFormat::Html
        );
        assert_eq!(
            known_format(DocumentFormat::Auto, Some("text")),
            DocumentFormat::Auto
        );
    }

    #[test]
    fn auto_detects_pdf_and_canarytail_by_their_bytes() {
        let body = |bytes: &'static [u8], ct: Option<&'static str>| Body {
            bytes,
            content_type: ct,
            text: "",
            fetched_as: Format::Html,
        };
        let f = DocumentFormat::Auto;
        assert_eq!(kind_of(&body(b"%PDF-1.7\n", None), f), Kind::Pdf);
        assert_eq!(kind_of(&body(b"x", Some("application/pdf")), f), Kind::Pdf);
        let tail = br#"{"canary": {"codes": ["war"], "release": "2026-01-01T00:00:00Z"}}"#;
        assert_eq!(kind_of(&body(tail, None), f), Kind::CanaryTail);
        assert_eq!(kind_of(&body(b"<p>hi</p>", None), f), Kind::Html);
        assert_eq!(
            kind_of(&body(b"<p>hi</p>", None), DocumentFormat::Text),
            Kind::Text
        );
    }
}
