//! `extract-cost DIR [ROUNDS]`: the CPU time per page of each stage of reading a canary
//! page, over the `*.html` pages of DIR (made by `bench/genpages.py pages DIR N`), single
//! threaded, best of ROUNDS (default 5) rounds. Owns nothing of canaryd; it only calls its
//! public API (and scraper, at canaryd's version) to say what bounds the per-page cost.

use std::time::Instant;

use canaryd::observe::extract::{Format, extract};
use canaryd::config::WatchSelector;
use scraper::Html;
use sha2::{Digest, Sha256};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: extract-cost DIR [ROUNDS]");
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS is a number"));
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

    println!("{} pages of {kib:.1} KiB, best of {rounds} rounds, one thread", pages.len());
    println!("{:<52} {:>12}", "stage", "ms per page");
    let mut stage = |name: &str, f: &mut dyn FnMut(&str, &str) -> usize| {
        let mut best = f64::MAX;
        let mut sink = 0usize;
        for _ in 0..rounds {
            let t = Instant::now();
            for (p, r) in pages.iter().zip(&regions) {
                sink = sink.wrapping_add(f(p, r));
            }
            best = best.min(t.elapsed().as_secs_f64() * 1000.0 / pages.len() as f64);
        }
        println!("{name:<52} {best:>12.3}{}", if sink == 1 { " " } else { "" });
    };
    stage("copy the body (String clone)", &mut |p, _| p.clone().len());
    stage("sha256 of the body", &mut |p, _| Sha256::digest(p.as_bytes())[0] as usize);
    stage("memmem find of id=\"canary\"", &mut |p, _| p.find("id=\"canary\"").unwrap_or(0));
    stage("scraper Html::parse_document (html5ever DOM)", &mut |p, _| {
        Html::parse_document(p).tree.nodes().count()
    });
    stage("extract(Html, Some(\"#canary li\"))", &mut |p, _| {
        extract(p, Format::Html, Some(&selector.compiled)).map_or(0, |s| s.len())
    });
    stage("extract(Html, None) (auto-detection)", &mut |p, _| {
        extract(p, Format::Html, None).map_or(0, |s| s.len())
    });
    stage("Html::parse_fragment of the <ul id=canary> only", &mut |_, r| {
        Html::parse_fragment(r).tree.nodes().count()
    });
    stage("extract(<ul id=canary> only, selector)", &mut |_, r| {
        extract(r, Format::Html, Some(&selector.compiled)).map_or(0, |s| s.len())
    });
}
