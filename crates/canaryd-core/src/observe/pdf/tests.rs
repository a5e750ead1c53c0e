//! Tests of reading PDF canaries (generated in the tests, never downloaded).

use super::*;
use canaryd_testkit::pdf::{Pdf, text_ops};

fn pdf(pages: &[&str]) -> Vec<u8> {
    pages.iter().fold(Pdf::new(), |pdf, p| pdf.page(p)).build()
}

const LEFT: [&str; 4] = [
    "We have never received a",
    "National Security Letter,",
    "a FISA order or a gag",
    "order of any kind.",
];
const RIGHT: [&str; 4] = [
    "No warrants have been",
    "served on our premises",
    "and no hardware has been",
    "seized by any authority.",
];

fn two_columns(interleaved: bool) -> String {
    let mut items = vec![(72, 740, "Transparency report 2026")];
    let rows = || (0..4).map(|i| 700 - 14 * i as u32);
    if interleaved {
        for (i, y) in rows().enumerate() {
            items.push((72, y, LEFT[i]));
            items.push((320, y, RIGHT[i]));
        }
    } else {
        items.extend(rows().enumerate().map(|(i, y)| (72, y, LEFT[i])));
        items.extend(rows().enumerate().map(|(i, y)| (320, y, RIGHT[i])));
    }
    items.push((
        72,
        100,
        "Footnote text spanning the whole width of the page, below both columns.",
    ));
    text_ops(&items)
}

fn expected_two_columns() -> String {
    format!(
        "Transparency report 2026\n\n{}\n{}\n\nFootnote text spanning the whole width of the page, below both columns.",
        LEFT.join("\n"),
        RIGHT.join("\n")
    )
}

#[test]
fn two_columns_drawn_column_by_column() {
    let text = extract_text(&pdf(&[&two_columns(false)])).unwrap();
    assert_eq!(text, expected_two_columns());
}

#[test]
fn two_columns_drawn_row_by_row_do_not_interleave() {
    let text = extract_text(&pdf(&[&two_columns(true)])).unwrap();
    assert_eq!(text, expected_two_columns());
    // pdf-extract's own plain-text output follows the content stream, row by row:
    let own = pdf_extract::extract_text_from_mem(&pdf(&[&two_columns(true)])).unwrap();
    assert!(
        own.contains("We have never received a No warrants have been"),
        "{own}"
    );
}

#[test]
fn hyphenated_line_break_inside_a_claim_is_joined() {
    let content = text_ops(&[
        (72, 700, "We have not received any Nation-"),
        (72, 686, "al Security Letters or secu-"),
        (72, 672, "rity orders. Well-"),
        (72, 658, "Known words keep their hyphen-"),
        (72, 644, "- and dashes too."),
    ]);
    let text = extract_text(&pdf(&[&content])).unwrap();
    assert_eq!(
        text,
        "We have not received any National Security Letters or security orders. Well-\n\
             Known words keep their hyphen-\n- and dashes too."
    );
}

#[test]
fn hyphen_join_across_a_column_break() {
    let content = text_ops(&[
        (72, 700, "We have never received a"),
        (72, 686, "National Security Let-"),
        (320, 700, "ter or a subpoena for"),
        (320, 686, "user data."),
    ]);
    let text = extract_text(&pdf(&[&content])).unwrap();
    assert_eq!(
        text,
        "We have never received a\nNational Security Letter or a subpoena for\nuser data."
    );
}

#[test]
fn footnote_marker_stays_on_its_line() {
    // A superscript marker (smaller, raised with Ts) and the footnote at the page foot.
    let content = "BT /F1 10 Tf 1 0 0 1 72 700 Tm (No National Security Letters) Tj \
                       /F1 6 Tf 4 Ts (1) Tj 0 Ts /F1 10 Tf ( have been received.) Tj ET \
                       BT /F1 8 Tf 1 0 0 1 72 80 Tm (1 As of 1 December 2026.) Tj ET";
    let text = extract_text(&pdf(&[content])).unwrap();
    assert_eq!(
        text,
        "No National Security Letters1 have been received.\n\n1 As of 1 December 2026."
    );
}

#[test]
fn tables_stay_row_by_row() {
    let content = text_ops(&[
        (72, 700, "Requests received in 2026"),
        (72, 680, "National Security Letters"),
        (400, 680, "0-249"),
        (72, 666, "FISA orders"),
        (400, 666, "0"),
        (72, 652, "Gag orders"),
        (400, 652, "none"),
    ]);
    assert_eq!(
        extract_text(&pdf(&[&content])).unwrap(),
        "Requests received in 2026\n\nNational Security Letters 0-249\nFISA orders 0\nGag orders none"
    );
}

#[test]
fn kerned_words_get_their_spaces() {
    // Word spacing by TJ displacement (no space glyph), as many generators write it.
    let content = "BT /F1 10 Tf 1 0 0 1 72 700 Tm [(No) -300 (warrants) -20 (,) -300 (no) -300 (gags.)] TJ ET";
    assert_eq!(
        extract_text(&pdf(&[content])).unwrap(),
        "No warrants, no gags."
    );
}

#[test]
fn pages_are_separated_by_a_blank_line() {
    let a = text_ops(&[(72, 700, "Page one.")]);
    let b = text_ops(&[(72, 700, "Page two.")]);
    assert_eq!(
        extract_text(&pdf(&[&a, &b])).unwrap(),
        "Page one.\n\nPage two."
    );
}

#[test]
fn image_only_pdf_has_no_text() {
    let content = "q 200 0 0 200 100 400 cm /Im1 Do Q";
    assert_eq!(extract_text(&pdf(&[content])), Err(PdfError::NoText));
    // Whitespace only is no text either.
    let blank = text_ops(&[(72, 700, "   ")]);
    assert_eq!(
        extract_text(&pdf(&[&blank, content])),
        Err(PdfError::NoText)
    );
}

#[test]
fn encrypted_pdf_is_reported() {
    let content = text_ops(&[(72, 700, "Secret canary")]);
    let bytes = Pdf::new().page(&content).encrypted().build();
    assert_eq!(extract_text(&bytes), Err(PdfError::Encrypted));
}

#[test]
fn garbage_is_malformed() {
    for bytes in [
        &b"this is not a pdf"[..],
        b"%PDF-1.7\n1 0 obj << /Type /Catalog",
        b"",
    ] {
        assert!(
            matches!(extract_text(bytes), Err(PdfError::Malformed(_))),
            "{:?}",
            extract_text(bytes)
        );
    }
    // A truncated real document.
    let whole = pdf(&[&text_ops(&[(72, 700, "Canary")])]);
    assert!(matches!(
        extract_text(&whole[..whole.len() / 3]),
        Err(PdfError::Malformed(_))
    ));
}

#[test]
fn a_panic_inside_the_reader_is_malformed() {
    // pdf-extract panics on an encoding name it does not know.
    let content = text_ops(&[(72, 700, "Canary")]);
    let bytes = Pdf::new().encoding("NoSuchEncoding").page(&content).build();
    let err = extract_text(&bytes).unwrap_err();
    assert!(
        matches!(&err, PdfError::Malformed(m) if m.contains("gave up")),
        "{err:?}"
    );
}

#[test]
fn detection() {
    assert!(looks_like_pdf(b"%PDF-1.4\n", None));
    assert!(looks_like_pdf(
        b"\xef\xbb\xbf\r\n%PDF-1.4\n",
        Some("text/html")
    ));
    assert!(looks_like_pdf(b"", Some("application/pdf")));
    assert!(looks_like_pdf(b"", Some("Application/PDF; charset=binary")));
    assert!(!looks_like_pdf(b"<html>%PDF</html>", Some("text/html")));
    assert!(!looks_like_pdf(b"", None));
}

#[test]
fn tidy_rules() {
    assert_eq!(tidy("secu-\nrity"), "security");
    assert_eq!(tidy("secu-\n  rity  \n\n\n\nnext"), "security\n\nnext");
    assert_eq!(tidy("2025-\n2026"), "2025-\n2026");
    assert_eq!(tidy("co-\nOperate"), "co-\nOperate");
    assert_eq!(tidy("a-\n\nb"), "a-\n\nb");
    assert_eq!(tidy("\n\n"), "");
}

#[test]
fn text_inside_nested_forms_is_read() {
    use canaryd_testkit::pdf::nested_forms;
    let line = "We have never received a warrant.";
    assert_eq!(extract_text(&nested_forms(3, line)).as_deref(), Ok(line));
    let deepest = nested_forms(nesting::MAX_FORM_DEPTH, line);
    assert_eq!(extract_text(&deepest).as_deref(), Ok(line));
}

// Without the bounds in `nesting`, each of these overflows pdf-extract's stack (a crash of the
// reading process) or draws for hours.
#[test]
fn recursion_without_end_is_a_failed_read() {
    use canaryd_testkit::pdf::{Pdf, form_fan_out, nested_forms, self_drawing_form};
    let err = |bytes: &[u8]| extract_text(bytes).unwrap_err().to_string();
    assert_eq!(
        err(&self_drawing_form()),
        "malformed PDF: page 1 draws a form XObject that draws itself"
    );
    let deep = nested_forms(nesting::MAX_FORM_DEPTH + 1, "Canary");
    assert_eq!(
        err(&deep),
        format!(
            "the PDF is past canaryd's bounds for reading one: page 1 nests form XObjects more than {} deep",
            nesting::MAX_FORM_DEPTH
        )
    );
    assert_eq!(
        err(&form_fan_out(24)),
        format!(
            "the PDF is past canaryd's bounds for reading one: more than {} form XObjects drawn (by page 1)",
            nesting::MAX_FORMS_DRAWN
        )
    );
    let looped = Pdf::new()
        .page(&text_ops(&[(72, 700, "Canary")]))
        .page(&text_ops(&[(72, 700, "Canary")]))
        .parent_loop()
        .build();
    assert_eq!(
        err(&looped),
        "malformed PDF: page 2's /Parent chain loops back on itself"
    );
}
