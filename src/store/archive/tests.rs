//! The archive on a temporary state directory: appending, retention, verification, lookup.

use chrono::{DateTime, TimeDelta, Utc};

use super::record::body_file;
use super::*;
use crate::observe::normalise::statement;
use crate::store::CheckRecord;

fn t0() -> DateTime<Utc> {
    "2026-03-01T06:00:00Z".parse().expect("time")
}

fn check(at: DateTime<Utc>) -> CheckRecord {
    CheckRecord {
        at: Some(at),
        result: crate::store::CheckResult::Ok,
        status: Some(200),
        url: Some("http://127.0.0.1:1/canary.txt".into()),
        final_url: Some("http://127.0.0.1:1/canary.txt".into()),
        ..CheckRecord::default()
    }
}

fn capture(texts: &[&str]) -> Capture {
    let body = texts.join("\n\n");
    Capture {
        headers: vec![("content-type".into(), "text/plain".into())],
        content_type: Some("text/plain".into()),
        body: bytes::Bytes::from(body),
        statements: Some(texts.iter().map(|t| statement(t, true)).collect()),
        signatures: None,
    }
}

/// Appends one snapshot per page, a day apart.
fn archive_with(pages: &[&[&str]], max_history: usize) -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = Archive::new(dir.path());
    for (i, page) in pages.iter().enumerate() {
        let at = t0() + TimeDelta::days(i as i64);
        let c = capture(page);
        let snap = Snapshot {
            at,
            check: &check(at),
            capture: Some(&c),
            events: &[],
            confirmed_set_hash: None,
        };
        let seq = archive.append("w", &snap, max_history).expect("append");
        assert_eq!(seq, i as u64 + 1);
    }
    (dir, archive)
}

const A: &str = "We have never received a National Security Letter.";
const B: &str = "We have never been subject to a gag order.";

fn three() -> (tempfile::TempDir, Archive) {
    archive_with(&[&[A, B], &[A], &[A, B]], 500)
}

#[test]
fn an_intact_chain_verifies_and_links_by_file_hash() {
    let (_d, archive) = three();
    let v = archive.verify("w");
    assert!(v.holds(), "{:?}", v.problems);
    assert_eq!((v.records, v.bodies_checked), (3, 3));
    let h = archive.load("w").expect("load");
    assert_eq!(h.entries[0].record.prev_record_sha256, None);
    assert_eq!(
        h.entries[2].record.prev_record_sha256.as_deref(),
        Some(h.entries[1].sha256.as_str()),
        "each record names the sha256 of the previous file's bytes"
    );
    assert_eq!(
        super::head::load(&h.dir).ok().map(|h| h.record_sha256),
        Some(h.entries[2].sha256.clone())
    );
}

#[test]
fn an_edited_middle_record_breaks_the_link_after_it() {
    let (_d, archive) = three();
    let path = archive.dir("w").join(record_file(2));
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("never received", "rarely received")).expect("write");
    let v = archive.verify("w");
    assert!(!v.holds());
    assert!(
        v.problems
            .iter()
            .any(|p| p.seq == Some(2) && p.what.starts_with("edited")),
        "{:?}",
        v.problems
    );
}

#[test]
fn an_edited_newest_record_disagrees_with_head() {
    let (_d, archive) = three();
    let path = archive.dir("w").join(record_file(3));
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replacen("\"ok\"", "\"failed\"", 1)).expect("write");
    let v = archive.verify("w");
    assert!(
        v.problems
            .iter()
            .any(|p| p.seq == Some(3) && p.what.contains("HEAD")),
        "{:?}",
        v.problems
    );
}

#[test]
fn deleted_records_are_gaps_wherever_they_were() {
    for seq in [1, 2, 3] {
        let (_d, archive) = three();
        std::fs::remove_file(archive.dir("w").join(record_file(seq))).expect("rm");
        let v = archive.verify("w");
        assert!(
            v.problems
                .iter()
                .any(|p| p.seq == Some(seq) && p.what.starts_with("missing")),
            "#{seq}: {:?}",
            v.problems
        );
    }
}

#[test]
fn an_edited_or_deleted_body_is_caught() {
    let (_d, archive) = three();
    let path = archive.dir("w").join(body_file(2));
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut enc,
        b"We have rarely received a National Security Letter.",
    )
    .expect("gzip");
    std::fs::write(&path, enc.finish().expect("gzip")).expect("write");
    let v = archive.verify("w");
    assert!(
        v.problems
            .iter()
            .any(|p| p.seq == Some(2) && p.what.starts_with("edited")),
        "{:?}",
        v.problems
    );

    std::fs::remove_file(&path).expect("rm");
    let v = archive.verify("w");
    assert!(
        v.problems
            .iter()
            .any(|p| p.seq == Some(2) && p.what.starts_with("missing")),
        "{:?}",
        v.problems
    );
}

#[test]
fn retention_prunes_oldest_bodies_and_the_chain_still_verifies() {
    let pages: Vec<&[&str]> = vec![&[A], &[A, B], &[B], &[A], &[A, B]];
    let (_d, archive) = archive_with(&pages, 2);
    let dir = archive.dir("w");
    for seq in 1..=3 {
        assert!(!dir.join(body_file(seq)).exists(), "body #{seq} pruned");
        assert!(dir.join(record_file(seq)).exists(), "record #{seq} kept");
    }
    assert!(dir.join(body_file(4)).exists() && dir.join(body_file(5)).exists());
    let v = archive.verify("w");
    assert!(v.holds(), "{:?}", v.problems);
    assert_eq!((v.bodies_pruned, v.bodies_checked), (3, 2));
    let h = archive.load("w").expect("load");
    assert!(h.entries[0].body_pruned && !h.entries[4].body_pruned);
    // A body retention has not reached may not vanish.
    std::fs::remove_file(dir.join(body_file(4))).expect("rm");
    assert!(!archive.verify("w").holds());
}

#[test]
fn a_lost_head_continues_the_chain_instead_of_restarting_it() {
    let (_d, archive) = three();
    std::fs::remove_file(archive.dir("w").join("HEAD")).expect("rm");
    assert!(!archive.verify("w").holds(), "a missing HEAD is reported");
    let c = capture(&[B]);
    let at = t0() + TimeDelta::days(9);
    let snap = Snapshot {
        at,
        check: &check(at),
        capture: Some(&c),
        events: &[],
        confirmed_set_hash: None,
    };
    assert_eq!(archive.append("w", &snap, 500).expect("append"), 4);
    assert!(archive.verify("w").holds());
}

#[test]
fn snapshots_are_found_by_number_or_by_date() {
    let (_d, archive) = three();
    let h = archive.load("w").expect("load");
    assert_eq!(
        h.in_force(At::parse("#2").expect("at"))
            .expect("found")
            .seq(),
        2
    );
    assert_eq!(
        h.in_force(At::parse("3").expect("at"))
            .expect("found")
            .seq(),
        3
    );
    // Snapshots are at 06:00 on March 1, 2, 3: the 2nd means the end of that day.
    assert_eq!(
        h.in_force(At::parse("2026-03-02").expect("at"))
            .expect("found")
            .seq(),
        2
    );
    assert_eq!(
        h.in_force(At::parse("2026-03-03T05:59:00Z").expect("at"))
            .expect("found")
            .seq(),
        2
    );
    assert!(h.in_force(At::parse("2026-02-28").expect("at")).is_err());
    assert!(h.in_force(At::Seq(9)).is_err());
    assert!(At::parse("yesterday").is_err());
}

#[test]
fn a_check_without_a_page_is_recorded_without_a_body() {
    let (_d, archive) = three();
    let at = t0() + TimeDelta::days(5);
    let mut failed = check(at);
    failed.result = crate::store::CheckResult::Failed;
    failed.error = Some("connection refused".into());
    let snap = Snapshot {
        at,
        check: &failed,
        capture: None,
        events: &[],
        confirmed_set_hash: None,
    };
    archive.append("w", &snap, 500).expect("append");
    assert!(archive.verify("w").holds());
    let h = archive.load("w").expect("load");
    let last = h.entries.last().expect("four");
    assert!(last.record.body.is_none() && last.record.statements.is_none());
    assert_eq!(h.in_force(At::Seq(4)).expect("in force").seq(), 3);
}
