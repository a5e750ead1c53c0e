//! Waiting for a rendered page to settle: the script that counts its own requests in
//! flight, and the loop that reads the DOM once it is loaded, waits for nothing and has
//! stopped changing.

use std::time::{Duration, Instant};

use crate::fetch::FetchOptions;

/// How often the DOM is read while waiting for the page's scripts to finish.
const POLL: Duration = Duration::from_millis(100);

/// The DOM must stay the same this long (after the load event) to count as rendered.
const QUIET: Duration = Duration::from_millis(400);

/// Counts the page's own `fetch()` and XHR requests still in flight, so that a canary list
/// still on its way is waited for however slow the machine: a page read before its data
/// arrived would read as "every statement removed". A `fetch()` resolves when the headers
/// arrive, so reading its body (`json()`, `text()`…) counts as in flight too: on a loaded
/// machine the body can take longer than the quiet period. Each decrement waits one task so
/// that the page's own `.then` (which fills the DOM) has run before the count says done.
pub(super) const PENDING_SCRIPT: &str = r#"(() => {
  let n = 0;
  Object.defineProperty(window, "__canarydPending", { get: () => n });
  const done = () => { setTimeout(() => n--, 0); };
  const track = (p) => { n++; p.then(done, done); return p; };
  const f = window.fetch;
  if (f) {
    window.fetch = function (...a) { return track(f.apply(this, a)); };
  }
  if (window.Response) {
    for (const m of ["json", "text", "arrayBuffer", "blob", "formData"]) {
      const read = Response.prototype[m];
      if (read) {
        Response.prototype[m] = function (...a) { return track(read.apply(this, a)); };
      }
    }
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...a) {
    n++;
    this.addEventListener("loadend", () => { setTimeout(() => n--, 0); });
    return send.apply(this, a);
  };
})();"#;

pub(super) enum Settle {
    TooLarge,
    Cdp(chromiumoxide::error::CdpError),
}

/// The DOM once the page's scripts are done with it: loaded, no `fetch()` or XHR of its own
/// in flight, and unchanged for [`QUIET`]. A page that never stops changing (a ticking
/// clock) but waits for nothing is read as it stands once parsed and half the watch's
/// timeout has gone;
/// one still waiting for its data is not read at all (the timeout makes it a failed fetch).
pub(super) async fn settle(
    tab: &chromiumoxide::Page,
    opts: &FetchOptions,
) -> Result<String, Settle> {
    let started = Instant::now();
    let patience = opts.timeout / 2;
    let mut last: Option<String> = None;
    let mut quiet_since = Instant::now();
    loop {
        let html = tab.content().await.map_err(Settle::Cdp)?;
        if html.len() as u64 > opts.max_body {
            return Err(Settle::TooLarge);
        }
        let state: String = tab
            .evaluate("document.readyState + ' ' + (window.__canarydPending || 0)")
            .await
            .map_err(Settle::Cdp)?
            .into_value()
            .unwrap_or_default();
        let waiting = !state.ends_with(" 0");
        if last.as_deref() != Some(html.as_str()) || waiting {
            quiet_since = Instant::now();
        }
        // Patience never reads a page still parsing: on a loaded machine a page can take
        // longer than half the timeout to load, and its empty app root would read as
        // "every statement removed". Such a page becomes a failed fetch at the timeout.
        let parsed = !state.starts_with("loading");
        if (state == "complete 0" && quiet_since.elapsed() >= QUIET)
            || (!waiting && parsed && started.elapsed() >= patience)
        {
            return Ok(html);
        }
        last = Some(html);
        tokio::time::sleep(POLL).await;
    }
}
