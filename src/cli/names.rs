//! Watch names typed on the command line: an unknown one is answered with the closest known
//! name ("did you mean …") and the names there are, the way clap answers a mistyped flag.

/// The message for `name`, which is none of `known`; `place` says where we looked.
pub fn unknown(name: &str, known: &[String], place: &str) -> String {
    let mut message = format!("no watch is named \"{name}\" in {place}");
    match suggestion(name, known) {
        Some(s) => message.push_str(&format!("; did you mean \"{s}\"?")),
        None if known.is_empty() => {
            message.push_str(" (there are none yet)");
            return message;
        }
        None => {}
    }
    message.push_str(&format!("\n  known: {}", listing(known)));
    message
}

/// The message for `name` when the state directory holds no history of that name: the names
/// that do have history (a removed watch's included) are the known ones.
pub fn unknown_in_state(name: &str, state: &std::path::Path) -> String {
    let known = crate::store::archive::Archive::new(state)
        .watches()
        .unwrap_or_default();
    unknown(
        name,
        &known,
        &format!(
            "the state directory {} (is --state right?)",
            state.display()
        ),
    )
}

/// The known name closest to `name`, if one is close enough to be a typo. Jaro-Winkler with
/// clap's own threshold (0.7), so a name is suggested exactly where clap would suggest a flag.
pub fn suggestion<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k.as_str())
}

/// "a, b, c", cut after twenty names: a watchlist of thousands must not flood the terminal.
fn listing(known: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut out = known
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if known.len() > SHOWN {
        out.push_str(&format!(
            " … and {} more (`canaryd list`)",
            known.len() - SHOWN
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_typo_is_answered_with_the_closest_name_and_the_list() {
        let known = names(&["acme", "riseup-net", "example-org"]);
        let m = unknown("acne", &known, "watchlist.toml");
        assert!(
            m.starts_with("no watch is named \"acne\" in watchlist.toml; did you mean \"acme\"?"),
            "{m}"
        );
        assert!(m.contains("known: acme, riseup-net, example-org"), "{m}");
    }

    #[test]
    fn nothing_close_lists_the_names_without_a_guess() {
        let m = unknown("zzzz", &names(&["acme"]), "x");
        assert!(!m.contains("did you mean"), "{m}");
        assert!(m.contains("known: acme"), "{m}");
        assert!(unknown("a", &[], "x").ends_with("(there are none yet)"));
    }

    #[test]
    fn long_lists_are_cut() {
        let many: Vec<String> = (0..25).map(|i| format!("w{i}")).collect();
        assert!(unknown("q", &many, "x").contains("… and 5 more"));
    }
}
