//! Observation: a fetched page, read the way the watch says, becomes what the judge sees.
//! Pure: bot-challenge detection, statement extraction, normalisation, and the canary's own
//! dates and deadlines. [`read_page`] is the one way a page becomes an observation: live
//! checks, `replay` and `preview` all call it.

pub(crate) use page::{Reading, read_page};

pub mod cadence;
#[allow(dead_code)] // read by the `format = "canarytail"` work, not wired yet
pub(crate) mod canarytail;
pub(crate) mod challenge;
pub mod extract;
#[allow(dead_code)] // read by `follow`, not wired yet
pub(crate) mod follow;
pub mod normalise;
mod page;
#[allow(dead_code)] // read by `format = "pdf"`, not wired yet
pub(crate) mod pdf;
pub mod selector;
pub(crate) mod signature;
pub mod signed;
pub mod statement;
