//! CanaryTail canaries (JSON, standard version 0.1): parsing both shapes, what each code
//! states, and checking the Ed25519 signatures against the keys the document names.
//!
//! # Two shapes
//!
//! * **Client shape** — what the canarytail Go client (the only implementation) writes. Its
//!   current shape (since late 2021): `{"version": "0.1", "canary": {"domain",
//!   "min_signers", "pubkeys": [{"role", "name", "key", "required"}, …], "panickey",
//!   "release", "expiry", "freshness", "codes": ["war", …], "mirrors"}, "signatures":
//!   {<pubkey>: {<field>: <sig>}}}`. Older copies of the client put `version` in the claim
//!   and list `pubkeys` as base64 strings; both are read.
//! * **README shape** — the standard's example: upper-case keys (`PUBKEY`, `NEWKEY`,
//!   `PANICKEY`, `VERSION`, `RELEASE`, `EXPIRES`, `FRESHNESS`, `CODES`), optionally under a
//!   `CLAIMS` object and optionally inside a `-----BEGIN CANARY SIGNED MESSAGE-----` armour
//!   (the example's typographic quotes are tolerated). `CODES` may be an object
//!   (`{"WAR": 0, …, "SEPU": 1}`), a list, or one string of codes.
//!
//! # What a code means
//!
//! A code present in the canary is a claim still being made ("WAR": no warrants received).
//! The client drops a code when its event happens, so an absent code is the alarm. In the
//! README's object form, `0` means the event has not happened (the claim holds) for every
//! code except `SEPU`, where `1` means the pledge is given — the client's own validator reads
//! it this way.
//!
//! # Signatures (as read from the Go client's source; the standard itself does not say)
//!
//! Each listed key signs each field separately with Ed25519 over the field's *text form*
//! (UTF-8), Go's `%v` of the value: a string as it is; a list of strings joined by one space;
//! `null` as the empty string; a number in decimal; `pubkeys` written as objects as the
//! client's list of structs prints, `[{author alice KEY true} {cosigner bob KEY2 false}]`
//! (each key's role, name, key and required, in that order). The fields signed are
//! `domain`, `min_signers`, `pubkeys`, `panickey`, `version` (the top-level one in the
//! current shape, the claim's in older ones), `release`, `expiry`, `freshness`, `codes` and
//! `mirrors`: when present, every signer must have signed each. Keys and signatures are
//! standard base64 with padding (hex keys are accepted too); `signatures` is keyed by the
//! signer's base64 key. The client requires every listed key to sign; with `min_signers`
//! that many suffice, but every signer marked `required` must sign. A canary validly signed
//! by its `panickey` has been failed on purpose by whoever holds that key.
//!
//! Only what is signed is read: in the client shape every field is taken under its exact
//! name. A key differing from a signed field's name only in case (`CODES` beside or
//! instead of `codes`, `Release`) is what Go's JSON decoder (case-insensitive) or a careless
//! reader would take instead: such a document is [`Verdict::Invalid`], never read through
//! the unsigned key. Other unsigned fields are reported and never read.
//!
//! The README shape's keys are Bitcoin-style addresses with an unspecified signature
//! algorithm, so it is parsed but reported as [`Verdict::NotVerifiable`].

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value};

/// Every code of the standard (version 0.1) and the statement it makes while present.
const CODES: &[(&str, &str)] = &[
    ("WAR", "warrants have not been received"),
    ("GAG", "gag orders have not been received"),
    ("SUBP", "subpoenas have not been received"),
    ("TRAP", "trap and trace orders have not been received"),
    (
        "CEASE",
        "no court order to cease operations has been received",
    ),
    (
        "DURESS",
        "the operators are not under coercion, blackmail or any other duress",
    ),
    (
        "RAID",
        "there have been no raids, not even ones where nothing containing useful data was seized",
    ),
    (
        "SEIZE",
        "there have been no raids in which something containing useful data may have been seized",
    ),
    ("XCRED", "credentials have not been compromised"),
    ("XOPERS", "operations have not been compromised"),
    (
        "SEPU",
        "a seppuku pledge is given: rather than operate under the control of a malicious \
         entity, the operators will shut down, wipe all devices and destroy all files",
    ),
];

/// Fields the Go client signs: if present, every signer must have signed them.
const CORE_FIELDS: &[&str] = &[
    "domain",
    "min_signers",
    "pubkeys",
    "panickey",
    "version",
    "release",
    "expiry",
    "freshness",
    "codes",
    "mirrors",
];

/// The top-level keys of the client shape.
const TOP_FIELDS: &[&str] = &["version", "canary", "signatures"];

const ARMOUR_BEGIN: &str = "-----BEGIN CANARY SIGNED MESSAGE-----";
const ARMOUR_SIGNATURE: &str = "-----BEGIN SIGNATURE-----";
const ARMOUR_END: &str = "-----END CANARY SIGNED MESSAGE-----";

#[derive(Debug, thiserror::Error)]
pub enum CanaryTailError {
    #[error("not UTF-8 text")]
    NotUtf8,
    #[error("not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("not a CanaryTail canary: {0}")]
    NotCanaryTail(&'static str),
    #[error("the canary has no {0}")]
    MissingField(&'static str),
    #[error("the {field} of the canary is not a date: {value:?}")]
    BadTimestamp { field: &'static str, value: String },
    #[error(
        "the canary has {found} {what}, more than the {max} canaryd reads; it is not a canary \
         to judge (CanaryTail 0.1 defines 11 codes)"
    )]
    TooMany {
        what: &'static str,
        found: usize,
        max: usize,
    },
    #[error("the {field} of the canary is malformed: {reason}")]
    BadField {
        field: &'static str,
        reason: &'static str,
    },
}

/// Which of the two shapes a document came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Client,
    Readme,
}

/// A key the canary names as a signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Signer {
    /// As written in the document.
    pub(crate) key: String,
    pub(crate) name: Option<String>,
    pub(crate) role: Option<String>,
    pub(crate) required: bool,
}

/// A parsed CanaryTail canary.
#[derive(Debug, Clone, PartialEq)]
pub struct CanaryTail {
    pub(crate) shape: Shape,
    /// The standard version the canary says it follows ("0.1").
    pub(crate) version: Option<String>,
    pub(crate) domain: Option<String>,
    pub(crate) signers: Vec<Signer>,
    pub(crate) min_signers: Option<usize>,
    pub(crate) panic_key: Option<String>,
    /// README shape only: the key the author means to move to.
    pub(crate) new_key: Option<String>,
    pub(crate) release: DateTime<Utc>,
    pub(crate) expiry: DateTime<Utc>,
    /// A recent Bitcoin block hash, as written.
    pub(crate) freshness: Option<String>,
    /// Codes whose claims the canary makes, upper-case, without repeats, in document order
    /// (alphabetical for the README's object form, as serde_json keeps objects).
    pub(crate) codes: Vec<String>,
    pub(crate) mirrors: Vec<String>,
    /// Client shape: each claim field's text form, the message its signatures sign.
    signed_text: BTreeMap<String, String>,
    /// Client shape: signer key (as written) → field → base64 signature.
    signatures: BTreeMap<String, BTreeMap<String, String>>,
    /// Client shape: keys that differ from a signed field's name only in case (`CODES`):
    /// unsigned, yet what a case-insensitive reader would take. Any makes the document invalid.
    pub(crate) shadowing: Vec<String>,
    /// README shape: the armoured signature block, whitespace removed.
    pub(crate) armoured_signature: Option<String>,
}

/// What a code states while present, phrased as a statement; unknown codes say so.
pub fn meaning(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map_or("a code CanaryTail 0.1 does not define", |(_, m)| m)
}

/// Every code the standard defines, in its order.
#[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
pub(crate) fn all_codes() -> impl Iterator<Item = &'static str> {
    CODES.iter().map(|(c, _)| *c)
}

impl CanaryTail {
    /// One `(code, statement)` per code present, in document order.
    pub(crate) fn statements(&self) -> Vec<(String, &'static str)> {
        self.codes.iter().map(|c| (c.clone(), meaning(c))).collect()
    }

    /// True if the canary makes the claim of `code` (case-insensitive).
    pub(crate) fn claims(&self, code: &str) -> bool {
        self.codes.iter().any(|c| c.eq_ignore_ascii_case(code))
    }

    /// Codes of the standard whose claims the canary does not make (SEPU, a pledge rather
    /// than a claim about events, is left out). The Go client fails a canary missing any.
    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub(crate) fn missing_codes(&self) -> Vec<&'static str> {
        all_codes()
            .filter(|c| *c != "SEPU" && !self.claims(c))
            .collect()
    }

    /// True when the canary no longer claims DURESS: the operators say (or can no longer deny)
    /// that they work under coercion. A canary validly signed by its panic key is the other
    /// way to fail deliberately: see [`SignatureCheck::panic_signed`].
    pub(crate) fn is_duress(&self) -> bool {
        !self.claims("DURESS")
    }

    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub(crate) fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expiry <= now
    }
}

/// A cheap test for auto-detecting a CanaryTail body among JSON (or armoured) responses.
pub(crate) fn looks_like_canarytail(bytes: &[u8]) -> bool {
    // Every page of an auto watch comes here: an HTML page is told from its first
    // character, without validating the whole body as UTF-8 first.
    if first_char(bytes).is_some_and(|c| c != '{' && c != '-') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.starts_with(ARMOUR_BEGIN) {
        return true;
    }
    if !text.starts_with('{') {
        return false;
    }
    let Ok(Value::Object(top)) = parse_json(text) else {
        return false;
    };
    let claim = match get(&top, "canary").or_else(|| get(&top, "claims")) {
        Some(Value::Object(inner)) => inner,
        _ => &top,
    };
    get(claim, "codes").is_some()
        && ["release", "expiry", "expires", "pubkeys", "pubkey"]
            .iter()
            .any(|k| get(claim, k).is_some())
}

/// The first character that is not whitespace or a byte order mark, read from the head of
/// `bytes` only. None when the head holds none (then only the whole body can tell).
fn first_char(bytes: &[u8]) -> Option<char> {
    let head = &bytes[..bytes.len().min(4096)];
    let (valid, invalid) = match std::str::from_utf8(head) {
        Ok(s) => (s, false),
        // error_len is None when the head was only cut inside a character.
        Err(e) => (
            std::str::from_utf8(&head[..e.valid_up_to()])
                .expect("the bytes before valid_up_to are valid UTF-8"),
            e.error_len().is_some(),
        ),
    };
    match valid
        .chars()
        .find(|c| !c.is_whitespace() && *c != '\u{feff}')
    {
        // Bytes that are not UTF-8 before any character: not a CanaryTail document.
        None if invalid => Some(char::REPLACEMENT_CHARACTER),
        found => found,
    }
}

/// Parses a canary in either shape (see the module documentation).
pub fn parse(bytes: &[u8]) -> Result<CanaryTail, CanaryTailError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CanaryTailError::NotUtf8)?;
    let text = text.trim_start_matches('\u{feff}').trim();
    let (json, armoured_signature) = unarmour(text);
    let top = match parse_json(json)? {
        Value::Object(top) => top,
        _ => return Err(CanaryTailError::NotCanaryTail("the JSON is not an object")),
    };

    let mut shadowing = Vec::new();
    let (shape, claim, signatures) = match exact(&top, "canary", &mut shadowing) {
        Some(Value::Object(claim)) => (
            Shape::Client,
            claim,
            exact(&top, "signatures", &mut shadowing),
        ),
        Some(_) => {
            return Err(CanaryTailError::NotCanaryTail(
                "\"canary\" is not an object",
            ));
        }
        None => match get(&top, "claims") {
            Some(Value::Object(claim)) => (Shape::Readme, claim, None),
            _ => (Shape::Readme, &top, None),
        },
    };
    bounds(claim, signatures)?;
    match shape {
        Shape::Client => client(&top, claim, signatures, shadowing),
        Shape::Readme => readme(&top, claim),
    }
    .map(|canary| CanaryTail {
        armoured_signature,
        ..canary
    })
}

/// The client shape, every field under its exact name (see the module documentation).
fn client(
    top: &Map<String, Value>,
    claim: &Map<String, Value>,
    signatures: Option<&Value>,
    mut shadowing: Vec<String>,
) -> Result<CanaryTail, CanaryTailError> {
    for name in TOP_FIELDS {
        exact(top, name, &mut shadowing);
    }
    let mut field = |name: &str| exact(claim, name, &mut shadowing);
    // The current client signs the top-level version; older ones put it in the claim.
    let version_value = field("version").or_else(|| top.get("version"));
    let pubkeys = field("pubkeys");
    let min_signers = field("min_signers");
    let mirrors = field("mirrors");
    let (domain, panic_key, freshness) = (field("domain"), field("panickey"), field("freshness"));
    let (release, expiry, codes) = (field("release"), field("expiry"), field("codes"));
    if codes.is_none() && release.is_none() {
        return Err(CanaryTailError::NotCanaryTail(
            "it has neither codes nor a release date",
        ));
    }
    shadowing.sort();
    shadowing.dedup();

    // The current shape (since late 2021) prints an empty key list as Go prints an empty
    // list of structs, `[]`; older clients, whose keys were strings, as the empty string.
    let current = top.contains_key("version") || claim.contains_key("min_signers");
    let mut signed_text = BTreeMap::new();
    for (name, value) in [
        ("domain", domain),
        ("min_signers", min_signers),
        ("panickey", panic_key),
        ("version", version_value),
        ("release", release),
        ("expiry", expiry),
        ("freshness", freshness),
        ("codes", codes),
        ("mirrors", mirrors),
    ] {
        if let Some(v) = value {
            signed_text.insert(name.to_owned(), text_form(v));
        }
    }
    if let Some(v) = pubkeys {
        signed_text.insert("pubkeys".to_owned(), keys_text_form(v, current));
    }
    // Fields the client does not know: checked when signed, reported when not, never read.
    for (name, value) in claim {
        if !CORE_FIELDS.contains(&name.as_str()) && !shadowing.contains(name) {
            signed_text.insert(name.clone(), text_form(value));
        }
    }

    let mut signers = match pubkeys {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => signers_of(value)?,
    };
    signers.dedup_by(|a, b| a.key == b.key);
    Ok(CanaryTail {
        shape: Shape::Client,
        version: version_value.map(text_form).filter(|v| !v.is_empty()),
        domain: domain.map(text_form).filter(|s| !s.is_empty()),
        signers,
        min_signers: min_signers_of(min_signers)?,
        panic_key: panic_key.map(text_form).filter(|s| !s.is_empty()),
        new_key: None,
        release: timestamp("release", release)?,
        expiry: timestamp("expiry", expiry)?,
        freshness: freshness.map(text_form).filter(|s| !s.is_empty()),
        codes: codes_of(codes.ok_or(CanaryTailError::MissingField("codes"))?)?,
        mirrors: mirrors_of(mirrors),
        signed_text,
        signatures: signature_sets(signatures)?,
        shadowing,
        armoured_signature: None,
    })
}

/// The README shape: nothing in it can be verified, so its names are read as leniently as
/// its authors write them (any case, `EXPIRES`, a `CLAIMS` object).
fn readme(
    top: &Map<String, Value>,
    claim: &Map<String, Value>,
) -> Result<CanaryTail, CanaryTailError> {
    if get(claim, "codes").is_none() && get(claim, "release").is_none() {
        return Err(CanaryTailError::NotCanaryTail(
            "it has neither codes nor a release date",
        ));
    }
    let mut signers = match get(claim, "pubkeys").or_else(|| get(claim, "pubkey")) {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => signers_of(value)?,
    };
    signers.dedup_by(|a, b| a.key == b.key);
    let first = |names: &[&str]| names.iter().find_map(|n| get(claim, n));
    Ok(CanaryTail {
        shape: Shape::Readme,
        version: get(claim, "version")
            .or_else(|| get(top, "version"))
            .map(text_form)
            .filter(|v| !v.is_empty()),
        domain: string_field(claim, "domain"),
        signers,
        min_signers: min_signers_of(get(claim, "min_signers").or_else(|| get(top, "min_signers")))?,
        panic_key: string_field(claim, "panickey"),
        new_key: string_field(claim, "newkey"),
        release: timestamp("release", first(&["release"]))?,
        expiry: timestamp("expiry", first(&["expiry", "expires", "expire"]))?,
        freshness: string_field(claim, "freshness"),
        codes: codes_of(get(claim, "codes").ok_or(CanaryTailError::MissingField("codes"))?)?,
        mirrors: mirrors_of(get(claim, "mirrors").or_else(|| get(top, "mirrors"))),
        signed_text: BTreeMap::new(),
        signatures: BTreeMap::new(),
        shadowing: Vec::new(),
        armoured_signature: None,
    })
}

fn min_signers_of(value: Option<&Value>) -> Result<Option<usize>, CanaryTailError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => Ok(Some(
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(CanaryTailError::BadField {
                    field: "min_signers",
                    reason: "not a whole number",
                })?,
        )),
    }
}

fn mirrors_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().map(text_form).collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Most codes a canary may carry: the standard defines 11; a document with hundreds of
/// thousands would cost minutes of judging and megabytes of state for nothing.
pub(crate) const MAX_CODES: usize = 256;
/// Most listed keys, and most signature sets: each set is checked against each key.
pub(crate) const MAX_KEYS: usize = 64;
/// Most fields of the claim, and of one signature set: each signer checks each field.
pub(crate) const MAX_FIELDS: usize = 256;

/// Refuses a document whose counts would make checking it costly (see the limits above),
/// before anything is built from it: the work after this is linear in bounded counts.
fn bounds(claim: &Map<String, Value>, signatures: Option<&Value>) -> Result<(), CanaryTailError> {
    let too_many = |what, found, max| {
        if found > max {
            Err(CanaryTailError::TooMany { what, found, max })
        } else {
            Ok(())
        }
    };
    let words = |s: &str| {
        s.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .count()
    };
    let count = |v: &Value| match v {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        Value::String(s) => words(s),
        _ => 0,
    };
    too_many("claim fields", claim.len(), MAX_FIELDS)?;
    if let Some(codes) = get(claim, "codes") {
        too_many("codes", count(codes), MAX_CODES)?;
    }
    for name in ["pubkeys", "pubkey"] {
        if let Some(keys) = get(claim, name) {
            too_many("public keys", count(keys), MAX_KEYS)?;
        }
    }
    if let Some(Value::Object(sets)) = signatures {
        too_many("signature sets", sets.len(), MAX_KEYS)?;
        for set in sets.values() {
            too_many("signed fields in one signature set", count(set), MAX_FIELDS)?;
        }
    }
    Ok(())
}

/// The outcome of checking a canary's signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Enough listed keys signed every field, every required signer among them.
    Valid,
    /// Too few valid signers, a required signer missing, or a broken signature.
    Invalid,
    /// The panic key signed the canary: it has been failed on purpose.
    Panic,
    /// The document carries nothing this module can check (README shape).
    NotVerifiable,
}

/// How one listed signer fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignerOutcome {
    Valid,
    /// No signature set under this key.
    NotSigned,
    /// The key is not a 32-byte Ed25519 key in base64 or hex.
    BadKey,
    /// This field's signature is missing although the field must be signed.
    FieldNotSigned(String),
    /// This field's signature does not verify (tampered field, or wrong key).
    BadSignature(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignerCheck {
    pub(crate) signer: Signer,
    pub(crate) outcome: SignerOutcome,
}

/// The signatures of a canary, checked; see [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureCheck {
    pub(crate) verdict: Verdict,
    /// For people: "2 of 3 listed keys signed (2 needed)", "the panic key signed the canary".
    pub(crate) reason: String,
    pub(crate) signers: Vec<SignerCheck>,
    pub(crate) valid_signers: usize,
    /// How many valid signers are needed: `min_signers`, or else every listed key.
    pub(crate) threshold: usize,
    pub(crate) panic_signed: bool,
    /// The listed keys in canonical base64, sorted: pin these on first sight.
    pub(crate) keys: Vec<String>,
    /// Signature sets under keys the canary does not list (ignored for the verdict).
    pub(crate) unlisted_signers: Vec<String>,
    /// Claim fields outside the client's core set that a valid signer left unsigned.
    pub(crate) unsigned_fields: Vec<String>,
}

impl SignatureCheck {
    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub(crate) fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }

    /// True when the keys the canary lists are not the pinned ones (compared as sets of
    /// canonical keys; `pinned` may be in any order and in base64 or hex).
    #[allow(dead_code)] // part of the module's tested API; the pipeline does not need it
    pub(crate) fn keys_differ_from(&self, pinned: &[String]) -> bool {
        let pinned: BTreeSet<String> = pinned
            .iter()
            .map(|k| decode_key(k).map_or_else(|| k.clone(), |b| BASE64.encode(b)))
            .collect();
        let current: BTreeSet<String> = self.keys.iter().cloned().collect();
        pinned != current
    }
}

impl SignatureCheck {
    /// The check in words, as `preview` prints it: the verdict, then each listed signer (name,
    /// role, key as written) and how it fared, then what was ignored.
    pub fn lines(&self) -> Vec<String> {
        let verdict = match self.verdict {
            Verdict::Valid => "they verify",
            Verdict::Invalid => "they do NOT verify",
            Verdict::Panic => "the PANIC KEY signed it: the canary has been failed on purpose",
            Verdict::NotVerifiable => "they cannot be checked",
        };
        let mut out = vec![format!(
            "Signatures (CanaryTail, Ed25519): {verdict}: {}",
            self.reason
        )];
        if self.signers.is_empty() && self.verdict != Verdict::NotVerifiable {
            out.push("  no signer is listed".into());
        }
        for s in &self.signers {
            let mut who = s
                .signer
                .name
                .clone()
                .unwrap_or_else(|| "unnamed signer".into());
            let mut roles: Vec<&str> = s.signer.role.as_deref().into_iter().collect();
            if s.signer.required {
                roles.push("required");
            }
            if !roles.is_empty() {
                who.push_str(&format!(" ({})", roles.join(", ")));
            }
            let status = match &s.outcome {
                SignerOutcome::Valid => "good",
                SignerOutcome::NotSigned => "missing",
                _ => "bad",
            };
            let why = match &s.outcome {
                SignerOutcome::Valid => "every signed field verifies".to_string(),
                other => describe(other),
            };
            out.push(format!("  [{status}] {who}, key {}: {why}", s.signer.key));
        }
        for k in &self.unlisted_signers {
            out.push(format!(
                "  [ignored] signatures under key {k}, which the canary does not list"
            ));
        }
        if !self.unsigned_fields.is_empty() {
            out.push(format!(
                "  not signed, so not read: {}",
                self.unsigned_fields.join(", ")
            ));
        }
        out
    }
}

/// Checks the canary's signatures against the keys it names (see the module documentation).
pub fn verify(canary: &CanaryTail) -> SignatureCheck {
    let mut keys: Vec<String> = canary
        .signers
        .iter()
        .filter_map(|s| decode_key(&s.key).map(|b| BASE64.encode(b)))
        .collect();
    keys.sort();
    keys.dedup();
    let threshold = canary
        .min_signers
        .unwrap_or(canary.signers.len())
        .clamp(1, canary.signers.len().max(1));

    let mut check = SignatureCheck {
        verdict: Verdict::NotVerifiable,
        reason: String::new(),
        signers: Vec::new(),
        valid_signers: 0,
        threshold,
        panic_signed: false,
        keys,
        unlisted_signers: Vec::new(),
        unsigned_fields: Vec::new(),
    };
    if canary.shape == Shape::Readme {
        check.reason = "the README shape names no checkable signature scheme".into();
        return check;
    }

    let mut unsigned = BTreeSet::new();
    for signer in &canary.signers {
        let outcome = check_signer(canary, &signer.key, &mut unsigned);
        if outcome == SignerOutcome::Valid {
            check.valid_signers += 1;
        }
        check.signers.push(SignerCheck {
            signer: signer.clone(),
            outcome,
        });
    }
    check.unsigned_fields = unsigned.into_iter().collect();
    let listed: BTreeSet<[u8; 32]> = canary
        .signers
        .iter()
        .filter_map(|s| decode_key(&s.key))
        .collect();
    check.unlisted_signers = canary
        .signatures
        .keys()
        .filter(|k| {
            let key = decode_key(k);
            key.is_none_or(|b| !listed.contains(&b))
                && canary.panic_key.as_deref().and_then(decode_key) != key
        })
        .cloned()
        .collect();

    check.panic_signed = canary
        .panic_key
        .as_deref()
        .filter(|k| !k.is_empty())
        .is_some_and(|k| check_signer(canary, k, &mut BTreeSet::new()) == SignerOutcome::Valid);

    let missing_required = check
        .signers
        .iter()
        .find(|s| s.signer.required && s.outcome != SignerOutcome::Valid);
    let listed_count = canary.signers.len();
    (check.verdict, check.reason) = if check.panic_signed {
        (Verdict::Panic, "the panic key signed the canary".into())
    } else if !canary.shadowing.is_empty() {
        (
            Verdict::Invalid,
            format!(
                "{} differ only in case from the field names the signatures cover: unsigned, yet a reader ignoring case would take them",
                canary.shadowing.join(", ")
            ),
        )
    } else if listed_count == 0 {
        (Verdict::Invalid, "the canary lists no public key".into())
    } else if let Some(s) = missing_required {
        (
            Verdict::Invalid,
            format!(
                "required signer {} did not sign validly ({})",
                s.signer.name.as_deref().unwrap_or(&s.signer.key),
                describe(&s.outcome)
            ),
        )
    } else if check.valid_signers < threshold {
        let first_bad = check
            .signers
            .iter()
            .find(|s| s.outcome != SignerOutcome::Valid)
            .map(|s| format!(": {}", describe(&s.outcome)))
            .unwrap_or_default();
        (
            Verdict::Invalid,
            format!(
                "{} of {listed_count} listed keys signed validly ({threshold} needed){first_bad}",
                check.valid_signers
            ),
        )
    } else {
        (
            Verdict::Valid,
            format!(
                "{} of {listed_count} listed keys signed validly ({threshold} needed)",
                check.valid_signers
            ),
        )
    };
    check
}

fn describe(outcome: &SignerOutcome) -> String {
    match outcome {
        SignerOutcome::Valid => "valid".into(),
        SignerOutcome::NotSigned => "no signatures".into(),
        SignerOutcome::BadKey => "not an Ed25519 key".into(),
        SignerOutcome::FieldNotSigned(f) => format!("{f} not signed"),
        SignerOutcome::BadSignature(f) => format!("bad signature on {f}"),
    }
}

fn check_signer(canary: &CanaryTail, key: &str, unsigned: &mut BTreeSet<String>) -> SignerOutcome {
    let Some(key_bytes) = decode_key(key) else {
        return SignerOutcome::BadKey;
    };
    let Ok(verifying) = VerifyingKey::from_bytes(&key_bytes) else {
        return SignerOutcome::BadKey;
    };
    let set = canary.signatures.get(key).or_else(|| {
        canary
            .signatures
            .iter()
            .find(|(k, _)| decode_key(k) == Some(key_bytes))
            .map(|(_, set)| set)
    });
    let Some(set) = set else {
        return SignerOutcome::NotSigned;
    };
    let mut unsigned_here = Vec::new();
    for (field, text) in &canary.signed_text {
        let Some(sig) = set.get(field) else {
            if CORE_FIELDS.contains(&field.as_str()) {
                return SignerOutcome::FieldNotSigned(field.clone());
            }
            unsigned_here.push(field.clone());
            continue;
        };
        let good = BASE64
            .decode(sig.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .is_some_and(|b| {
                verifying
                    .verify_strict(text.as_bytes(), &Signature::from_bytes(&b))
                    .is_ok()
            });
        if !good {
            return SignerOutcome::BadSignature(field.clone());
        }
    }
    unsigned.extend(unsigned_here);
    SignerOutcome::Valid
}

/// A 32-byte key from standard base64 (the client's form) or hex.
fn decode_key(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    let bytes = BASE64
        .decode(text)
        .ok()
        .filter(|b| b.len() == 32)
        .or_else(|| hex::decode(text).ok())?;
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

/// Splits an armoured README-shape document into its JSON and its signature block.
fn unarmour(text: &str) -> (&str, Option<String>) {
    let Some(rest) = text.strip_prefix(ARMOUR_BEGIN) else {
        return (text, None);
    };
    let (json, signature) = match rest.find(ARMOUR_SIGNATURE) {
        Some(i) => (&rest[..i], Some(&rest[i + ARMOUR_SIGNATURE.len()..])),
        None => (rest, None),
    };
    let json = json.split(ARMOUR_END).next().unwrap_or(json);
    let signature = signature
        .map(|s| s.split(ARMOUR_END).next().unwrap_or(s))
        .map(|s| s.split_whitespace().collect::<String>())
        .filter(|s| !s.is_empty());
    (json.trim(), signature)
}

/// JSON, or failing that JSON whose quotes were typographic (as in the README's example).
fn parse_json(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text).or_else(|first| {
        if text.contains(['\u{201c}', '\u{201d}']) {
            serde_json::from_str(&text.replace(['\u{201c}', '\u{201d}'], "\"")).map_err(|_| first)
        } else {
            Err(first)
        }
    })
}

/// `name` exactly. Every other key equal to it but for case (as Go's JSON decoder compares
/// names: Unicode case folding, `ſ` and the Kelvin sign included) is pushed on `shadowing`;
/// without an exact key, the first such key stands in, so that the document can still be
/// shown while its verdict says why it is not read.
fn exact<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    shadowing: &mut Vec<String>,
) -> Option<&'a Value> {
    let folded = fold(name);
    let mut variants = obj
        .iter()
        .filter(|(k, _)| k.as_str() != name && fold(k) == folded);
    let stand_in = variants.clone().next().map(|(_, v)| v);
    shadowing.extend(variants.by_ref().map(|(k, _)| k.clone()));
    obj.get(name).or(stand_in)
}

fn fold(name: &str) -> String {
    name.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{17f}' => 's',
            '\u{212a}' => 'k',
            c => c,
        })
        .collect()
}

/// `name` exactly, or else ignoring ASCII case.
fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string_field(obj: &Map<String, Value>, name: &str) -> Option<String> {
    get(obj, name).map(text_form).filter(|s| !s.is_empty())
}

/// The text form a field is signed in (see the module documentation).
fn text_form(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(text_form).collect::<Vec<_>>().join(" "),
        Value::Object(_) => value.to_string(),
    }
}

/// The text form of `pubkeys`: key strings joined by spaces (older clients), or, for key
/// objects, Go's `%v` of the client's list of structs: `[{role name key required} …]`.
/// `current` says how the shape prints an empty list (see [`client`]).
fn keys_text_form(value: &Value, current: bool) -> String {
    let items = match value {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) | Value::Null => return if current { "[]" } else { "" }.to_owned(),
        other => return text_form(other),
    };
    if !items.iter().any(Value::is_object) {
        return text_form(value);
    }
    let structs: Vec<String> = items
        .iter()
        .map(|item| match item {
            Value::Object(o) => {
                let text = |name: &str| o.get(name).map(text_form).unwrap_or_default();
                let required = o.get("required").map_or("false".to_owned(), text_form);
                format!(
                    "{{{} {} {} {required}}}",
                    text("role"),
                    text("name"),
                    text("key")
                )
            }
            other => text_form(other),
        })
        .collect();
    format!("[{}]", structs.join(" "))
}

fn signers_of(value: &Value) -> Result<Vec<Signer>, CanaryTailError> {
    const BAD: CanaryTailError = CanaryTailError::BadField {
        field: "pubkeys",
        reason: "expected keys or {\"key\": …} objects",
    };
    let plain = |key: &str| Signer {
        key: key.to_owned(),
        name: None,
        role: None,
        required: false,
    };
    match value {
        Value::String(s) => Ok(s.split_whitespace().map(plain).collect()),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(plain(s)),
                Value::Object(o) => {
                    let key = get(o, "key")
                        .or_else(|| get(o, "pubkey"))
                        .and_then(Value::as_str)
                        .ok_or(BAD)?;
                    Ok(Signer {
                        key: key.to_owned(),
                        name: string_field(o, "name"),
                        role: string_field(o, "role"),
                        required: get(o, "required").and_then(Value::as_bool) == Some(true),
                    })
                }
                _ => Err(BAD),
            })
            .collect(),
        _ => Err(BAD),
    }
}

fn codes_of(value: &Value) -> Result<Vec<String>, CanaryTailError> {
    let mut codes: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_ascii_uppercase))
            .collect::<Option<_>>()
            .ok_or(CanaryTailError::BadField {
                field: "codes",
                reason: "a list of codes must hold strings",
            })?,
        Value::String(s) => s
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_uppercase)
            .collect(),
        Value::Object(map) => {
            let mut claimed = Vec::new();
            for (code, v) in map {
                let set = match v {
                    Value::Bool(b) => *b,
                    Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                    Value::String(s) => !matches!(s.trim(), "" | "0" | "false"),
                    Value::Null => false,
                    _ => {
                        return Err(CanaryTailError::BadField {
                            field: "codes",
                            reason: "code values must be numbers or booleans",
                        });
                    }
                };
                let code = code.to_ascii_uppercase();
                // 0 = the event has not happened, so the claim holds; SEPU's 1 = pledged.
                if set == (code == "SEPU") {
                    claimed.push(code);
                }
            }
            claimed
        }
        _ => {
            return Err(CanaryTailError::BadField {
                field: "codes",
                reason: "expected a list, a string or an object",
            });
        }
    };
    let mut seen = BTreeSet::new();
    codes.retain(|c| seen.insert(c.clone()));
    Ok(codes)
}

fn timestamp(field: &'static str, value: Option<&Value>) -> Result<DateTime<Utc>, CanaryTailError> {
    let value = value.ok_or(CanaryTailError::MissingField(field))?;
    let text = value.as_str().unwrap_or_default().trim();
    parse_timestamp(text).ok_or_else(|| CanaryTailError::BadTimestamp {
        field,
        value: value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned),
    })
}

/// RFC 3339, or a date and time without offset (read as UTC, as in the standard's comments),
/// or a bare date (midnight UTC).
fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn signature_sets(
    value: Option<&Value>,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, CanaryTailError> {
    const BAD: CanaryTailError = CanaryTailError::BadField {
        field: "signatures",
        reason: "expected {key: {field: signature}}",
    };
    let Some(value) = value else {
        return Ok(BTreeMap::new());
    };
    let Value::Object(sets) = value else {
        return if value.is_null() {
            Ok(BTreeMap::new())
        } else {
            Err(BAD)
        };
    };
    sets.iter()
        .map(|(key, set)| {
            let Value::Object(fields) = set else {
                return Err(BAD);
            };
            let fields = fields
                .iter()
                .filter_map(|(f, s)| s.as_str().map(|s| (f.clone(), s.to_owned())))
                .collect();
            Ok((key.clone(), fields))
        })
        .collect()
}

#[cfg(test)]
mod tests;
