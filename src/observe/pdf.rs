//! Text from PDF reports.
