//! `canaryd verify [NAME] [--format json]`: checks the evidence hash chains (one watch, or every watch with
//! evidence in the state directory) and says what broke where. Exit 0 when every chain
//! holds, 1 when any breaks.

use std::path::Path;

use super::{evidence_json, names as watch_names, say};
use crate::cli::args::Format;
use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::cli::term::Paint;
use crate::config::valid_watch_name;
use crate::store::archive::{Archive, Verification};

pub fn run(state: &Path, name: Option<&str>, format: Format) -> u8 {
    let archive = Archive::new(state);
    let names = match name {
        Some(n) if !valid_watch_name(n) => {
            say::error(format!("\"{n}\" is not a watch name"));
            return EXIT_USAGE;
        }
        Some(n) => {
            if !archive.dir(n).is_dir() {
                say::error(watch_names::unknown_in_state(n, state));
                return EXIT_FAILURE;
            }
            vec![n.to_string()]
        }
        None => {
            if !state.is_dir() {
                say::error(format!(
                    "no state directory at {} (pass --state DIR)",
                    state.display()
                ));
                return EXIT_FAILURE;
            }
            match archive.watches() {
                Ok(n) => n,
                Err(e) => {
                    say::error(crate::error_chain(&e));
                    return EXIT_FAILURE;
                }
            }
        }
    };
    if format == Format::Json {
        let chains: Vec<_> = names
            .iter()
            .map(|n| evidence_json::chain(n, &archive.verify(n)))
            .collect();
        let code = evidence_json::print(&chains);
        return if chains.iter().all(|c| c.holds) {
            code
        } else {
            EXIT_FAILURE
        };
    }
    if names.is_empty() {
        outln!("no evidence chains under {} yet", state.display());
        return 0;
    }
    let paint = Paint::stdout();
    let mut broken = 0;
    for n in &names {
        let v = archive.verify(n);
        out!("{}", report(n, &v, paint));
        broken += usize::from(!v.holds());
    }
    if broken > 0 {
        outln!(
            "\n{broken} of {} broken: the files named above were edited, deleted or added after canaryd wrote them",
            crate::words::plural(names.len(), "chain")
        );
        EXIT_FAILURE
    } else {
        0
    }
}

/// One chain's verdict, and every problem on its own line.
pub fn report(name: &str, v: &Verification, paint: Paint) -> String {
    let head = v
        .head
        .as_ref()
        .map(|h| format!("; head #{} sha256 {}", h.seq, h.record_sha256))
        .unwrap_or_default();
    let pruned = if v.bodies_pruned > 0 {
        format!(", {} pruned by retention", v.bodies_pruned)
    } else {
        String::new()
    };
    let mut out = if v.holds() {
        format!(
            "{name}: {} — {}, {} checked{pruned}{head}\n",
            paint.green("OK"),
            crate::words::plural(v.records, "record"),
            crate::words::plural(v.bodies_checked, "body")
        )
    } else {
        format!(
            "{name}: {} — {} in {} ({}{pruned})\n",
            paint.red("BROKEN"),
            crate::words::plural(v.problems.len(), "problem"),
            v.dir.display(),
            crate::words::plural(v.records, "record")
        )
    };
    for p in &v.problems {
        out.push_str(&format!("  {p}\n"));
    }
    for note in &v.notes {
        out.push_str(&format!("  note: {note}\n"));
    }
    out
}
