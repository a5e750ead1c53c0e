//! `canaryd replay`: judge archived versions of a canary in order; prints, writes nothing.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::args::Format;
use crate::config::{Settings, Signing, WatchSelector, parse_duration};
use crate::judge::Policy;
use crate::observe::signature::PinnedKey;
use crate::pipeline::replay::{is_signature_file, lines, read_versions, replay_signed};
use crate::words::plural;

/// `--keys` and `--signers`.
pub(super) struct SigningArgs {
    pub keys: Vec<PathBuf>,
    pub signers: Option<usize>,
    pub accept_sha1: bool,
}

impl SigningArgs {
    /// The pinned keys, read and parsed; `None` without `--keys`.
    fn signing(&self) -> anyhow::Result<Option<Signing>> {
        if self.keys.is_empty() {
            return Ok(None);
        }
        let mut keys: Vec<PinnedKey> = Vec::new();
        for path in &self.keys {
            let bytes = std::fs::read(path)
                .with_context(|| format!("--keys: reading {}", path.display()))?;
            let label = path.display().to_string();
            for key in
                PinnedKey::parse(&bytes, &label).map_err(|e| anyhow::anyhow!("--keys: {e}"))?
            {
                if !keys.iter().any(|k| k.fingerprint() == key.fingerprint()) {
                    keys.push(key);
                }
            }
        }
        let signers = self.signers.unwrap_or(1);
        if signers == 0 || signers > keys.len() {
            anyhow::bail!(
                "--signers {signers}: use a number from 1 to the {} distinct key{} pinned",
                keys.len(),
                if keys.len() == 1 { "" } else { "s" }
            );
        }
        Ok(Some(Signing {
            templates: Vec::new(),
            keys,
            signers,
            accept_sha1: self.accept_sha1,
            sources: Vec::new(),
        }))
    }
}

pub(super) async fn run(
    files: &[PathBuf],
    selector: Option<&str>,
    max_age: Option<&str>,
    signing: SigningArgs,
    format: Format,
) -> anyhow::Result<u8> {
    let signing = signing.signing()?;
    // With keys, a folder's signature files may be among the arguments: they are read beside
    // their version, not replayed as versions.
    let files: Vec<PathBuf> = files
        .iter()
        .filter(|f| signing.is_none() || !is_signature_file(f))
        .cloned()
        .collect();
    let files = &files[..];
    // The parse error already names the selector and the offending part, in words.
    let selector = selector
        .map(|s| WatchSelector::parse(s).map_err(|e| anyhow::anyhow!("--selector: {e}")))
        .transpose()?;
    let max_age = max_age
        .map(|d| parse_duration(d).map_err(|e| anyhow::anyhow!("--max-age: {e}")))
        .transpose()?;
    let versions = read_versions(files)?;
    let policy = Policy {
        max_age,
        ..Settings::default().shared.policy
    };
    let events = tokio::task::spawn_blocking(move || {
        replay_signed(&versions, selector.as_ref(), signing.as_ref(), &policy)
    })
    .await
    .context("the replay stopped unexpectedly")?;
    let lines = lines(&events);
    match format {
        Format::Json => {
            for l in &lines {
                outln!("{}", serde_json::to_string(l)?);
            }
        }
        Format::Text => {
            for l in &lines {
                let mail = if l.notify { "alert" } else { "noted" };
                outln!(
                    "{}  {}  {} ({mail})",
                    &l.at[..10.min(l.at.len())],
                    l.version,
                    l.kind
                );
                if let Some(s) = &l.statement {
                    outln!("    > {s}");
                }
                outln!("    {}", l.detail);
            }
            let alerts = lines.iter().filter(|l| l.notify).count();
            outln!(
                "{} replayed: {}, {alerts} would have been emailed",
                plural(files.len(), "version"),
                plural(lines.len(), "event")
            );
        }
    }
    Ok(0)
}
