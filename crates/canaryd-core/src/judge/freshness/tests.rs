use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn t(s: &str) -> DateTime<Utc> {
    format!("{s}T12:00:00Z").parse().expect("time")
}

fn proofs(hash: Option<&str>, height: Option<u64>, headline: &str) -> Freshness {
    Freshness {
        block_hashes: hash.map(str::to_string).into_iter().collect(),
        block_heights: height.into_iter().collect(),
        headlines: vec![crate::observe::freshness::Headlines {
            source: "BBC News".into(),
            items: vec![headline.into()],
        }],
        ..Freshness::default()
    }
}

/// Judges `versions` (canary date, time seen, proofs) in order; the events' details.
fn run(versions: &[(&str, DateTime<Utc>, Freshness)]) -> Vec<String> {
    let mut state = FreshnessState::default();
    let mut out = Vec::new();
    for (date, at, f) in versions {
        // Each version is looked at twice, as replay and repeated checks do.
        for _ in 0..2 {
            let (s, events) = judge(&state, f, Some(d(date)), *at, &Policy::default());
            state = s;
            out.extend(events.into_iter().map(|e| {
                assert_eq!(e.kind, EventKind::Freshness);
                assert_eq!(e.severity, Severity::High);
                e.detail
            }));
        }
    }
    out
}

const H1: &str = "00000000000000000002a7c4fb4f5b739e74f18ca4b3b6add30011982c0735d7";
const H2: &str = "0000000000000000000151ab00cd5b739e74f18ca4b3b6add30011982c0735d7";

#[test]
fn quarterly_reissues_with_fresh_proofs_are_silent() {
    let got = run(&[
        (
            "2026-03-01",
            t("2026-03-01"),
            proofs(Some(H1), Some(938_000), "a"),
        ),
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(Some(H2), Some(951_200), "b"),
        ),
    ]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn a_reissue_quoting_the_same_block_hash_is_alerted_once() {
    let got = run(&[
        ("2026-03-01", t("2026-03-01"), proofs(Some(H1), None, "a")),
        ("2026-06-01", t("2026-06-01"), proofs(Some(H1), None, "b")),
    ]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("same Bitcoin block hash") && got[0].contains(H1),
        "{got:?}"
    );
}

#[test]
fn a_correction_minutes_later_with_the_same_proof_is_not_a_reissue() {
    let first = t("2026-06-01");
    let got = run(&[
        ("2026-05-01", first, proofs(Some(H1), Some(946_800), "a")),
        // The date itself corrected twenty minutes later, proof kept.
        (
            "2026-06-01",
            first + TimeDelta::minutes(20),
            proofs(Some(H1), Some(946_800), "a"),
        ),
    ]);
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn heights_backwards_too_slow_or_too_fast_are_alerted() {
    let back = run(&[
        (
            "2026-03-01",
            t("2026-03-01"),
            proofs(None, Some(938_000), "a"),
        ),
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(None, Some(937_000), "b"),
        ),
    ]);
    assert!(
        back.iter().any(|e| e.contains("went backwards")),
        "{back:?}"
    );
    let slow = run(&[
        (
            "2026-03-01",
            t("2026-03-01"),
            proofs(None, Some(938_000), "a"),
        ),
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(None, Some(938_400), "b"),
        ),
    ]);
    assert!(
        slow.iter().any(|e| e.contains("advanced only 400 blocks")),
        "{slow:?}"
    );
    let fast = run(&[
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(None, Some(951_000), "a"),
        ),
        (
            "2026-06-08",
            t("2026-06-08"),
            proofs(None, Some(960_000), "b"),
        ),
    ]);
    assert!(
        fast.iter().any(|e| e.contains("advanced 9000 blocks")),
        "{fast:?}"
    );
    // Weekly, at a plausible pace: silent.
    let fine = run(&[
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(None, Some(951_000), "a"),
        ),
        (
            "2026-06-08",
            t("2026-06-08"),
            proofs(None, Some(952_050), "b"),
        ),
    ]);
    assert!(fine.is_empty(), "{fine:?}");
}

#[test]
fn a_height_far_from_the_canarys_date_is_alerted() {
    let got = run(&[(
        "2026-06-01",
        t("2026-06-01"),
        proofs(None, Some(850_000), "a"),
    )]);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].contains("which the chain reached about 2024-"),
        "{got:?}"
    );
    // Anchors: the halvings are where the table says.
    assert_eq!(expected_height(d("2016-07-09")), 420_000);
    assert_eq!(expected_date(630_000), d("2020-05-11"));
    assert_eq!(expected_date(840_000), d("2024-04-20"));
    let near = expected_height(d("2025-01-01"));
    assert!((870_000..885_000).contains(&near), "{near}");
}

#[test]
fn headlines_alone_unchanged_while_others_move_are_not_alerted_but_all_unchanged_is() {
    let moving = run(&[
        (
            "2026-03-01",
            t("2026-03-01"),
            proofs(Some(H1), None, "dead feed"),
        ),
        (
            "2026-06-01",
            t("2026-06-01"),
            proofs(Some(H2), None, "dead feed"),
        ),
    ]);
    assert!(moving.is_empty(), "{moving:?}");
    let frozen = run(&[
        ("2026-03-01", t("2026-03-01"), proofs(None, None, "same")),
        ("2026-06-01", t("2026-06-01"), proofs(None, None, "same")),
    ]);
    assert_eq!(frozen.len(), 1, "{frozen:?}");
    assert!(
        frozen[0].contains("exactly the proofs of freshness"),
        "{frozen:?}"
    );
}

#[test]
fn an_undated_canary_or_one_without_proofs_is_not_judged() {
    let (state, events) = judge(
        &FreshnessState::default(),
        &proofs(Some(H1), None, "a"),
        None,
        t("2026-06-01"),
        &Policy::default(),
    );
    assert!(events.is_empty() && state.is_empty());
    let got = run(&[
        ("2026-03-01", t("2026-03-01"), Freshness::default()),
        ("2026-06-01", t("2026-06-01"), Freshness::default()),
    ]);
    assert!(got.is_empty());
}
