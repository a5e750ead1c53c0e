//! Telling people: events rendered as alerts, queued durably in the outbox, delivered
//! through channels, and mirrored in the Atom feed.

pub(crate) mod alert;
pub(crate) mod channel;
pub(crate) mod deliver;
pub(crate) mod feed;
pub(crate) mod mail;
pub mod outbox;
pub(crate) mod smtp_failure;
