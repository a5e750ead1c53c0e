//! Observation: a fetched page, read the way the watch says, becomes what the judge sees.
//! Pure: bot-challenge detection, statement extraction, normalisation, and the canary's own
//! dates and deadlines. [`read_document`] (HTML and text through `page::read_page`, PDF, CanaryTail)
//! is the one way a body becomes an observation: live checks, `replay` and `preview` all call it.

pub use document::DocumentFormat;
pub use document::{Body, Document, Kind, TailFacts, kind_of, known_format, read_document};
pub use page::Reading;
pub use read::{Identity, Input, Read, ReadSpec, SigningSpec, read};

pub mod cadence;
pub mod canarytail;
pub mod challenge;
mod document;
pub mod extract;
pub mod follow;
pub mod freshness;
#[doc(hidden)]
pub mod fuzzing;
pub mod normalise;
mod page;
pub mod pdf;
mod read;
pub mod scripted;
pub mod selector;
pub mod signature;
pub mod signed;
pub mod statement;
