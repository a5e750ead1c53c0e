//! A watchlist problem before it is placed in its file, and the file:line:column it is
//! reported at: every validation step (keys, follow, channels…) fails with one of these.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::WatchlistError;

/// A validation failure before it is placed in a file.
pub(super) struct RawError {
    pub(super) span: Option<Range<usize>>,
    pub(super) message: String,
    pub(super) fix: String,
}

impl RawError {
    pub(super) fn at(
        span: Range<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        RawError {
            span: Some(span),
            message: message.into(),
            fix: fix.into(),
        }
    }

    pub(super) fn locate(self, text: &str, path: &Path) -> WatchlistError {
        let (line, column) = match self.span {
            Some(span) => line_column(text, span.start),
            None => (1, 1),
        };
        WatchlistError::Invalid {
            path: PathBuf::from(path),
            line,
            column,
            message: self.message,
            fix: self.fix,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
