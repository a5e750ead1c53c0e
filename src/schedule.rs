//! When to check what: the per-watch scheduler, per-host politeness, and one pass over
//! every watch.

pub(crate) mod pass;
pub(crate) mod politeness;
pub mod scheduler;
pub(crate) mod waiting;
