//! TEMPORARY placeholder until the real cadence reader lands (same API).
pub fn next_deadline(
    _statements_text: &[&str],
    _canary_date: chrono::NaiveDate,
) -> Option<chrono::NaiveDate> {
    None
}
