//! `extract-cost DIR [ROUNDS]`: the CPU time per page of each stage of reading a canary
//! page, over the `*.html` pages of DIR (made by `bench/genpages.py pages DIR N`), single
//! threaded, best of ROUNDS (default 5) rounds. Owns nothing of canaryd; it only calls
//! canaryd-core's public API (and html5ever, scraper and flate2 at canaryd's versions) to say
//! what bounds the per-page cost, and what a change of method could save at most.

use std::io::Write as _;
use std::time::Instant;

use canaryd_core::digest::{page_hash_hex, sha256_hex};
use canaryd_core::observe::extract::{Format, extract};
use canaryd_core::observe::selector::WatchSelector;
use flate2::{Compress, Compression, FlushCompress, write::GzEncoder};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use scraper::Html;

/// Counts tokens and nothing else: what html5ever's tokenizer costs without a tree.
struct Count(std::cell::Cell<usize>);

impl TokenSink for Count {
    type Handle = ();
    fn process_token(&self, _token: Token, _line: u64) -> TokenSinkResult<()> {
        self.0.set(self.0.get() + 1);
        TokenSinkResult::Continue
    }
}

fn tokens(page: &str) -> usize {
    let tok = Tokenizer::new(Count(std::cell::Cell::new(0)), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(page));
    let _ = tok.feed(&queue);
    tok.end();
    tok.sink.0.get()
}

fn gzip_fresh(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3 + 64),
        Compression::fast(),
    );
    enc.write_all(bytes).expect("writes to a Vec");
    enc.finish().expect("finishes into a Vec").len()
}

/// Raw deflate with one compressor reset between pages: what reusing it would cost.
fn deflate_reused(c: &mut Compress, out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    c.reset();
    out.clear();
    out.reserve(bytes.len() / 3 + 64);
    c.compress_vec(bytes, out, FlushCompress::Finish)
        .expect("compresses into a Vec");
    out.len()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: extract-cost DIR [ROUNDS]");
    let rounds: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("ROUNDS is a number"));
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("DIR is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    paths.sort();
    paths.truncate(500);
    let pages: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a page is UTF-8"))
        .collect();
    assert!(!pages.is_empty(), "no .html pages in {dir}");
    let kib = pages.iter().map(String::len).sum::<usize>() as f64 / pages.len() as f64 / 1024.0;
    // The canary list alone, as a parser that found it first would see it.
    let regions: Vec<String> = pages
        .iter()
        .map(|p| {
            let start = p.find("<ul id=\"canary\">").expect("a canary list");
            let end = start + p[start..].find("</ul>").expect("a closed list") + 5;
            p[start..end].to_string()
        })
        .collect();
    let selector = WatchSelector::parse("#canary li").expect("a valid selector");
    // The same elements, but a selector led by a tag is never cut: the whole page is parsed.
    let whole = WatchSelector::parse("ul#canary li").expect("a valid selector");

    println!(
        "{} pages of {kib:.1} KiB, best of {rounds} rounds, one thread",
        pages.len()
    );
    println!("{:<56} {:>12}", "stage", "ms per page");
    let stage = |name: &str, f: &mut dyn FnMut(&str, &str) -> usize| {
        let mut best = f64::MAX;
        let mut sink = 0usize;
        for _ in 0..rounds {
            let t = Instant::now();
            for (p, r) in pages.iter().zip(&regions) {
                sink = sink.wrapping_add(f(p, r));
            }
            best = best.min(t.elapsed().as_secs_f64() * 1000.0 / pages.len() as f64);
        }
        // `sink` is printed (as nothing) so the compiler cannot drop the work.
        println!(
            "{name:<56} {best:>12.3}{}",
            if sink == 1 { " " } else { "" }
        );
    };
    stage(
        "BLAKE3 of the body (the steady pass's page key)",
        &mut |p, _| page_hash_hex(p.as_bytes()).len(),
    );
    stage("SHA-256 of the body (the evidence record)", &mut |p, _| {
        sha256_hex(p.as_bytes()).len()
    });
    stage(
        "gzip level 1, a new encoder per page (evidence)",
        &mut |p, _| gzip_fresh(p.as_bytes()),
    );
    let (mut compress, mut out) = (Compress::new(Compression::fast(), false), Vec::new());
    stage(
        "deflate level 1, one compressor reset per page",
        &mut |p, _| deflate_reused(&mut compress, &mut out, p.as_bytes()),
    );
    stage("memmem find of id=\"canary\"", &mut |p, _| {
        p.find("id=\"canary\"").unwrap_or(0)
    });
    stage("html5ever tokenizer alone (no tree)", &mut |p, _| tokens(p));
    stage(
        "scraper Html::parse_document (html5ever DOM)",
        &mut |p, _| Html::parse_document(p).tree.nodes().count(),
    );
    stage("extract(Html, Some(\"#canary li\")) (the list cut out)", &mut |p, _| {
        extract(p, Format::Html, Some(&selector)).map_or(0, |s| s.len())
    });
    stage("extract(Html, Some(\"ul#canary li\")) (whole page)", &mut |p, _| {
        extract(p, Format::Html, Some(&whole)).map_or(0, |s| s.len())
    });
    stage("extract(Html, None) (auto-detection)", &mut |p, _| {
        extract(p, Format::Html, None).map_or(0, |s| s.len())
    });
    stage(
        "Html::parse_fragment of the <ul id=canary> only",
        &mut |_, r| Html::parse_fragment(r).tree.nodes().count(),
    );
    stage("extract(<ul id=canary> only, selector)", &mut |_, r| {
        extract(r, Format::Html, Some(&selector)).map_or(0, |s| s.len())
    });
}
