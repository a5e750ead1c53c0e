//! Observation: a fetched page, read the way the watch says, becomes what the judge sees.
//! Pure: bot-challenge detection, statement extraction, normalisation, and the canary's own
//! dates and deadlines.

pub mod cadence;
pub(crate) mod canarytail;
pub(crate) mod challenge;
pub mod extract;
pub(crate) mod follow;
pub mod normalise;
pub(crate) mod pdf;
pub(crate) mod signature;
pub mod statement;
