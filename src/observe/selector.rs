//! A compiled CSS selector, kept with the text the user wrote (shown back in every message).

use scraper::Selector;

/// A compiled CSS selector together with the text the user wrote.
#[derive(Debug, Clone)]
pub struct WatchSelector {
    pub source: String,
    pub compiled: Selector,
}

impl WatchSelector {
    pub fn parse(source: &str) -> Result<Self, String> {
        Selector::parse(source)
            .map(|compiled| WatchSelector {
                source: source.to_string(),
                compiled,
            })
            .map_err(|e| {
                // scraper's parse errors carry a generic preamble; keep the useful line.
                let text = e.to_string();
                text.lines()
                    .filter(|l| !l.contains("Please report this"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    }
}
