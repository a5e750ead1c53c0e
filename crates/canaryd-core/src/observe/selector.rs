//! A compiled CSS selector, kept with the text the user wrote (shown back in every message).

use scraper::Selector;

/// A compiled CSS selector together with the text the user wrote.
#[derive(Debug, Clone)]
pub struct WatchSelector {
    pub source: String,
    pub compiled: Selector,
    /// The id the selector starts from when nothing outside that element can match it
    /// (`#canary li`): extraction may then parse that element alone.
    leading_id: Option<String>,
}

/// A selector CSS cannot parse, explained in words that name the offending part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadSelector(String);

impl WatchSelector {
    /// See the field: `Some("canary")` for `#canary li`.
    pub(crate) fn leading_id(&self) -> Option<&str> {
        self.leading_id.as_deref()
    }

    pub fn parse(source: &str) -> Result<Self, BadSelector> {
        Selector::parse(source)
            .map(|compiled| WatchSelector {
                source: source.to_string(),
                compiled,
                leading_id: leading_id(source).map(str::to_string),
            })
            .map_err(|e| BadSelector(explain(source, &e.to_string())))
    }
}

/// The id a selector starts from, when it is `#id` followed only by descendant or child
/// steps of tag, `.class` and `#id` parts: such a selector matches nothing outside the
/// element with that id. Anything else (pseudo-classes, attributes, `,`, `+`, `~`,
/// escapes, a leading tag) has none, and is read from the whole page.
fn leading_id(selector: &str) -> Option<&str> {
    let s = selector.trim();
    let rest = s.strip_prefix('#')?;
    let id_len = ident_len(rest);
    if id_len == 0 {
        return None;
    }
    let (id, mut rest) = rest.split_at(id_len);
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t', '\n']);
        if trimmed.is_empty() {
            return Some(id);
        }
        let spaced = trimmed.len() < rest.len();
        rest = match trimmed.strip_prefix('>') {
            Some(after) => after.trim_start_matches([' ', '\t', '\n']),
            None if spaced => trimmed,
            None => return None,
        };
        let len = compound_len(rest)?;
        rest = &rest[len..];
    }
}

/// Length of a CSS identifier of letters, digits, `-` and `_` not starting with a digit.
fn ident_len(s: &str) -> usize {
    let n = s
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .count();
    if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        0
    } else {
        n
    }
}

/// Length of a compound of an optional tag (or `*`) then `.class` / `#id` parts; None if
/// it is empty or has anything else.
fn compound_len(s: &str) -> Option<usize> {
    let mut at = if s.starts_with('*') { 1 } else { ident_len(s) };
    loop {
        let rest = &s[at..];
        match rest.as_bytes().first() {
            Some(b'.' | b'#') => {
                let n = ident_len(&rest[1..]);
                if n == 0 {
                    return None;
                }
                at += 1 + n;
            }
            None | Some(b' ' | b'\t' | b'\n' | b'>') if at > 0 => return Some(at),
            _ => return None,
        }
    }
}

/// Pseudo-classes that depend on a person's mouse, keyboard, history or the URL's fragment:
/// a page fetched by a program is in none of those states.
const INTERACTIVE: &[&str] = &[
    "hover",
    "active",
    "focus",
    "focus-within",
    "focus-visible",
    "visited",
    "target",
    "target-within",
    "user-invalid",
    "user-valid",
];

/// A CSS parse error in words that name the offending part of `source`. The parser says
/// only what kind of error it met (`EmptySelector`, `UnsupportedPseudoClassOrElement`), not
/// where, so the part is found by looking at the text: characters CSS does not use, a `#`
/// or `.` without a name, the first pseudo-class that does not parse on its own, an empty
/// part between commas, a combinator with nothing after it, an unclosed bracket.
/// `parser_said` is the parser's own message, the last resort.
fn explain(source: &str, parser_said: &str) -> String {
    let quoted = format!("the selector `{source}`");
    let trimmed = source.trim();
    if trimmed.is_empty() {
        return "the selector is empty: give the element that holds the statements, e.g. `#canary li`".into();
    }
    if let Some(c) = trimmed.chars().find(|c| {
        c.is_ascii() && !c.is_ascii_alphanumeric() && !" \t\n-_#.:*[]=~|^$\"'()>+,\\".contains(*c)
    }) {
        return format!("{quoted} has `{c}`, which CSS selectors do not use");
    }
    let chars: Vec<char> = trimmed.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let named = chars
            .get(i + 1)
            .is_some_and(|n| n.is_alphanumeric() || matches!(n, '-' | '_' | '\\'));
        let in_attr = chars[..i].iter().filter(|c| **c == '[').count()
            > chars[..i].iter().filter(|c| **c == ']').count();
        if matches!(c, '#' | '.') && !named && !in_attr {
            let what = if *c == '#' {
                "an id, e.g. `#canary`"
            } else {
                "a class, e.g. `.canary`"
            };
            return format!("{quoted} has a `{c}` with no name after it: write {what}");
        }
    }
    if let Some(pseudo) = pseudo_parts(trimmed)
        .into_iter()
        .find(|p| Selector::parse(&format!("*{p}")).is_err())
    {
        let name = pseudo
            .trim_start_matches(':')
            .split('(')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        return if INTERACTIVE.contains(&name.as_str()) {
            format!(
                "{quoted} uses `{pseudo}`, which canaryd cannot apply to a static page (no one hovers, focuses or visits it): leave it out"
            )
        } else if pseudo.starts_with("::") {
            format!(
                "{quoted} uses `{pseudo}`, a pseudo-element, which holds no text of the page: select the element itself"
            )
        } else if name == "contains" {
            format!(
                "{quoted} uses `{pseudo}`, which is jQuery's, not CSS: select the element that holds the statement"
            )
        } else {
            format!(
                "{quoted} uses `{pseudo}`, which canaryd does not know or cannot read as written"
            )
        };
    }
    if trimmed.starts_with(',')
        || trimmed.ends_with(',')
        || trimmed.split(',').any(|p| p.trim().is_empty())
    {
        return format!("{quoted} has an empty part between commas");
    }
    if let Some(c) = trimmed
        .chars()
        .last()
        .filter(|c| matches!(c, '>' | '+' | '~'))
    {
        return format!(
            "{quoted} ends with `{c}` and nothing after it: say which elements, e.g. `#canary {c} li`"
        );
    }
    for (open, close) in [('[', ']'), ('(', ')')] {
        if trimmed.matches(open).count() != trimmed.matches(close).count() {
            return format!(
                "{quoted} opens `{open}` without closing it with `{close}` (or the reverse)"
            );
        }
    }
    if let Some(attr) = attribute_parts(trimmed)
        .into_iter()
        .find(|a| Selector::parse(&format!("*{a}")).is_err())
    {
        return format!(
            "{quoted} has `{attr}`, which is not a valid attribute test (write e.g. `[id=canary]`)"
        );
    }
    let said = parser_said
        .lines()
        .find(|l| !l.contains("Please report this"))
        .unwrap_or(parser_said)
        .trim()
        .to_lowercase();
    format!("{quoted} is not valid CSS ({said})")
}

/// The pseudo-classes and pseudo-elements of `source` as written: `:hover`, `::before`,
/// `:nth-child(2n)`. Colons inside `[…]` (attribute values) are not pseudos.
fn pseudo_parts(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = source.chars().collect();
    let (mut i, mut bracket) = (0, 0usize);
    while i < chars.len() {
        match chars[i] {
            '[' => bracket += 1,
            ']' => bracket = bracket.saturating_sub(1),
            ':' if bracket == 0 => {
                let start = i;
                i += 1;
                if chars.get(i) == Some(&':') {
                    i += 1;
                }
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
                {
                    i += 1;
                }
                if chars.get(i) == Some(&'(') {
                    let mut depth = 0usize;
                    while let Some(c) = chars.get(i) {
                        i += 1;
                        match c {
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                out.push(chars[start..i].iter().collect());
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The attribute tests of `source` as written: `[id=canary]`.
fn attribute_parts(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find('[') {
        let Some(len) = rest[start..].find(']') else {
            break;
        };
        out.push(rest[start..start + len + 1].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_id_led_descendant_and_child_selectors_are_cut() {
        for (sel, want) in [
            ("#canary li", Some("canary")),
            ("  #canary  ", Some("canary")),
            ("#canary > li", Some("canary")),
            ("#canary>li.item span", Some("canary")),
            ("#warrant-canary ul li", Some("warrant-canary")),
            ("#c *", Some("c")),
            ("#canary li#x.y", Some("canary")),
            ("ul#canary li", None),
            ("#canary.x li", None),
            ("#canary li:first-child", None),
            ("#canary li, p", None),
            ("#canary + ul", None),
            ("#canary ~ ul", None),
            ("#canary [data-x]", None),
            ("#can\\61ry", None),
            ("#1abc", None),
            ("li", None),
            ("#canary li.", None),
        ] {
            assert_eq!(leading_id(sel), want, "{sel}");
        }
    }

    fn error(source: &str) -> String {
        WatchSelector::parse(source).expect_err(source).to_string()
    }

    #[test]
    fn good_selectors_parse() {
        for s in [
            "#canary li",
            "main > ul li:nth-child(2n+1)",
            "li:not(.old)",
            "a[href^='https:']",
            "div:has(> p)",
        ] {
            assert!(WatchSelector::parse(s).is_ok(), "{s}");
        }
    }

    #[test]
    fn errors_name_the_offending_part_in_words() {
        let cases = [
            (
                "#canary li:hover",
                "the selector `#canary li:hover` uses `:hover`, which canaryd cannot apply to a static page",
            ),
            ("li:hover > a", "uses `:hover`, which canaryd cannot apply"),
            ("li::before", "uses `::before`, a pseudo-element"),
            (
                "#canary li:contains(never)",
                "uses `:contains(never)`, which is jQuery's, not CSS",
            ),
            ("li:nth-child(x)", "uses `:nth-child(x)`"),
            (
                "li:frobnicate",
                "uses `:frobnicate`, which canaryd does not know",
            ),
            ("", "the selector is empty"),
            ("   ", "the selector is empty"),
            (
                "a,,b",
                "the selector `a,,b` has an empty part between commas",
            ),
            (
                "#canary >",
                "the selector `#canary >` ends with `>` and nothing after it",
            ),
            (
                "#canary %li",
                "the selector `#canary %li` has `%`, which CSS selectors do not use",
            ),
            ("#", "has a `#` with no name after it: write an id"),
            ("li.", "has a `.` with no name after it: write a class"),
            ("a[x=]", "has `[x=]`, which is not a valid attribute test"),
            ("ul (li", "opens `(` without closing it"),
        ];
        for (source, want) in cases {
            let got = error(source);
            assert!(got.contains(want), "{source:?}: {got}");
            for jargon in [
                "EmptySelector",
                "Unsupported",
                "DanglingCombinator",
                "EOL",
                "Token",
            ] {
                assert!(!got.contains(jargon), "{source:?}: {got}");
            }
        }
    }

    #[test]
    fn pseudo_parts_are_read_as_written() {
        assert_eq!(
            pseudo_parts("a:hover ::before li:nth-child(2n+1) [href='x:y']"),
            vec![":hover", "::before", ":nth-child(2n+1)"]
        );
    }
}
