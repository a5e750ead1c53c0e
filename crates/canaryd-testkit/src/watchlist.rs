//! Watchlists the tests write, built as TOML documents (toml_edit), never by formatting
//! strings: a value with a quote, a backslash or a regex in it is escaped by the encoder.
//!
//! ```
//! use canaryd_testkit::watchlist::{Watch, Watchlist};
//! let text = Watchlist::new()
//!     .setting("confirm", 1)
//!     .watch(Watch::url("example", "http://127.0.0.1:8080/canary").set("selector", "#canary li"))
//!     .to_string();
//! assert!(text.contains("[[watch]]"));
//! ```

use std::fmt;

pub use toml_edit::Value;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table};

/// An array of strings, for keys such as `keys`, `allow_internal` or `to`.
pub fn strings<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(|s| s.as_ref()).collect::<Array>())
}

/// An array of any values, e.g. of inline tables for `keys = [{ file = …, key_url = … }]`.
pub fn array(items: impl IntoIterator<Item = Value>) -> Value {
    Value::Array(items.into_iter().collect())
}

/// An inline table, for keys such as `follow = { index = …, pattern = … }`.
pub fn inline<V: Into<Value> + Clone>(entries: &[(&str, V)]) -> Value {
    let mut table = InlineTable::new();
    for (k, v) in entries {
        table.insert(*k, v.clone().into());
    }
    Value::InlineTable(table)
}

/// One table of the document: a `[[watch]]`, a `[[channel]]` or a section.
#[derive(Debug, Clone, Default)]
pub struct Entries(Table);

impl Entries {
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key, Item::Value(value.into()));
        self
    }
}

/// A `[[watch]]` entry.
#[derive(Debug, Clone)]
pub struct Watch(Entries);

impl Watch {
    /// A watch named `name` with no source yet (set `url` or `follow`).
    pub fn named(name: &str) -> Self {
        Self(Entries::default().set("name", name))
    }

    /// A watch of the page at `url`.
    pub fn url(name: &str, url: &str) -> Self {
        Self::named(name).set("url", url)
    }

    /// A watch of the newest document `index` links whose URL matches `pattern`.
    pub fn follow(name: &str, index: &str, pattern: &str) -> Self {
        Self::named(name).set("follow", inline(&[("index", index), ("pattern", pattern)]))
    }

    pub fn set(self, key: &str, value: impl Into<Value>) -> Self {
        Self(self.0.set(key, value))
    }
}

/// A `[[channel]]` entry of kind `kind`.
#[derive(Debug, Clone)]
pub struct Channel(Entries);

impl Channel {
    pub fn new(kind: &str) -> Self {
        Self(Entries::default().set("kind", kind))
    }

    pub fn set(self, key: &str, value: impl Into<Value>) -> Self {
        Self(self.0.set(key, value))
    }
}

/// A whole watchlist: sections (`[settings]`, `[email]`), channels, then watches.
#[derive(Debug, Clone, Default)]
pub struct Watchlist {
    doc: DocumentMut,
}

impl Watchlist {
    pub fn new() -> Self {
        Self::default()
    }

    /// `key = value` in the section `[section]`.
    pub fn section(mut self, section: &str, key: &str, value: impl Into<Value>) -> Self {
        let table = self.doc[section].or_insert(Item::Table(Table::new()));
        table[key] = Item::Value(value.into());
        self
    }

    /// `key = value` in `[settings]`.
    pub fn setting(self, key: &str, value: impl Into<Value>) -> Self {
        self.section("settings", key, value)
    }

    /// `[email]` sending through `smtp` from canaryd to `to`.
    pub fn email(self, smtp: &str, to: &[&str]) -> Self {
        self.section("email", "smtp", smtp)
            .section("email", "from", "canaryd <canaryd@test.invalid>")
            .section("email", "to", strings(to))
    }

    pub fn channel(self, channel: Channel) -> Self {
        self.push("channel", channel.0)
    }

    pub fn watch(self, watch: Watch) -> Self {
        self.push("watch", watch.0)
    }

    pub fn watches(self, watches: impl IntoIterator<Item = Watch>) -> Self {
        watches.into_iter().fold(self, Self::watch)
    }

    /// Changes the watch named `name` (a test's variation on a shared watchlist).
    pub fn with_watch(mut self, name: &str, change: impl FnOnce(Watch) -> Watch) -> Self {
        let table = self
            .watch_tables()
            .iter_mut()
            .find(|t| t.get("name").and_then(Item::as_str) == Some(name))
            .expect("the watchlist has a watch of that name");
        let changed = change(Watch(Entries(std::mem::take(table))));
        *table = (changed.0).0;
        self
    }

    /// Leaves out the watch named `name`.
    pub fn without_watch(mut self, name: &str) -> Self {
        self.watch_tables()
            .retain(|t| t.get("name").and_then(Item::as_str) != Some(name));
        self
    }

    /// The line (from 1) of the first line of the text holding `needle`: where a test
    /// expects an error to point.
    pub fn line_of(&self, needle: &str) -> usize {
        let text = self.to_string();
        1 + text
            .lines()
            .position(|l| l.contains(needle))
            .expect("the watchlist holds the text")
    }

    fn watch_tables(&mut self) -> &mut ArrayOfTables {
        self.doc["watch"]
            .as_array_of_tables_mut()
            .expect("the watchlist has watches")
    }

    fn push(mut self, array: &str, entries: Entries) -> Self {
        let item = self.doc[array].or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
        item.as_array_of_tables_mut()
            .expect("only entries are pushed under this key")
            .push(entries.0);
        self
    }
}

impl fmt::Display for Watchlist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.doc.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_channels_and_watches_round_trip_through_toml() {
        let text = Watchlist::new()
            .setting("confirm", 2)
            .setting("host_delay", "0s")
            .email("smtp://127.0.0.1:25", &["reader@test.invalid"])
            .channel(Channel::new("command").set("command", strings(&["/bin/true"])))
            .watch(Watch::url("a", "http://127.0.0.1/a").set("confirm", 1))
            .watch(Watch::follow(
                "b",
                "http://127.0.0.1/",
                r"canary-(\d+)\.txt$",
            ))
            .to_string();
        let doc: DocumentMut = text.parse().expect("valid TOML");
        assert_eq!(doc["settings"]["confirm"].as_integer(), Some(2));
        assert_eq!(doc["email"]["to"][0].as_str(), Some("reader@test.invalid"));
        assert_eq!(doc["channel"][0]["kind"].as_str(), Some("command"));
        let watches = doc["watch"].as_array_of_tables().expect("watches");
        assert_eq!(watches.len(), 2);
        assert_eq!(watches.get(0).unwrap()["confirm"].as_integer(), Some(1));
        assert_eq!(
            doc["watch"][1]["follow"]["pattern"].as_str(),
            Some(r"canary-(\d+)\.txt$")
        );
    }

    #[test]
    fn a_named_watch_is_changed_or_left_out_and_the_others_kept() {
        let list = Watchlist::new().watches(["a", "b", "c"].map(|n| Watch::url(n, "http://x/")));
        let text = list
            .with_watch("b", |w| w.set("confirm", 1))
            .without_watch("c")
            .to_string();
        let doc: DocumentMut = text.parse().expect("valid TOML");
        let watches = doc["watch"].as_array_of_tables().expect("watches");
        let names: Vec<_> = watches.iter().map(|t| t["name"].as_str()).collect();
        assert_eq!(names, [Some("a"), Some("b")]);
        assert!(doc["watch"][0].get("confirm").is_none(), "{text}");
        let list = Watchlist::new()
            .setting("confirm", 1)
            .watch(Watch::named("a"));
        assert_eq!(list.line_of("confirm"), 2, "{list}");
        assert_eq!(
            list.line_of("name = \"a\""),
            list.to_string().lines().count()
        );
        assert_eq!(doc["watch"][1]["confirm"].as_integer(), Some(1));
    }
}
