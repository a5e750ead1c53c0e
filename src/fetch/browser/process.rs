//! The Chromium process: found, started in its own process group with a fresh profile,
//! asked for its DevTools address, and ended with its whole group (renderers, zygote, crash
//! handler) killed and reaped. A browser that outlived canaryd is the zombie urlwatch and
//! changedetection.io users complain of; nothing here leaves one behind.

use std::io::BufRead as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Names Chromium goes by on PATH, in the order they are tried.
const NAMES: [&str; 5] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome-headless-shell",
];

/// What to do when no Chromium is found.
pub const INSTALL_FIX: &str = "install it (`apt-get install chromium` on Debian and Ubuntu), or set `browser = \"/path/to/chromium\"` in [settings]";

/// No browser to start: what was looked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotFound {
    #[error("the browser \"{}\" is not on PATH", .0.display())]
    NotOnPath(PathBuf),
    #[error("the browser {} is not an executable file", .0.display())]
    NotExecutable(PathBuf),
    #[error("no Chromium found on PATH (looked for {})", NAMES.join(", "))]
    NoneOnPath,
}

/// The browser to start: `configured` if given (it must be an executable file), else the
/// first of [`NAMES`] on PATH.
pub fn find(configured: Option<&Path>) -> Result<PathBuf, NotFound> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(name) = configured.filter(|p| p.components().count() == 1 && !p.is_absolute()) {
        // A bare name ("chromium-browser") is looked up on PATH, like a shell would.
        return std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
            .ok_or_else(|| NotFound::NotOnPath(name.to_path_buf()));
    }
    if let Some(path) = configured {
        return if is_executable(path) {
            Ok(path.to_path_buf())
        } else {
            Err(NotFound::NotExecutable(path.to_path_buf()))
        };
    }
    std::env::split_paths(&path)
        .flat_map(|dir| NAMES.iter().map(move |n| dir.join(n)))
        .find(|p| is_executable(p))
        .map(|p| past_debian_wrapper(&p).unwrap_or(p))
        .ok_or(NotFound::NoneOnPath)
}

/// Why the browser could not be started, or did not say where it listens.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create {}: {source}", dir.display())]
    RuntimeDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create a profile in {}: {source}", dir.display())]
    Profile {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start {}: {source}", program.display())]
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start a thread to read the browser's output: {0}")]
    Reader(std::io::Error),
    #[error(
        "{} exited before it opened its DevTools socket ({status}); it said: {}",
        program.display(),
        said.join(" | ")
    )]
    Exited {
        program: PathBuf,
        status: String,
        said: Vec<String>,
    },
    #[error(
        "{} did not open its DevTools socket within {}s",
        program.display(),
        within.as_secs()
    )]
    Silent { program: PathBuf, within: Duration },
}

/// Debian's `/usr/bin/chromium` is a shell script that reads `/proc/cpuinfo` (hidden by the
/// unit's `ProcSubset=pid`), sources `/etc/chromium.d` and adds desktop flags before it runs
/// `/usr/lib/chromium/chromium`: canaryd runs the browser itself, with its own flags.
fn past_debian_wrapper(found: &Path) -> Option<PathBuf> {
    let real = Path::new("/usr/lib/chromium/chromium");
    let head = std::fs::read(found).ok()?;
    let script =
        head.starts_with(b"#!") && memchr::memmem::find(&head, b"/usr/lib/$APPNAME").is_some();
    (script && is_executable(real)).then(|| real.to_path_buf())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The flags every page is rendered with. Headless, no first-run or background traffic
/// (this is a watcher: it must not phone anyone), V8 without its JIT (it then runs under
/// `MemoryDenyWriteExecute=yes`, and a hostile page has less to exploit), and Chromium's own
/// sandbox off: it needs user namespaces or a setuid helper, which the hardened unit's
/// sandbox forbids and which do not exist as root; systemd's sandbox stands in (README).
const FLAGS: [&str; 23] = [
    "--headless",
    "--no-sandbox",
    // Without a sandbox the zygote still moves itself into a new user namespace, which
    // RestrictNamespaces=yes refuses (a FATAL in credentials.cc): no zygote, then.
    "--no-zygote",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-dev-shm-usage",
    "--disable-features=Translate,MediaRouter,OptimizationHints,InterestFeedContentSuggestions,AutofillServerCommunication",
    "--blink-settings=imagesEnabled=false",
    "--mute-audio",
    "--password-store=basic",
    "--js-flags=--jitless",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "about:blank",
];

/// A running Chromium, the leader of its own process group.
#[derive(Debug)]
pub struct Chromium {
    child: Child,
    /// The profile directory, removed when this is dropped (after the group is dead).
    profile: Option<tempfile::TempDir>,
}

impl Chromium {
    /// Starts `program` with a fresh profile under `runtime_dir` and waits (at most `within`)
    /// for it to say where its DevTools socket listens.
    pub async fn start(
        program: &Path,
        runtime_dir: &Path,
        within: Duration,
    ) -> Result<(Chromium, String), StartError> {
        let dir = runtime_dir.to_path_buf();
        std::fs::create_dir_all(runtime_dir).map_err(|source| StartError::RuntimeDir {
            dir: dir.clone(),
            source,
        })?;
        remove_stale_profiles(runtime_dir);
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(runtime_dir)
            .map_err(|source| StartError::Profile { dir, source })?;
        become_subreaper();
        let mut cmd = Command::new(program);
        cmd.args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: prctl(2) only, async-signal-safe, between fork and exec. If canaryd dies
        // without closing the browser (SIGKILL, OOM), the kernel kills the browser's leader;
        // its children follow it.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|source| StartError::Spawn {
            program: program.to_path_buf(),
            source,
        })?;
        let stderr = child.stderr.take();
        let mut chromium = Chromium {
            child,
            profile: Some(profile),
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        // The last lines it said, for the message when it exits before it listens.
        let said = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let tail = std::sync::Arc::clone(&said);
        // Reads the DevTools address, then drains (and logs) the rest, so Chromium never
        // blocks on a full pipe. Ends when the group dies and the pipe closes.
        std::thread::Builder::new()
            .name("chromium-stderr".into())
            .spawn(move || {
                let mut tx = Some(tx);
                let mut lines = 0u32;
                let Some(stderr) = stderr else { return };
                for line in std::io::BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(url) = line.strip_prefix("DevTools listening on ") {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(url.trim().to_string());
                        }
                    } else {
                        let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
                        if t.len() == 4 {
                            t.pop_front();
                        }
                        t.push_back(line.chars().take(300).collect::<String>());
                    }
                    if lines < 200 {
                        // Bounded: a chatty browser must not fill the journal.
                        lines += 1;
                        tracing::debug!(target: "canaryd::browser", "chromium: {line}");
                    }
                }
            })
            .map_err(StartError::Reader)?;
        match tokio::time::timeout(within, rx).await {
            Ok(Ok(url)) => Ok((chromium, url)),
            Ok(Err(_)) => {
                let status = chromium.kill();
                let said: Vec<String> = said
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .cloned()
                    .collect();
                Err(StartError::Exited {
                    program: program.to_path_buf(),
                    status,
                    said,
                })
            }
            Err(_) => {
                chromium.kill();
                Err(StartError::Silent {
                    program: program.to_path_buf(),
                    within,
                })
            }
        }
    }

    /// The process group's id (the leader's pid).
    pub fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `grace` for the browser to exit on its own (after `Browser.close`).
    pub async fn exited_within(&mut self, grace: Duration) -> bool {
        let step = Duration::from_millis(50);
        let mut waited = Duration::ZERO;
        while waited < grace {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return true;
            }
            tokio::time::sleep(step).await;
            waited += step;
        }
        false
    }

    /// Kills the whole process group and reaps the leader. Idempotent. Returns how the
    /// leader ended, for messages.
    pub fn kill(&mut self) -> String {
        if let Ok(pid) = i32::try_from(self.child.id()) {
            // SAFETY: kill(2) on the process group this process created; no memory involved.
            // Also reaches children left after the leader exited on its own.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        // The leader dies at once on SIGKILL; waiting for it is short and reaps it.
        let status = match self.child.wait() {
            Ok(s) => s.to_string(),
            Err(e) => format!("not reaped: {e}"),
        };
        reap_group(self.child.id());
        if let Some(profile) = self.profile.take() {
            let path = profile.path().to_path_buf();
            if let Err(e) = profile.close() {
                tracing::warn!(path = %path.display(), error = %e, "cannot remove the browser profile");
            }
        }
        status
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if self.profile.is_some() {
            self.kill();
        }
    }
}

/// Makes this process the reaper of its orphaned descendants, so that the renderers and
/// helpers of a browser whose leader died are reparented here and can be reaped
/// ([`reap_group`]) instead of lingering as zombies under an init that may not reap them
/// (a container's). Once per process.
fn become_subreaper() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: prctl(2) with integer arguments only.
        let done = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) };
        if done != 0 {
            tracing::debug!(
                "cannot become a subreaper; a killed browser's children are init's to reap"
            );
        }
    });
}

/// Reaps every dead member of process group `pgid` (already sent SIGKILL), waiting up to
/// two seconds for the last to die. Only this group's processes are waited for: children
/// the async runtime owns are left to it.
fn reap_group(pgid: u32) {
    let Ok(pgid) = i32::try_from(pgid) else {
        return;
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    loop {
        let mut status = 0;
        // SAFETY: waitpid(2) on a process group this process created, into a local int.
        let pid = unsafe { libc::waitpid(-pgid, &mut status, libc::WNOHANG) };
        match pid {
            p if p > 0 => continue,
            // Members left, not dead yet: SIGKILL takes effect within milliseconds.
            0 if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            // -1 (ECHILD): none left that are ours. 0 past the deadline: give up.
            _ => return,
        }
    }
}

/// Profiles left by a canaryd that was killed before it could remove them. Only one canaryd
/// uses a state directory at a time (its lock), so every profile found is stale.
fn remove_stale_profiles(runtime_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(runtime_dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("profile-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_path_must_be_an_executable_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("chromium");
        std::fs::write(&plain, "#!/bin/sh\n").expect("write");
        let err = find(Some(&plain)).expect_err("not executable");
        assert_eq!(err, NotFound::NotExecutable(plain.clone()));
        assert!(err.to_string().contains("not an executable file"), "{err}");
        let missing = dir.path().join("missing");
        assert_eq!(find(Some(&missing)), Err(NotFound::NotExecutable(missing)));
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_eq!(find(Some(&plain)), Ok(plain));
    }
}
