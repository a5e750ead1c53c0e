//! `canaryd replay`: judge archived versions of a canary in order; prints, writes nothing.

use std::path::PathBuf;

use anyhow::Context as _;

use crate::cli::args::ReplayFormat;
use crate::config::{Settings, WatchSelector, parse_duration};
use crate::judge::Policy;
use crate::pipeline::replay::{lines, read_versions, replay};

pub(super) async fn run(
    files: &[PathBuf],
    selector: Option<&str>,
    max_age: Option<&str>,
    format: ReplayFormat,
) -> anyhow::Result<u8> {
    let selector = selector
        .map(|s| {
            WatchSelector::parse(s)
                .map_err(|e| anyhow::anyhow!("--selector \"{s}\" is not valid CSS: {e}"))
        })
        .transpose()?;
    let max_age = max_age
        .map(|d| parse_duration(d).map_err(|e| anyhow::anyhow!("--max-age: {e}")))
        .transpose()?;
    let versions = read_versions(files)?;
    let policy = Policy {
        max_age,
        ..Settings::default().shared.policy
    };
    let events = tokio::task::spawn_blocking(move || replay(&versions, selector.as_ref(), &policy))
        .await
        .context("the replay stopped unexpectedly")?;
    let lines = lines(&events);
    match format {
        ReplayFormat::Json => {
            for l in &lines {
                println!("{}", serde_json::to_string(l)?);
            }
        }
        ReplayFormat::Text => {
            for l in &lines {
                let mail = if l.notify { "alert" } else { "noted" };
                println!(
                    "{}  {}  {} ({mail})",
                    &l.at[..10.min(l.at.len())],
                    l.version,
                    l.kind
                );
                if let Some(s) = &l.statement {
                    println!("    > {s}");
                }
                println!("    {}", l.detail);
            }
            let alerts = lines.iter().filter(|l| l.notify).count();
            println!(
                "{} versions replayed: {} events, {alerts} would have been emailed",
                files.len(),
                lines.len()
            );
        }
    }
    Ok(0)
}
