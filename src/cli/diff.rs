//! `canaryd diff NAME [FROM [TO]] [--format json]`: what the canary's statements did between two snapshots
//! (default: the last two that saw the page), with `crate::judge::diff`'s statement diff, word diff
//! and unified diff; coloured on a terminal.

use std::path::Path;

use super::{evidence_json, say};
use crate::cli::args::Format;
use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::cli::term::{self, Paint};
use crate::judge::diff::{self, word_diff};
use crate::store::archive::{At, Entry, History};

pub fn run(state: &Path, name: &str, from: Option<&str>, to: Option<&str>, format: Format) -> u8 {
    let history = match super::history::open(state, name) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let pick = |text: &str| -> Result<&Entry, u8> {
        let at = At::parse(text).map_err(|e| {
            say::error(&e);
            EXIT_USAGE
        })?;
        history.in_force(at).map_err(|e| {
            say::error(&e);
            EXIT_FAILURE
        })
    };
    let latest: Vec<&Entry> = history.with_statements().rev().take(2).collect();
    let pair = match (from, to) {
        (None, _) => match latest.as_slice() {
            [new, old] => Ok((*old, *new)),
            [only] if format == Format::Text => {
                outln!(
                    "\"{name}\" has one snapshot with statements so far (#{}); nothing to compare yet",
                    only.seq()
                );
                return 0;
            }
            // JSON compares the only snapshot with itself: an empty diff, same shape.
            [only] => Ok((*only, *only)),
            _ => {
                say::error(format!("\"{name}\" has no snapshot of the page yet"));
                return EXIT_FAILURE;
            }
        },
        (Some(f), None) => pick(f).and_then(|old| {
            // `pick` found a snapshot with statements, so there is a latest one.
            latest.first().map(|new| (old, *new)).ok_or(EXIT_FAILURE)
        }),
        (Some(f), Some(t)) => pick(f).and_then(|old| pick(t).map(|new| (old, new))),
    };
    match pair {
        Ok((old, new)) if format == Format::Json => {
            evidence_json::print(&evidence_json::diff(&history, old, new))
        }
        Ok((old, new)) => {
            out!("{}", render(&history, old, new, Paint::stdout()));
            0
        }
        Err(code) => code,
    }
}

fn label(e: &Entry) -> String {
    format!("#{} {}", e.seq(), term::time(e.record.at))
}

/// The diff as text.
pub fn render(history: &History, old: &Entry, new: &Entry, paint: Paint) -> String {
    let empty = Vec::new();
    let before = old.record.statements.as_ref().unwrap_or(&empty);
    let after = new.record.statements.as_ref().unwrap_or(&empty);
    let mut out = format!(
        "{}: {} → {}\n",
        paint.bold(&history.watch),
        label(old),
        label(new)
    );
    let hash = |h: &Option<String>| {
        h.as_deref()
            .map_or("-".to_string(), |h| h.get(..16).unwrap_or(h).to_string())
    };
    out.push_str(&format!(
        "statement set sha256: {}… → {}…\n",
        hash(&old.record.set_hash),
        hash(&new.record.set_hash)
    ));
    let d = diff::diff(before, after);
    // Same meaning (same comparison key) but other wording: re-dated or cosmetic. Never an
    // alert, but a renewed canary is worth seeing.
    let reworded = evidence_json::reworded(before, after);
    if d.is_empty() && reworded.is_empty() {
        out.push_str(&format!(
            "\nno statement differences between #{} and #{}\n",
            old.seq(),
            new.seq()
        ));
        return out;
    }
    if !d.removed.is_empty() {
        out.push_str(&format!("\nremoved ({}):\n", d.removed.len()));
        for s in &d.removed {
            out.push_str(&paint.red(&format!("- {}", s.text)));
            out.push('\n');
        }
    }
    if !d.changed.is_empty() {
        out.push_str(&format!("\nchanged ({}):\n", d.changed.len()));
        for c in &d.changed {
            let how = if c.change.broadened {
                "broadened"
            } else {
                "weakened or reworded"
            };
            out.push_str(&format!(
                "~ {}  ({how})\n",
                paint.word_diff(&c.change.word_diff)
            ));
        }
    }
    if !d.added.is_empty() {
        out.push_str(&format!("\nadded ({}):\n", d.added.len()));
        for s in &d.added {
            out.push_str(&paint.green(&format!("+ {}", s.text)));
            out.push('\n');
        }
    }
    if !reworded.is_empty() {
        out.push_str(&format!(
            "\nsame statement, new wording (dates or cosmetics; never alerted) ({}):\n",
            reworded.len()
        ));
        for (o, n) in reworded {
            out.push_str(&format!("= {}\n", paint.word_diff(&word_diff(o, n))));
        }
    }
    if !d.is_empty() {
        out.push('\n');
        let unified = diff::unified_labelled(before, after, &label(old), &label(new));
        for line in unified.lines() {
            let painted = if line.starts_with("---") || line.starts_with("+++") {
                paint.bold(line)
            } else if line.starts_with('-') {
                paint.red(line)
            } else if line.starts_with('+') {
                paint.green(line)
            } else if line.starts_with("@@") {
                paint.dim(line)
            } else {
                line.to_string()
            };
            out.push_str(&painted);
            out.push('\n');
        }
    }
    out
}
