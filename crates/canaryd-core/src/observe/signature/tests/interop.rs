//! Interop: the real Qubes canary 047 and its two detached signatures, with the pinned keys
//! shipped under `keys/qubes/`.

use super::*;

macro_rules! project_file {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../", $path)).as_slice()
    };
}

#[test]
fn the_qubes_canary_verifies_with_both_pinned_keys() {
    let mut keys = PinnedKey::parse(project_file!("keys/qubes/marmarek.asc"), "marmarek").unwrap();
    keys.extend(PinnedKey::parse(project_file!("keys/qubes/simon.asc"), "simon").unwrap());
    let fingerprints: Vec<_> = keys.iter().map(PinnedKey::fingerprint).collect();
    assert_eq!(
        fingerprints,
        [
            "2D1771FE4D767EDC76B089FAD655A4F21830E06A",
            "EA18E7F040C41DDAEFE9AA0F4AC18DE1112E1490"
        ]
    );
    assert!(
        keys[0]
            .user_id()
            .unwrap()
            .starts_with("Marek Marczykowski-G\u{f3}recki")
    );
    assert!(keys.iter().all(PinnedKey::primary_can_sign));

    let canary = project_file!("tests/fixtures/signed/canary-047-2026.txt");
    let sigs = [
        project_file!("tests/fixtures/signed/canary-047-2026.txt.sig.marmarek"),
        project_file!("tests/fixtures/signed/canary-047-2026.txt.sig.simon"),
    ];
    let verdicts: Vec<_> = sigs
        .iter()
        .flat_map(|sig| verify_detached(canary, sig, &keys))
        .collect();
    assert_eq!(
        statuses(&verdicts),
        [SignatureStatus::Good; 2],
        "{verdicts:#?}"
    );
    let summary = SignatureSummary::new(&verdicts, 2);
    assert_eq!(summary.to_string(), "2/2 ok");
    assert_eq!(summary.good_signers.len(), 2);
    assert!(summary.newest_good_signature_time().is_some());

    let mut altered = canary.to_vec();
    let at = altered.iter().position(|&b| b == b'1').unwrap();
    altered[at] = b'2';
    let verdicts: Vec<_> = sigs
        .iter()
        .flat_map(|sig| verify_detached(&altered, sig, &keys))
        .collect();
    assert_eq!(statuses(&verdicts), [SignatureStatus::Bad; 2]);
    assert_eq!(SignatureSummary::new(&verdicts, 2).to_string(), "BAD");
}
