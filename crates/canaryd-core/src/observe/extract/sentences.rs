//! Sentence splitting tuned for canaries: legal abbreviations, initials, numbers, URLs and
//! FAQ answers must not cut a claim in two. One linear pass.

/// Words that end with '.' without ending the sentence, lower-case, without the '.'.
/// "etc." is absent on purpose: followed by a capital it usually does end one.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "vs", "v", "inc", "ltd", "corp", "co",
    "llc", "plc", "gmbh", "art", "arts", "sec", "secs", "approx", "cf", "al", "fig", "vol", "pp",
    "p", "ch", "para", "nos", "gen", "gov", "sen", "rep", "rev", "hon", "mt", "ft", "dept", "univ",
    "ref", "refs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "mon", "tue", "wed", "thu", "fri", "mme", "mlle", "mm", "av", "bd", "env", "ex", "resp",
    "ibid", "op", "cit", "viz", "ca", "esp", "incl", "approx", "min", "max", "no", "num",
];

/// Characters that may close a sentence after its '.', '!' or '?'.
fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '\u{201D}' | '\u{2019}' | '\u{00BB}' | ')' | ']' | '\u{203A}'
    )
}

/// Characters that may open a sentence besides a capital letter.
fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\''
            | '\u{201C}'
            | '\u{2018}'
            | '\u{201E}'
            | '\u{00AB}'
            | '('
            | '['
            | '\u{00BF}'
            | '\u{00A1}'
    )
}

/// Whether the '.' closing `word` (the text since the last space) can end a sentence.
/// `at_start`: the word is the first of the sentence.
fn period_can_end(word: &str, at_start: bool) -> bool {
    let word = word.trim_start_matches(|c: char| is_opener(c) || c == '(');
    if word.is_empty() {
        return true;
    }
    let lower = word.to_lowercase();
    // "No. 5" is an abbreviation; "A: No. We have never…" is an answer (merged later).
    if ABBREVIATIONS.contains(&lower.as_str()) && lower != "no" {
        return false;
    }
    let mut letters = word.chars();
    // Initials ("J. Smith") and dotted acronyms ("U.S", "e.g", "i.e", "U.S.A").
    if word.chars().count() == 1 && letters.next().is_some_and(char::is_alphabetic) {
        return false;
    }
    if word.contains('.')
        && word
            .split('.')
            .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic))
    {
        return false;
    }
    // "1." opening a sentence is a list number, not a sentence of its own.
    if at_start && word.len() <= 3 && word.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    true
}

/// The sentences of a paragraph, trimmed, in order. Splits after '.', '!' or '?' (and any
/// closing quotes or brackets) when whitespace and then a capital letter, an opening quote
/// or a bracket follow. Never splits on ';', inside numbers, URLs or domain names
/// ("riseup.net", "1.5"), at ellipses, after known abbreviations, initials or a leading list
/// number. A bare "No." / "Yes." answer is joined to the sentence that explains it.
pub fn split_sentences(paragraph: &str) -> Vec<String> {
    let chars: Vec<(usize, char)> = paragraph.char_indices().collect();
    let mut sentences: Vec<&str> = Vec::new();
    let mut start = 0usize; // byte offset of the current sentence
    let mut word_start = 0usize; // byte offset of the current word
    let mut i = 0usize;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_whitespace() {
            word_start = pos + c.len_utf8();
            i += 1;
            continue;
        }
        // Only a terminator followed by closers and whitespace can end a sentence; testing
        // that first keeps "a.a.a.…" on one 10 MB line linear.
        let mut j = i + 1;
        while j < chars.len() && is_closer(chars[j].1) {
            j += 1;
        }
        let spaced = chars.get(j).is_none_or(|&(_, n)| n.is_whitespace());
        let terminal = spaced
            && match c {
                '!' | '?' => true,
                '.' => {
                    let prev_dot = i > 0 && chars[i - 1].1 == '.';
                    let next_dot = chars.get(i + 1).is_some_and(|&(_, n)| n == '.');
                    let at_start = paragraph[start..word_start].trim().is_empty();
                    !prev_dot && !next_dot && period_can_end(&paragraph[word_start..pos], at_start)
                }
                _ => false,
            };
        if !terminal {
            i += 1;
            continue;
        }
        // Closers stay with this sentence; then whitespace, then what opens the next one.
        let end = chars.get(j).map_or(paragraph.len(), |&(p, _)| p);
        let mut k = j;
        while k < chars.len() && chars[k].1.is_whitespace() {
            k += 1;
        }
        let splits = k > j
            && chars
                .get(k)
                .is_some_and(|&(_, n)| n.is_uppercase() || is_opener(n));
        if splits {
            sentences.push(&paragraph[start..end]);
            start = chars[k].0;
            word_start = start;
            i = k;
        } else {
            i = j.max(i + 1);
        }
    }
    sentences.push(&paragraph[start..]);
    merge_answers(
        sentences
            .into_iter()
            .map(str::trim)
            .filter(|s| !s.is_empty()),
    )
}

/// "No." / "A: No." / "Non." alone says nothing; with the next sentence it is the claim.
fn is_bare_answer(s: &str) -> bool {
    let lower = s.to_lowercase();
    let body = ["a:", "a :", "answer:", "r:", "r :", "réponse:", "réponse :"]
        .iter()
        .find_map(|p| lower.strip_prefix(p))
        .unwrap_or(&lower)
        .trim();
    matches!(
        body,
        "no." | "no!" | "yes." | "yes!" | "non." | "non !" | "non!" | "oui." | "oui !" | "oui!"
    )
}

fn merge_answers<'a>(sentences: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut carry: Option<String> = None;
    for s in sentences {
        let joined = match carry.take() {
            Some(mut c) => {
                c.push(' ');
                c.push_str(s);
                c
            }
            None => s.to_string(),
        };
        if is_bare_answer(&joined) {
            carry = Some(joined);
        } else {
            out.push(joined);
        }
    }
    out.extend(carry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RISEUP_2014: &str = "As of April 21, 2014, Riseup has not received any National Security Letters or FISA court orders, and we have not been subject to any gag order by a FISA court. Riseup has never placed any backdoors in our software and have not received any requests to do so. Riseup has never disclosed any user communications to any third party.";

    #[test]
    fn riseup_paragraph_is_three_sentences() {
        let got = split_sentences(RISEUP_2014);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].starts_with("As of April 21, 2014,") && got[0].ends_with("FISA court."));
        assert!(got[1].starts_with("Riseup has never placed"));
        assert_eq!(
            got[2],
            "Riseup has never disclosed any user communications to any third party."
        );
    }

    #[test]
    fn splits_and_non_splits() {
        let cases: &[(&str, &[&str])] = &[
            ("One. Two! Three? Four", &["One.", "Two!", "Three?", "Four"]),
            (
                "The U.S. Government has not asked. The U.S.A. neither.",
                &["The U.S. Government has not asked.", "The U.S.A. neither."],
            ),
            (
                "Orders (e.g. NSLs) and i.e. Gag orders etc. are covered.",
                &["Orders (e.g. NSLs) and i.e. Gag orders etc. are covered."],
            ),
            (
                "It covers NSLs, gag orders, etc. We have none.",
                &["It covers NSLs, gag orders, etc.", "We have none."],
            ),
            (
                "Filed by Acme Inc. Ltd. Corp. Mr. Dr. St. vs. Art. Sec. approx. No. 5 today.",
                &["Filed by Acme Inc. Ltd. Corp. Mr. Dr. St. vs. Art. Sec. approx. No. 5 today."],
            ),
            (
                "Signed by J. Smith and A. B. Jones. Done.",
                &["Signed by J. Smith and A. B. Jones.", "Done."],
            ),
            (
                "Version 1.5 of riseup.net is at https://eff.org/a.b. Next.",
                &[
                    "Version 1.5 of riseup.net is at https://eff.org/a.b.",
                    "Next.",
                ],
            ),
            (
                "1. The date of issue. Then.",
                &["1. The date of issue.", "Then."],
            ),
            (
                "We waited... Then nothing\u{2026} Really.",
                &["We waited... Then nothing\u{2026} Really."],
            ),
            (
                "He said \"never.\" Then left. (Really.) [1] See.",
                &["He said \"never.\"", "Then left.", "(Really.)", "[1] See."],
            ),
            (
                "We have never received one; we have not been asked.",
                &["We have never received one; we have not been asked."],
            ),
            ("lower. case follows", &["lower. case follows"]),
            (
                "Ends with number 2. 3 follows",
                &["Ends with number 2. 3 follows"],
            ),
            (
                "Nous n'avons jamais reçu de mandat. Élise l'a confirmé.",
                &["Nous n'avons jamais reçu de mandat.", "Élise l'a confirmé."],
            ),
            ("", &[]),
            ("   ", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(split_sentences(text), *want, "{text}");
        }
    }

    #[test]
    fn bare_answers_join_their_explanation() {
        let got = split_sentences(
            "A: No. We have never permitted installation of any hardware or software monitoring on any system that we control; law enforcement has not taken our servers. We would rather stop.",
        );
        assert_eq!(got.len(), 2, "{got:#?}");
        assert!(got[0].starts_with("A: No. We have never permitted"));
        assert_eq!(split_sentences("Non. Jamais."), vec!["Non. Jamais."]);
        assert_eq!(split_sentences("No."), vec!["No."]);
    }

    #[test]
    fn long_inputs_are_linear() {
        let many = "We have never received an NSL. ".repeat(100_000);
        assert_eq!(split_sentences(&many).len(), 100_000);
        let one_line = "a.".repeat(2_000_000);
        assert_eq!(split_sentences(&one_line).len(), 1);
        let dots = format!("{} X", ".".repeat(1_000_000));
        assert_eq!(split_sentences(&dots).len(), 1);
    }
}
