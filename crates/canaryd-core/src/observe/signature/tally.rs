//! A watch's signatures as one typed line: "2/2 ok", "1/2", "BAD" or "unsigned". Kept typed
//! in `check.json` and `list` until it is shown; on disk it is still those exact words, so
//! state written before it was typed reads back.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where a canary's signatures leave its watch, with the counts the words show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureTally {
    /// No signature at all: "unsigned".
    Unsigned,
    /// Some signature by a pinned key does not verify: "BAD".
    Bad,
    /// Fewer distinct good pinned signers than required: "1/2".
    Short { good: usize, required: usize },
    /// Enough distinct good pinned signers and nothing bad: "2/2 ok".
    Satisfied { good: usize, required: usize },
}

impl SignatureTally {
    /// Whether the signatures satisfy the pinned keys (the only healthy tally).
    pub fn is_satisfied(self) -> bool {
        matches!(self, SignatureTally::Satisfied { .. })
    }
}

impl fmt::Display for SignatureTally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureTally::Unsigned => f.write_str("unsigned"),
            SignatureTally::Bad => f.write_str("BAD"),
            SignatureTally::Short { good, required } => write!(f, "{good}/{required}"),
            SignatureTally::Satisfied { good, required } => write!(f, "{good}/{required} ok"),
        }
    }
}

/// A saved tally that is none of the words [`SignatureTally`] writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a signature summary (\"2/2 ok\", \"1/2\", \"BAD\" or \"unsigned\")")]
pub struct NotATally(String);

impl FromStr for SignatureTally {
    type Err = NotATally;

    fn from_str(s: &str) -> Result<SignatureTally, NotATally> {
        let counts = |c: &str| -> Option<(usize, usize)> {
            let (good, required) = c.split_once('/')?;
            Some((good.parse().ok()?, required.parse().ok()?))
        };
        let tally = match s {
            "unsigned" => Some(SignatureTally::Unsigned),
            "BAD" => Some(SignatureTally::Bad),
            _ => match s.strip_suffix(" ok") {
                Some(c) => {
                    counts(c).map(|(good, required)| SignatureTally::Satisfied { good, required })
                }
                None => counts(s).map(|(good, required)| SignatureTally::Short { good, required }),
            },
        };
        tally.ok_or_else(|| NotATally(s.to_string()))
    }
}

impl Serialize for SignatureTally {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SignatureTally {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<SignatureTally, D::Error> {
        let words = String::deserialize(d)?;
        words.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tally_is_written_and_read_as_its_words() {
        for (tally, words) in [
            (SignatureTally::Unsigned, "unsigned"),
            (SignatureTally::Bad, "BAD"),
            (
                SignatureTally::Short {
                    good: 1,
                    required: 2,
                },
                "1/2",
            ),
            (
                SignatureTally::Satisfied {
                    good: 2,
                    required: 2,
                },
                "2/2 ok",
            ),
        ] {
            assert_eq!(tally.to_string(), words);
            assert_eq!(words.parse::<SignatureTally>(), Ok(tally));
            let json = serde_json::to_string(&tally).expect("serialise");
            assert_eq!(json, format!("\"{words}\""));
            assert_eq!(
                serde_json::from_str::<SignatureTally>(&json).expect("read"),
                tally
            );
        }
        assert!(
            SignatureTally::Satisfied {
                good: 2,
                required: 2
            }
            .is_satisfied()
        );
        assert!(
            !SignatureTally::Short {
                good: 1,
                required: 2
            }
            .is_satisfied()
        );
    }

    #[test]
    fn words_it_never_writes_are_refused() {
        for bad in ["", "ok", "bad", "2/2 OK", "x/2", "1/", "2/2 ok "] {
            assert!(bad.parse::<SignatureTally>().is_err(), "{bad:?}");
        }
    }
}
