//! The canary statements the tests watch, one definition each: a company's ("Example Co
//! has never …") and a first-person canary's ("We have never …").

pub const NSL: &str = "Example Co has never received a National Security Letter.";
pub const GAG: &str = "Example Co has never been subject to a gag order.";
pub const FISA: &str =
    "Example Co has never received an order under the Foreign Intelligence Surveillance Act.";

/// A first-person canary's statements.
pub mod we {
    pub const NSL: &str = "We have never received a National Security Letter.";
    pub const GAG: &str = "We have never been subject to a gag order.";
    pub const FISA: &str =
        "We have never received an order under the Foreign Intelligence Surveillance Act.";
}
