//! Tests of reading a canary's own date and deadline.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("test dates are valid")
}

const RESIGNED: &[&str] = &[
    "Riseup positively confirms that the integrity of our system is sound.",
    "This canary will be re-signed on the following dates:",
    "February 1",
    "May 1",
    "August 1",
    "November 1",
    "Frequently asked questions",
];

#[test]
fn stated_cadences() {
    let cases: &[(&[&str], NaiveDate, Option<NaiveDate>)] = &[
        (
            // A quarter (92 days) and half again (46) for "approximately".
            &["Riseup intends to update this report approximately once per quarter."],
            d(2016, 8, 15),
            Some(d(2016, 12, 31)),
        ),
        (
            &["We update this canary once per quarter."],
            d(2016, 8, 15),
            Some(d(2016, 11, 15)),
        ),
        (
            &["We update this canary quarterly."],
            d(2024, 1, 1),
            Some(d(2024, 4, 1)),
        ),
        (
            &["This canary is renewed every month."],
            d(2024, 1, 31),
            Some(d(2024, 2, 29)),
        ),
        (
            &["This statement is updated monthly."],
            d(2024, 3, 10),
            Some(d(2024, 4, 10)),
        ),
        (
            &["We re-sign this canary every 2 weeks."],
            d(2024, 1, 1),
            Some(d(2024, 1, 15)),
        ),
        (
            &["The canary is published every three months."],
            d(2024, 1, 1),
            Some(d(2024, 4, 1)),
        ),
        (
            &["This report is updated twice a year."],
            d(2024, 1, 1),
            Some(d(2024, 7, 1)),
        ),
        (
            &["A new canary is signed within 4 weeks of the last."],
            d(2024, 1, 1),
            Some(d(2024, 1, 29)),
        ),
        (
            &[
                "We plan to publish the next of these canary statements in the first fourteen days of September 2026.",
            ],
            d(2026, 6, 3),
            Some(d(2026, 9, 14)),
        ),
        (
            &["The next canary will be published by the end of May 2025."],
            d(2025, 2, 1),
            Some(d(2025, 5, 31)),
        ),
        (RESIGNED, d(2017, 2, 16), Some(d(2017, 5, 1))),
        // Signed a day early for August 1: the next one is November's.
        (RESIGNED, d(2017, 7, 31), Some(d(2017, 11, 1))),
        (RESIGNED, d(2023, 11, 2), Some(d(2024, 2, 1))),
        (RESIGNED, d(2024, 2, 3), Some(d(2024, 5, 1))),
        (
            &["This canary will be re-signed on February 1, May 1, August 1 and November 1."],
            d(2024, 5, 2),
            Some(d(2024, 8, 1)),
        ),
        (
            &["The next update will be published by March 31, 2025."],
            d(2025, 1, 2),
            Some(d(2025, 3, 31)),
        ),
        (
            &["The next canary will be published before 1 July 2025."],
            d(2025, 4, 1),
            Some(d(2025, 7, 1)),
        ),
        (
            &["Next update by April 2025."],
            d(2025, 1, 15),
            Some(d(2025, 4, 30)),
        ),
        // A precise date wins over a period.
        (
            &[
                "We update this canary quarterly.",
                "The next update is due no later than 2025-02-15.",
            ],
            d(2025, 1, 1),
            Some(d(2025, 2, 15)),
        ),
        (
            &["Nous mettons à jour ce canari chaque trimestre."],
            d(2024, 1, 1),
            Some(d(2024, 4, 1)),
        ),
        (
            &["Ce canari est renouvelé tous les deux mois."],
            d(2024, 1, 1),
            Some(d(2024, 3, 1)),
        ),
        (
            &["La prochaine mise à jour sera publiée avant le 1er juin 2025."],
            d(2025, 3, 1),
            Some(d(2025, 6, 1)),
        ),
    ];
    for (texts, date, want) in cases {
        assert_eq!(next_deadline(texts, *date), *want, "{texts:?} from {date}");
    }
}

#[test]
fn stated_windows_and_limits() {
    let cases: &[(&str, NaiveDate, Option<NaiveDate>)] = &[
        (
            "We plan to publish the next of these canary statements in the first two weeks of September 2016.",
            d(2016, 6, 3),
            Some(d(2016, 9, 14)),
        ),
        (
            "We plan to publish the next of these canary statements in the first fourteen days of March 2025.",
            d(2024, 12, 10),
            Some(d(2025, 3, 14)),
        ),
        (
            "The next canary will be published in the first week of July 2025.",
            d(2025, 4, 2),
            Some(d(2025, 7, 7)),
        ),
        (
            "The next canary will be published during the first 10 days of July 2025.",
            d(2025, 4, 2),
            Some(d(2025, 7, 10)),
        ),
        (
            "We expect to publish the next statement in the last fourteen days of June 2025.",
            d(2025, 3, 20),
            Some(d(2025, 6, 30)),
        ),
        (
            "We expect to publish the next statement in the last week of June 2025.",
            d(2025, 3, 20),
            Some(d(2025, 6, 30)),
        ),
        (
            "The next canary will be published by June 5, 2025.",
            d(2025, 3, 20),
            Some(d(2025, 6, 5)),
        ),
        (
            "The next statement will be published on or before 1 March 2026.",
            d(2025, 12, 1),
            Some(d(2026, 3, 1)),
        ),
        (
            "The next canary will be published before the 1st of July 2025.",
            d(2025, 4, 1),
            Some(d(2025, 7, 1)),
        ),
        (
            "The next statement will be published on or before 1 March.",
            d(2025, 12, 1),
            Some(d(2026, 3, 1)),
        ),
        (
            "A new canary is published within 4 weeks of the previous one.",
            d(2025, 1, 1),
            Some(d(2025, 1, 29)),
        ),
        (
            "This canary is updated bi-monthly.",
            d(2025, 1, 1),
            Some(d(2025, 3, 1)),
        ),
        (
            "Riseup intends to update this report approximately once per quarter.",
            d(2025, 1, 1),
            Some(d(2025, 5, 16)),
        ),
        (
            "Nous publierons la prochaine déclaration dans les deux premières semaines de septembre 2025.",
            d(2025, 6, 1),
            Some(d(2025, 9, 14)),
        ),
        (
            "Nous publierons la prochaine déclaration dans les quatorze premiers jours de mars 2025.",
            d(2024, 12, 10),
            Some(d(2025, 3, 14)),
        ),
        (
            "La prochaine déclaration sera publiée au plus tard le 1er mars.",
            d(2025, 12, 1),
            Some(d(2026, 3, 1)),
        ),
        (
            "Ce canari est mis à jour tous les deux mois.",
            d(2025, 1, 1),
            Some(d(2025, 3, 1)),
        ),
    ];
    for (text, date, want) in cases {
        assert_eq!(next_deadline(&[text], *date), *want, "{text} from {date}");
    }
}

#[test]
fn no_cadence_stated() {
    let cases: &[&[&str]] = &[
        &["Source: The Times \"Network will be fully deployed by April 2026\""],
        &["Council to publish its budget on or before 1 March 2027"],
        &["We have never received a National Security Letter."],
        &["There have been 98 Qubes security bulletins published so far."],
        &["The FBI seized one of riseup's servers in April 2012."],
        &["As of April 21, 2014, Riseup has not received any National Security Letters."],
        &["Our customers love our monthly newsletter about cats."],
        &[],
    ];
    for texts in cases {
        assert_eq!(next_deadline(texts, d(2024, 1, 1)), None, "{texts:?}");
    }
}

#[test]
fn a_past_deadline_is_ignored_for_the_period() {
    let texts = [
        "The next canary will be published before January 1, 2024.",
        "We update it quarterly.",
    ];
    assert_eq!(next_deadline(&texts, d(2024, 2, 1)), Some(d(2024, 5, 1)));
    assert_eq!(next_deadline(&texts[..1], d(2024, 2, 1)), None);
}

#[test]
fn the_ends_of_the_calendar_give_no_deadline_past_them() {
    let texts = [
        "We update this canary quarterly.",
        "This canary is renewed every 999 years.",
        "Riseup intends to update this report approximately once per quarter.",
        "The next statement will be published on or before 1 March.",
        "We plan to publish the next of these canary statements in the first fourteen days of September.",
        "This canary will be re-signed on the following dates: February 1, May 1.",
    ];
    for t in texts {
        // Every addition is checked: past the last date there is simply no deadline.
        assert_eq!(next_deadline(&[t], NaiveDate::MAX), None, "{t}");
        assert!(
            next_deadline(&[t], NaiveDate::MIN).is_some_and(|d| d > NaiveDate::MIN),
            "{t}"
        );
    }
}
