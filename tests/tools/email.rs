//! `test-email` against the loopback SMTP server, and the Atom feed of alerts.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::common::run::{Env, stderr};
use crate::common::site::Site;
use crate::common::smtp::{Behaviour, SmtpServer};
use crate::{FISA, GAG, NSL, closed_port, expect, ok, page, watchlist};

fn with_email(site: &Site, smtp_url: &str) -> String {
    format!(
        "{}\n[email]\nsmtp = \"{smtp_url}\"\nfrom = \"canaryd <canaryd@test.invalid>\"\nto = [\"reader@test.invalid\"]\n",
        watchlist(site, "")
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn test_email_reports_the_answer_or_the_exact_failure() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    let env = Env::new(with_email(&site, &smtp.url()));
    let out = ok(&env, &["test-email"]).await;
    assert!(out.contains("250"), "shows the server's answer: {out}");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].header("Subject").as_deref(),
        Some("[canaryd] test message")
    );
    assert_eq!(mails[0].header("X-Canaryd-Event").as_deref(), Some("test"));
    assert_eq!(mails[0].to, vec!["<reader@test.invalid>".to_string()]);

    smtp.set_refusing(true);
    let out = env.canaryd(&["test-email"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("421") && err.contains("refused"),
        "names the refusal: {err}"
    );

    env.set_watchlist(with_email(
        &site,
        &format!("smtp://127.0.0.1:{}", closed_port()),
    ));
    let out = env.canaryd(&["test-email"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("connection refused"),
        "{}",
        stderr(&out)
    );

    env.set_watchlist(watchlist(&site, ""));
    let out = env.canaryd(&["test-email"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no [email] table"),
        "{}",
        stderr(&out)
    );
    assert_eq!(smtp.mails().len(), 1, "nothing more was sent");
}

/// `test-email`'s stderr in one configuration: exit 1, exactly one error line and one fix.
async fn diagnosis(site: &Site, email: &str) -> (String, String) {
    let env = Env::new(format!(
        "{}\n[email]\n{email}from = \"canaryd <canaryd@test.invalid>\"\nto = [\"reader@test.invalid\"]\n",
        watchlist(site, "")
    ));
    let out = env
        .canaryd_env(&["test-email"], &[("CANARYD_SMTP_PASSWORD", "hunter2")])
        .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one diagnosis and one fix, nothing contradicting it: {err}"
    );
    assert!(
        lines[0].starts_with("canaryd: error: test email not sent: "),
        "{err}"
    );
    assert!(lines[1].starts_with("  fix: "), "{err}");
    (lines[0].to_string(), lines[1].to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn test_email_diagnoses_each_misconfiguration_with_one_fix() {
    let site = Site::start().await;
    let plain = SmtpServer::start().await;
    let port = plain.port;

    // TLS from the first byte against a server that speaks plain SMTP.
    let (what, fix) = diagnosis(&site, &format!("smtp = \"smtps://127.0.0.1:{port}\"\n")).await;
    assert!(what.contains("speaks plain SMTP"), "{what}");
    assert!(
        fix.contains("smtp://") && fix.contains("tls=opportunistic"),
        "{fix}"
    );

    // STARTTLS demanded; the server never offers it.
    let (what, fix) = diagnosis(
        &site,
        &format!("smtp = \"smtp://127.0.0.1:{port}?tls=required\"\n"),
    )
    .await;
    assert!(what.contains("does not offer STARTTLS"), "{what}");
    assert!(fix.contains("smtps://"), "{fix}");

    // A login the server refuses.
    let auth = SmtpServer::start_with(Behaviour {
        refuse_logins: true,
        ..Behaviour::default()
    })
    .await;
    let (what, fix) = diagnosis(
        &site,
        &format!(
            "smtp = \"smtp://127.0.0.1:{}?tls=none\"\nusername = \"canaryd\"\n",
            auth.port
        ),
    )
    .await;
    assert!(
        what.contains("refused the login") && what.contains("535"),
        "{what}"
    );
    assert!(
        fix.contains("username") && fix.contains("password"),
        "{fix}"
    );

    // A login configured where the server offers none.
    let (what, fix) = diagnosis(
        &site,
        &format!("smtp = \"smtp://127.0.0.1:{port}?tls=none\"\nusername = \"canaryd\"\n"),
    )
    .await;
    assert!(what.contains("offers no login"), "{what}");
    assert!(fix.contains("tls=required"), "{fix}");

    // A server that wants a login, and none is configured.
    let submission = SmtpServer::start_with(Behaviour {
        require_login: true,
        ..Behaviour::default()
    })
    .await;
    let (what, fix) = diagnosis(
        &site,
        &format!("smtp = \"smtp://127.0.0.1:{}\"\n", submission.port),
    )
    .await;
    assert!(
        what.contains("only after a login") && what.contains("530"),
        "{what}"
    );
    assert!(fix.contains("username"), "{fix}");

    // Nothing listening.
    let (what, fix) = diagnosis(
        &site,
        &format!("smtp = \"smtp://127.0.0.1:{}\"\n", closed_port()),
    )
    .await;
    assert!(what.contains("connection refused"), "{what}");
    assert!(fix.contains("port"), "{fix}");

    // A server that accepts the connection and never answers, within the configured bound.
    let silent = SmtpServer::start_with(Behaviour {
        silent: true,
        ..Behaviour::default()
    })
    .await;
    let (what, fix) = diagnosis(
        &site,
        &format!(
            "smtp = \"smtp://127.0.0.1:{}\"\ntimeout = \"1s\"\n",
            silent.port
        ),
    )
    .await;
    assert!(
        what.contains("no answer") && what.contains("within 1s"),
        "{what}"
    );
    assert!(fix.contains("smtps://"), "{fix}");

    assert!(
        plain.mails().is_empty() && auth.mails().is_empty(),
        "nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_atom_has_one_well_formed_entry_per_alert() {
    let site = Site::start().await;
    site.set("/canary", page(&[NSL, FISA, GAG]));
    let env = Env::new(watchlist(&site, ""));
    ok(&env, &["check"]).await;
    let feed = env.state().join("feed.atom");
    assert!(!feed.exists(), "no alert, no feed");
    site.set("/canary", page(&[NSL, GAG]));
    let out = ok(&env, &["check"]).await;
    assert!(out.contains("removed"), "{out}");

    let xml = std::fs::read_to_string(&feed).expect("feed.atom written");
    let entries = parse_atom(&xml);
    assert_eq!(entries.len(), 1, "{xml}");
    let (title, content) = &entries[0];
    assert_eq!(title, "[canaryd] example: canary statement removed");
    assert!(
        content.contains(FISA),
        "the entry quotes the statement: {content}"
    );

    // A second alert adds an entry, newest first.
    site.set("/canary", page(&[GAG]));
    ok(&env, &["check"]).await;
    let entries = parse_atom(&std::fs::read_to_string(&feed).expect("feed"));
    assert_eq!(entries.len(), 2);
    assert!(entries[0].1.contains(NSL) && entries[1].1.contains(FISA));
    expect(&env, &["verify"], 0).await;
}

/// Parses an Atom feed strictly (any XML error fails the test): (title, content) per entry.
fn parse_atom(xml: &str) -> Vec<(String, String)> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    let mut root = None;
    let (mut title, mut content, mut has_id, mut has_updated) =
        (String::new(), String::new(), false, false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if root.is_none() {
                    root = Some(name.clone());
                    let ns = e
                        .attributes()
                        .map(|a| a.expect("attribute"))
                        .find(|a| a.key.as_ref() == "xmlns")
                        .map(|a| a.value.to_string());
                    assert_eq!(ns.as_deref(), Some("http://www.w3.org/2005/Atom"));
                }
                path.push(name);
            }
            Event::End(_) => {
                let closed = path.pop();
                if closed.as_deref() == Some("entry") {
                    assert!(has_id && has_updated, "every entry has an id and updated");
                    entries.push((std::mem::take(&mut title), std::mem::take(&mut content)));
                    (has_id, has_updated) = (false, false);
                }
            }
            Event::Text(t) => {
                let text = t
                    .xml_content(quick_xml::XmlVersion::Implicit1_0)
                    .into_owned();
                match (
                    path.get(path.len().wrapping_sub(2)).map(String::as_str),
                    path.last().map(String::as_str),
                ) {
                    (Some("entry"), Some("title")) => title.push_str(&text),
                    (Some("entry"), Some("content")) => content.push_str(&text),
                    (Some("entry"), Some("id")) => has_id = !text.trim().is_empty(),
                    (Some("entry"), Some("updated")) => has_updated = !text.trim().is_empty(),
                    _ => {}
                }
            }
            Event::GeneralRef(r) => {
                // quick-xml reports entity references separately; put the character back.
                let name: &str = &r;
                let c = match name {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other:?}"),
                };
                match path.last().map(String::as_str) {
                    Some("title") => title.push_str(c),
                    Some("content") => content.push_str(c),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("feed"));
    assert!(path.is_empty(), "every element closed");
    entries
}
