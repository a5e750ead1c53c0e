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
        served: None,
        served_type: None,
        packed: None,
    }
}

/// Appends `c` as a snapshot taken at `at`, its check a plain successful one.
fn append_capture(archive: &Archive, at: DateTime<Utc>, c: &Capture, max_history: usize) -> u64 {
    let snap = Snapshot {
        at,
        check: &check(at),
        capture: Some(c),
        events: &[],
        confirmed_set_hash: None,
        generation: None,
    };
    archive.append("w", &snap, max_history).expect("append")
}

/// Appends one snapshot per page, a day apart.
fn archive_with(pages: &[&[&str]], max_history: usize) -> (tempfile::TempDir, Archive) {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = Archive::new(dir.path());
    for (i, page) in pages.iter().enumerate() {
        let at = t0() + TimeDelta::days(i as i64);
        let c = capture(page);
        let seq = append_capture(&archive, at, &c, max_history);
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
fn a_capture_packed_ahead_is_stored_byte_for_byte_as_one_packed_by_the_commit() {
    let archives: Vec<_> = [false, true]
        .into_iter()
        .map(|ahead| {
            let dir = tempfile::tempdir().expect("tempdir");
            let archive = Archive::new(dir.path());
            let mut c = capture(&[A, B]);
            c.served = Some(bytes::Bytes::from_static(b"<p>as the server sent it</p>"));
            if ahead {
                c.pack().expect("pack");
            }
            append_capture(&archive, t0(), &c, 500);
            (dir, archive)
        })
        .collect();
    let files = |d: &tempfile::TempDir| -> Vec<(String, Vec<u8>)> {
        let history = d.path().join("w/history");
        let mut v: Vec<_> = std::fs::read_dir(&history)
            .expect("history")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).expect("read"))
            })
            .collect();
        v.sort();
        v
    };
    let (plain, ahead) = (files(&archives[0].0), files(&archives[1].0));
    assert_eq!(plain.len(), 4, "record, body, served body, HEAD: {plain:?}");
    assert_eq!(plain, ahead);
    let v = archives[1].1.verify("w");
    assert!(v.holds(), "{:?}", v.problems);
    assert_eq!(v.bodies_checked, 2);
}

#[test]
fn a_body_packed_ahead_is_the_one_written_not_packed_again() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = Archive::new(dir.path());
    let mut c = capture(&[A, B]);
    // Another valid gzip of the same body (best level, a name in its header): bytes the
    // commit's own packing never makes, so only the handed-over packing can have written them.
    let mut enc = flate2::GzBuilder::new()
        .filename("ahead")
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(&c.body).expect("gzip");
    let gz = enc.finish().expect("gzip");
    c.packed = Some(Packed {
        body: append::packed_from(gz.clone(), &c.body),
        served: None,
    });
    let seq = append_capture(&archive, t0(), &c, 500);
    let written = std::fs::read(dir.path().join("w/history").join(body_file(seq))).expect("body");
    assert_eq!(written, gz);
    let v = archive.verify("w");
    assert!(v.holds(), "{:?}", v.problems);
    assert_eq!(v.bodies_checked, 1);
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

/// Appends one more snapshot of page `[B]`, `days` after t0.
fn append_one(archive: &Archive, days: i64, max_history: usize) -> u64 {
    let c = capture(&[B]);
    let at = t0() + TimeDelta::days(days);
    append_capture(archive, at, &c, max_history)
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json")
}

fn edit_head(archive: &Archive, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = archive.dir("w").join("HEAD");
    let mut head = json(&path);
    edit(&mut head);
    std::fs::write(&path, serde_json::to_vec_pretty(&head).expect("json")).expect("write");
}

fn sha256_of(path: &std::path::Path) -> String {
    super::record::sha256_hex(std::fs::read(path).expect("read"))
}

fn problems(v: &Verification) -> String {
    v.problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_lost_head_is_rebuilt_and_the_loss_stays_in_the_chain() {
    let (_d, archive) = three();
    let dir = archive.dir("w");
    // Someone deletes the newest record, its body and HEAD.
    for f in [record_file(3), body_file(3), "HEAD".to_string()] {
        std::fs::remove_file(dir.join(f)).expect("rm");
    }
    assert!(!archive.verify("w").holds(), "a missing HEAD is reported");
    // The next change continues the chain from what is left (never restarting at 1) …
    assert_eq!(append_one(&archive, 9, 500), 3);
    let v = archive.verify("w");
    assert!(!v.holds(), "a rebuilt HEAD is not a chain that holds");
    let text = problems(&v);
    assert!(
        text.contains("HEAD was missing and rebuilt at 2026-03-10 06:00:00 UTC")
            && text.contains("records after #2 may have been deleted"),
        "{text}"
    );
    // … and says so in the hashed chain and in HEAD.
    let record = json(&dir.join(record_file(3)));
    assert_eq!(record["head_rebuilt"]["from_seq"], 2, "{record}");
    assert_eq!(record["head_rebuilt"]["why"], "missing", "{record}");
    assert_eq!(json(&dir.join("HEAD"))["rebuilt"]["from_seq"], 2);
    // Later changes do not wash it out.
    assert_eq!(append_one(&archive, 10, 500), 4);
    let v = archive.verify("w");
    assert!(
        problems(&v).contains("records after #2 may have been deleted"),
        "{:?}",
        v.problems
    );
    assert!(json(&dir.join(record_file(4)))["head_rebuilt"].is_null());
}

#[test]
fn an_edited_head_is_caught_after_the_next_change() {
    // HEAD moved back to #1 with #1's own hash: a consistent forgery dropping #2 and #3.
    let (_d, archive) = three();
    let dir = archive.dir("w");
    let before: Vec<Vec<u8>> = [2, 3]
        .iter()
        .map(|s| std::fs::read(dir.join(record_file(*s))).expect("read"))
        .collect();
    let first = sha256_of(&dir.join(record_file(1)));
    edit_head(&archive, |h| {
        h["seq"] = 1.into();
        h["record_sha256"] = first.into();
    });
    assert_eq!(
        append_one(&archive, 9, 500),
        4,
        "records #2 and #3 are not reused"
    );
    for (seq, bytes) in [2, 3].iter().zip(&before) {
        assert_eq!(
            &std::fs::read(dir.join(record_file(*seq))).expect("read"),
            bytes,
            "record #{seq} kept"
        );
    }
    let v = archive.verify("w");
    assert!(!v.holds());
    assert!(problems(&v).contains("HEAD was edited"), "{}", problems(&v));

    // HEAD naming a hash the newest record does not have.
    let (_d, archive) = three();
    edit_head(&archive, |h| h["record_sha256"] = "0".repeat(64).into());
    assert_eq!(append_one(&archive, 9, 500), 4);
    let v = archive.verify("w");
    assert!(problems(&v).contains("HEAD was edited"), "{}", problems(&v));

    // HEAD naming a record that is not there.
    let (_d, archive) = three();
    edit_head(&archive, |h| h["seq"] = 9.into());
    assert_eq!(
        append_one(&archive, 9, 500),
        4,
        "continued from the newest record"
    );
    let v = archive.verify("w");
    assert!(problems(&v).contains("HEAD was edited"), "{}", problems(&v));
}

#[test]
fn deleted_bodies_under_a_raised_head_marker_are_reported_deleted() {
    let (_d, archive) = three();
    let dir = archive.dir("w");
    let head_hash = archive.head("w").expect("head").record_sha256;
    for seq in [1, 2] {
        std::fs::remove_file(dir.join(body_file(seq))).expect("rm");
    }
    edit_head(&archive, |h| h["bodies_pruned_through"] = 2.into());
    let v = archive.verify("w");
    assert_eq!(
        v.head.as_ref().map(|h| h.record_sha256.clone()),
        Some(head_hash)
    );
    assert!(!v.holds(), "HEAD's marker alone proves nothing");
    for seq in [1, 2] {
        assert!(
            v.problems.iter().any(|p| p.seq == Some(seq)
                && p.file == body_file(seq)
                && p.what.contains("deleted")),
            "#{seq}: {}",
            problems(&v)
        );
    }
    let h = archive.load("w").expect("load");
    assert!(
        !h.entries[0].body_pruned,
        "history does not call it pruned either"
    );
}

#[test]
fn retention_is_recorded_in_the_hashed_chain() {
    let pages: Vec<&[&str]> = vec![&[A], &[A, B], &[B], &[A], &[A, B]];
    let (_d, archive) = archive_with(&pages, 2);
    let dir = archive.dir("w");
    for seq in [1, 2] {
        assert!(json(&dir.join(record_file(seq)))["pruned"].is_null());
    }
    for (seq, through, day) in [(3, 1, 3), (4, 2, 4), (5, 3, 5)] {
        let pruned = &json(&dir.join(record_file(seq)))["pruned"];
        assert_eq!(pruned["through_seq"], through, "#{seq}: {pruned}");
        assert_eq!(pruned["rule"], "max_history=2", "#{seq}: {pruned}");
        assert_eq!(
            pruned["at"],
            format!("2026-03-0{day}T06:00:00Z"),
            "#{seq}: {pruned}"
        );
    }
    // A larger max_history later prunes nothing more; the mark is carried forward as is.
    assert_eq!(append_one(&archive, 9, 500), 6);
    let pruned = &json(&dir.join(record_file(6)))["pruned"];
    assert_eq!(pruned["through_seq"], 3, "{pruned}");
    assert_eq!(pruned["at"], "2026-03-05T06:00:00Z", "{pruned}");
    let v = archive.verify("w");
    assert!(v.holds(), "{}", problems(&v));
    assert_eq!((v.bodies_pruned, v.bodies_checked), (3, 3));
}

/// `fixtures/v1`: five records written by canaryd before pruning was chained
/// (`canaryd-evidence/1`, max_history = 2: bodies 1-3 pruned, HEAD says so).
fn v1_chain() -> (tempfile::TempDir, Archive) {
    let d = tempfile::tempdir().expect("tempdir");
    let dir = d.path().join("w").join("history");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let fixture =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/archive/fixtures/v1");
    for e in std::fs::read_dir(fixture).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), dir.join(e.file_name())).expect("copy");
    }
    let archive = Archive::new(d.path());
    (d, archive)
}

#[test]
fn chains_written_before_pruning_was_chained_still_verify_and_continue() {
    let (_d, archive) = v1_chain();
    let dir = archive.dir("w");
    assert_eq!(
        json(&dir.join(record_file(5)))["format"],
        "canaryd-evidence/1"
    );
    let v = archive.verify("w");
    assert!(v.holds(), "{}", problems(&v));
    assert_eq!((v.records, v.bodies_pruned, v.bodies_checked), (5, 3, 2));
    assert!(
        v.notes.iter().any(|n| n.contains("bodies_pruned_through")),
        "the old-style marker is named: {:?}",
        v.notes
    );
    let h = archive.load("w").expect("load");
    assert!(h.entries[2].body_pruned && !h.entries[3].body_pruned);

    // The first new record takes HEAD's old marker into the chain …
    assert_eq!(append_one(&archive, 9, 500), 6);
    let six = json(&dir.join(record_file(6)));
    assert_eq!(six["format"], "canaryd-evidence/2");
    assert_eq!(six["pruned"]["through_seq"], 3, "{six}");
    assert!(
        six["pruned"]["rule"]
            .as_str()
            .expect("rule")
            .contains("HEAD"),
        "{six}"
    );
    let v = archive.verify("w");
    assert!(v.holds(), "{}", problems(&v));
    assert_eq!(v.bodies_pruned, 3);
    // … after which HEAD's marker counts for nothing.
    std::fs::remove_file(dir.join(body_file(4))).expect("rm");
    edit_head(&archive, |h| h["bodies_pruned_through"] = 4.into());
    let v = archive.verify("w");
    assert!(
        v.problems
            .iter()
            .any(|p| p.seq == Some(4) && p.what.contains("deleted")),
        "{}",
        problems(&v)
    );

    // Retention of the new version on an old chain.
    let (_d, archive) = v1_chain();
    assert_eq!(append_one(&archive, 9, 2), 6);
    let six = json(&archive.dir("w").join(record_file(6)));
    assert_eq!(six["pruned"]["through_seq"], 4, "{six}");
    assert_eq!(six["pruned"]["rule"], "max_history=2", "{six}");
    let v = archive.verify("w");
    assert!(v.holds(), "{}", problems(&v));
    assert_eq!((v.bodies_pruned, v.bodies_checked), (4, 2));
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
        generation: None,
    };
    archive.append("w", &snap, 500).expect("append");
    assert!(archive.verify("w").holds());
    let h = archive.load("w").expect("load");
    let last = h.entries.last().expect("four");
    assert!(last.record.body.is_none() && last.record.statements.is_none());
    assert_eq!(h.in_force(At::Seq(4)).expect("in force").seq(), 3);
}

#[test]
fn the_tip_names_the_generation_its_newest_trusted_record_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = Archive::new(dir.path());
    let tip = archive.tip("w", t0()).expect("a watch without history");
    assert_eq!(tip.generation(), None, "no chain yet");
    let c = capture(&[A]);
    let snap = Snapshot {
        at: t0(),
        check: &check(t0()),
        capture: Some(&c),
        events: &[],
        confirmed_set_hash: None,
        generation: Some(7),
    };
    let tip = archive.tip("w", t0()).expect("tip");
    let prepared = archive.prepare("w", Some(tip), &snap, 10).expect("prepare");
    assert_eq!(
        archive.tip("w", t0()).expect("tip").generation(),
        None,
        "a record HEAD does not name yet is not in the chain"
    );
    archive.finish(&prepared).expect("finish");
    assert_eq!(archive.tip("w", t0()).expect("tip").generation(), Some(7));
    // A HEAD that cannot be trusted names no generation: the check writes its record anew
    // (noting the rebuild) rather than taking an untrusted one for its own.
    std::fs::write(dir.path().join("w/history/HEAD"), b"not a head").expect("edit HEAD");
    assert_eq!(archive.tip("w", t0()).expect("tip").generation(), None);
}
