//! Signed canaries end to end: keys and signatures made here (Ed25519, fixed seeds, never
//! stored), judged by `canaryd replay --keys` and by `canaryd check` against a loopback site;
//! and the real Qubes canary 047 verified with the shipped keys.

mod common;

use std::path::{Path, PathBuf};

use canaryd_testkit::pgp::*;
use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{Watch, Watchlist, strings};
use pgp::composed::{SignedPublicKey, SignedSecretKey};
use serde_json::Value;

fn canary(n: u32) -> String {
    format!("Warrant canary number {n} of Example Co.\n\n{NSL}\n\n{GAG}\n")
}

/// A folder of versions, signatures and key files for `replay`.
struct Folder {
    env: Env,
}

impl Folder {
    fn new() -> Folder {
        Folder {
            env: Env::new("[settings]\nconfirm = 2\nhost_delay = \"0s\"\n"),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.env.dir.path().join(name)
    }
    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }
    fn key(&self, name: &str, public: &SignedPublicKey) -> PathBuf {
        self.write(name, armored_key(public))
    }
    /// `canaryd replay --format json --keys … [--signers N] VERSIONS`, as JSON lines.
    async fn replay(
        &self,
        keys: &[PathBuf],
        signers: Option<usize>,
        versions: &[PathBuf],
    ) -> Vec<Value> {
        let mut args: Vec<String> = vec!["replay".into(), "--format".into(), "json".into()];
        for k in keys {
            args.push("--keys".into());
            args.push(k.display().to_string());
        }
        if let Some(n) = signers {
            args.push("--signers".into());
            args.push(n.to_string());
        }
        args.extend(versions.iter().map(|v| v.display().to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.env.canaryd(&args).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("replay JSON"))
            .collect()
    }
}

fn of_kind<'a>(lines: &'a [Value], kind: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["kind"] == kind).collect()
}

fn detail(v: &Value) -> &str {
    v["detail"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_good_clearsigned_canary_is_quiet_and_one_changed_word_is_bad() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let good = clearsign(&alice, &canary(1), T0 + DAY);
    let v1 = f.write("c-2026-01-02.txt", &good);
    let quiet = f
        .replay(std::slice::from_ref(&key), None, std::slice::from_ref(&v1))
        .await;
    assert!(of_kind(&quiet, "signature").is_empty(), "{quiet:?}");

    let altered = good.replace("never received", "rarely received");
    let v2 = f.write("c-2026-01-03.txt", altered);
    let lines = f.replay(&[key], None, &[v1, v2]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert_eq!(sig[0]["notify"], true);
    let d = detail(sig[0]);
    assert!(
        d.contains("BAD signature by Alice <alice@example.org>"),
        "{d}"
    );
    assert!(d.contains(&fingerprint(&alice)), "{d}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_detached_signature_by_an_unpinned_key_is_alerted() {
    let alice = secret_key("Alice", 1);
    let mallory = secret_key("Mallory", 3);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let text = canary(1);
    let v1 = f.write("c-2026-01-02.txt", &text);
    f.write(
        "c-2026-01-02.txt.sig",
        detached(&mallory, text.as_bytes(), T0 + DAY),
    );
    let lines = f.replay(&[key], None, &[v1]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert!(detail(sig[0]).contains("not pinned"), "{}", detail(sig[0]));
    assert!(detail(sig[0]).contains(&fingerprint(&mallory)));
}

/// Versions 1 and 2 of a detached-signed canary; `signed_by[i]` sign version i+1.
fn two_versions(f: &Folder, signed_by: [&[&SignedSecretKey]; 2]) -> Vec<PathBuf> {
    signed_by
        .iter()
        .zip(1u32..)
        .map(|(signers, n)| {
            let text = canary(n);
            let name = format!("c-2026-01-0{}.txt", n + 1);
            let path = f.write(&name, &text);
            for (i, k) in signers.iter().enumerate() {
                f.write(
                    &format!("{name}.sig.{i}"),
                    detached(k, text.as_bytes(), T0 + n * DAY),
                );
            }
            path
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signer_who_stops_signing_is_alerted_and_one_who_joins_is_only_recorded() {
    let (alice, bob, carol) = (
        secret_key("Alice", 1),
        secret_key("Bob", 2),
        secret_key("Carol", 4),
    );
    let f = Folder::new();
    let keys = vec![
        f.key("alice.asc", &alice.to_public_key()),
        f.key("bob.asc", &bob.to_public_key()),
        f.key("carol.asc", &carol.to_public_key()),
    ];

    // Two of two; Bob stops signing.
    let versions = two_versions(&f, [&[&alice, &bob], &[&alice]]);
    let lines = f.replay(&keys[..2], Some(2), &versions).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert_eq!(sig[0]["notify"], true);
    let d = detail(sig[0]);
    assert!(
        d.contains("Bob <bob@example.org>") && d.contains(&fingerprint(&bob)),
        "{d}"
    );
    assert!(d.contains("has not signed this one"), "{d}");
    assert!(d.contains("only 1 of the 2"), "{d}");

    // One of two required: Bob leaving still alerts, though the threshold is met.
    let lines = f.replay(&keys[..2], Some(1), &versions).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert!(detail(sig[0]).contains("has not signed this one"));
    assert!(!detail(sig[0]).contains("only 1"));

    // Carol joins Alice and Bob: recorded, not alerted.
    let f2 = Folder::new();
    let versions = two_versions(&f2, [&[&alice, &bob], &[&alice, &bob, &carol]]);
    let lines = f2.replay(&keys, Some(2), &versions).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert_eq!(sig[0]["notify"], false);
    assert!(
        detail(sig[0]).contains("Carol <carol@example.org>"),
        "{}",
        detail(sig[0])
    );
    assert!(detail(sig[0]).contains("joined"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_signature_by_one_of_three_is_alerted_though_two_are_good() {
    let (alice, bob, carol) = (
        secret_key("Alice", 1),
        secret_key("Bob", 2),
        secret_key("Carol", 4),
    );
    let f = Folder::new();
    let keys = vec![
        f.key("alice.asc", &alice.to_public_key()),
        f.key("bob.asc", &bob.to_public_key()),
        f.key("carol.asc", &carol.to_public_key()),
    ];
    let text = canary(1);
    let v = f.write("c-2026-01-02.txt", &text);
    f.write(
        "c-2026-01-02.txt.sig.alice",
        detached(&alice, text.as_bytes(), T0 + DAY),
    );
    f.write(
        "c-2026-01-02.txt.sig.bob",
        detached(&bob, text.as_bytes(), T0 + DAY),
    );
    // Carol's signature is over another text: it claims Carol and does not verify.
    f.write(
        "c-2026-01-02.txt.sig.carol",
        detached(&carol, b"something else", T0 + DAY),
    );
    let lines = f.replay(&keys, Some(2), &[v]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert_eq!(sig[0]["notify"], true);
    let d = detail(sig[0]);
    assert!(
        d.contains("BAD signature by Carol") && d.contains(&fingerprint(&carol)),
        "{d}"
    );
    assert!(d.starts_with("signatures BAD"), "{d}");
}

#[tokio::test(flavor = "multi_thread")]
async fn signatures_by_expired_or_revoked_keys_are_alerted() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let text = canary(1);
    let v = f.write("c-2026-01-05.txt", &text);
    // Signed on day 4; the key expired on day 2, or was revoked (compromised) on day 3.
    f.write(
        "c-2026-01-05.txt.sig",
        detached(&alice, text.as_bytes(), T0 + 4 * DAY),
    );
    let expired = f.key("expired.asc", &with_expiry_at(&alice, 2, T0));
    let lines = f.replay(&[expired], None, std::slice::from_ref(&v)).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert!(detail(sig[0]).contains("expired"), "{}", detail(sig[0]));

    let revoked = f.key(
        "revoked.asc",
        &revoked(&alice, alice.to_public_key(), T0 + 3 * DAY),
    );
    let lines = f.replay(&[revoked], None, &[v]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert!(detail(sig[0]).contains("revoked"), "{}", detail(sig[0]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clearsigned_block_inside_html_verifies_in_place() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let block = clearsign(&alice, &canary(1), T0 + DAY);
    let escaped = block.replace('&', "&amp;").replace('<', "&lt;");
    let html = format!(
        "<html><body><h1>Canary</h1><p>Signed by our team.</p><pre>{escaped}</pre></body></html>"
    );
    let v = f.write("c-2026-01-02.html", &html);
    let lines = f.replay(std::slice::from_ref(&key), None, &[v]).await;
    assert!(of_kind(&lines, "signature").is_empty(), "{lines:?}");

    // The same page unsigned is a signature problem.
    let bare = f.write("d-2026-01-02.html", html.replace("BEGIN PGP", "BEGIN XYZ"));
    let lines = f.replay(&[key], None, &[bare]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:?}");
    assert!(
        detail(sig[0]).contains("no signature"),
        "{}",
        detail(sig[0])
    );
}

/// Canary number `n` without the gag-order claim: what the publisher signs once it is gone.
fn withdrawn(n: u32) -> String {
    format!("Warrant canary number {n} of Example Co.\n\n{NSL}\n")
}

fn removed_statements(lines: &[Value]) -> Vec<String> {
    of_kind(lines, "removed")
        .iter()
        .filter(|l| l["notify"] == true)
        .filter_map(|l| l["statement"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_signed_text_is_the_canary_whatever_surrounds_it() {
    let alice = secret_key("Alice", 1);
    let mallory = secret_key("Mallory", 3);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let first = clearsign(&alice, &canary(1), T0 + DAY);
    let v1 = f.write("c-2026-01-02.txt", &first);
    let resigned = clearsign(&alice, &withdrawn(2), T0 + 2 * DAY);
    // The withdrawn claim, appended after the signature by whoever can edit the page; put
    // back in a block signed by a key nobody pinned; or in the old block, pasted below.
    let appended = format!("{resigned}\n{GAG}\n");
    let unpinned = format!(
        "{resigned}\n{}",
        clearsign(&mallory, &canary(2), T0 + 2 * DAY)
    );
    let replayed_old = format!("{resigned}\n{first}");
    for (name, page) in [
        ("appended", appended),
        ("unpinned", unpinned),
        ("old-block", replayed_old),
    ] {
        let v2 = f.write(&format!("{name}-2026-01-03.txt"), page);
        let lines = f
            .replay(std::slice::from_ref(&key), None, &[v1.clone(), v2])
            .await;
        assert_eq!(
            removed_statements(&lines),
            vec![GAG.to_string()],
            "{name}: {lines:#?}"
        );
        assert!(
            of_kind(&lines, "signature").is_empty(),
            "{name}: {lines:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_watch_whose_page_has_no_signed_text_is_a_signature_problem_not_a_reading() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let v1 = f.write("c-2026-01-02.txt", clearsign(&alice, &canary(1), T0 + DAY));
    // The page now unsigned, and without a claim: its text cannot stand for the canary.
    let v2 = f.write("c-2026-01-03.txt", withdrawn(2));
    let lines = f.replay(&[key], None, &[v1, v2]).await;
    let sig = of_kind(&lines, "signature");
    assert_eq!(sig.len(), 1, "{lines:#?}");
    assert_eq!(sig[0]["notify"], true);
    assert!(
        detail(sig[0]).contains("no signature"),
        "{}",
        detail(sig[0])
    );
    assert!(detail(sig[0]).contains("not judged"), "{}", detail(sig[0]));
    assert!(of_kind(&lines, "removed").is_empty(), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_live_check_reads_only_the_signed_text_as_replay_does() {
    let alice = secret_key("Alice", 1);
    let site = Site::start().await;
    let env = Env::new("");
    let key = env.dir.path().join("alice.asc");
    std::fs::write(&key, armored_key(&alice.to_public_key())).expect("key");
    env.set_watchlist(
        Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .watch(pinned(&site, &[&key])),
    );
    let pages = [
        clearsign(&alice, &canary(1), T0 + DAY),
        format!(
            "{}\n{GAG}\n",
            clearsign(&alice, &withdrawn(2), T0 + 2 * DAY)
        ),
    ];
    for page in &pages {
        site.set("/canary.txt", Reply::text(page));
        env.check().await;
        env.check().await;
    }
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).expect("events");
    let live: Vec<(String, Vec<String>)> = events
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("event"))
        .filter(|e| e["notify"] == true)
        .map(|e| {
            let statements = e["statements"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                statements,
            )
        })
        .collect();
    assert_eq!(
        live,
        vec![("removed".to_string(), vec![GAG.to_string()])],
        "{events}"
    );

    let f = Folder::new();
    let k = f.key("alice.asc", &alice.to_public_key());
    let v1 = f.write("c-2026-01-02.txt", &pages[0]);
    let v2 = f.write("c-2026-01-03.txt", &pages[1]);
    let lines = f.replay(&[k], None, &[v1, v2]).await;
    assert_eq!(
        removed_statements(&lines),
        vec![GAG.to_string()],
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_says_what_unsigned_text_it_ignored_and_dates_the_canary_by_the_signed_text() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let signed = format!(
        "This canary was issued on January 2, 2026.\n\n{}",
        canary(1)
    );
    let page = format!(
        "This canary was issued on March 1, 2026.\n\n{}\n{GAG}\nThird line after.\n",
        clearsign(&alice, &signed, T0 + DAY)
    );
    let v = f.write("c-2026-01-02.txt", page);
    let path = v.display().to_string();
    let out = f
        .env
        .canaryd(&["preview", &path, "--key", &key.display().to_string()])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("ignored (not signed): 1 line (40 bytes) before the signed block"),
        "{text}"
    );
    assert!(
        text.contains("ignored (not signed): 2 lines (67 bytes) after the signed block"),
        "{text}"
    );
    assert!(text.contains("Canary date: 2026-01-02"), "{text}");
    assert!(!text.contains("2026-03-01"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_dated_in_the_future_or_long_before_the_text_is_said_not_alerted() {
    let alice = secret_key("Alice", 1);
    let site = Site::start().await;
    let env = Env::new("");
    let key = env.dir.path().join("alice.asc");
    std::fs::write(&key, armored_key(&alice.to_public_key())).expect("key");
    let now = u32::try_from(chrono::Utc::now().timestamp()).expect("time");
    let today = chrono::Utc::now().date_naive();
    let dated = format!(
        "This canary was issued on {}.\n\n{}",
        today.format("%B %-d, %Y"),
        canary(1)
    );
    // Signed 30 days from now; then signed 60 days before the date the text gives itself.
    for (at, said) in [
        (now + 30 * DAY, "after this check"),
        (now - 60 * DAY, "signed in advance"),
    ] {
        let page = clearsign(&alice, &dated, at);
        let file = env.dir.path().join("c.txt");
        std::fs::write(&file, &page).expect("page");
        let out = env
            .canaryd(&[
                "preview",
                &file.display().to_string(),
                "--key",
                &key.display().to_string(),
            ])
            .await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains(said), "{}", stdout(&out));
    }
    // In the evidence of a live check, and no alert.
    env.set_watchlist(
        Watchlist::new()
            .setting("host_delay", "0s")
            .watch(pinned(&site, &[&key])),
    );
    site.set(
        "/canary.txt",
        Reply::text(&clearsign(&alice, &dated, now + 30 * DAY)),
    );
    env.check().await;
    let record: Value = serde_json::from_slice(
        &std::fs::read(env.state().join("ex/history/000001.json")).expect("record"),
    )
    .expect("json");
    let notes = record["capture"]["signatures"]["notes"].to_string()
        + &record["signatures"]["notes"].to_string();
    assert!(notes.contains("after this check"), "{record:#}");
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).unwrap_or_default();
    assert!(!events.contains("\"signature\""), "{events}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_signature_is_said_in_words_not_bytes() {
    let alice = secret_key("Alice", 1);
    let f = Folder::new();
    let key = f.key("alice.asc", &alice.to_public_key());
    let broken = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhello\n-----BEGIN PGP SIGNATURE-----\n\nwsBcBAEBCAAQBQJ\n-----END PGP SIGNATURE-----\n";
    let v = f.write("c-2026-01-02.txt", broken);
    let text = canary(1);
    let w = f.write("d-2026-01-02.txt", &text);
    f.write("d-2026-01-02.txt.sig", b"\xc2\x05\x04\x00\x00\x00\x00");
    for version in [v, w] {
        let out = f
            .env
            .canaryd(&[
                "replay",
                "--format",
                "json",
                "--keys",
                &key.display().to_string(),
                &version.display().to_string(),
            ])
            .await;
        let err = stderr(&out);
        assert!(!err.contains("Backtrace"), "{err}");
        let sig: Vec<Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .filter(|l: &Value| l["kind"] == "signature")
            .collect();
        assert_eq!(sig.len(), 1, "{}", stdout(&out));
        let d = detail(&sig[0]);
        assert!(d.contains("unparseable"), "{d}");
        assert!(!d.contains("input:") && !d.contains(", 45,"), "{d}");
        assert!(!d.contains('{') && !d.contains('\n'), "{d}");
    }
}

fn project(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_real_qubes_canary_verifies_with_the_shipped_keys() {
    // Replay, as the README shows it (the folder's signature files sit beside the canary).
    let f = Folder::new();
    let out = common::run::canaryd_in(
        &project(""),
        &f.env.watchlist(),
        &f.env.state(),
        &[
            "replay",
            "--format",
            "json",
            "--keys",
            "keys/qubes/marmarek.asc",
            "--keys",
            "keys/qubes/simon.asc",
            "--signers",
            "2",
            "tests/fixtures/signed/canary-047-2026.txt",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stdout(&out).contains("\"signature\""), "{}", stdout(&out));

    // And live, from a loopback site, with the watchlist the README describes.
    let site = Site::start().await;
    let dir = project("tests/fixtures/signed");
    for name in [
        "canary-047-2026.txt",
        "canary-047-2026.txt.sig.marmarek",
        "canary-047-2026.txt.sig.simon",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("fixture");
        site.set(
            &format!("/{name}"),
            Reply {
                status: 200,
                content_type: "text/plain".into(),
                body: bytes,
                headers: Vec::new(),
            },
        );
    }
    let env = Env::new("");
    env.set_watchlist(
        Watchlist::new()
            .setting("host_delay", "0s")
            .watch(qubes(Watch::url(
                "qubes",
                &site.url("/canary-047-2026.txt"),
            ))),
    );
    env.check().await;
    env.check().await;
    let check: Value = serde_json::from_str(
        &std::fs::read_to_string(env.state().join("qubes/check.json")).expect("check.json"),
    )
    .expect("json");
    assert_eq!(check["signature"], "2/2 ok", "{check}");
    let events =
        std::fs::read_to_string(env.state().join("qubes/events.jsonl")).unwrap_or_default();
    assert!(!events.contains("\"signature\""), "{events}");
    // `history` names who signed the snapshot, with their fingerprints.
    let out = env.canaryd(&["history", "qubes"]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("signatures: 2/2 ok"), "{text}");
    assert_eq!(text.matches("      good: ").count(), 2, "{text}");
    assert!(
        text.contains("Marek") || text.contains("marmarek"),
        "{text}"
    );
}

/// The watch "ex" of `/canary.txt` pinning the key files `keys`.
fn pinned(site: &Site, keys: &[&Path]) -> Watch {
    let keys: Vec<String> = keys.iter().map(|k| k.display().to_string()).collect();
    Watch::url("ex", &site.url("/canary.txt")).set("keys", strings(&keys))
}

/// `watch` signed by both of the Qubes signers whose keys this repository pins.
fn qubes(watch: Watch) -> Watch {
    let keys = project("keys/qubes");
    let pins = [keys.join("marmarek.asc"), keys.join("simon.asc")];
    watch
        .set(
            "signature_url",
            strings(&["{url}.sig.marmarek", "{url}.sig.simon"]),
        )
        .set("keys", strings(&pins.map(|k| k.display().to_string())))
        .set("signers", 2)
}

fn signed_watchlist(site: &Site, key: &Path) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 2)
        .setting("host_delay", "0s")
        .setting("timeout", "1s")
        .watch(pinned(site, &[key]).set("signature_url", strings(&["{url}.sig"])))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signature_that_404s_is_no_signature_and_one_that_times_out_fails_the_check() {
    let alice = secret_key("Alice", 1);
    let site = Site::start().await;
    let env = Env::new("");
    let key = env.dir.path().join("alice.asc");
    std::fs::write(&key, armored_key(&alice.to_public_key())).expect("key");
    env.set_watchlist(signed_watchlist(&site, &key));
    site.set("/canary.txt", Reply::text(&canary(1)));
    // No /canary.txt.sig: the site answers 404.
    env.check().await;
    env.check().await;
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).expect("events");
    let sig: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("event"))
        .filter(|e| e["kind"] == "signature")
        .collect();
    assert_eq!(sig.len(), 1, "{events}");
    assert!(detail(&sig[0]).contains("404"), "{}", detail(&sig[0]));

    // A signature server that accepts and never answers: a failed fetch, not a signature event.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let env = Env::new("");
    let key = env.dir.path().join("alice.asc");
    std::fs::write(&key, armored_key(&alice.to_public_key())).expect("key");
    let held = format!("http://127.0.0.1:{port}/canary.txt.sig");
    env.set_watchlist(
        signed_watchlist(&site, &key)
            .setting("confirm", 1)
            .with_watch("ex", |w| w.set("signature_url", strings(&[held]))),
    );
    env.canaryd(&["check"]).await;
    let check: Value = serde_json::from_str(
        &std::fs::read_to_string(env.state().join("ex/check.json")).expect("check.json"),
    )
    .expect("json");
    assert_eq!(check["result"], "failed", "{check}");
    assert!(
        check["error"]
            .as_str()
            .unwrap_or_default()
            .contains("signature"),
        "{check}"
    );
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).unwrap_or_default();
    assert!(!events.contains("\"signature\""), "{events}");
}

/// One event as both sides report it: kind, statement, alerted.
type Line = (String, Option<String>, bool);

#[tokio::test(flavor = "multi_thread")]
async fn replaying_a_signed_history_raises_the_signature_events_of_live_checks() {
    let (alice, bob, carol) = (
        secret_key("Alice", 1),
        secret_key("Bob", 2),
        secret_key("Carol", 4),
    );
    let mallory = secret_key("Mallory", 3);
    // Per version: who signs, and whether over the version's text (false: over other bytes).
    let history: Vec<Vec<(&str, &SignedSecretKey, bool)>> = vec![
        vec![("a", &alice, true), ("b", &bob, true)],
        vec![("a", &alice, true)],
        vec![("a", &alice, true), ("b", &bob, true)],
        vec![("a", &alice, true), ("b", &bob, true), ("c", &carol, true)],
        vec![("a", &alice, true), ("b", &bob, true), ("c", &carol, false)],
        vec![("a", &alice, true), ("b", &bob, true), ("c", &carol, true)],
        vec![
            ("a", &alice, true),
            ("b", &bob, true),
            ("c", &carol, true),
            ("m", &mallory, true),
        ],
        vec![("a", &alice, true), ("b", &bob, true), ("c", &carol, true)],
    ];
    let sources = ["a", "b", "c", "m"];
    let site = Site::start().await;
    let env = Env::new("");
    let mut key_list = Vec::new();
    for (name, k) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
        let p = env.dir.path().join(format!("{name}.asc"));
        std::fs::write(&p, armored_key(&k.to_public_key())).expect("key");
        key_list.push(p);
    }
    let templates = sources.map(|s| format!("{{url}}.sig.{s}"));
    let key_paths: Vec<&Path> = key_list.iter().map(PathBuf::as_path).collect();
    env.set_watchlist(
        Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .watch(
                pinned(&site, &key_paths)
                    .set("signature_url", strings(&templates))
                    .set("signers", 2),
            ),
    );
    let dir = env.dir.path().join("versions");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut files = Vec::new();
    for (i, signers) in history.iter().enumerate() {
        let n = i as u32 + 1;
        let text = canary(n);
        let name = format!("canary-2026-01-{:02}.txt", n + 1);
        site.set("/canary.txt", Reply::text(&text));
        std::fs::write(dir.join(&name), &text).expect("version");
        for s in sources {
            site.set(&format!("/canary.txt.sig.{s}"), Reply::status(404));
        }
        for (s, k, over_text) in signers {
            let data: &[u8] = if *over_text {
                text.as_bytes()
            } else {
                b"other"
            };
            let sig = detached(k, data, T0 + n * DAY);
            std::fs::write(dir.join(format!("{name}.sig.{s}")), &sig).expect("sig");
            site.set(
                &format!("/canary.txt.sig.{s}"),
                Reply {
                    status: 200,
                    content_type: "application/pgp-signature".into(),
                    body: sig,
                    headers: Vec::new(),
                },
            );
        }
        env.check().await;
        env.check().await;
        files.push(dir.join(&name));
    }
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).expect("events");
    let live: Vec<Line> = events
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("event"))
        .filter(|e| matches!(e["kind"].as_str(), Some("signature" | "recovered")))
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                None,
                e["notify"] == true,
            )
        })
        .collect();

    let mut args: Vec<String> = vec![
        "replay".into(),
        "--format".into(),
        "json".into(),
        "--signers".into(),
        "2".into(),
    ];
    for k in &key_list {
        args.push("--keys".into());
        args.push(k.display().to_string());
    }
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let replayed: Vec<Line> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("replay JSON"))
        .filter(|e| matches!(e["kind"].as_str(), Some("signature" | "recovered")))
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                None,
                e["notify"] == true,
            )
        })
        .collect();
    assert_eq!(replayed, live, "replay and live checks disagree");
    // Bob stopped (alert), came back (recovered), Carol joined (noted), Carol's bad signature
    // (alert), recovered, Mallory's unpinned signature (alert), recovered.
    let kinds: Vec<(&str, bool)> = live.iter().map(|l| (l.0.as_str(), l.2)).collect();
    assert_eq!(
        kinds,
        [
            ("signature", true),
            ("recovered", true),
            ("signature", false),
            ("signature", true),
            ("recovered", true),
            ("signature", true),
            ("recovered", true),
        ],
        "{events}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn key_files_are_checked_at_load_and_add_pins_keys_by_path() {
    let alice = secret_key("Alice", 1);
    let env = Env::new("");
    let dir = env.dir.path();
    std::fs::write(dir.join("alice.asc"), armored_key(&alice.to_public_key())).expect("key");
    std::fs::write(dir.join("not-a-key.asc"), "hello\n").expect("file");
    let watch = |keys: &str, extra: &str| {
        format!(
            "[[watch]]\nname = \"ex\"\nurl = \"https://example.org/c.txt\"\nkeys = [{keys}]\n{extra}"
        )
    };
    for (keys, extra, expect, line) in [
        ("\"missing.asc\"", "", "cannot read key file", 4),
        ("\"not-a-key.asc\"", "", "no OpenPGP public key", 4),
        (
            "\"alice.asc\"",
            "signers = 2\n",
            "only 1 distinct key is pinned",
            5,
        ),
        ("\"alice.asc\"", "signers = 0\n", "out of range", 5),
    ] {
        env.set_watchlist(watch(keys, extra));
        let out = env.canaryd(&["validate"]).await;
        assert_eq!(out.status.code(), Some(78), "{keys} {extra}");
        let err = stderr(&out);
        assert!(
            err.contains(expect) && err.contains(&format!("watchlist.toml:{line}:")),
            "{err}"
        );
    }
    env.set_watchlist(watch("\"alice.asc\"", "signature_url = [\"{url}.sig\"]\n"));
    let out = env.canaryd(&["validate"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // add: a file without a public key is refused; a key is written as a path, not copied.
    let site = Site::start().await;
    let text = canary(1);
    site.set("/c.txt", Reply::text(&text));
    let sig = detached(&alice, text.as_bytes(), T0 + DAY);
    site.set(
        "/c.txt.sig",
        Reply {
            status: 200,
            content_type: "application/pgp-signature".into(),
            body: sig,
            headers: Vec::new(),
        },
    );
    env.set_watchlist("[settings]\nhost_delay = \"0s\"\n");
    let url = site.url("/c.txt");
    let key = dir.join("alice.asc").display().to_string();
    let bad = dir.join("not-a-key.asc").display().to_string();
    let refused = env.canaryd(&["add", &url, "--key", &bad]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    let out = env
        .canaryd(&[
            "add",
            &url,
            "--name",
            "ex",
            "--key",
            &key,
            "--signature-url",
            "{url}.sig",
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Signatures: 1/1 ok"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("[good] Alice <alice@example.org>"),
        "{}",
        stdout(&out)
    );
    let written = std::fs::read_to_string(env.watchlist()).expect("watchlist");
    assert!(written.contains("keys = [\"alice.asc\"]"), "{written}");
    assert!(
        written.contains("signature_url = [\"{url}.sig\"]"),
        "{written}"
    );

    // list: the SIGNATURE column and JSON field.
    env.check().await;
    let list = env.canaryd(&["list", "--format", "json"]).await;
    let rows: Value = serde_json::from_str(&stdout(&list)).expect("list JSON");
    assert_eq!(rows[0]["signature"], "1/1 ok", "{rows}");
    let table = stdout(&env.canaryd(&["list"]).await);
    assert!(
        table.contains("SIGNATURE") && table.contains("1/1 ok"),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_followed_signed_series_resolves_its_signatures_against_the_followed_document() {
    // The shipped watchlist's Qubes watch, pointed at a loopback copy of the series: an index
    // linking the canaries (and noise), the newest one with its two real signatures.
    let site = Site::start().await;
    let dir = project("tests/fixtures/signed");
    for name in [
        "canary-047-2026.txt",
        "canary-047-2026.txt.sig.marmarek",
        "canary-047-2026.txt.sig.simon",
    ] {
        let bytes = std::fs::read(dir.join(name)).expect("fixture");
        site.set(
            &format!("/secpack/canaries/{name}"),
            Reply {
                status: 200,
                content_type: "text/plain".into(),
                body: bytes,
                headers: Vec::new(),
            },
        );
    }
    site.set(
        "/security/canary/",
        Reply::html(
            "<html><body><ul>\
             <li><a href=\"/secpack/canaries/canary-046-2026.txt\">046</a></li>\
             <li><a href=\"/secpack/canaries/canary-047-2026.txt\">047</a></li>\
             <li><a href=\"/secpack/canaries/canary-047-2026.txt.sig.simon\">sig</a></li>\
             <li><a href=\"/news/\">news</a></li></ul></body></html>",
        ),
    );
    let series = Watch::follow(
        "qubes",
        &site.url("/security/canary/"),
        r"canary-(\d+)-\d+\.txt$",
    );
    let env = Env::new(
        Watchlist::new()
            .setting("host_delay", "0s")
            .watch(qubes(series).set("allow_internal", strings(&["127.0.0.1"]))),
    );
    env.check().await;
    env.check().await;
    let check: Value = serde_json::from_str(
        &std::fs::read_to_string(env.state().join("qubes/check.json")).expect("check.json"),
    )
    .expect("json");
    assert_eq!(check["signature"], "2/2 ok", "{check}");
    assert!(
        check["followed"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/secpack/canaries/canary-047-2026.txt")),
        "{check}"
    );
    let events =
        std::fs::read_to_string(env.state().join("qubes/events.jsonl")).unwrap_or_default();
    assert!(!events.contains("\"signature\""), "{events}");
    assert!(!events.contains("\"removed\""), "{events}");
}
