//! Test builders shared by canaryd's crates: what a canary says ([`canary`]), and the bytes a
//! publisher serves (OpenPGP keys and signatures, PDFs, CanaryTail documents) or a user
//! writes (watchlists), each built here once. Everything is pure: the tests serve or read
//! the bytes themselves.

pub mod canary;
pub mod canarytail;
pub mod pdf;
pub mod pgp;
pub mod watchlist;
