//! `canaryd replay`: version sequences written here, replayed through the real binary, with
//! the exact events asserted.

mod common;

use std::path::{Path, PathBuf};

use common::canary::GAG;
use common::run::{Env, stderr, stdout};
use serde_json::Value;

/// A text canary dated `date` ("April 21, 2014") holding `claims` plus a cadence line.
fn canary(date: &str, claims: &[&str]) -> String {
    let mut text = String::from("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n");
    text.push_str(&format!(
        "As of {date}, Example Co has not received any National Security Letters.\n\n"
    ));
    for c in claims {
        text.push_str(c);
        text.push_str("\n\n");
    }
    text.push_str("Example Co intends to update this statement approximately once per quarter.\n");
    text.push_str(
        "-----BEGIN PGP SIGNATURE-----\n\niQIcBAEBCgAGBQJVG2\n=abcd\n-----END PGP SIGNATURE-----\n",
    );
    text
}

const BACKDOOR: &str = "Example Co has never placed any backdoors in its software.";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write version");
    p
}

async fn replay_json(env: &Env, files: &[PathBuf]) -> Vec<Value> {
    let mut args = vec!["replay", "--format", "json"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn emailed(events: &[Value]) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["notify"] == Value::Bool(true))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn quarterly_re_signing_is_silent() {
    let env = Env::new("");
    let d = env.dir.path();
    let files = vec![
        write(
            d,
            "01-2020-01-02.txt",
            &canary("January 2, 2020", &[GAG, BACKDOOR]),
        ),
        write(
            d,
            "02-2020-04-01.txt",
            &canary("April 1, 2020", &[GAG, BACKDOOR]),
        ),
        write(
            d,
            "03-2020-07-01.txt",
            &canary("July 1, 2020", &[GAG, BACKDOOR]),
        ),
        write(
            d,
            "04-2020-10-01.txt",
            &canary("October 1, 2020", &[GAG, BACKDOOR]),
        ),
    ];
    let events = replay_json(&env, &files).await;
    assert!(
        emailed(&events).is_empty(),
        "re-dated canaries must not alert: {events:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn withdrawn_claim_is_removed_naming_it() {
    let env = Env::new("");
    let d = env.dir.path();
    let files = vec![
        write(
            d,
            "01-2020-01-02.txt",
            &canary("January 2, 2020", &[GAG, BACKDOOR]),
        ),
        write(d, "02-2020-04-01.txt", &canary("April 1, 2020", &[GAG])),
    ];
    let events = replay_json(&env, &files).await;
    let alerts = emailed(&events);
    assert_eq!(alerts.len(), 1, "{events:#?}");
    let e = alerts[0];
    assert_eq!(e["kind"], "removed");
    assert_eq!(e["statement"], BACKDOOR);
    assert_eq!(e["version"], files[1].display().to_string());
    assert!(
        e["at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2020-04-01T00:00:00")),
        "{e}"
    );
    assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

#[tokio::test(flavor = "multi_thread")]
async fn gap_past_the_stated_cadence_is_stale_between_versions() {
    let env = Env::new("");
    let d = env.dir.path();
    let files = vec![
        write(d, "01-2020-01-02.txt", &canary("January 2, 2020", &[GAG])),
        write(d, "02-2020-04-01.txt", &canary("April 1, 2020", &[GAG])),
        // Eight months of silence against "approximately once per quarter".
        write(d, "03-2020-12-01.txt", &canary("December 1, 2020", &[GAG])),
    ];
    let events = replay_json(&env, &files).await;
    let stale: Vec<&Value> = events.iter().filter(|e| e["kind"] == "stale").collect();
    assert_eq!(stale.len(), 1, "{events:#?}");
    let s = stale[0];
    assert_eq!(
        s["version"],
        files[1].display().to_string(),
        "stale while version 2 was up"
    );
    let at = s["at"].as_str().expect("at");
    assert!(
        at > "2020-07-01" && at < "2020-12-01",
        "fires at the deadline between versions: {at}"
    );
    assert_eq!(s["notify"], true);
    let recovered: Vec<&Value> = events.iter().filter(|e| e["kind"] == "recovered").collect();
    assert_eq!(recovered.len(), 1, "{events:#?}");
    assert_eq!(recovered[0]["version"], files[2].display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn max_age_flag_and_mtime_times_and_no_state_left_behind() {
    let env = Env::new("");
    let d = env.dir.path();
    // No date in the names: each version's time is its mtime (both "now"), so only --max-age
    // against the canary's own date can make it stale.
    let a = write(d, "first.txt", &canary("January 2, 2020", &[GAG]));
    let b = write(d, "second.txt", &canary("January 2, 2020", &[GAG]));
    let out = env
        .canaryd(&[
            "replay",
            "--max-age",
            "30d",
            a.to_str().expect("utf8"),
            b.to_str().expect("utf8"),
        ])
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("stale"), "{text}");
    assert!(!env.state().exists(), "replay leaves no state behind");
    let mut entries: Vec<String> = std::fs::read_dir(d)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, vec!["first.txt", "second.txt", "watchlist.toml"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn html_versions_with_a_selector() {
    let env = Env::new("");
    let d = env.dir.path();
    let page = |items: &[&str]| {
        let lis: String = items.iter().map(|s| format!("<li>{s}</li>")).collect();
        format!(
            "<html><body><nav>Home</nav><table><tr><td>National security requests: 0</td></tr></table><ul class=c>{lis}</ul></body></html>"
        )
    };
    let files = [
        write(d, "v1-2021-01-01.html", &page(&[GAG, BACKDOOR])),
        write(d, "v2-2021-02-01.html", &page(&[GAG, BACKDOOR])),
        write(d, "v3-2021-03-01.html", &page(&[BACKDOOR])),
    ];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let mut args = vec!["replay", "--format", "json", "--selector", "ul.c li"];
    args.extend(names.iter().map(String::as_str));
    let out = env.canaryd(&args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let alerts = emailed(&events);
    assert_eq!(alerts.len(), 1, "{events:#?}");
    assert_eq!(alerts[0]["kind"], "removed");
    assert_eq!(alerts[0]["statement"], GAG);
}

/// A Qubes-style canary: numbered statements, a bulletin count, a fingerprint, a stated
/// deadline ("in the first fourteen days of …") and news headlines as proof of freshness.
fn qubes(issued: &str, bulletins: u32, next: &str, headline: &str, warrants: bool) -> String {
    let mut t = String::from(
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n                    ---===[ Qubes Canary 032 ]===---\n\n\nStatements\n-----------\n\nThe Qubes security team members who have digitally signed this file [1]\nstate the following:\n\n",
    );
    t.push_str(&format!(
        "1. The date of issue of this canary is {issued}.\n\n"
    ));
    t.push_str(&format!(
        "2. There have been {bulletins} Qubes security bulletins published so far.\n\n"
    ));
    t.push_str("3. The Qubes Master Signing Key fingerprint is:\n\n       427F 11FD 0FAA 4B08 0123  F01C DDFA 1A3E 3687 9494\n\n");
    if warrants {
        t.push_str("4. No warrants have ever been served to us with regard to the Qubes OS\n   Project (e.g. to hand out the private signing keys or to introduce\n   backdoors).\n\n");
    }
    t.push_str(&format!("5. We plan to publish the next of these canary statements in the first\n   fourteen days of {next}. Special note should be taken if no new\n   canary is published by that time or if the list of statements changes\n   without plausible explanation.\n\n"));
    t.push_str(&format!("Proof of freshness\n-------------------\n\n{headline}\n\n-----BEGIN PGP SIGNATURE-----\n\niQIz\n-----END PGP SIGNATURE-----\n"));
    t
}

#[tokio::test(flavor = "multi_thread")]
async fn qubes_style_canary_is_silent_on_reissue_and_loud_on_death_and_lateness() {
    let env = Env::new("");
    let d = env.dir.path();
    let files = vec![
        write(
            d,
            "canary-032-2022-09-13.txt",
            &qubes(
                "September 13, 2022",
                84,
                "December 2022",
                "Thu, 08 Sep 2022 12:00:00 +0000 Queen dies",
                true,
            ),
        ),
        write(
            d,
            "canary-033-2022-12-06.txt",
            &qubes(
                "December 06, 2022",
                86,
                "March 2023",
                "Mon, 05 Dec 2022 09:00:00 +0000 Other news",
                true,
            ),
        ),
        // Two months past "the first fourteen days of March 2023", and statement 4 is gone.
        write(
            d,
            "canary-034-2023-05-20.txt",
            &qubes(
                "May 20, 2023",
                88,
                "August 2023",
                "Sat, 20 May 2023 09:00:00 +0000 More news",
                false,
            ),
        ),
    ];
    let events = replay_json(&env, &files).await;
    let alerts = emailed(&events);
    let kinds: Vec<&str> = alerts
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, vec!["stale", "removed", "recovered"], "{alerts:#?}");
    assert_eq!(alerts[0]["version"], files[1].display().to_string());
    assert!(
        alerts[0]["at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2023-03-22")),
        "14 March + 7 days grace: {}",
        alerts[0]
    );
    assert!(
        alerts[1]["statement"]
            .as_str()
            .is_some_and(|s| s.starts_with("No warrants have ever been served"))
    );
}
