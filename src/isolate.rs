//! Reading untrusted PDFs in a child process, so that no PDF can take the daemon's memory or
//! time. A few kilobytes of PDF can inflate to gigabytes (streams compressed twice) or keep
//! the reader busy for minutes; inside the daemon, either would stall every watch or get it
//! killed. The binary re-executes itself with a hidden subcommand ([`SUBCOMMAND`]); the child
//! lowers its own limits (address space, CPU time) before reading a byte, reads the PDF from
//! stdin with the pure reader (`observe::pdf`), and writes the text to stdout. The parent
//! bounds the wall time and the text it reads, and turns every way the child can end into a
//! failed read with its reason.
//!
//! The library alone reads PDFs in-process (pure, bounded in pages and characters only): the
//! binary installs this reader at start ([`install_self`]).

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::observe::pdf::{self, PdfError};

/// The hidden first argument that makes the binary a PDF reader child.
pub const SUBCOMMAND: &str = "__read-pdf";
/// The child's address space limit (RLIMIT_AS).
pub const MEMORY_LIMIT: u64 = 512 * 1024 * 1024;
/// The child's CPU time limit (RLIMIT_CPU).
pub const CPU_SECONDS: u64 = 20;
/// How long the parent waits for the child, whatever it is doing.
pub const WALL_LIMIT: Duration = Duration::from_secs(30);
/// Most text read back from the child.
pub const MAX_TEXT: usize = 4 * 1024 * 1024;

/// Exit status of a child that read the PDF and found it unreadable; stderr says why.
const UNREADABLE: u8 = 3;

static HELPER: OnceLock<PathBuf> = OnceLock::new();

/// Makes this process read PDFs through `helper` (a canaryd binary) from now on.
pub fn install(helper: PathBuf) {
    if HELPER.set(helper).is_ok() {
        pdf::set_reader(read_isolated);
    }
}

/// [`install`] with this very binary, as the daemon and every command do. Without a path to
/// it (no /proc), PDFs are read in-process, bounded in pages and characters only.
pub fn install_self() {
    match std::env::current_exe() {
        Ok(exe) => install(exe),
        Err(e) => tracing::warn!(
            error = %e,
            "cannot find canaryd's own binary; PDFs are read in this process, without the memory and time bounds of a child"
        ),
    }
}

/// The child: limits first, then the PDF from stdin, the text to stdout. Exit 0 with the
/// text, [`UNREADABLE`] with the reason on stderr, or a signal when a limit ended it.
pub fn child_main() -> ExitCode {
    // pdf-extract panics on many malformed inputs; the reason travels on stderr instead.
    std::panic::set_hook(Box::new(|_| {}));
    limit(libc::RLIMIT_AS, MEMORY_LIMIT);
    limit(libc::RLIMIT_CPU, CPU_SECONDS);
    // A child the kernel must kill for memory should be this one, never the daemon.
    let _ = std::fs::write("/proc/self/oom_score_adj", "1000");
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        eprint!("malformed cannot read the PDF from the parent: {e}");
        return ExitCode::from(UNREADABLE);
    }
    match pdf::extract_text(&bytes) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return ExitCode::from(UNREADABLE);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let (tag, detail) = match e {
                PdfError::Encrypted => ("encrypted", String::new()),
                PdfError::NoText => ("no-text", String::new()),
                PdfError::Malformed(m) => ("malformed", m),
                PdfError::TooBig(m) => ("too-big", m),
            };
            eprint!("{tag} {detail}");
            ExitCode::from(UNREADABLE)
        }
    }
}

/// Lowers a limit of this process. Lowering needs no privilege; where a sandbox forbids the
/// call, the parent's wall limit and the service's MemoryMax= still bound the child.
fn limit(resource: libc::__rlimit_resource_t, value: u64) {
    let rl = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit reads the struct we pass and changes only this process's limits.
    unsafe {
        libc::setrlimit(resource, &rl);
    }
}

/// The installed reader: the PDF's text from a bounded child (see the module documentation).
fn read_isolated(bytes: &[u8]) -> Result<String, PdfError> {
    let Some(helper) = HELPER.get() else {
        return pdf::extract_text(bytes);
    };
    let spawn_failed = |e: std::io::Error| {
        PdfError::Malformed(format!("cannot start the PDF reader process: {e}"))
    };
    let mut child = Command::new(helper)
        .arg(SUBCOMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_clear()
        .spawn()
        .map_err(spawn_failed)?;
    let (mut stdin, mut stdout, mut stderr) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let input = bytes.to_vec();
    let feeder = std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // A child that died early stops reading: its status says why.
            let _ = stdin.write_all(&input);
        }
    });
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(out) = stdout.as_mut() {
            // One byte past the bound is enough to know it was passed; the rest is drained
            // unread, so the child is not left blocked on a full pipe.
            let _ = out.take(MAX_TEXT as u64 + 1).read_to_end(&mut text);
            let _ = std::io::copy(out, &mut std::io::sink());
        }
        text
    });
    let errors = std::thread::spawn(move || {
        let mut said = Vec::new();
        if let Some(err) = stderr.as_mut() {
            let _ = err.take(4096).read_to_end(&mut said);
        }
        said
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() >= WALL_LIMIT => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(PdfError::Malformed(format!(
                    "lost the PDF reader process: {e}"
                )));
            }
        }
    };
    let timed_out = status.is_none();
    if timed_out {
        let _ = child.kill();
    }
    let status = status.or_else(|| child.wait().ok());
    let _ = feeder.join();
    let text = reader.join().unwrap_or_default();
    let said = String::from_utf8_lossy(&errors.join().unwrap_or_default()).into_owned();
    if text.len() > MAX_TEXT {
        return Err(PdfError::TooBig(format!(
            "more than {} MiB of text",
            MAX_TEXT >> 20
        )));
    }
    if timed_out {
        return Err(PdfError::TooBig(format!(
            "reading it took more than {} s",
            WALL_LIMIT.as_secs()
        )));
    }
    use std::os::unix::process::ExitStatusExt as _;
    let Some(status) = status else {
        return Err(PdfError::Malformed("lost the PDF reader process".into()));
    };
    if status.success() {
        return String::from_utf8(text).map_err(|_| {
            PdfError::Malformed("the PDF reader gave back text that is not UTF-8".into())
        });
    }
    if status.code() == Some(i32::from(UNREADABLE)) {
        let (tag, detail) = said.split_once(' ').unwrap_or((said.as_str(), ""));
        return Err(match tag {
            "encrypted" => PdfError::Encrypted,
            "no-text" => PdfError::NoText,
            "too-big" => PdfError::TooBig(detail.to_string()),
            _ => PdfError::Malformed(detail.to_string()),
        });
    }
    let mib = MEMORY_LIMIT >> 20;
    Err(match status.signal() {
        Some(libc::SIGXCPU) => {
            PdfError::TooBig(format!("reading it took more than {CPU_SECONDS} s of CPU"))
        }
        // Rust reports a stack overflow on stderr before it aborts: nesting deeper than
        // the bounds on the reader's recursion foresaw.
        Some(libc::SIGABRT | libc::SIGSEGV) if said.contains("overflowed its stack") => {
            PdfError::TooBig("reading it needed more stack than the reader has".into())
        }
        // Rust aborts when an allocation fails: the address space limit was reached. A
        // SIGKILL not ours is the kernel's OOM killer (the service's MemoryMax=).
        Some(libc::SIGABRT | libc::SIGSEGV | libc::SIGKILL) => {
            PdfError::TooBig(format!("reading it needed more than {mib} MiB of memory"))
        }
        Some(signal) => {
            PdfError::Malformed(format!("the PDF reader was killed by signal {signal}"))
        }
        None => PdfError::Malformed(format!(
            "the PDF reader failed ({status}){}",
            if said.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", said.trim())
            }
        )),
    })
}
