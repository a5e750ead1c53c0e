//! `canaryd add URL [--name N] [--selector CSS] [--interval D] [--force]`: fetch the page
//! once, show what would be tracked, and append a `[[watch]]` to the watchlist.
//!
//! A page that cannot be fetched is not added unless `--force` says so: a typo in a URL
//! fails the same way a page that is down does, and only the user knows which it is. With
//! `--force` the watch is added and its first good fetch becomes the baseline. Nor is a page
//! with no canary claim (a mistyped selector, a page that needs JavaScript): such a watch
//! could never alert, and would look healthy to anyone who forgot the advice. `--force` adds
//! it all the same; `check` and `list` then warn that it tracks nothing.

use std::path::Path;

use crate::cli::exit::{EXIT_FAILURE, EXIT_USAGE};
use crate::config::edit::{self, NewWatch};
use crate::config::{Settings, Watchlist, parse_duration, valid_watch_name};
use crate::fetch::{FetchOptions, Origin, RetryPolicy};
use crate::observe::scripted::NEEDS_JAVASCRIPT;
use crate::store::Store;

use super::preview::{self, parse_selector, parse_target};
use super::say;
use super::signing_flags::SigningFlags;
use super::watchlist_file::{self, RELOAD_HINT};

/// The start of a watchlist `add` creates.
const NEW_WATCHLIST_HEADER: &str = "# canaryd watchlist, started by `canaryd add`. Every key: docs/watchlist.md.\n# Check it with `canaryd validate`.\n";

/// The arguments of `add`.
#[derive(Debug, Clone)]
pub struct AddArgs {
    pub url: Option<String>,
    pub follow: super::follow_args::FollowArgs,
    pub name: Option<String>,
    pub selector: Option<String>,
    pub interval: Option<String>,
    pub force: bool,
    /// `--key`, `--signature-url`, `--signers`.
    pub signing: SigningFlags,
    /// `--render browser`: the watch is rendered in headless Chromium.
    pub render: bool,
}

/// The `check` command for this watchlist and state directory, with the flags that name them
/// where they are not the defaults, so the hint can be pasted as it is.
fn check_command(watchlist: &Path, state: &Path) -> String {
    let mut cmd = String::from("canaryd");
    if watchlist != Path::new(super::args::DEFAULT_WATCHLIST) {
        cmd.push_str(&format!(" --watchlist {}", watchlist.display()));
    }
    if state != Path::new(super::args::DEFAULT_STATE) {
        cmd.push_str(&format!(" --state {}", state.display()));
    }
    cmd.push_str(" check");
    cmd
}

pub async fn run(watchlist: &Path, state: &Path, args: AddArgs) -> anyhow::Result<u8> {
    // An existing watchlist must be valid before it is edited; a missing one is started.
    let text = watchlist_file::read(watchlist)?;
    let current = match &text {
        Some(_) => match super::load_watchlist(watchlist) {
            Ok(wl) => Some(wl),
            Err(code) => return Ok(code),
        },
        None => None,
    };
    let settings = current
        .as_ref()
        .map_or_else(Settings::default, |wl| wl.settings.clone());
    let creating = text.is_none();
    let text = text.unwrap_or_default();

    let rule = match args.follow.rule() {
        Ok(r) => r,
        Err(e) => return usage(&super::chain(&e)),
    };
    // A followed watch is named and deduplicated by its index page.
    let target = match (&rule, &args.url) {
        (Some(r), _) => Ok(r.index.clone()),
        (None, Some(u)) => parse_target(u),
        (None, None) => return usage("give a URL, or --follow-index and --follow-pattern"),
    };
    let url = match target {
        Ok(u) if matches!(u.scheme(), "http" | "https" | "file") => u,
        Ok(u) => {
            return usage(&format!(
                "scheme \"{}\" is not supported; use an http://, https:// or file:// URL",
                u.scheme()
            ));
        }
        Err(e) => return usage(&super::chain(&e)),
    };
    let selector = match parse_selector(args.selector.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage(&super::chain(&e)),
    };
    if let Some(i) = &args.interval {
        match parse_duration(i) {
            Ok(d) if d.as_secs() >= 1 => {}
            Ok(_) => return usage("--interval must be at least one second"),
            Err(e) => {
                return usage(&format!(
                    "--interval: {e}; write e.g. \"30m\", \"6h\" or \"1d\""
                ));
            }
        }
    }
    let signing = match args.signing.signing() {
        Ok(s) => s,
        Err(e) => return usage(&super::chain(&e)),
    };
    let key_paths = args.signing.key_paths_for(watchlist)?;
    let existing = edit::names(&text)?;
    if let Some(same) = current
        .iter()
        .flat_map(|wl| &wl.watches)
        .find(|w| w.url == url)
    {
        outln!("note: watch \"{}\" already watches {url}", same.name);
    }
    if let Some(name) = &args.name {
        if !valid_watch_name(name) {
            return usage(&format!(
                "--name \"{name}\" cannot name a folder: use 1 to 64 letters, digits, '-', '_' or '.', not starting with '.' or '-'"
            ));
        }
        if existing.iter().any(|n| n == name) {
            say::error(format!(
                "a watch named \"{name}\" is already in {}; choose another --name (or `canaryd rename`)",
                watchlist.display()
            ));
            return Ok(EXIT_FAILURE);
        }
    }

    // Fetch as the daemon will: through the watchlist's proxy (Tor users must not leak a
    // direct request), within its timeout and body cap.
    let opts = FetchOptions {
        retry: RetryPolicy::none(),
        allow_internal: args.follow.allow_internal()?,
        ..settings.shared.fetch.clone()
    };
    let previewed = async {
        let document = match &rule {
            Some(r) => {
                let (doc, reason) = super::follow_args::locate(r, &opts).await?;
                outln!("following {doc}\n  ({reason} on {})\n", r.index);
                doc
            }
            None => url.clone(),
        };
        let origin = match &rule {
            Some(_) => Origin::Found,
            None => Origin::Watchlist,
        };
        if !args.render {
            return preview::fetch_preview(
                &document,
                origin,
                selector.as_ref(),
                signing.as_ref(),
                &opts,
            )
            .await;
        }
        // Rendered as the watch will be, with what the plain fetch sees beside it.
        let (plain, rendered) = preview::previews(
            &document,
            origin,
            selector.as_ref(),
            signing.as_ref(),
            &opts,
            true,
            &settings.browser,
        )
        .await?;
        let rendered = rendered.unwrap_or_else(|| Err(anyhow::anyhow!("not rendered")))?;
        preview::print_side_by_side(plain.as_ref(), &rendered);
        Ok(rendered)
    };
    match previewed.await {
        Ok(p) => {
            preview::print(&p, selector.as_ref());
            // A signed page whose signatures do not verify is judged by its signatures
            // (its text is read once they do): the signature words above say what to fix.
            let unverified = p
                .signatures
                .as_ref()
                .is_some_and(|r| r.scope.covers == crate::observe::signed::Covers::Nothing);
            if !p.statements.iter().any(|s| s.claim) && !unverified {
                if !args.force {
                    say::error(format_args!(
                        "nothing was added: {url} has no canary claim to track, so the watch could never alert"
                    ));
                    if p.scripted {
                        say::detail(format_args!(
                            "{NEEDS_JAVASCRIPT}; or add --render browser to have headless Chromium run its scripts, or --force to watch it anyway"
                        ));
                    } else {
                        say::detail(format_args!(
                            "find the element that holds the statements and try `canaryd preview {url} --selector CSS`, or add --force to watch it anyway"
                        ));
                    }
                    return Ok(EXIT_FAILURE);
                }
                say::warning(
                    "tracks nothing: adding it anyway (--force); `check` and `list` warn until the page has a claim",
                );
            }
        }
        Err(e) if args.force => {
            say::warning(format_args!(
                "cannot fetch it now ({}); adding it anyway (--force): its first good fetch becomes the baseline",
                super::chain(&e)
            ));
        }
        Err(e) => {
            say::error(format!("cannot fetch {url}: {}", super::chain(&e)));
            say::detail(format!(
                "nothing was added; check the URL (try `canaryd preview {url}`), or add --force to watch it anyway while it is down"
            ));
            return Ok(EXIT_FAILURE);
        }
    }

    let store = Store::at(state);
    let name = match args.name {
        Some(n) => n,
        None => edit::derive_name(&url, &|candidate| {
            // A folder left by a removed watch is history of its own: never inherit it.
            existing.iter().any(|n| n == candidate) || store.watch_dir(candidate).exists()
        }),
    };
    let new = NewWatch {
        name: name.clone(),
        url: url.to_string(),
        follow: rule.as_ref().map(|r| edit::NewFollow {
            index: r.index.to_string(),
            pattern: r.pattern.clone(),
            order: r.order().map(str::to_string),
        }),
        selector: args.selector,
        interval: args.interval,
        signature_url: args.signing.signature_urls.clone(),
        keys: key_paths,
        signers: args.signing.signers,
        accept_sha1: args.signing.accept_sha1,
        allow_internal: args.follow.allow_internal.clone(),
        render: args.render.then(|| "browser".to_string()),
    };
    let mut edited = edit::add(&text, &new)?;
    if creating {
        edited.insert_str(0, NEW_WATCHLIST_HEADER);
    }
    let wl: Watchlist = watchlist_file::write(watchlist, &edited)?;
    let interval = wl
        .watch(&name)
        .map(|w| crate::words::describe_setting(w.shared.interval))
        .unwrap_or_default();
    outln!(
        "\nadded watch \"{name}\" to {} (checked every {interval}); `{}` takes its baseline; {RELOAD_HINT}",
        watchlist.display(),
        check_command(watchlist, state)
    );
    let history = store.watch_dir(&name);
    if history.exists() {
        outln!(
            "note: {} already holds history for \"{name}\" (from an earlier watch of that name); it continues from there",
            history.display()
        );
    }
    Ok(0)
}

fn usage(message: &str) -> anyhow::Result<u8> {
    super::say::error(message);
    Ok(EXIT_USAGE)
}
