//! The stdout channel: what canaryd does without any channel configured, as it always has.

use std::io::Write;

use super::{Outgoing, SendError, TEST_SUBJECT};

pub(super) fn send(out: Outgoing<'_>, to_stderr: bool) -> Result<String, SendError> {
    let text = match out {
        Outgoing::Alert { alert: a, .. } => format!(
            "Subject: {}\nMessage-ID: {}\nReferences: {}\n\n{}\n",
            a.subject, a.message_id, a.thread_id, a.body
        ),
        Outgoing::Test { text, .. } => format!("Subject: {TEST_SUBJECT}\n\n{text}\n"),
    };
    // A closed stream is a failed delivery: the alert stays queued.
    if to_stderr {
        write(std::io::stderr().lock(), &text)?;
        return Ok("written to standard error".into());
    }
    write(std::io::stdout().lock(), &text)?;
    Ok("written to standard output".into())
}

fn write(mut to: impl Write, text: &str) -> Result<(), SendError> {
    to.write_all(text.as_bytes())
        .and_then(|()| to.flush())
        .map_err(SendError::Stdout)
}
