//! Evidence bodies to gzip and back, with compressors kept for reuse.
//!
//! A compressor holds about 300 KiB of tables. Made afresh for every body while blocks of
//! 128 KiB and up came from mmap (see `memory`), they were mapped, zeroed page by page and
//! unmapped each time: on a pass where every page changed, a third of the packing's CPU. So
//! compressors are reset and kept, at most one per core (packing runs under the CPU permit,
//! so no more run at once).

use std::sync::Mutex;

use flate2::{Compress, Compression, FlushCompress, Status};

/// Evidence is written on every change and rarely read. On bench/ pages, level 1 takes
/// about a third of the default level's CPU for output ~14% larger.
const LEVEL: Compression = Compression::fast();

static SPARE: Mutex<Vec<Compress>> = Mutex::new(Vec::new());

/// How many compressors are kept: one per core. Asked once, as std reads the process's
/// affinity and cgroup quota files each time it is asked.
static KEEP: std::sync::LazyLock<usize> =
    std::sync::LazyLock::new(|| std::thread::available_parallelism().map_or(2, |n| n.get()));

fn spare() -> std::sync::MutexGuard<'static, Vec<Compress>> {
    // A panic while holding it leaves only whole compressors (each is reset before use).
    SPARE.lock().unwrap_or_else(|p| p.into_inner())
}

/// `bytes` as one gzip member (a stream `zcat` and `MultiGzDecoder` read).
pub fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut z = spare()
        .pop()
        .unwrap_or_else(|| Compress::new_gzip(LEVEL, 15));
    let out = run(&mut z, bytes);
    z.reset();
    let mut spare = spare();
    if spare.len() < *KEEP {
        spare.push(z);
    }
    out
}

fn run(z: &mut Compress, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
    loop {
        let read = usize::try_from(z.total_in()).map_err(std::io::Error::other)?;
        let rest = bytes.get(read..).unwrap_or_default();
        out.reserve(rest.len() / 3 + 4096);
        match z.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(Status::Ok | Status::BufError) => {}
            Err(e) => return Err(std::io::Error::other(e)),
        }
    }
}

/// Reads a body back: gunzipped, or the error that says why not.
pub fn gunzip(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    let mut out = Vec::new();
    // Multi-member, so data appended after the first gzip member is read (and verified) too.
    flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file)).read_to_end(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn unzip(gz: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(gz)
            .read_to_end(&mut out)
            .expect("a whole gzip member");
        out
    }

    #[test]
    fn a_reused_compressor_makes_the_same_whole_member_as_a_new_one() {
        // Bigger than one round of output space, and compressible, like a page.
        let page: Vec<u8> = (0..300_000u32)
            .flat_map(|i| format!("<li>statement {}</li>", i % 977).into_bytes())
            .collect();
        let fresh = gzip(&page).expect("gzip");
        assert_eq!(unzip(&fresh), page);
        // The compressor just used is kept, and starts clean each time.
        for body in [&b"short"[..], &page, b""] {
            let gz = gzip(body).expect("gzip");
            assert_eq!(unzip(&gz), body);
        }
        assert_eq!(gzip(&page).expect("gzip"), fresh, "reset leaves no state");
        assert!(
            !spare().is_empty(),
            "a compressor is kept for the next body"
        );
    }
}
