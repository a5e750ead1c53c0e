//! `canaryd export NAME [-o FILE] [--force]`: a watch's evidence as a WARC 1.1 file, for
//! archives, journalists and lawyers. An existing FILE is kept unless `--force`. Default `NAME.warc.gz` (one gzip member per record, what WARC
//! tools expect); a FILE not ending in `.gz` is plain WARC; `-` writes plain WARC to
//! standard output. The chain is verified on the records read (one read of each) and the
//! verdict is written into the WARC.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::say;
use crate::cli::exit::EXIT_FAILURE;
use crate::clock::Clock;
use crate::store::archive::{WarcOptions, write_warc};
use crate::store::atomic;

pub fn run(
    state: &Path,
    name: &str,
    output: Option<&Path>,
    force: bool,
    clock: &dyn Clock,
) -> anyhow::Result<u8> {
    let (history, verification) = match super::history::open_verified(state, name) {
        Ok(opened) => opened,
        Err(code) => return Ok(code),
    };
    let path: PathBuf = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(format!("{name}.warc.gz")));
    let to_stdout = path.as_os_str() == "-";
    // Refused before any work: an earlier export may be the copy someone was handed.
    if !to_stdout && !force && path.exists() {
        say::error(exists(&path));
        return Ok(EXIT_FAILURE);
    }
    let chain = if verification.holds() {
        format!(
            "verified by canaryd at export: {}, head sha256 {}",
            crate::words::plural(verification.records, "record"),
            verification
                .head
                .as_ref()
                .map_or("-", |h| h.record_sha256.as_str())
        )
    } else {
        let problems: Vec<String> = verification
            .problems
            .iter()
            .map(|p| p.to_string())
            .collect();
        format!("BROKEN at export: {}", problems.join("; "))
    };
    if !verification.holds() {
        say::warning(format!(
            "the evidence chain of \"{name}\" does not verify (`canaryd verify {name}` says where); exporting what is there, and the WARC says so"
        ));
    }
    let gzip = !to_stdout && path.extension().is_some_and(|e| e == "gz");
    let opts = WarcOptions {
        gzip,
        filename: match path.file_name() {
            Some(f) if !to_stdout => f.to_string_lossy().into_owned(),
            _ => format!("{name}.warc"),
        },
        now: clock.now(),
        chain,
        compression: flate2::Compression::default(),
    };
    if to_stdout {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_warc(&mut out, &history, &opts).context("writing the WARC to standard output")?;
        out.flush().context("writing the WARC to standard output")?;
        return Ok(0);
    }
    // Written beside the target and renamed into place: a failed export never leaves half a
    // WARC under the final name. The file is private (0600) until its owner hands it on.
    // Without --force an existing file, one created meanwhile too, is not overwritten.
    let written = atomic::write_through(&path, force, |out| write_warc(out, &history, &opts));
    let summary = match written {
        Ok(summary) => summary,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            say::error(exists(&path));
            return Ok(EXIT_FAILURE);
        }
        Err(e) => {
            say::error(format!("cannot write {}: {e}", path.display()));
            return Ok(EXIT_FAILURE);
        }
    };
    outln!(
        "wrote {}: {} ({}) from {} of \"{name}\"{}",
        path.display(),
        crate::words::plural(summary.records, "WARC record"),
        crate::words::plural(summary.responses, "response"),
        crate::words::plural(history.entries.len(), "snapshot"),
        if verification.holds() {
            ", chain verified"
        } else {
            ", chain BROKEN"
        }
    );
    Ok(0)
}

/// Why an existing file is not overwritten, and the two ways on.
fn exists(path: &Path) -> String {
    format!(
        "{} already exists; pass --force to overwrite it, or -o another FILE",
        path.display()
    )
}
