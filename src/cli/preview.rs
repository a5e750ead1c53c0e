//! `canaryd preview URL [--selector CSS]`: what would be tracked, without writing anything.
//! Its pieces (fetch once, extract, print) are shared with `add`.

use std::time::Duration;

use anyhow::Context as _;
use url::Url;

use crate::config::{Signing, WatchSelector};
use crate::observe::signed::{Covers, SignatureReading, read_signatures};

use super::signing_flags::SigningFlags;
use crate::fetch::{self, FetchOptions, Fetched, Fetcher, RetryPolicy};
use crate::observe::scripted::NEEDS_JAVASCRIPT;
use crate::observe::statement::Statement;
use crate::observe::{Kind, Reading};

/// Accepts a URL, or a local path as a convenience.
pub fn parse_target(target: &str) -> anyhow::Result<Url> {
    match Url::parse(target) {
        Ok(u) if u.scheme().len() > 1 => Ok(u),
        _ => {
            let path = std::fs::canonicalize(target)
                .with_context(|| format!("\"{target}\" is neither a URL nor an existing file"))?;
            Url::from_file_path(&path)
                .map_err(|()| anyhow::anyhow!("cannot make a file:// URL of {}", path.display()))
        }
    }
}

/// A `--selector` argument, compiled.
pub fn parse_selector(selector: Option<&str>) -> anyhow::Result<Option<WatchSelector>> {
    selector
        .map(|s| WatchSelector::parse(s).map_err(|e| anyhow::anyhow!("--selector: {e}")))
        .transpose()
}

/// A page fetched once and the statements it would yield.
#[derive(Debug, Clone)]
pub struct Preview {
    pub final_url: Url,
    pub status: u16,
    pub bytes: usize,
    pub statements: Vec<Statement>,
    /// With pinned keys: who signed and whether it verified.
    pub signatures: Option<SignatureReading>,
    /// What the body was read as: HTML, text, PDF or CanaryTail (a selector applies to
    /// HTML only).
    pub kind: Kind,
    /// A `file://` page: no HTTP status to show.
    pub local: bool,
    /// No claim, and the page looks like it needs JavaScript.
    pub scripted: bool,
    /// A good signature dated in the future, or long before the canary's own date.
    pub time_notes: Vec<String>,
}

/// Fetches `url` once (no conditional GET) and extracts its statements.
pub async fn fetch_preview(
    url: &Url,
    selector: Option<&WatchSelector>,
    signing: Option<&Signing>,
    opts: &FetchOptions,
) -> anyhow::Result<Preview> {
    let fetcher = Fetcher::new(&fetch::user_agent(), Duration::from_secs(10))?;
    let page = match fetcher
        .fetch(url, None, opts)
        .await
        .with_context(|| format!("fetching {url}"))?
    {
        Fetched::Page(p) => p,
        Fetched::NotModified { .. } => {
            anyhow::bail!("the server answered 304 to an unconditional request")
        }
    };
    let format = crate::pipeline::reading_format(page.format);
    let detached = match signing {
        Some(s) => crate::pipeline::signatures::fetch_files(&fetcher, s, url, opts)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Vec::new(),
    };
    // Read exactly as a live check reads it; parsing is CPU work, kept off the async workers.
    let selector = selector.cloned();
    let signing = signing.cloned();
    let (text, body, content_type) = (page.text, page.body.clone(), page.content_type);
    let (document, kind, signatures) = tokio::task::spawn_blocking(move || {
        let signatures =
            signing.map(|s| read_signatures(&body, &text, format, &detached, &s.keys, s.signers));
        let body = crate::observe::Body {
            bytes: &body,
            content_type: content_type.as_deref(),
            text: &text,
            fetched_as: format,
        };
        // Auto-detected as a check with the default `format` reads it (PDF, CanaryTail); on
        // a signed watch only what the pinned signers signed.
        let document = crate::pipeline::signatures::document(
            &body,
            Default::default(),
            selector.as_ref(),
            signatures.as_ref(),
        );
        let kind = crate::observe::kind_of(&body, Default::default());
        (document, kind, signatures)
    })
    .await
    .context("reading the page stopped unexpectedly")?;
    let (kind, scripted, statements) = match document {
        Some(document) => match document.reading {
            Reading::Statements(s) => (document.kind, document.scripted, s),
            Reading::Unreadable(why) => anyhow::bail!("{url}: {why}"),
        },
        None => (kind, false, Vec::new()),
    };
    let time_notes = signatures.as_ref().map_or_else(Vec::new, |r| {
        crate::judge::signature_time::notes(r, &statements, chrono::Utc::now())
    });
    Ok(Preview {
        final_url: page.final_url,
        status: page.status,
        bytes: page.body.len(),
        statements,
        signatures,
        kind,
        local: url.scheme() == "file",
        scripted,
        time_notes,
    })
}

pub async fn run(
    target: &str,
    selector: Option<&str>,
    signing: &SigningFlags,
) -> anyhow::Result<u8> {
    let url = parse_target(target)?;
    let selector = parse_selector(selector)?;
    let signing = signing.signing()?;
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        ..FetchOptions::default()
    };
    let preview = fetch_preview(&url, selector.as_ref(), signing.as_ref(), &opts).await?;
    print(&preview, selector.as_ref());
    Ok(0)
}

/// Prints what a page would track, or plainly that it tracks nothing and what to try.
pub fn print(preview: &Preview, selector: Option<&WatchSelector>) {
    print_statements(preview, selector);
    if let Some(reading) = &preview.signatures {
        print_signed_scope(reading, selector);
        super::signing_flags::print(reading);
        for note in &preview.time_notes {
            outln!("  note: {note}");
        }
    }
}

/// On a signed watch, what is judged: the signed text only, and what of the page was not.
fn print_signed_scope(reading: &SignatureReading, selector: Option<&WatchSelector>) {
    match reading.scope.covers {
        Covers::Whole => {}
        Covers::Block => {
            outln!(
                "\nSigned canary: only the text of the clearsigned block signed by a pinned key is judged."
            );
            for part in &reading.scope.ignored {
                outln!("  ignored (not signed): {}", part.describe());
            }
            if let (Some(s), Some(false)) = (selector, reading.scope.text.as_ref().map(|t| t.html))
            {
                outln!(
                    "  note: the selector \"{}\" does not apply: the signed text is read whole",
                    s.source
                );
            }
        }
        Covers::Nothing => outln!(
            "\nSigned canary: nothing on this page is signed by a pinned key, so nothing would be tracked; a check raises a `signature` alert."
        ),
    }
}

fn print_statements(preview: &Preview, selector: Option<&WatchSelector>) {
    let statements = &preview.statements;
    // A selector picks elements of an HTML page: a text, PDF or CanaryTail canary is read
    // whole, and the user must not believe the selector narrowed it.
    let ignored = match preview.kind {
        Kind::Html => None,
        Kind::Text => Some("a text canary"),
        Kind::Pdf => Some("a PDF"),
        Kind::CanaryTail => Some("a CanaryTail canary"),
    };
    let applied = selector.filter(|_| ignored.is_none());
    outln!(
        "{} ({}{} bytes, {}){}",
        preview.final_url,
        if preview.local {
            String::new()
        } else {
            format!("HTTP {}, ", preview.status)
        },
        preview.bytes,
        match preview.kind {
            Kind::Pdf => "PDF",
            Kind::CanaryTail => "CanaryTail",
            Kind::Text => "text",
            Kind::Html => "HTML",
        },
        applied
            .map(|s| format!(", selector \"{}\"", s.source))
            .unwrap_or_default()
    );
    if let (Some(s), Some(what)) = (selector, ignored) {
        outln!(
            "note: the selector \"{}\" does not apply: this is {what}, read whole (a selector picks elements of an HTML page); drop --selector",
            s.source
        );
    }
    if preview.scripted {
        outln!("\nNo canary claims found: {NEEDS_JAVASCRIPT}.");
        return;
    }
    if statements.is_empty() {
        outln!("\nNo canary statements found.");
        if applied.is_some() {
            outln!(
                "The selector matched nothing with text. Check it in the browser's inspector, or drop --selector to try auto-detection."
            );
        } else {
            outln!(
                "Auto-detection found no sentence that reads like a canary. Find the element holding the statements and pass it, e.g. --selector \"#canary li\" or --selector \"main ul\"."
            );
        }
        return;
    }
    let claims = statements.iter().filter(|s| s.claim).count();
    outln!(
        "\n{} statements would be tracked ({claims} claims alert when removed or weakened; context is recorded only):\n",
        statements.len()
    );
    for s in statements {
        let kind = if s.claim { "claim  " } else { "context" };
        outln!("  [{kind}] {}", s.text);
    }
    print_dating(statements);
    if claims == 0 {
        let fix = if ignored.is_some() {
            "A text canary is read whole: its claims must read as claims."
        } else {
            "With --selector every selected statement counts as a claim, e.g. --selector \"#canary li\"."
        };
        outln!(
            "\nNo canary claims found: none of these reads like a claim (\"never\", \"has not received\"…), so none would alert. {fix}"
        );
    }
}

/// The canary's own date as canaryd understood it, where it was read, the deadline the
/// canary states for its next issue, and any other date that disagrees.
fn print_dating(statements: &[Statement]) {
    let Some(dating) = crate::judge::dating(statements) else {
        outln!("\nCanary date: none found (staleness is judged only by max_age, if set)");
        return;
    };
    outln!(
        "\nCanary date: {} (from its {}: \"{}\")",
        dating.chosen.date,
        dating.chosen.source.as_str(),
        dating.chosen.statement
    );
    match crate::judge::stated_deadline(statements) {
        Some(due) => {
            outln!("Next issue due by: {due} (as the canary states; stale_grace is added)")
        }
        None => outln!("Next issue due by: not stated"),
    }
    for other in &dating.disagreeing {
        outln!(
            "  note: another date, {} ({}), in \"{}\"; not used",
            other.date,
            other.source.as_str(),
            other.statement
        );
    }
}
