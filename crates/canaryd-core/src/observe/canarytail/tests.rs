//! CanaryTail parsing, verification and judgement tests.

use super::*;
use canaryd_testkit::canarytail::{client_claim, document, key, public};
use serde_json::json;

#[test]
fn valid_client_document_verifies() {
    let (a, b, p) = (key(1), key(2), key(9));
    let claim = client_claim(json!([public(&a), public(&b)]), &p);
    let canary = parse(&document(&claim, &[&a, &b])).unwrap();
    assert_eq!(canary.shape, Shape::Client);
    assert_eq!(canary.version.as_deref(), Some("0.1"));
    assert_eq!(canary.domain.as_deref(), Some("example.org"));
    assert_eq!(canary.codes.len(), 10);
    assert_eq!(canary.release.to_rfc3339(), "2026-11-01T00:00:00+00:00");
    assert!(!canary.is_duress());
    assert!(canary.missing_codes().is_empty());

    let check = verify(&canary);
    assert_eq!(check.verdict, Verdict::Valid, "{}", check.reason);
    assert!(check.is_valid());
    assert_eq!(check.valid_signers, 2);
    assert_eq!(check.threshold, 2);
    assert!(!check.panic_signed);
    assert_eq!(check.reason, "2 of 2 listed keys signed validly (2 needed)");
    let mut expected = vec![public(&a), public(&b)];
    expected.sort();
    assert_eq!(check.keys, expected);
    assert!(!check.keys_differ_from(&[public(&b), public(&a)]));
    assert!(check.keys_differ_from(&[public(&a), public(&p)]));
    let hex_a = hex::encode(a.verifying_key().to_bytes());
    assert!(!check.keys_differ_from(&[public(&b), hex_a]));
}

#[test]
fn by_default_every_listed_key_must_sign() {
    let (a, b, p) = (key(1), key(2), key(9));
    let claim = client_claim(json!([public(&a), public(&b)]), &p);
    let check = verify(&parse(&document(&claim, &[&a])).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid);
    assert_eq!(
        check.reason,
        "1 of 2 listed keys signed validly (2 needed): no signatures"
    );
    assert_eq!(check.signers[1].outcome, SignerOutcome::NotSigned);
}

#[test]
fn tampered_field_fails() {
    let (a, p) = (key(1), key(9));
    let claim = client_claim(json!([public(&a)]), &p);
    let mut doc: Value = serde_json::from_slice(&document(&claim, &[&a])).unwrap();
    doc["canary"]["expiry"] = json!("2027-12-01T00:00:00Z");
    let canary = parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let check = verify(&canary);
    assert_eq!(check.verdict, Verdict::Invalid);
    assert_eq!(
        check.signers[0].outcome,
        SignerOutcome::BadSignature("expiry".into())
    );

    // Dropping a code (the way a canary is tripped) without re-signing fails too.
    let mut doc: Value = serde_json::from_slice(&document(&claim, &[&a])).unwrap();
    doc["canary"]["codes"].as_array_mut().unwrap().pop();
    let check = verify(&parse(&serde_json::to_vec(&doc).unwrap()).unwrap());
    assert_eq!(
        check.signers[0].outcome,
        SignerOutcome::BadSignature("codes".into())
    );

    // And a core field whose signature was removed.
    let mut doc: Value = serde_json::from_slice(&document(&claim, &[&a])).unwrap();
    doc["signatures"][public(&a)]
        .as_object_mut()
        .unwrap()
        .remove("release");
    let check = verify(&parse(&serde_json::to_vec(&doc).unwrap()).unwrap());
    assert_eq!(
        check.signers[0].outcome,
        SignerOutcome::FieldNotSigned("release".into())
    );
}

#[test]
fn min_signers_and_required_signers() {
    let (a, b, c, p) = (key(1), key(2), key(3), key(9));
    let mut claim = client_claim(
        json!([
            {"role": "owner", "name": "alice", "key": public(&a), "required": true},
            {"role": "witness", "name": "bob", "key": public(&b), "required": false},
            {"role": "witness", "name": "carol", "key": public(&c)},
        ]),
        &p,
    );
    claim["min_signers"] = json!(2);
    claim["mirrors"] = json!(["https://mirror.example/canary.json"]);

    let canary = parse(&document(&claim, &[&a, &c])).unwrap();
    assert_eq!(canary.min_signers, Some(2));
    assert_eq!(canary.signers[0].name.as_deref(), Some("alice"));
    assert_eq!(canary.signers[0].role.as_deref(), Some("owner"));
    assert!(canary.signers[0].required && !canary.signers[2].required);
    assert_eq!(canary.mirrors, ["https://mirror.example/canary.json"]);
    let check = verify(&canary);
    assert_eq!(check.verdict, Verdict::Valid, "{}", check.reason);
    assert_eq!(check.reason, "2 of 3 listed keys signed validly (2 needed)");

    // Two signers, but not the required one.
    let check = verify(&parse(&document(&claim, &[&b, &c])).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid);
    assert_eq!(
        check.reason,
        "required signer alice did not sign validly (no signatures)"
    );

    // The required one alone is not enough.
    let check = verify(&parse(&document(&claim, &[&a])).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid);
}

#[test]
fn extra_fields_may_go_unsigned_but_are_reported() {
    let (a, p) = (key(1), key(9));
    let claim = client_claim(json!([public(&a)]), &p);
    let mut doc: Value = serde_json::from_slice(&document(&claim, &[&a])).unwrap();
    doc["canary"]["ipns_key"] = json!("k51qzi5uqu5d");
    let check = verify(&parse(&serde_json::to_vec(&doc).unwrap()).unwrap());
    assert_eq!(check.verdict, Verdict::Valid);
    assert_eq!(check.unsigned_fields, ["ipns_key"]);

    // But the fields the client signs must be signed: `mirrors` among them.
    doc["canary"]["mirrors"] = json!(["https://m.example/"]);
    let check = verify(&parse(&serde_json::to_vec(&doc).unwrap()).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid);
    assert_eq!(
        check.signers[0].outcome,
        SignerOutcome::FieldNotSigned("mirrors".into())
    );
}

/// Documents written by the real client (`make-fixtures.go` beside them runs Go's own `%v`
/// and `json.MarshalIndent`): two signers as key objects, `min_signers`, a top-level
/// `version`, `mirrors: null`, the codes in any order.
const CLIENT_MADE: [&[u8]; 3] = [
    include_bytes!("../../../../../tests/fixtures/canarytail/client/01-2026-11-01.json"),
    include_bytes!("../../../../../tests/fixtures/canarytail/client/02-2026-12-01.json"),
    include_bytes!("../../../../../tests/fixtures/canarytail/client/03-2027-01-01.json"),
];

#[test]
fn documents_made_by_the_client_verify() {
    for (i, doc) in CLIENT_MADE.iter().enumerate() {
        let canary = parse(doc).unwrap();
        assert_eq!(canary.shape, Shape::Client);
        assert_eq!(canary.version.as_deref(), Some("0.1"));
        assert_eq!(canary.min_signers, Some(2));
        assert_eq!(canary.signers[0].name.as_deref(), Some("alice"));
        assert_eq!(canary.signers[1].role.as_deref(), Some("cosigner"));
        assert!(canary.signers[0].required && !canary.signers[1].required);
        let check = verify(&canary);
        assert_eq!(
            check.verdict,
            Verdict::Valid,
            "version {i}: {}",
            check.reason
        );
        assert_eq!(check.reason, "2 of 2 listed keys signed validly (2 needed)");
        assert!(
            check.unsigned_fields.is_empty(),
            "{:?}",
            check.unsigned_fields
        );
        assert_eq!(check.keys.len(), 2);
    }
    let second = parse(CLIENT_MADE[1]).unwrap();
    assert_eq!(second.mirrors, ["https://mirror.example.org/canary.json"]);
    assert_eq!(second.codes[0], "XOPERS", "document order");
    assert!(parse(CLIENT_MADE[0]).unwrap().mirrors.is_empty());
    let third = parse(CLIENT_MADE[2]).unwrap();
    assert!(!third.claims("GAG") && third.claims("WAR"));

    // One byte changed in a signed field: no longer valid.
    let text = std::str::from_utf8(CLIENT_MADE[0]).unwrap();
    let forged = text.replace("\"name\": \"bob\"", "\"name\": \"bib\"");
    assert_ne!(forged, text);
    let check = verify(&parse(forged.as_bytes()).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid, "{}", check.reason);
}

/// Issue 19: a signed field replaced, or shadowed, by an unsigned key differing only in case.
#[test]
fn a_key_differing_from_a_signed_field_only_in_case_is_a_signature_problem() {
    // The publisher re-signed without "gag"; the attacker puts it back under `CODES`.
    let signed = std::str::from_utf8(CLIENT_MADE[2]).unwrap();
    assert_eq!(
        verify(&parse(signed.as_bytes()).unwrap()).verdict,
        Verdict::Valid
    );
    let replaced = signed.replace("\"codes\": [", "\"CODES\": [\n \"gag\",");
    let beside = signed.replace(
        "\"codes\": [",
        "\"CODES\": [\"war\", \"gag\"],\n \"codes\": [",
    );
    let folded = signed.replace("\"codes\": [", "\"code\u{17f}\": [\n \"gag\",");
    let release = signed.replace("\"release\": \"2027-01-01", "\"Release\": \"2027-06-01");
    let expiry = signed.replace("\"expiry\"", "\"Expiry\"");
    let top = signed.replace("\"canary\": {", "\"Canary\": {");
    for (case, text, name) in [
        ("CODES instead of codes", &replaced, "CODES"),
        ("CODES beside codes", &beside, "CODES"),
        ("a long s", &folded, "code\u{17f}"),
        ("Release instead of release", &release, "Release"),
        ("Expiry instead of expiry", &expiry, "Expiry"),
        ("Canary instead of canary", &top, "Canary"),
    ] {
        assert_ne!(text, signed, "{case}: the edit applies");
        let canary = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e}"));
        let check = verify(&canary);
        assert_eq!(check.verdict, Verdict::Invalid, "{case}: {}", check.reason);
        assert!(check.reason.contains(name), "{case}: {}", check.reason);
    }
}

/// An unsigned `min_signers` added to an older document (keys as strings) must not lower
/// how many signers are needed.
#[test]
fn an_unsigned_min_signers_does_not_lower_the_threshold() {
    let (a, b, p) = (key(1), key(2), key(9));
    let claim = client_claim(json!([public(&a), public(&b)]), &p);
    let mut doc: Value = serde_json::from_slice(&document(&claim, &[&a])).unwrap();
    doc["canary"]["min_signers"] = json!(1);
    let check = verify(&parse(&serde_json::to_vec(&doc).unwrap()).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid, "{}", check.reason);
}

#[test]
fn panic_key_signature_is_reported() {
    let (a, p) = (key(1), key(9));
    let claim = client_claim(json!([public(&a)]), &p);
    let check = verify(&parse(&document(&claim, &[&a, &p])).unwrap());
    assert!(check.panic_signed);
    assert_eq!(check.verdict, Verdict::Panic);
    assert!(check.unlisted_signers.is_empty());

    let stranger = key(5);
    let check = verify(&parse(&document(&claim, &[&a, &stranger])).unwrap());
    assert_eq!(check.verdict, Verdict::Valid);
    assert_eq!(check.unlisted_signers, [public(&stranger)]);
}

#[test]
fn dropped_duress_code_reads_as_duress() {
    let (a, p) = (key(1), key(9));
    let mut claim = client_claim(json!([public(&a)]), &p);
    claim["codes"] = json!(["war", "gag", "WAR"]);
    let canary = parse(&document(&claim, &[&a])).unwrap();
    assert_eq!(canary.codes, ["WAR", "GAG"]);
    assert!(canary.is_duress());
    assert_eq!(canary.missing_codes().len(), 8);
    assert_eq!(
        canary.statements(),
        [
            ("WAR".to_string(), "warrants have not been received"),
            ("GAG".to_string(), "gag orders have not been received"),
        ]
    );
}

const README_EXAMPLE: &str = "    -----BEGIN CANARY SIGNED MESSAGE-----
    {
        \"PUBKEY\" : \"1GQH1cDFHLyq2KHHAqFTYMy9kWmMw9dsdR\",
        \"NEWKEY\" : \"1DEKZAMjiT1jUhWAh8RH6zwmQpuvtW6X3y\",
        \"PANICKEY\" : \"1MKoEjCVyLcVrNZJEdxy4Utv4enNe5XNUn\",
        \"VERSION\" : 0.1,
        \"RELEASE\" : \"2019-03-06T22:23:09.963Z\",
        \u{201c}EXPIRES\u{201d} : \u{201c}2019-04-06T22:23:09.963Z\u{201d},
        \"FRESHNESS\" : \"0000 0000 0000 0000 000e d66a e55a 308b\",
        \"CODES\" : {
            \"WAR\" : 0, \"GAG\" : 0, \"SUBP\" : 0, \"TRAP\" : 0, \"CEASE\" : 0, \"DURESS\" : 0,
            \"RAID\" : 1, \"SEIZE\" : 0, \"XCRED\" : 0, \"XOPERS\" : 0, \"SEPU\" : 1
        }
    }

    -----BEGIN SIGNATURE-----

    1HZwkjkeaoZfTSaJxDw6aKkxp45agDiEzN
    G5ggR44agGR90xngVZvpqGKfgcQUPWyQmY93BfPUnfKkFpV+u6NC3Q/Q8i

    -----END CANARY SIGNED MESSAGE-----
";

#[test]
fn readme_shape_parses() {
    assert!(looks_like_canarytail(README_EXAMPLE.as_bytes()));
    let canary = parse(README_EXAMPLE.as_bytes()).unwrap();
    assert_eq!(canary.shape, Shape::Readme);
    assert_eq!(canary.version.as_deref(), Some("0.1"));
    assert_eq!(canary.signers[0].key, "1GQH1cDFHLyq2KHHAqFTYMy9kWmMw9dsdR");
    assert_eq!(
        canary.new_key.as_deref(),
        Some("1DEKZAMjiT1jUhWAh8RH6zwmQpuvtW6X3y")
    );
    assert_eq!(
        canary.expiry,
        parse_timestamp("2019-04-06T22:23:09.963Z").unwrap()
    );
    // RAID: 1 means a raid happened, so its claim is not made; SEPU: 1 is the pledge.
    assert!(!canary.claims("RAID"));
    assert!(canary.claims("SEPU") && canary.claims("war"));
    assert_eq!(canary.missing_codes(), ["RAID"]);
    assert!(
        canary
            .armoured_signature
            .as_deref()
            .unwrap()
            .starts_with("1HZwkjk")
    );
    let check = verify(&canary);
    assert_eq!(check.verdict, Verdict::NotVerifiable);
}

#[test]
fn readme_variant_with_claims_and_codes_string() {
    let doc =
        br#"{"VERSION": "0.1", "CLAIMS": {"PUBKEY": "k", "RELEASE": "2026-11-01T00:00:00.000",
            "EXPIRES": "2026-12-01", "CODES": "WAR GAG, SUBP DURESS SEPU"}}"#;
    assert!(looks_like_canarytail(doc));
    let canary = parse(doc).unwrap();
    assert_eq!(canary.shape, Shape::Readme);
    assert_eq!(canary.codes, ["WAR", "GAG", "SUBP", "DURESS", "SEPU"]);
    assert_eq!(canary.release.to_rfc3339(), "2026-11-01T00:00:00+00:00");
    assert_eq!(canary.expiry.to_rfc3339(), "2026-12-01T00:00:00+00:00");
    assert!(!canary.is_expired(parse_timestamp("2026-11-15").unwrap()));
    assert!(canary.is_expired(parse_timestamp("2026-12-01").unwrap()));
}

#[test]
fn meaning_table_covers_every_code() {
    let codes: Vec<_> = all_codes().collect();
    assert_eq!(
        codes,
        [
            "WAR", "GAG", "SUBP", "TRAP", "CEASE", "DURESS", "RAID", "SEIZE", "XCRED", "XOPERS",
            "SEPU"
        ]
    );
    for code in codes {
        assert_ne!(meaning(code), meaning("NOPE"), "{code}");
        assert_eq!(meaning(code), meaning(&code.to_lowercase()));
    }
    assert_eq!(meaning("WAR"), "warrants have not been received");
    assert_eq!(meaning("NOPE"), "a code CanaryTail 0.1 does not define");
}

#[test]
fn detection() {
    let (a, p) = (key(1), key(9));
    let doc = document(&client_claim(json!([public(&a)]), &p), &[&a]);
    assert!(looks_like_canarytail(&doc));
    assert!(!looks_like_canarytail(br#"{"codes": [1]}"#));
    assert!(!looks_like_canarytail(
        br#"{"name": "x", "release": "2026"}"#
    ));
    assert!(!looks_like_canarytail(b"[1, 2]"));
    assert!(!looks_like_canarytail(b"<html>"));
    assert!(!looks_like_canarytail(&[0xff, 0xfe]));
}

#[test]
fn detection_reads_past_a_long_or_marked_start() {
    let (a, p) = (key(1), key(9));
    let doc = document(&client_claim(json!([public(&a)]), &p), &[&a]);
    // Whitespace longer than the head that is looked at first, ending in a character cut
    // by that head (U+3000 is three bytes): the whole body still decides.
    let mut padded = vec![b' '; 4095];
    padded.extend_from_slice("\u{3000}\n".as_bytes());
    padded.extend_from_slice(&doc);
    assert!(looks_like_canarytail(&padded));
    let mut marked = "\u{feff}\r\n".as_bytes().to_vec();
    marked.extend_from_slice(&doc);
    assert!(looks_like_canarytail(&marked));
    // An HTML page with bytes that are not UTF-8 further on, and JSON that is not UTF-8.
    let mut html = b"<!doctype html><p>".to_vec();
    html.extend_from_slice(&[0xff; 8]);
    assert!(!looks_like_canarytail(&html));
    let mut broken = doc.clone();
    broken.push(0xff);
    assert!(!looks_like_canarytail(&broken));
}

#[test]
fn errors() {
    assert!(matches!(
        parse(b"not json"),
        Err(CanaryTailError::NotJson(_))
    ));
    assert!(matches!(parse(&[0xff]), Err(CanaryTailError::NotUtf8)));
    assert!(matches!(
        parse(b"[]"),
        Err(CanaryTailError::NotCanaryTail(_))
    ));
    assert!(matches!(
        parse(br#"{"canary": {"codes": [], "release": "2026-01-01"}}"#),
        Err(CanaryTailError::MissingField("expiry"))
    ));
    let err = parse(br#"{"canary": {"codes": [], "release": "soon", "expiry": "x"}}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the release of the canary is not a date: \"soon\""
    );
    assert!(matches!(
            parse(br#"{"canary": {"codes": [], "release": "2026-01-01", "expiry": "2026-02-01", "pubkeys": 3}}"#),
            Err(CanaryTailError::BadField { field: "pubkeys", .. })
        ));
}

#[test]
fn no_keys_is_invalid_and_bad_keys_are_named() {
    let p = key(9);
    let claim = client_claim(json!(["not a key"]), &p);
    let check = verify(&parse(&document(&claim, &[])).unwrap());
    assert_eq!(check.verdict, Verdict::Invalid);
    assert_eq!(check.signers[0].outcome, SignerOutcome::BadKey);
    let claim = client_claim(json!([]), &p);
    let check = verify(&parse(&document(&claim, &[])).unwrap());
    assert_eq!(check.reason, "the canary lists no public key");
}
