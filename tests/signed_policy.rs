//! Signature conditions as a reader lives with them: a persistent failure is one alert and one
//! `recovered`, replayed exactly as live checks judge it; SHA-1 refused in words (and accepted
//! per watch with `accept_sha1`, a downgrade still alerted); a pinned key whose copy says it
//! expired, refreshed from its `key_url` (`canaryd keys refresh`) against a loopback server.

mod common;

use std::path::{Path, PathBuf};

use canaryd_testkit::pgp::*;
use common::canary::{GAG, NSL};
use common::run::{Env, stderr, stdout};
use common::site::{Reply, Site};
use common::watchlist::{self, Watch, Watchlist, array, inline, strings};
use pgp::crypto::hash::HashAlgorithm;
use serde_json::Value;

fn canary(n: u32) -> String {
    format!("Warrant canary number {n} of Example Co.\n\n{NSL}\n\n{GAG}\n")
}

fn sig_reply(body: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/pgp-signature".into(),
        body,
        headers: Vec::new(),
    }
}

/// One version: its text and its detached signature (`None`: unsigned).
struct Version {
    text: String,
    sig: Option<Vec<u8>>,
}

/// (kind, notify) of the signature and recovered events, in order.
fn sig_events(lines: &[Value]) -> Vec<(String, bool)> {
    lines
        .iter()
        .filter(|e| matches!(e["kind"].as_str(), Some("signature" | "recovered")))
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default().to_string(),
                e["notify"] == true,
            )
        })
        .collect()
}

fn detail(v: &Value) -> &str {
    v["detail"].as_str().unwrap_or_default()
}

/// Writes `versions` as dated files with `X.sig` beside them; replays them with `key`
/// (`extra` flags such as `--accept-sha1`), and checks them live (two checks each) from a
/// loopback site with `watch_extra` in the watch. Asserts replay and live agree and returns
/// the replayed lines.
async fn replay_and_live(
    key: &[u8],
    versions: &[Version],
    extra: &[&str],
    watch_extra: impl FnOnce(Watch) -> Watch,
) -> Vec<Value> {
    let site = Site::start().await;
    let env = Env::new("");
    let key_path = env.dir.path().join("signer.asc");
    std::fs::write(&key_path, key).expect("key");
    let watch = Watch::url("ex", &site.url("/canary.txt"))
        .set("signature_url", strings(&["{url}.sig"]))
        .set("keys", strings(&["signer.asc"]));
    env.set_watchlist(
        Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .watch(watch_extra(watch)),
    );
    let dir = env.dir.path().join("versions");
    std::fs::create_dir_all(&dir).expect("dir");
    let mut files = Vec::new();
    for (i, v) in versions.iter().enumerate() {
        let name = format!("canary-2026-02-{:02}.txt", i + 1);
        std::fs::write(dir.join(&name), &v.text).expect("version");
        site.set("/canary.txt", Reply::text(&v.text));
        match &v.sig {
            Some(sig) => {
                std::fs::write(dir.join(format!("{name}.sig")), sig).expect("sig");
                site.set("/canary.txt.sig", sig_reply(sig.clone()));
            }
            None => site.set("/canary.txt.sig", Reply::status(404)),
        }
        env.check().await;
        env.check().await;
        files.push(dir.join(&name));
    }
    let events = std::fs::read_to_string(env.state().join("ex/events.jsonl")).unwrap_or_default();
    let live: Vec<Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect();

    let mut args: Vec<String> = vec![
        "replay".into(),
        "--format".into(),
        "json".into(),
        "--keys".into(),
        key_path.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let replayed: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("replay JSON"))
        .collect();
    assert_eq!(
        sig_events(&replayed),
        sig_events(&live),
        "replay and live checks disagree\nreplay: {replayed:#?}\nlive: {events}"
    );
    replayed
}

fn signed(key: &pgp::composed::SignedSecretKey, n: u32, hash: HashAlgorithm) -> Version {
    let text = canary(n);
    let sig = detached_with(key, text.as_bytes(), T0 + 31 * DAY + n * DAY, hash);
    Version {
        text,
        sig: Some(sig),
    }
}

fn signature_lines(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["kind"] == "signature").collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_versions_signed_with_sha1_are_one_alert_then_one_recovered() {
    let olga = rsa_key();
    let mallory = secret_key("Mallory", 3);
    let mut versions: Vec<Version> = (1..=8)
        .map(|n| signed(&olga, n, HashAlgorithm::Sha1))
        .collect();
    // Whole again, then another kind of failure (a key that is not pinned), then whole.
    versions.push(signed(&olga, 9, HashAlgorithm::Sha256));
    versions.push(signed(&mallory, 10, HashAlgorithm::Sha256));
    versions.push(signed(&olga, 11, HashAlgorithm::Sha512));
    let lines = replay_and_live(&armored_key(&olga.to_public_key()), &versions, &[], |w| w).await;
    let mut want = vec![("signature".to_string(), true)];
    want.extend(std::iter::repeat_n(("signature".to_string(), false), 7));
    want.extend([
        ("recovered".to_string(), true),
        ("signature".to_string(), true),
        ("recovered".to_string(), true),
    ]);
    assert_eq!(sig_events(&lines), want, "{lines:#?}");

    let sig = signature_lines(&lines);
    let first = detail(sig[0]);
    for words in [
        "SHA1 is refused",
        "collision-prone",
        "RFC 9580",
        "gpg still reports it as a good signature",
        "accept_sha1 = true",
        "Olga Oldhash <olga@example.org>",
        &fingerprint(&olga),
    ] {
        assert!(first.contains(words), "{words:?} missing from: {first}");
    }
    assert!(
        sig[0]["version"]
            .as_str()
            .unwrap_or_default()
            .contains("02-01")
    );
    for later in &sig[1..8] {
        assert!(
            detail(later).contains("recorded, not alerted"),
            "{}",
            detail(later)
        );
    }
    assert!(detail(sig[8]).contains("not pinned"), "{}", detail(sig[8]));
}

#[tokio::test(flavor = "multi_thread")]
async fn another_signer_failing_or_fewer_good_signers_is_a_new_alert() {
    // Two pinned signers, one required: Alice's SHA-1 signature is refused on every version
    // (one alert); then Bob's stops verifying too (a new alert); Bob back: no new alert.
    let (alice, bob) = (rsa_key(), secret_key("Bob", 2));
    let f = Env::new("");
    let keys = [
        (f.dir.path().join("alice.asc"), &alice),
        (f.dir.path().join("bob.asc"), &bob),
    ];
    for (p, k) in &keys {
        std::fs::write(p, armored_key(&k.to_public_key())).expect("key");
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for n in 1..=5u32 {
        let text = canary(n);
        let name = format!("c-2026-03-{n:02}.txt");
        let path = f.dir.path().join(&name);
        std::fs::write(&path, &text).expect("version");
        let at = T0 + 60 * DAY + n * DAY;
        std::fs::write(
            f.dir.path().join(format!("{name}.sig.a")),
            detached_with(&alice, text.as_bytes(), at, HashAlgorithm::Sha1),
        )
        .expect("sig");
        let bob_data: &[u8] = if n == 3 { b"other" } else { text.as_bytes() };
        std::fs::write(
            f.dir.path().join(format!("{name}.sig.b")),
            detached(&bob, bob_data, at),
        )
        .expect("sig");
        files.push(path);
    }
    let mut args: Vec<String> = vec!["replay".into(), "--format".into(), "json".into()];
    for (p, _) in &keys {
        args.push("--keys".into());
        args.push(p.display().to_string());
    }
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = f.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let got: Vec<(String, bool, String)> = lines
        .iter()
        .filter(|l| l["kind"] == "signature" || l["kind"] == "recovered")
        .map(|l| {
            let v = l["version"].as_str().unwrap_or_default();
            (
                l["kind"].as_str().unwrap_or_default().to_string(),
                l["notify"] == true,
                v[v.len() - 6..v.len() - 4].to_string(),
            )
        })
        .collect();
    let s = |k: &str, n: bool, v: &str| (k.to_string(), n, v.to_string());
    assert_eq!(
        got,
        [
            s("signature", true, "01"),
            s("signature", false, "02"),
            s("signature", true, "03"),
            s("signature", false, "04"),
            s("signature", false, "05"),
        ],
        "{lines:#?}"
    );
    let bad = detail(signature_lines(&lines)[2]);
    assert!(bad.contains("BAD signature by Bob"), "{bad}");
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_sha1_verifies_sha1_and_a_downgrade_is_still_alerted_high() {
    let olga = rsa_key();
    let key = armored_key(&olga.to_public_key());
    // Always SHA-1, accepted: quiet.
    let sha1: Vec<Version> = (1..=3)
        .map(|n| signed(&olga, n, HashAlgorithm::Sha1))
        .collect();
    let lines = replay_and_live(&key, &sha1, &["--accept-sha1"], accept_sha1).await;
    assert!(signature_lines(&lines).is_empty(), "{lines:#?}");

    // SHA-256, then SHA-1: a downgrade, alerted once at high severity though accepted.
    let downgrade = vec![
        signed(&olga, 1, HashAlgorithm::Sha256),
        signed(&olga, 2, HashAlgorithm::Sha1),
        signed(&olga, 3, HashAlgorithm::Sha1),
    ];
    let lines = replay_and_live(&key, &downgrade, &["--accept-sha1"], accept_sha1).await;
    assert_eq!(
        sig_events(&lines),
        [("signature".to_string(), true)],
        "{lines:#?}"
    );
    let sig = signature_lines(&lines);
    assert_eq!(sig[0]["severity"], "high");
    assert!(detail(sig[0]).contains("downgrade"), "{}", detail(sig[0]));
    assert!(detail(sig[0]).contains("SHA256"), "{}", detail(sig[0]));

    // The same without the setting: refused and a downgrade, one condition, one alert.
    let lines = replay_and_live(&key, &downgrade, &[], |w| w).await;
    assert_eq!(
        sig_events(&lines),
        [
            ("signature".to_string(), true),
            ("signature".to_string(), false)
        ],
        "{lines:#?}"
    );
    let d = detail(signature_lines(&lines)[0]);
    assert!(
        d.contains("downgrade") && d.contains("SHA1 is refused"),
        "{d}"
    );
}

fn olga_site(site: &Site, hash: HashAlgorithm) -> pgp::composed::SignedSecretKey {
    let olga = rsa_key();
    let text = canary(1);
    site.set("/c.txt", Reply::text(&text));
    site.set(
        "/c.txt.sig",
        sig_reply(detached_with(&olga, text.as_bytes(), T0 + 40 * DAY, hash)),
    );
    olga
}

#[tokio::test(flavor = "multi_thread")]
async fn preview_add_and_list_say_what_was_refused_and_the_setting_that_accepts_it() {
    let site = Site::start().await;
    let olga = olga_site(&site, HashAlgorithm::Sha1);
    let env = Env::new("[settings]\nhost_delay = \"0s\"\nconfirm = 1\n");
    let key = env.dir.path().join("olga.asc");
    std::fs::write(&key, armored_key(&olga.to_public_key())).expect("key");
    let key = key.display().to_string();
    let url = site.url("/c.txt");
    let flags = ["--key", key.as_str(), "--signature-url", "{url}.sig"];

    let mut args = vec!["preview", url.as_str()];
    args.extend(flags);
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for words in [
        "[weak hash]",
        "SHA1 is refused",
        "gpg still reports it as a good signature",
        "accept_sha1 = true",
    ] {
        assert!(
            text.contains(words),
            "{words:?} missing from preview:\n{text}"
        );
    }
    args.push("--accept-sha1");
    let text = stdout(&env.canaryd(&args).await);
    assert!(text.contains("Signatures: 1/1 ok"), "{text}");
    assert!(
        text.contains("accepted only because of accept_sha1"),
        "{text}"
    );

    // add says the same, and writes the setting when asked.
    let mut add = vec!["add", url.as_str(), "--name", "refused"];
    add.extend(flags);
    let out = env.canaryd(&add).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("accept_sha1 = true"),
        "{}",
        stdout(&out)
    );
    let mut add = vec!["add", url.as_str(), "--name", "accepted", "--accept-sha1"];
    add.extend(flags);
    let out = env.canaryd(&add).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(env.watchlist()).expect("watchlist");
    assert_eq!(
        written.matches("accept_sha1 = true").count(),
        1,
        "{written}"
    );

    env.check().await;
    let rows: Value =
        serde_json::from_str(&stdout(&env.canaryd(&["list", "--format", "json"]).await))
            .expect("list JSON");
    let row = |name: &str| {
        rows.as_array()
            .and_then(|r| r.iter().find(|r| r["name"] == name))
            .cloned()
            .expect("row")
    };
    let refused = row("refused");
    let notes = refused["signature_notes"].to_string();
    assert!(
        notes.contains("SHA1 is refused") && notes.contains("accept_sha1 = true"),
        "{refused:#}"
    );
    let accepted = row("accepted");
    assert_eq!(accepted["signature"], "1/1 ok", "{accepted:#}");
    assert!(
        accepted["health_reasons"]
            .to_string()
            .contains("accepts SHA-1 (a weak hash)"),
        "{accepted:#}"
    );
    let table = stdout(&env.canaryd(&["list"]).await);
    assert!(table.contains("refused: SHA1 is refused"), "{table}");
    assert!(table.contains("accepts SHA-1 (a weak hash)"), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_sha1_is_validated_once_and_unknown_keys_are_still_refused() {
    let alice = secret_key("Alice", 1);
    let env = Env::new("");
    std::fs::write(
        env.dir.path().join("alice.asc"),
        armored_key(&alice.to_public_key()),
    )
    .expect("key");
    let watch = |extra: &str| {
        format!(
            "[[watch]]\nname = \"ex\"\nurl = \"https://example.org/c.txt\"\nkeys = [\"alice.asc\"]\n{extra}"
        )
    };
    for (extra, expect) in [
        ("accept_sha1 = \"yes\"\n", "invalid type"),
        ("accept_sha = true\n", "unknown field `accept_sha`"),
    ] {
        env.set_watchlist(watch(extra));
        let out = env.canaryd(&["validate"]).await;
        assert_eq!(out.status.code(), Some(78), "{extra}");
        let err = stderr(&out);
        assert!(
            err.contains(expect) && err.contains("watchlist.toml:5:"),
            "{err}"
        );
    }
    env.set_watchlist(
        "[[watch]]\nname = \"ex\"\nurl = \"https://example.org/c.txt\"\naccept_sha1 = true\n",
    );
    let out = env.canaryd(&["validate"]).await;
    assert_eq!(out.status.code(), Some(78));
    assert!(
        stderr(&out).contains("no `keys` are pinned"),
        "{}",
        stderr(&out)
    );
    env.set_watchlist(watch("accept_sha1 = true\n"));
    let out = env.canaryd(&["validate"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A site with Alice's canary signed on day 40, her key served at /keys/alice.asc.
fn expiring_site(site: &Site, alice: &pgp::composed::SignedSecretKey) {
    let text = canary(1);
    site.set("/c.txt", Reply::text(&text));
    site.set(
        "/c.txt.sig",
        sig_reply(detached(alice, text.as_bytes(), T0 + 40 * DAY)),
    );
}

fn accept_sha1(watch: Watch) -> Watch {
    watch.set("accept_sha1", true)
}

fn watchlist_with_key(site: &Site, key_entry: impl Into<watchlist::Value>) -> Watchlist {
    Watchlist::new()
        .setting("confirm", 2)
        .setting("host_delay", "0s")
        .setting("timeout", "20s")
        .watch(
            Watch::url("ex", &site.url("/c.txt"))
                .set("signature_url", strings(&["{url}.sig"]))
                .set("keys", array([key_entry.into()])),
        )
}

/// A pinned key file `alice.asc` refreshed from `url`.
fn refreshed_key(url: String) -> watchlist::Value {
    inline(&[("file", "alice.asc".to_string()), ("key_url", url)])
}

fn events(env: &Env) -> Vec<Value> {
    std::fs::read_to_string(env.state().join("ex/events.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect()
}

fn list_row(out: &std::process::Output) -> Value {
    let rows: Value = serde_json::from_str(&stdout(out)).expect("list JSON");
    rows[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_pinned_copy_is_said_plainly_and_key_url_refreshes_it() {
    let alice = secret_key("Alice", 1);
    let site = Site::start().await;
    expiring_site(&site, &alice);
    let env = Env::new("");
    let pinned = armored_key(&with_expiry_at(&alice, 30, T0));
    let key_path = env.dir.path().join("alice.asc");
    std::fs::write(&key_path, &pinned).expect("key");

    // Without key_url: the alert says what the pinned copy says, and how to refresh it.
    env.set_watchlist(watchlist_with_key(&site, "alice.asc"));
    env.check().await;
    env.check().await;
    let ev = events(&env);
    let sig: Vec<&Value> = ev.iter().filter(|e| e["kind"] == "signature").collect();
    assert_eq!(sig.len(), 1, "{ev:#?}");
    let d = detail(sig[0]);
    let fp = fingerprint(&alice);
    for words in [
        format!(
            "your pinned copy of alice.asc ({fp}) says the key expired on 2026-01-31 00:00 UTC"
        ),
        "the signature was made on 2026-02-10 00:00 UTC".to_string(),
        "if the publisher extended the key, refresh the pinned copy".to_string(),
        format!("gpg --refresh-keys {fp}"),
    ] {
        assert!(d.contains(&words), "{words:?} missing from: {d}");
    }

    // key_url added while the publisher still serves the old copy: the check's daily refresh
    // finds nothing new, and the condition already alerted is not alerted again.
    site.set(
        "/keys/alice.asc",
        Reply::text(&String::from_utf8(pinned.clone()).expect("armour")),
    );
    env.set_watchlist(watchlist_with_key(
        &site,
        refreshed_key(site.url("/keys/alice.asc")),
    ));
    env.check().await;
    let first = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    env.check().await;
    let row = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    assert_eq!(
        first["key_refreshes"][0]["at"], row["key_refreshes"][0]["at"],
        "refreshed once a day, not on every check: {row:#}"
    );
    let ev = events(&env);
    let sig: Vec<&Value> = ev.iter().filter(|e| e["kind"] == "signature").collect();
    assert_eq!(
        sig.len(),
        1,
        "no second alert while the condition holds: {ev:#?}"
    );
    let row = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    assert_eq!(row["key_refreshes"][0]["outcome"], "unchanged", "{row:#}");

    // The publisher extends the key (a newer self-signature): refreshed on demand, and the
    // check that follows finds the signatures whole again.
    site.set(
        "/keys/alice.asc",
        Reply::text(
            &String::from_utf8(armored_key(&with_expiry_at(&alice, 3650, T0 + 35 * DAY)))
                .expect("armour"),
        ),
    );
    let out = env.canaryd(&["keys", "refresh", "ex"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    assert!(said.contains("accepted") && said.contains(&fp), "{said}");
    assert!(said.contains("expires 2035-12-30"), "{said}");
    // The user's file is never overwritten: the refreshed copy lives in the state directory.
    assert_eq!(std::fs::read(&key_path).expect("key"), pinned);
    assert!(env.state().join(format!("ex/keys/{fp}.asc")).is_file());
    let ev = events(&env);
    assert_eq!(ev.last().expect("events")["kind"], "recovered", "{ev:#?}");
    env.check().await;
    assert_eq!(events(&env).len(), ev.len(), "quiet once whole");
    let row = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    assert_eq!(row["signature"], "1/1 ok", "{row:#}");
    assert_eq!(row["key_refreshes"][0]["outcome"], "accepted", "{row:#}");
    assert_eq!(
        row["key_refreshes"][0]["fingerprint"],
        fp.as_str(),
        "{row:#}"
    );
    // The refresh is in the evidence, with the bytes fetched.
    let history = env.state().join("ex/history");
    let recorded = std::fs::read_dir(&history)
        .expect("history")
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .any(|t| t.contains("\"key_refreshes\"") && t.contains("\"accepted\""));
    assert!(recorded, "no evidence record of the refresh");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_url_serving_another_primary_key_is_refused_and_a_revocation_is_a_signature_event() {
    let (alice, mallory) = (secret_key("Alice", 1), secret_key("Mallory", 3));
    let site = Site::start().await;
    expiring_site(&site, &alice);
    let env = Env::new("");
    std::fs::write(
        env.dir.path().join("alice.asc"),
        armored_key(&alice.to_public_key()),
    )
    .expect("key");
    env.set_watchlist(watchlist_with_key(
        &site,
        refreshed_key(site.url("/keys/alice.asc")),
    ));
    site.set(
        "/keys/alice.asc",
        Reply::text(&String::from_utf8(armored_key(&mallory.to_public_key())).expect("armour")),
    );
    let out = env.canaryd(&["keys", "refresh"]).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let said = stdout(&out);
    assert!(
        said.contains("refused") && said.contains(&fingerprint(&mallory)),
        "{said}"
    );
    let fp = fingerprint(&alice);
    assert!(!env.state().join(format!("ex/keys/{fp}.asc")).exists());
    env.check().await;
    env.check().await;
    assert!(
        events(&env).iter().all(|e| e["kind"] != "signature"),
        "{:#?}",
        events(&env)
    );
    let row = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    assert_eq!(row["key_refreshes"][0]["outcome"], "refused", "{row:#}");
    let table = stdout(&env.canaryd(&["list"]).await);
    assert!(table.contains("key refresh refused"), "{table}");

    // The same primary key, now revoked: accepted, and the revocation is a signature event.
    site.set(
        "/keys/alice.asc",
        Reply::text(
            &String::from_utf8(armored_key(&revoked(
                &alice,
                alice.to_public_key(),
                T0 + 20 * DAY,
            )))
            .expect("armour"),
        ),
    );
    let out = env.canaryd(&["keys", "refresh", "ex"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("revoked"), "{}", stdout(&out));
    env.check().await;
    let ev = events(&env);
    let sig: Vec<&Value> = ev.iter().filter(|e| e["kind"] == "signature").collect();
    assert!(!sig.is_empty(), "{ev:#?}");
    assert!(sig.iter().all(|e| e["notify"] == true));
    assert!(sig.iter().any(|e| detail(e).contains("revoked")), "{ev:#?}");
    let row = list_row(&env.canaryd(&["list", "--format", "json"]).await);
    assert_eq!(row["key_refreshes"][0]["outcome"], "accepted", "{row:#}");
}

#[allow(dead_code)]
fn project(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}
