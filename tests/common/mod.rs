//! Shared test fixtures: a real SMTP server and a real HTTP site on loopback, and helpers
//! to run the real `canaryd` binary. Each test file uses a subset of them.
#![allow(dead_code)]

pub mod run;
pub mod site;
pub mod smtp;
