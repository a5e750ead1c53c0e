//! The command channel: runs a program (no shell) with the alert's JSON object on stdin and
//! its main fields in `CANARYD_*` environment variables. Exit 0 is delivered; anything else,
//! or running past the timeout (the program's whole process group is then killed), is a
//! failure retried later.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt as _;

use super::{Payload, SendError};
use crate::config::CommandConfig;

/// Longest value put in one environment variable: the full text is on stdin, and the kernel
/// refuses an environment string over 128 KiB.
const ENV_LIMIT: usize = 16 * 1024;

#[derive(Debug)]
pub(super) struct Command {
    argv: Vec<String>,
    timeout: Duration,
}

impl Command {
    pub(super) fn new(cfg: &CommandConfig) -> Command {
        Command {
            argv: cfg.argv.clone(),
            timeout: cfg.timeout,
        }
    }

    fn program(&self) -> String {
        self.argv.first().cloned().unwrap_or_default()
    }

    pub(super) async fn send(&self, payload: &Payload) -> Result<String, SendError> {
        let json = serde_json::to_vec(payload)?;
        let program = self.program();
        let mut cmd = tokio::process::Command::new(&program);
        cmd.args(self.argv.iter().skip(1))
            .envs(env(payload))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills whatever it started too.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = cmd.spawn().map_err(|source| SendError::Spawn {
            program: program.clone(),
            source,
        })?;
        let pid = child.id();
        let stdin = child.stdin.take();
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let run = async move {
            let feed = async move {
                if let Some(mut stdin) = stdin {
                    // A program that does not read its input is not a failure.
                    let _ = stdin.write_all(&json).await;
                }
            };
            let ((), status, stdout, stderr) =
                tokio::join!(feed, child.wait(), tail(stdout), tail(stderr));
            status.map(|status| Output {
                status,
                stdout,
                stderr,
            })
        };
        let output = match tokio::time::timeout(self.timeout, run).await {
            Ok(output) => output.map_err(|source| SendError::Spawn {
                program: program.clone(),
                source,
            })?,
            Err(_) => {
                if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
                    // SAFETY: kill(2) on the process group we created; no memory is involved.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                }
                return Err(SendError::CommandTimeout {
                    program,
                    timeout: self.timeout,
                });
            }
        };
        if output.status.success() {
            let said = last_line(&output.stdout);
            return Ok(if said.is_empty() {
                format!("{program} exited 0")
            } else {
                format!("{program} exited 0: {said}")
            });
        }
        let status = match output.status.code() {
            Some(code) => format!("status {code}"),
            None => "a signal".to_string(),
        };
        Err(SendError::Exit {
            program,
            status,
            stderr: last_line(&output.stderr),
        })
    }
}

/// What canaryd keeps of each of a program's output streams: the last this many bytes. The
/// rest is read and dropped as it comes, so a program that floods its output neither fills
/// canaryd's memory nor blocks on a full pipe (the timeout still ends one that never stops).
const OUTPUT_KEPT: usize = 64 * 1024;

struct Output {
    status: std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Reads `stream` to its end, keeping only its last [`OUTPUT_KEPT`] bytes.
async fn tail(stream: Option<impl tokio::io::AsyncRead + Unpin>) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let mut kept: Vec<u8> = Vec::new();
    let Some(mut stream) = stream else {
        return kept;
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > 2 * OUTPUT_KEPT {
                    kept.drain(..kept.len() - OUTPUT_KEPT);
                }
            }
        }
    }
    if kept.len() > OUTPUT_KEPT {
        kept.drain(..kept.len() - OUTPUT_KEPT);
    }
    kept
}

/// The last non-empty line of a program's output, trimmed.
fn last_line(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

fn bounded(text: &str) -> String {
    if text.len() <= ENV_LIMIT {
        return text.to_string();
    }
    let mut end = ENV_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// The `CANARYD_*` variables (documented in the README).
fn env(p: &Payload) -> Vec<(&'static str, String)> {
    let time = super::rfc3339;
    vec![
        ("CANARYD_ALERT_ID", p.alert_id.clone()),
        ("CANARYD_WATCH", p.watch.clone()),
        ("CANARYD_URL", p.url.clone()),
        ("CANARYD_KIND", p.kind.clone()),
        (
            "CANARYD_SEVERITY",
            p.severity.unwrap_or_default().to_string(),
        ),
        ("CANARYD_SUBJECT", p.subject.clone()),
        ("CANARYD_DETAIL", bounded(&p.detail)),
        ("CANARYD_STATEMENTS", bounded(&p.statements.join("\n"))),
        (
            "CANARYD_FIRST_SEEN",
            p.first_seen.map(time).unwrap_or_default(),
        ),
        ("CANARYD_AT", time(p.at)),
        ("CANARYD_QUEUED_AT", time(p.queued_at)),
        ("CANARYD_MESSAGE_ID", p.message_id.clone()),
        ("CANARYD_TEST", if p.test { "1" } else { "0" }.to_string()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_flood_of_output_keeps_only_its_end() {
        // 64 MiB of output: kept whole before, only its last OUTPUT_KEPT bytes now.
        let flood = tokio::io::AsyncReadExt::chain(
            tokio::io::AsyncReadExt::take(tokio::io::repeat(b'x'), 64 << 20),
            &b"\nsent as #42\n"[..],
        );
        let kept = tail(Some(flood)).await;
        assert!(kept.len() <= OUTPUT_KEPT, "kept {} bytes", kept.len());
        assert_eq!(last_line(&kept), "sent as #42");
    }

    #[test]
    fn last_line_skips_trailing_blank_lines() {
        assert_eq!(last_line(b"first\nsecond  \n\n"), "second");
        assert_eq!(last_line(b""), "");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(ENV_LIMIT);
        let cut = bounded(&long);
        assert!(cut.len() <= ENV_LIMIT);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
