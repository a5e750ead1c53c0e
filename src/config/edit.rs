//! Edits of the watchlist's text that keep everything else byte-for-byte: comments, blank
//! lines, key order and spacing. Pure: text in, text out; the caller validates the result
//! with `Watchlist::parse` and writes it atomically.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value, value};
use url::Url;

/// A watchlist edit that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the watchlist is not valid TOML: {0}")]
    Parse(#[from] toml_edit::TomlError),
    #[error("no watch is named \"{0}\" in the watchlist; `canaryd list` shows the names")]
    NotFound(String),
    #[error("a watch named \"{0}\" already exists; choose another name with --name")]
    Exists(String),
    #[error(
        "the watchlist's `watch` key is not a list of [[watch]] tables; edit it by hand or write each watch as a [[watch]] table"
    )]
    NotTables,
}

/// A watch to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWatch {
    pub name: String,
    /// Written unless `follow` is set.
    pub url: String,
    /// `follow = { index, pattern, order }`, written instead of `url`.
    pub follow: Option<NewFollow>,
    pub selector: Option<String>,
    pub interval: Option<String>,
    /// Detached signature URL templates (`{url}` is the canary's URL).
    pub signature_url: Vec<String>,
    /// Pinned key files, as the watchlist names them.
    pub keys: Vec<String>,
    pub signers: Option<usize>,
    /// `accept_sha1 = true`, written only when set.
    pub accept_sha1: bool,
    /// `allow_internal`: internal addresses the watch's found URLs may reach.
    pub allow_internal: Vec<String>,
    /// `render = "browser"`, when given.
    pub render: Option<String>,
}

/// The `follow` rule of a new watch, as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollow {
    pub index: String,
    pub pattern: String,
    pub order: Option<String>,
}

fn parse(text: &str) -> Result<DocumentMut, EditError> {
    Ok(text.parse::<DocumentMut>()?)
}

fn watches(doc: &mut DocumentMut) -> Result<Option<&mut ArrayOfTables>, EditError> {
    match doc.get_mut("watch") {
        None => Ok(None),
        Some(item) => item
            .as_array_of_tables_mut()
            .map(Some)
            .ok_or(EditError::NotTables),
    }
}

fn name_of(t: &Table) -> Option<&str> {
    t.get("name").and_then(Item::as_str)
}

/// The watch names in the watchlist, in order.
pub fn names(text: &str) -> Result<Vec<String>, EditError> {
    let mut doc = parse(text)?;
    Ok(watches(&mut doc)?
        .map(|w| w.iter().filter_map(name_of).map(str::to_string).collect())
        .unwrap_or_default())
}

/// Appends a `[[watch]]` after the last one (at the end when there is none yet).
pub fn add(text: &str, new: &NewWatch) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let mut table = Table::new();
    table["name"] = value(new.name.as_str());
    match &new.follow {
        Some(f) => {
            let mut rule = toml_edit::InlineTable::new();
            rule.insert("index", f.index.as_str().into());
            rule.insert("pattern", f.pattern.as_str().into());
            if let Some(o) = &f.order {
                rule.insert("order", o.as_str().into());
            }
            table["follow"] = value(rule);
        }
        None => table["url"] = value(new.url.as_str()),
    }
    if let Some(s) = &new.selector {
        table["selector"] = value(s.as_str());
    }
    if let Some(i) = &new.interval {
        table["interval"] = value(i.as_str());
    }
    let strings = |items: &[String]| Value::Array(items.iter().map(String::as_str).collect());
    if !new.signature_url.is_empty() {
        table["signature_url"] = Item::Value(strings(&new.signature_url));
    }
    if !new.keys.is_empty() {
        table["keys"] = Item::Value(strings(&new.keys));
    }
    if let Some(n) = new.signers {
        table["signers"] = value(n as i64);
    }
    if new.accept_sha1 {
        table["accept_sha1"] = value(true);
    }
    if !new.allow_internal.is_empty() {
        table["allow_internal"] = Item::Value(strings(&new.allow_internal));
    }
    if let Some(r) = &new.render {
        table["render"] = value(r.as_str());
    }
    // A blank line before the header, like the entries people write.
    table.decor_mut().set_prefix("\n");
    match watches(&mut doc)? {
        Some(list) => {
            if list.iter().any(|t| name_of(t) == Some(new.name.as_str())) {
                return Err(EditError::Exists(new.name.clone()));
            }
            list.push(table);
        }
        None => {
            let mut list = ArrayOfTables::new();
            list.push(table);
            doc.insert("watch", Item::ArrayOfTables(list));
        }
    }
    Ok(doc.to_string())
}

/// Removes the `[[watch]]` named `name`, with the comments just above its header.
pub fn remove(text: &str, name: &str) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let list = watches(&mut doc)?.ok_or_else(|| EditError::NotFound(name.to_string()))?;
    let index = list
        .iter()
        .position(|t| name_of(t) == Some(name))
        .ok_or_else(|| EditError::NotFound(name.to_string()))?;
    list.remove(index);
    if list.is_empty() {
        doc.remove("watch");
    }
    Ok(doc.to_string())
}

/// Renames a watch, keeping the spacing and any comment on its `name` line.
pub fn rename(text: &str, old: &str, new: &str) -> Result<String, EditError> {
    let mut doc = parse(text)?;
    let list = watches(&mut doc)?.ok_or_else(|| EditError::NotFound(old.to_string()))?;
    if list.iter().any(|t| name_of(t) == Some(new)) {
        return Err(EditError::Exists(new.to_string()));
    }
    let table = list
        .iter_mut()
        .find(|t| name_of(t) == Some(old))
        .ok_or_else(|| EditError::NotFound(old.to_string()))?;
    let slot = table
        .get_mut("name")
        .and_then(Item::as_value_mut)
        .ok_or_else(|| EditError::NotFound(old.to_string()))?;
    let decor = slot.decor().clone();
    *slot = Value::from(new);
    *slot.decor_mut() = decor;
    Ok(doc.to_string())
}

/// A watch name from the URL's host ("https://www.riseup.net/canary" → "riseup-net"), or
/// the file's stem for `file://`, made unique against `taken`.
pub fn derive_name(url: &Url, taken: &dyn Fn(&str) -> bool) -> String {
    let source = match url.host_str() {
        Some(host) => host.strip_prefix("www.").unwrap_or(host).to_string(),
        None => std::path::Path::new(url.path())
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let mut base = String::new();
    for c in source.to_ascii_lowercase().chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            base.push(c);
        } else if !base.ends_with('-') {
            base.push('-');
        }
    }
    let mut base = base.trim_matches('-').to_string();
    // Room for a "-NN" suffix within the 64 characters a name may have.
    base.truncate(56);
    let base = match base.trim_end_matches('-') {
        "" => "watch".to_string(),
        b => b.to_string(),
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken(candidate))
        .expect("an unbounded sequence of candidates has a free one")
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMENTED: &str = "# my canaries\n\n[settings]\ninterval = \"6h\"   # six hours\n\n# The first watch.\n[[watch]]\nname = \"a\"   # keep this comment\nurl = \"https://a.example/\"\n\n# The second watch.\n[[watch]]\nname   =   \"b\"\nurl = \"https://b.example/\"\n\n# email later\n[email]\nsmtp = \"smtp://127.0.0.1:25\"\nfrom = \"c@example.org\"\nto = [\"d@example.org\"]\n";

    fn new(name: &str) -> NewWatch {
        NewWatch {
            name: name.into(),
            url: "https://c.example/canary".into(),
            follow: None,
            selector: Some("#canary li".into()),
            interval: Some("1h".into()),
            signature_url: Vec::new(),
            keys: Vec::new(),
            signers: None,
            accept_sha1: false,
            allow_internal: Vec::new(),
            render: None,
        }
    }

    #[test]
    fn add_follow_writes_the_inline_table_that_loads_back() {
        let mut w = new("series");
        w.follow = Some(NewFollow {
            index: "https://q.example/canaries/".into(),
            pattern: r"canary-(\d+)-\d+\.txt$".into(),
            order: Some("number".into()),
        });
        w.selector = None;
        let out = add(COMMENTED, &w).expect("add");
        assert!(
            out.contains(r#"follow = { index = "https://q.example/canaries/", pattern = 'canary-(\d+)-\d+\.txt$', order = "number" }"#),
            "{out}"
        );
        let wl =
            crate::config::Watchlist::parse(&out, std::path::Path::new("w.toml")).expect("valid");
        let f = wl
            .watch("series")
            .and_then(|w| w.follow.as_ref())
            .expect("follow");
        assert_eq!(f.pattern, r"canary-(\d+)-\d+\.txt$");
        assert_eq!(f.order(), Some("number"));
    }

    #[test]
    fn add_inserts_one_entry_and_changes_nothing_else() {
        let out = add(COMMENTED, &new("c")).expect("add");
        let entry = "\n[[watch]]\nname = \"c\"\nurl = \"https://c.example/canary\"\nselector = \"#canary li\"\ninterval = \"1h\"\n";
        let at = COMMENTED.find("\n# email later").expect("marker");
        let expected = format!("{}{entry}{}", &COMMENTED[..at], &COMMENTED[at..]);
        assert_eq!(out, expected);
        assert!(matches!(
            add(COMMENTED, &new("b")),
            Err(EditError::Exists(_))
        ));
    }

    #[test]
    fn add_to_a_watchlist_without_watches() {
        let out = add("# nothing yet\n[settings]\nconfirm = 1\n", &new("c")).expect("add");
        assert!(
            out.starts_with("# nothing yet\n[settings]\nconfirm = 1\n\n[[watch]]\nname = \"c\"\n"),
            "{out}"
        );
    }

    #[test]
    fn remove_takes_the_entry_and_its_comment_only() {
        let out = remove(COMMENTED, "a").expect("remove");
        let expected = COMMENTED.replace(
            "\n# The first watch.\n[[watch]]\nname = \"a\"   # keep this comment\nurl = \"https://a.example/\"\n",
            "",
        );
        assert_eq!(out, expected);
        assert!(matches!(
            remove(COMMENTED, "zzz"),
            Err(EditError::NotFound(_))
        ));
    }

    #[test]
    fn rename_keeps_comments_and_spacing() {
        let out = rename(COMMENTED, "a", "alpha").expect("rename");
        assert_eq!(
            out,
            COMMENTED.replace("name = \"a\"   #", "name = \"alpha\"   #")
        );
        let out = rename(COMMENTED, "b", "beta").expect("rename");
        assert_eq!(
            out,
            COMMENTED.replace("name   =   \"b\"", "name   =   \"beta\"")
        );
        assert!(matches!(
            rename(COMMENTED, "a", "b"),
            Err(EditError::Exists(_))
        ));
    }

    #[test]
    fn the_shipped_watchlist_round_trips() {
        let shipped = include_str!("../../watchlist.toml");
        let out = add(shipped, &new("c")).expect("add");
        assert!(out.starts_with(shipped), "{out}");
        assert_eq!(remove(&out, "c").expect("remove"), shipped);
        for name in names(shipped).expect("names") {
            let out = remove(shipped, &name).expect("remove");
            let path = std::path::Path::new("watchlist.toml");
            let wl = crate::config::Watchlist::parse(&out, path).expect("still valid");
            assert!(wl.watch(&name).is_none());
            assert!(out.contains("# canaryd watchlist: the canaries to watch"));
        }
    }

    #[test]
    fn names_derive_from_hosts_and_are_unique() {
        let none = |_: &str| false;
        let url = |s: &str| Url::parse(s).expect("url");
        assert_eq!(
            derive_name(&url("https://riseup.net/canary"), &none),
            "riseup-net"
        );
        assert_eq!(
            derive_name(&url("https://www.rsync.net/x"), &none),
            "rsync-net"
        );
        assert_eq!(
            derive_name(&url("http://127.0.0.1:8080/c"), &none),
            "127-0-0-1"
        );
        assert_eq!(derive_name(&url("file:///srv/canary.txt"), &none), "canary");
        assert_eq!(derive_name(&url("http://[::1]:80/"), &none), "1");
        let taken = |n: &str| n == "riseup-net" || n == "riseup-net-2";
        assert_eq!(
            derive_name(&url("https://riseup.net/"), &taken),
            "riseup-net-3"
        );
    }
}
